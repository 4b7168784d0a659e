terraform {
  # 1.10+: the S3 backend locks state with a lock object (use_lockfile), no DynamoDB table.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration, one file per environment:
  #   terraform init -backend-config=env/<env>.backend.hcl
  backend "s3" {}
}
