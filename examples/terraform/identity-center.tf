# IAM Identity Center: the people, their group, two permission sets and who
# gets them where. gatehouse import writes all of this into a model.

data "aws_ssoadmin_instances" "this" {}

locals {
  instance_arn      = tolist(data.aws_ssoadmin_instances.this.arns)[0]
  identity_store_id = tolist(data.aws_ssoadmin_instances.this.identity_store_ids)[0]
}

resource "aws_identitystore_user" "alice" {
  identity_store_id = local.identity_store_id
  user_name         = "alice"
  display_name      = "Alice Doe"
  name {
    given_name  = "Alice"
    family_name = "Doe"
  }
  emails {
    value   = "alice@example.com"
    primary = true
  }
}

resource "aws_identitystore_user" "bob" {
  identity_store_id = local.identity_store_id
  user_name         = "bob"
  display_name      = "Bob Martin"
  name {
    given_name  = "Bob"
    family_name = "Martin"
  }
  emails {
    value   = "bob@example.com"
    primary = true
  }
}

resource "aws_identitystore_group" "engineers" {
  identity_store_id = local.identity_store_id
  display_name      = "Engineers"
  description       = "Everyone who builds and runs the product"
}

resource "aws_identitystore_group_membership" "engineers" {
  for_each = {
    alice = aws_identitystore_user.alice.user_id
    bob   = aws_identitystore_user.bob.user_id
  }
  identity_store_id = local.identity_store_id
  group_id          = aws_identitystore_group.engineers.group_id
  member_id         = each.value
}

# What engineers get when they sign in to management: read-only access and
# the right to step into EngineerIdentity.
resource "aws_ssoadmin_permission_set" "engineer_sign_in" {
  instance_arn     = local.instance_arn
  name             = "EngineerSignIn"
  description      = "Sign-in for engineers; the way to production goes through EngineerIdentity"
  session_duration = "PT8H"
  tags             = { team = "platform" }
}

resource "aws_ssoadmin_managed_policy_attachment" "engineer_sign_in_read_only" {
  instance_arn       = local.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.engineer_sign_in.arn
  managed_policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_ssoadmin_permission_set_inline_policy" "engineer_sign_in" {
  instance_arn       = local.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.engineer_sign_in.arn
  inline_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "AssumeEngineerIdentity"
      Effect   = "Allow"
      Action   = "sts:AssumeRole"
      Resource = "arn:aws:iam::${var.management_account_id}:role/EngineerIdentity"
    }]
  })
}

# Break-glass administration of both accounts, for one person.
resource "aws_ssoadmin_permission_set" "platform_admin" {
  instance_arn     = local.instance_arn
  name             = "PlatformAdmin"
  description      = "Full administration, for the platform team"
  session_duration = "PT4H"
}

resource "aws_ssoadmin_managed_policy_attachment" "platform_admin" {
  instance_arn       = local.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.platform_admin.arn
  managed_policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_ssoadmin_account_assignment" "engineers_management" {
  instance_arn       = local.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.engineer_sign_in.arn
  principal_type     = "GROUP"
  principal_id       = aws_identitystore_group.engineers.group_id
  target_type        = "AWS_ACCOUNT"
  target_id          = var.management_account_id
}

resource "aws_ssoadmin_account_assignment" "alice_admin" {
  for_each           = toset([var.management_account_id, var.production_account_id])
  instance_arn       = local.instance_arn
  permission_set_arn = aws_ssoadmin_permission_set.platform_admin.arn
  principal_type     = "USER"
  principal_id       = aws_identitystore_user.alice.user_id
  target_type        = "AWS_ACCOUNT"
  target_id          = each.value
}
