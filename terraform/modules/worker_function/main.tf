locals {
  function_name  = "${var.shared.name_prefix}-${var.name}"
  runtime        = coalesce(var.runtime, var.shared.runtime)
  architecture   = coalesce(var.architecture, var.shared.architecture)
  log_retention  = coalesce(var.log_retention_days, var.shared.log_retention_days)
  from_s3        = var.shared.package_s3_bucket != null
  http_api_id    = var.shared.http_api_id
  http_execution = var.shared.http_api_execution_arn
}

# Created before the function so Lambda never creates it without a retention.
resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = local.log_retention
}

resource "aws_lambda_function" "this" {
  function_name    = local.function_name
  description      = var.description
  role             = var.shared.role_arn
  handler          = var.handler
  runtime          = local.runtime
  architectures    = [local.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout
  layers           = var.layers
  publish          = var.publish
  filename         = local.from_s3 ? null : var.shared.package_path
  s3_bucket        = var.shared.package_s3_bucket
  s3_key           = var.shared.package_s3_key
  source_code_hash = var.shared.package_hash

  environment {
    variables = merge({ POWERTOOLS_SERVICE_NAME = var.name }, var.environment)
  }

  depends_on = [aws_cloudwatch_log_group.this]
}

# Triggers invoke the alias, not $LATEST: `build-pkg.py canary` shifts its weights
# between versions, and Terraform leaves that routing alone.
resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    ignore_changes = [routing_config]
  }
}
