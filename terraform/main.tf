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

  # true: the locked dependencies go to terraform/layer.zip, one Lambda layer every
  # function uses, and dists.zip holds only the functions' code, so a code edit never
  # republishes the dependencies. `build-pkg.py build` reads this line as its default
  # (`build --layer/--no-layer` overrides it); Terraform follows what was built.
  dependency_layer = false

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
  # The layer the build made, or null (`terraform validate` evaluates a count = 0
  # resource too, so its arguments are read through try()). Its hash is of its content
  # (the files it puts under /opt/python), not of the zip's bytes: a new compressor or
  # builder publishes no new version.
  layer      = try(local.manifest.layer, null)
  layer_file = try("${path.module}/${local.layer.package}", null)
  layer_hash = try(local.layer.content_hash, null)

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
    layers                 = aws_lambda_layer_version.dependencies[*].arn
    policy_arns            = var.extra_policy_arns
    log_retention_days     = var.log_retention_days
    http_api_id            = aws_apigatewayv2_api.http.id
    http_api_execution_arn = aws_apigatewayv2_api.http.execution_arn
  }
}

# The dependency layer, when the build made one. Its hash changes only with the lock,
# so a code edit publishes no new version; a lock change publishes one, and every
# function moves to it with a new function version (their code hashes include the
# dependencies, so no function mixes old code with a new layer). Old versions are
# kept for rollbacks: skip_destroy leaves them in AWS when a new one replaces them.
resource "aws_lambda_layer_version" "dependencies" {
  count = local.layer == null ? 0 : 1

  layer_name               = "${local.name_prefix}-dependencies"
  description              = "Pipfile.lock [packages] for ${local.runtime} ${local.architecture}, built by build-pkg.py"
  filename                 = local.package_s3_bucket == null ? local.layer_file : null
  s3_bucket                = local.package_s3_bucket
  s3_key                   = local.package_s3_bucket == null ? null : var.layer_s3_key
  source_code_hash         = local.layer_hash
  compatible_runtimes      = [local.runtime]
  compatible_architectures = [local.architecture]
  skip_destroy             = true
}
