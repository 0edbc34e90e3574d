# Hand IAM Identity Center and the two roles over to gatehouse: delete
# identity-center.tf and roles.tf, and put this file in their place. Terraform
# then forgets these resources without destroying them (Terraform 1.7 or
# newer; older versions: terraform state rm each address instead).
# policy.tf stays: gatehouse attaches that policy but does not create it.

removed {
  from = aws_identitystore_user.alice
  lifecycle { destroy = false }
}

removed {
  from = aws_identitystore_user.bob
  lifecycle { destroy = false }
}

removed {
  from = aws_identitystore_group.engineers
  lifecycle { destroy = false }
}

removed {
  from = aws_identitystore_group_membership.engineers
  lifecycle { destroy = false }
}

removed {
  from = aws_ssoadmin_permission_set.engineer_sign_in
  lifecycle { destroy = false }
}

removed {
  from = aws_ssoadmin_managed_policy_attachment.engineer_sign_in_read_only
  lifecycle { destroy = false }
}

removed {
  from = aws_ssoadmin_permission_set_inline_policy.engineer_sign_in
  lifecycle { destroy = false }
}

removed {
  from = aws_ssoadmin_permission_set.platform_admin
  lifecycle { destroy = false }
}

removed {
  from = aws_ssoadmin_managed_policy_attachment.platform_admin
  lifecycle { destroy = false }
}

removed {
  from = aws_ssoadmin_account_assignment.engineers_management
  lifecycle { destroy = false }
}

removed {
  from = aws_ssoadmin_account_assignment.alice_admin
  lifecycle { destroy = false }
}

removed {
  from = aws_iam_role.engineer_identity
  lifecycle { destroy = false }
}

removed {
  from = aws_iam_role_policy_attachment.engineer_identity_assume_production
  lifecycle { destroy = false }
}

removed {
  from = aws_iam_role.engineer_access
  lifecycle { destroy = false }
}

removed {
  from = aws_iam_role_policy_attachment.engineer_access_read_only
  lifecycle { destroy = false }
}
