output "http_api_endpoint" {
  description = "Base URL of the shared HTTP API."
  value       = aws_apigatewayv2_api.http.api_endpoint
}

output "package_hash" {
  description = "filebase64sha256 of the deployed dists.zip (compare with terraform/dists.manifest.json)."
  value       = local.package_hash
}
