# HTTP routes on the shared API (payload format 2.0 -> alias).
resource "aws_apigatewayv2_integration" "http" {
  count = length(var.http_routes) == 0 ? 0 : 1

  api_id                 = local.http_api_id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_alias.live.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "http" {
  for_each = toset(var.http_routes)

  api_id    = local.http_api_id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.http[0].id}"
}

resource "aws_lambda_permission" "http" {
  count = length(var.http_routes) == 0 ? 0 : 1

  statement_id  = local.statement_ids.http
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${local.http_execution}/*/*"
}
