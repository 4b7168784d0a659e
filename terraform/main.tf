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
}
