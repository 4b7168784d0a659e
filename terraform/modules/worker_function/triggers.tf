# Schedule (EventBridge rule -> alias).
resource "aws_cloudwatch_event_rule" "schedule" {
  count = var.schedule == null ? 0 : 1

  name                = "${local.function_name}-schedule"
  schedule_expression = var.schedule
}

resource "aws_cloudwatch_event_target" "schedule" {
  count = var.schedule == null ? 0 : 1

  rule = aws_cloudwatch_event_rule.schedule[0].name
  arn  = aws_lambda_alias.live.arn
}

resource "aws_lambda_permission" "schedule" {
  count = var.schedule == null ? 0 : 1

  statement_id  = "AllowEventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[0].arn
}

# SQS (event source mapping; the role may read and delete the queue's messages).
resource "aws_lambda_event_source_mapping" "sqs" {
  count = var.sqs_queue_arn == null ? 0 : 1

  event_source_arn        = var.sqs_queue_arn
  function_name           = aws_lambda_alias.live.arn
  batch_size              = var.sqs_batch_size
  function_response_types = ["ReportBatchItemFailures"]
}

resource "aws_iam_role_policy" "sqs" {
  count = var.sqs_queue_arn == null ? 0 : 1

  name = "${local.function_name}-sqs"
  role = var.shared.role_name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
      Resource = var.sqs_queue_arn
    }]
  })
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

  statement_id  = "AllowSNS"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "sns.amazonaws.com"
  source_arn    = var.sns_topic_arn
}

# S3 (bucket notification -> alias). A bucket has one notification configuration:
# give each bucket to one function.
resource "aws_lambda_permission" "s3" {
  count = var.s3_trigger_bucket == null ? 0 : 1

  statement_id  = "AllowS3"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "s3.amazonaws.com"
  source_arn    = "arn:aws:s3:::${var.s3_trigger_bucket}"
}

resource "aws_s3_bucket_notification" "s3" {
  count = var.s3_trigger_bucket == null ? 0 : 1

  bucket = var.s3_trigger_bucket

  lambda_function {
    lambda_function_arn = aws_lambda_alias.live.arn
    events              = var.s3_events
    filter_prefix       = var.s3_filter_prefix
    filter_suffix       = var.s3_filter_suffix
  }

  depends_on = [aws_lambda_permission.s3]
}
