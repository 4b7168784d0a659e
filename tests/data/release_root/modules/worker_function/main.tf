# The module's variables.tf is copied from terraform/modules/worker_function by
# the tests, so `check` validates calls against the real declarations.
resource "terraform_data" "function" {
  input = {
    function_name = "${var.name_prefix}-${var.name}"
    handler       = var.handler
    runtime       = var.runtime
    architecture  = var.architecture
    package_hash  = var.package_hash
    package       = var.s3_bucket == null ? var.package_path : "s3://${var.s3_bucket}/${var.s3_key}"
    memory_size   = var.memory_size
    role          = var.role_arn
  }
}

output "function" {
  value = terraform_data.function.output
}
