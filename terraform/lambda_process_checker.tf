# process_checker: functions/lambda_process_checker.py (handler lambda_process_checker.handler).
# Written once by `build-pkg.py tf`; edit freely, it is never rewritten.
module "lambda_process_checker" {
  source = "./modules/worker_function"

  name         = "process_checker"
  name_prefix  = local.name_prefix
  handler      = "lambda_process_checker.handler"
  runtime      = local.runtime
  architecture = local.architecture
  package_path = local.package_path
  package_hash = local.package_hash
  s3_bucket    = local.package_s3_bucket
  s3_key       = local.package_s3_key
  role_arn     = local.worker_role_arn
  role_name    = local.worker_role_name

  memory_size        = 128
  timeout            = 60
  log_retention_days = var.log_retention_days

  environment = {
    CHECK_TARGETS = "https://status.example.com/health"
  }

  schedule = "rate(5 minutes)"
}
