# process_checker: functions/lambda_process_checker.py (handler lambda_process_checker.handler).
# Written once by `build-pkg.py tf`; edit freely, it is never rewritten.
module "lambda_process_checker" {
  source = "./modules/worker_function"

  shared = local.worker

  name    = "process_checker"
  handler = "lambda_process_checker.handler"

  memory_size = 128
  timeout     = 60

  environment = {
    CHECK_TARGETS = "https://status.example.com/health"
  }

  schedule = "rate(5 minutes)"
}
