# The REST API the code describes: `build-pkg.py build` writes terraform/openapi.json from the
# functions' Powertools resolvers (each operation's integration URI a `${uri_<function>}`
# placeholder), and this file serves it. No file, no REST API.
locals {
  openapi_path = "${path.module}/openapi.json"
  rest_api     = fileexists(local.openapi_path)
  # The functions the document routes to, from its placeholders.
  rest_functions = local.rest_api ? toset(flatten(regexall("\\$\\{uri_([A-Za-z0-9_]+)\\}", file(local.openapi_path)))) : toset([])
  # Each URI in the full-ARN form API Gateway accepts with a stage variable: the stage picks
  # the alias (or, for an API canary, the version) of each function it calls.
  rest_body = local.rest_api ? templatefile(local.openapi_path, {
    for name in local.rest_functions : "uri_${name}" =>
    "arn:aws:apigateway:${var.region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${var.region}:${data.aws_caller_identity.current.account_id}:function:${local.name_prefix}-${name}:$${stageVariables.${name}}/invocations"
  }) : null
}

resource "aws_api_gateway_rest_api" "rest" {
  count = local.rest_api ? 1 : 0

  name               = "${local.name_prefix}-rest"
  body               = local.rest_body
  binary_media_types = var.binary_media_types

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Redeployed only when the document changes: a code change elsewhere keeps the deployment.
# (`terraform validate` evaluates a count = 0 resource too, hence the coalesce.)
resource "aws_api_gateway_deployment" "rest" {
  count = local.rest_api ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.rest[0].id
  triggers = {
    redeployment = sha1(coalesce(local.rest_body, "-"))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "rest_api" {
  count = local.rest_api ? 1 : 0

  name              = "/aws/apigateway/${local.name_prefix}-rest"
  retention_in_days = var.log_retention_days
}

# One stage per environment; its variables name what each function's routes call (the
# `live` alias). `build-pkg.py canary --api` changes the stage's canary settings, which
# Terraform leaves alone.
resource "aws_api_gateway_stage" "rest" {
  count = local.rest_api ? 1 : 0

  rest_api_id          = aws_api_gateway_rest_api.rest[0].id
  deployment_id        = aws_api_gateway_deployment.rest[0].id
  stage_name           = var.environment
  variables            = { for name in local.rest_functions : name => "live" }
  xray_tracing_enabled = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.rest_api[0].arn
    format = jsonencode({
      requestId = "$context.requestId"
      resource  = "$context.resourcePath"
      method    = "$context.httpMethod"
      status    = "$context.status"
      latencyMs = "$context.responseLatency"
      ip        = "$context.identity.sourceIp"
    })
  }

  lifecycle {
    ignore_changes = [canary_settings]
  }
}

# The stage may invoke each function's live alias, from this API only.
resource "aws_lambda_permission" "rest" {
  for_each = local.rest_functions

  statement_id  = "AllowRestApi"
  action        = "lambda:InvokeFunction"
  function_name = "${local.name_prefix}-${each.key}"
  qualifier     = "live"
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.rest[0].execution_arn}/*/*/*"
}
