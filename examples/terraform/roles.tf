# The role pair of seed 000: engineers step from their Identity Center session
# into EngineerIdentity in management, and from there into EngineerAccess in
# production.

resource "aws_iam_role" "engineer_identity" {
  name = "EngineerIdentity"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.management_account_id}:root" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "engineer_identity_assume_production" {
  role       = aws_iam_role.engineer_identity.name
  policy_arn = aws_iam_policy.assume_production_access.arn
}

resource "aws_iam_role" "engineer_access" {
  provider = aws.production
  name     = "EngineerAccess"
  # The tightened trust: the exact role, which exists by now.
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = aws_iam_role.engineer_identity.arn }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "engineer_access_read_only" {
  provider   = aws.production
  role       = aws_iam_role.engineer_access.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
