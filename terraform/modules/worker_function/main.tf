locals {
  function_name = "${var.name_prefix}-${var.name}"
}

# Created before the function so Lambda never creates it without a retention.
resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "this" {
  function_name    = local.function_name
  description      = var.description
  role             = var.role_arn
  handler          = var.handler
  runtime          = var.runtime
  architectures    = [var.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout
  layers           = var.layers
  publish          = var.publish
  filename         = var.s3_bucket == null ? var.package_path : null
  s3_bucket        = var.s3_bucket
  s3_key           = var.s3_key
  source_code_hash = var.package_hash

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
