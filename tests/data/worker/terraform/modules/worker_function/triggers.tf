# Schedule (EventBridge rule -> alias).
resource "aws_cloudwatch_event_rule" "schedule" {
  count = var.schedule == null ? 0 : 1

  name                = local.schedule_rule_name
  schedule_expression = var.schedule
}

resource "aws_cloudwatch_event_target" "schedule" {
  count = var.schedule == null ? 0 : 1

  rule = aws_cloudwatch_event_rule.schedule[0].name
  arn  = aws_lambda_alias.live.arn
}

resource "aws_lambda_permission" "schedule" {
  count = var.schedule == null ? 0 : 1

  statement_id  = local.statement_ids.schedule
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[0].arn
}

# SQS (event source mapping; the function's role may read and delete the queue's
# messages, and Lambda checks that when the mapping is created).
resource "aws_lambda_event_source_mapping" "sqs" {
  count = var.sqs_queue_arn == null ? 0 : 1

  event_source_arn        = var.sqs_queue_arn
  function_name           = aws_lambda_alias.live.arn
  batch_size              = var.sqs_batch_size
  function_response_types = ["ReportBatchItemFailures"]

  depends_on = [aws_iam_role_policy.this]
}

# SNS (subscription -> alias).
resource "aws_sns_topic_subscription" "sns" {
  count = var.sns_topic_arn == null ? 0 : 1

  topic_arn = var.sns_topic_arn
  protocol  = "lambda"
  endpoint  = aws_lambda_alias.live.arn
}

resource "aws_lambda_permission" "sns" {
  count = var.sns_topic_arn == null ? 0 : 1

  statement_id  = local.statement_ids.sns
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "sns.amazonaws.com"
  source_arn    = var.sns_topic_arn
}

# S3 (bucket notification -> alias). A bucket has one notification configuration,
# so the notification itself is made in the root (s3_notifications.tf, written by
# `build-pkg.py tf`) from every function's s3_trigger output, one per bucket.
resource "aws_lambda_permission" "s3" {
  count = var.s3_trigger_bucket == null ? 0 : 1

  statement_id  = local.statement_ids.s3
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "s3.amazonaws.com"
  source_arn    = "arn:aws:s3:::${var.s3_trigger_bucket}"
}
