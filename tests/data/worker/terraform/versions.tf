terraform {
  # 1.10+: the S3 backend locks state with a lock object (use_lockfile), no DynamoDB table.
  required_version = ">= 1.10"

  # Pinned exactly: .terraform.lock.hcl is not committed (see docs/commands.md), so the
  # pin is what makes every init, on every machine, use the same provider.
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.62.0"
    }
  }

  # Partial configuration, one file per environment:
  #   terraform init -backend-config=env/<env>.backend.hcl
  backend "s3" {}
}
