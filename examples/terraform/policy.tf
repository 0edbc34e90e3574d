# A customer managed policy: gatehouse attaches such policies to roles but
# does not create them, so this one stays in Terraform after the migration.
resource "aws_iam_policy" "assume_production_access" {
  name        = "AssumeProductionAccess"
  description = "Lets EngineerIdentity assume EngineerAccess in production"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "sts:AssumeRole"
      Resource = "arn:aws:iam::${var.production_account_id}:role/EngineerAccess"
    }]
  })
}
