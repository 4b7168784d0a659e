# Stands in for terraform/ in the release tests. The AWS provider cannot be
# downloaded on these machines, so builtin terraform_data resources take the
# places of the AWS ones; everything else (function files written by `tf`, the
# module's variables, locals, backend config, var files) is as in the real tree.
terraform {
  required_version = ">= 1.10"

  backend "local" {}
}
