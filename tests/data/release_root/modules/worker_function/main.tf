# The module's variables.tf is copied from terraform/modules/worker_function by
# the tests, so `check` validates calls against the real declarations.
resource "terraform_data" "function" {
  input = {
    function_name = "${var.shared.name_prefix}-${var.name}"
    handler       = var.handler
    runtime       = coalesce(var.runtime, var.shared.runtime)
    architecture  = coalesce(var.architecture, var.shared.architecture)
    package_hash  = var.shared.package_hash
    package       = var.shared.package_s3_bucket == null ? var.shared.package_path : "s3://${var.shared.package_s3_bucket}/${var.shared.package_s3_key}"
    memory_size   = var.memory_size
    role          = "arn:aws:iam::123456789012:role/${var.shared.name_prefix}-${var.name}"
    queue         = var.sqs_queue_arn
  }
}

output "function" {
  value = terraform_data.function.output
}
