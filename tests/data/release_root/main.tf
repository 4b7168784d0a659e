locals {
  name_prefix = "${var.project}-${var.environment}"

  runtime      = "python3.12"
  architecture = "x86_64"

  package_path = "${path.module}/dists.zip"
  package_hash = filebase64sha256(local.package_path)

  package_s3_bucket = var.package_s3_bucket
  package_s3_key    = var.package_s3_key

  worker = {
    name_prefix            = local.name_prefix
    runtime                = local.runtime
    architecture           = local.architecture
    package_path           = local.package_path
    package_hash           = local.package_hash
    package_s3_bucket      = local.package_s3_bucket
    package_s3_key         = local.package_s3_key
    policy_arns            = var.extra_policy_arns
    log_retention_days     = var.log_retention_days
    http_api_id            = terraform_data.api.output
    http_api_execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:${terraform_data.api.output}"
  }
}

resource "terraform_data" "api" {
  input = "api-${var.environment}"
}

# An AWS API error during apply, on demand.
resource "terraform_data" "failure" {
  count = var.fail_apply ? 1 : 0

  provisioner "local-exec" {
    command = "echo 'simulated AWS error: AccessDenied' >&2; exit 1"
  }
}

# A slow apply, on demand: something to interrupt.
resource "terraform_data" "slow" {
  count = var.slow_apply ? 1 : 0

  provisioner "local-exec" {
    command = "echo 'slow step started'; sleep 30"
  }
}
