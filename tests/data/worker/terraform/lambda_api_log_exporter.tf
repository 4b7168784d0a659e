# api_log_exporter: functions/api_log_exporter/main.py (handler api_log_exporter.main.handler).
# Written once by `build-pkg.py tf`; edit freely, it is never rewritten.
module "lambda_api_log_exporter" {
  source = "./modules/worker_function"

  shared = local.worker

  name    = "api_log_exporter"
  handler = "api_log_exporter.main.handler"

  memory_size = 256
  timeout     = 30

  environment = {
    EXPORT_BUCKET = var.buckets["api-logs"]
  }

  sqs_queue_arn = var.queues["api-logs"]

  # Writes the exported batches; nothing else in the bucket.
  policy_statements = [{
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${var.buckets["api-logs"]}/*"]
  }]
}
