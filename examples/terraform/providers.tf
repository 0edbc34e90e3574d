# Credentials of the management account come from the usual chain (profile,
# environment, SSO). Production is reached through the role Organizations
# made there, as seed 000's two stacks reach it through two profiles.
provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "production"
  region = var.region
  assume_role {
    role_arn = "arn:aws:iam::${var.production_account_id}:role/${var.production_admin_role}"
  }
}
