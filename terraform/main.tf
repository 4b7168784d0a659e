provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}

locals {
  name_prefix = "${var.project}-${var.environment}"

  # What `build-pkg.py build` produces; `build-pkg.py check` verifies that these agree
  # with the build (runtime from the Pipfile, architecture from --arch).
  runtime      = "python3.12"
  architecture = "x86_64"

  # The one package every function deploys. Its hash changes only when the zip's
  # bytes do, and the build is byte-identical for identical inputs.
  package_path = "${path.module}/dists.zip"
  package_hash = filebase64sha256(local.package_path)

  # Set by `build-pkg.py release --s3-bucket`: the same zip, uploaded under its
  # sha256. Needed for packages over 50 MB; keeps every release's package.
  package_s3_bucket = var.package_s3_bucket
  package_s3_key    = var.package_s3_key

  # What the function files refer to, so they never name a resource directly.
  worker_role_arn        = aws_iam_role.worker.arn
  worker_role_name       = aws_iam_role.worker.name
  http_api_id            = aws_apigatewayv2_api.http.id
  http_api_execution_arn = aws_apigatewayv2_api.http.execution_arn
}
