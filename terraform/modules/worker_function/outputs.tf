output "function_name" {
  value = aws_lambda_function.this.function_name
}

output "function_arn" {
  value = aws_lambda_function.this.arn
}

output "alias_arn" {
  description = "The live alias, which every trigger invokes."
  value       = aws_lambda_alias.live.arn
}

output "version" {
  value = aws_lambda_function.this.version
}
