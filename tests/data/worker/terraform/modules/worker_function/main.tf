locals {
  # An adopted function keeps the names it has in AWS (see var.adopted); others are
  # <project>-<env>-<name>, with a role of their own and the `live` alias.
  function_name      = coalesce(try(var.adopted.function_name, null), "${var.shared.name_prefix}-${var.name}")
  own_role           = try(var.adopted.role_arn, null) == null
  role_arn           = local.own_role ? aws_iam_role.this[0].arn : var.adopted.role_arn
  alias_name         = coalesce(try(var.adopted.alias_name, null), "live")
  schedule_rule_name = coalesce(try(var.adopted.schedule_rule_name, null), "${local.function_name}-schedule")
  statement_ids = merge(
    { schedule = "AllowEventBridgeSchedule", sns = "AllowSNS", s3 = "AllowS3", http = "AllowHttpApi" },
    coalesce(try(var.adopted.statement_ids, null), {}),
  )
  runtime       = coalesce(var.runtime, var.shared.runtime)
  architecture  = coalesce(var.architecture, var.shared.architecture)
  log_retention = coalesce(var.log_retention_days, var.shared.log_retention_days)
  from_s3       = var.shared.package_s3_bucket != null
  # Built as images: this function runs its own, `<repository>@<digest>`; the handler is
  # the image's CMD, the runtime and the dependencies are inside it.
  image_uri = lookup(var.shared.image_uris, var.name, null)
  # With S3, a function deploys from the package its code first shipped in (release
  # finds it in the previous release's record): an unchanged function keeps its key,
  # and no object is written or copied for it.
  s3_key         = lookup(var.shared.code_objects, var.name, var.shared.package_s3_key)
  http_api_id    = var.shared.http_api_id
  http_execution = var.shared.http_api_execution_arn
  # What each published version runs, as the builder names it: the image's digest, or
  # the function's own code hash with the zip its code was uploaded in (a zip's CodeSha256
  # is every function's, so the hash names the code and the zip proves the version still
  # has it: code uploaded outside a release keeps the description, not the CodeSha256).
  # Each version keeps the description it was published with; `build-pkg.py status --env`
  # reads it, and `release --code-only` writes the same marker.
  code_identity = local.image_uri != null ? split("@", local.image_uri)[1] : lookup(var.shared.code_keys, var.name, null)
  code_zip      = local.image_uri == null && local.code_identity != null ? terraform_data.code_zip[0].output : null
  marker        = local.code_identity == null ? null : (local.code_zip == null ? "build-pkg code ${local.code_identity}" : "build-pkg code ${local.code_identity} zip ${local.code_zip}")
  description   = local.marker == null ? var.description : substr(trimspace("${local.marker} ${var.description}"), 0, 256)
}

# The zip this function's code was last uploaded in: taken when its code identity changes
# (the upload happens then) and kept while it stays, however many later zips hold the same
# code. Its source_code_hash follows it, so the code and the record never part. From S3,
# a new key is an upload too; release only ever moves a key to the current package, whose
# hash package_hash is.
resource "terraform_data" "code_zip" {
  count = local.image_uri == null && lookup(var.shared.code_keys, var.name, null) != null ? 1 : 0

  triggers_replace = local.from_s3 ? [lookup(var.shared.code_keys, var.name, null), local.s3_key] : [lookup(var.shared.code_keys, var.name, null)]
  input            = var.shared.package_hash

  lifecycle {
    ignore_changes = [input]
  }
}

# Created before the function so Lambda never creates it without a retention.
resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = local.log_retention
}

# One role per function, holding only what this function needs: writing its own
# logs, reading its own queue, and the statements its file declares. A shared role
# would let every function read every queue, and its inline policy would pass IAM's
# 10,240-character limit at about 40 queues; one role each keeps both in bounds.
resource "aws_iam_role" "this" {
  count = local.own_role ? 1 : 0

  name = local.function_name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy" "this" {
  count = local.own_role ? 1 : 0

  name = "function"
  role = aws_iam_role.this[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid      = "OwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      }],
      var.sqs_queue_arn == null ? [] : [{
        Sid      = "ReadOwnQueue"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
        Resource = [var.sqs_queue_arn]
      }],
      [for index, statement in var.policy_statements : {
        Sid      = "Declared${index}"
        Effect   = statement.effect
        Action   = statement.actions
        Resource = statement.resources
      }],
    )
  })
}

resource "aws_iam_role_policy_attachment" "extra" {
  for_each = local.own_role ? toset(concat(var.shared.policy_arns, var.policy_arns)) : toset([])

  role       = aws_iam_role.this[0].name
  policy_arn = each.value
}

resource "aws_lambda_function" "this" {
  function_name    = local.function_name
  description      = local.description
  role             = local.role_arn
  package_type     = local.image_uri == null ? "Zip" : "Image"
  image_uri        = local.image_uri
  handler          = local.image_uri == null ? var.handler : null
  runtime          = local.image_uri == null ? local.runtime : null
  architectures    = [local.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout
  layers           = local.image_uri == null ? concat(var.shared.layers, var.layers) : []
  publish          = var.publish
  filename         = local.image_uri == null && !local.from_s3 ? var.shared.package_path : null
  s3_bucket        = local.image_uri == null ? var.shared.package_s3_bucket : null
  s3_key           = local.image_uri == null && local.from_s3 ? local.s3_key : null
  source_code_hash = local.image_uri != null ? null : (local.code_zip == null ? lookup(var.shared.code_hashes, var.name, var.shared.package_hash) : base64sha256("${lookup(var.shared.code_hashes, var.name, "")} ${local.code_zip}"))

  environment {
    variables = merge({ POWERTOOLS_SERVICE_NAME = var.name }, var.environment)
  }

  # PassThrough (the default) joins traces that callers start at no cost; Active samples here.
  tracing_config {
    mode = var.tracing_mode
  }

  depends_on = [aws_cloudwatch_log_group.this]

  # Who deploys the code. [] : Terraform, from the build's manifest. For code-only
  # releases (`release --code-only`: the developers push code, Terraform owns the
  # configuration), set it to [image_uri, filename, s3_bucket, s3_key, source_code_hash,
  # description] (the description records the code: whoever deploys it writes it) and the alias's below to [routing_config, function_version]; both or neither
  # (`check` says so), for every function at once.
  lifecycle {
    ignore_changes = []
  }
}

# Triggers invoke the alias, not $LATEST: `build-pkg.py canary` shifts its weights
# between versions, and Terraform leaves that routing alone.
resource "aws_lambda_alias" "live" {
  name             = local.alias_name
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    ignore_changes = [routing_config]
  }
}

# The role and its policy became optional (an adopted function keeps its own role):
# state from before keeps them, under their indexed addresses.
moved {
  from = aws_iam_role.this
  to   = aws_iam_role.this[0]
}

moved {
  from = aws_iam_role_policy.this
  to   = aws_iam_role_policy.this[0]
}
