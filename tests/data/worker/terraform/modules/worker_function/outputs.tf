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

output "role_arn" {
  description = "The function's execution role (its own, or an adopted function's live one)."
  value       = local.role_arn
}

output "s3_trigger" {
  description = "This function's S3 trigger for the root's bucket notifications (null without one)."
  value = var.s3_trigger_bucket == null ? null : {
    bucket              = var.s3_trigger_bucket
    lambda_function_arn = aws_lambda_alias.live.arn
    events              = var.s3_events
    filter_prefix       = var.s3_filter_prefix
    filter_suffix       = var.s3_filter_suffix
    permission          = aws_lambda_permission.s3[0].statement_id
  }
}
