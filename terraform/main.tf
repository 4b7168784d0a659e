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

  # "image": every function deploys as its own container image instead (`build` writes
  # one per function to terraform/images/; `release` pushes the changed ones to
  # aws_ecr_repository.functions), with the dependencies inside it, not in a layer.
  # base_image: the base they are built on, HOST/NAME:TAG@sha256:..., pinned by digest;
  # null is the AWS Lambda base image the builder pins for the runtime. `build` reads
  # both lines as its defaults (`build --image/--no-image`, `--base-image` override them).
  package_type = "zip"
  base_image   = null

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
  # What the build made the functions into: "image" deploys each from its image,
  # `<repository>@<image_digest>`, the digest being that function's identity (an
  # unchanged function keeps its URI). A function without a digest fails the plan, so a
  # half-written build never deploys as zip.
  built_as   = try(local.manifest.package_type, "zip")
  image_uris = local.built_as == "image" ? { for f in local.manifest.functions : f.name => "${aws_ecr_repository.functions[0].repository_url}@${f.image_digest}" } : {}

  # Set by `build-pkg.py release --s3-bucket`: the same zip, uploaded under its
  # sha256. Needed for packages over 50 MB; keeps every release's package. Each
  # function deploys from the package its code first shipped in (code_objects).
  package_s3_bucket = var.package_s3_bucket
  package_s3_key    = var.package_s3_key
  code_objects      = var.code_objects

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
    code_objects           = local.code_objects
    layers                 = local.built_as == "image" ? [] : aws_lambda_layer_version.dependencies[*].arn
    image_uris             = local.image_uris
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

# The images' repository, when the build made images: `release` (or `build --push`)
# pushes each changed image by digest, tagged <function>.<digest prefix>. Tags are
# immutable (a tag names one content for ever), images are scanned on push, and the
# lifecycle policy keeps the newest var.images_kept of each function (an alias, a
# canary or a rollback points at one of those; `prune` deletes versions, and their
# images, that nothing uses) and expires untagged images after a day. Encrypted with KMS.
resource "aws_ecr_repository" "functions" {
  count = local.built_as == "image" ? 1 : 0

  name                 = "${local.name_prefix}-functions"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  # KMS with the AWS-managed key (aws/ecr): encrypted at rest with an auditable key.
  encryption_configuration {
    encryption_type = "KMS"
  }
}

resource "aws_ecr_lifecycle_policy" "functions" {
  count = local.built_as == "image" ? 1 : 0

  repository = aws_ecr_repository.functions[0].name
  policy = jsonencode({
    rules = concat(
      [{
        rulePriority = 1
        description  = "untagged images: none of ours, expire them"
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 1 }
        action       = { type = "expire" }
      }],
      [for index, f in local.manifest.functions : {
        rulePriority = index + 2
        description  = "${f.name}: keep the newest ${var.images_kept}"
        selection    = { tagStatus = "tagged", tagPrefixList = ["${f.name}."], countType = "imageCountMoreThan", countNumber = var.images_kept }
        action       = { type = "expire" }
      }],
    )
  })
}

data "aws_caller_identity" "current" {}

# Lambda pulls the images with its service principal, for this environment's functions in
# this account only (a Service principal without the account would let any account's
# function of the same name pull them).
resource "aws_ecr_repository_policy" "functions" {
  count = local.built_as == "image" ? 1 : 0

  repository = aws_ecr_repository.functions[0].name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaPull"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      Condition = {
        StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:aws:lambda:${var.region}:${data.aws_caller_identity.current.account_id}:function:${local.name_prefix}-*" }
      }
    }]
  })
}
