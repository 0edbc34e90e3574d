// Package migrate tests docs/migrate-from-terraform.md end to end: the
// Terraform configuration of examples/terraform (seed 000's Identity Center
// setup and its EngineerIdentity/EngineerAccess roles) applied by Terraform
// to the sandbox, taken over by gatehouse import and the roles written in
// examples/terraform/migrate, then removed from Terraform's state with
// removed blocks, Terraform destroying nothing and gatehouse owning it all.
package migrate
