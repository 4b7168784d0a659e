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

  # Each function's own code hash, from the build's manifest (its import closure, the
  # dependencies, runtime, architecture, handler): a function whose code did not change
  # keeps its hash, so Terraform leaves it alone, however many others changed.
  manifest    = jsondecode(file("${path.module}/dists.manifest.json"))
  code_hashes = { for f in local.manifest.functions : f.name => f.source_code_hash }
  code_keys   = { for f in local.manifest.functions : f.name => f.code_sha256 }

  # Set by `build-pkg.py release --s3-bucket`: the same zip, uploaded under its
  # sha256. Needed for packages over 50 MB; keeps every release's package.
  package_s3_bucket = var.package_s3_bucket
  package_s3_key    = var.package_s3_key

  # Everything the functions share, handed to each function file as `shared`:
  # the files stay a few lines long and never name a resource directly.
  worker = {
    name_prefix            = local.name_prefix
    runtime                = local.runtime
    architecture           = local.architecture
    package_path           = local.package_path
    package_hash           = local.package_hash
    code_hashes            = local.code_hashes
    code_keys              = local.code_keys
    package_s3_bucket      = local.package_s3_bucket
    package_s3_key         = local.package_s3_key
    policy_arns            = var.extra_policy_arns
    log_retention_days     = var.log_retention_days
    http_api_id            = aws_apigatewayv2_api.http.id
    http_api_execution_arn = aws_apigatewayv2_api.http.execution_arn
  }
}
