terraform {
  required_version = ">= 1.7" # removed blocks (see docs/migrate-from-terraform.md)
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}
