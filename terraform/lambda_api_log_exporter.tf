# api_log_exporter: functions/api_log_exporter/main.py (handler api_log_exporter.main.handler).
# Written once by `build-pkg.py tf`; edit freely, it is never rewritten.
module "lambda_api_log_exporter" {
  source = "./modules/worker_function"

  name         = "api_log_exporter"
  name_prefix  = local.name_prefix
  handler      = "api_log_exporter.main.handler"
  runtime      = local.runtime
  architecture = local.architecture
  package_path = local.package_path
  package_hash = local.package_hash
  s3_bucket    = local.package_s3_bucket
  s3_key       = local.package_s3_key
  role_arn     = local.worker_role_arn
  role_name    = local.worker_role_name

  memory_size        = 256
  timeout            = 30
  log_retention_days = var.log_retention_days

  environment = {
    EXPORT_BUCKET = "example-api-logs"
  }

  sqs_queue_arn = "arn:aws:sqs:eu-west-1:123456789012:api-logs"
}
