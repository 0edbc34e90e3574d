variable "region" {
  description = "Region of the IAM Identity Center instance."
  type        = string
  default     = "us-east-1"
}

variable "management_account_id" {
  description = "The management account: where engineers sign in and where EngineerIdentity lives."
  type        = string
  default     = "111122223333"
}

variable "production_account_id" {
  description = "The production account: where EngineerAccess lives."
  type        = string
  default     = "444455556666"
}

variable "production_admin_role" {
  description = "Name of the role Terraform assumes in production (Organizations creates OrganizationAccountAccessRole in every member account)."
  type        = string
  default     = "OrganizationAccountAccessRole"
}
