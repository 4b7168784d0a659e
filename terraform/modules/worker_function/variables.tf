# Required: what every function file sets (build-pkg.py tf writes them all).

variable "name" {
  description = "Function name as build-pkg.py knows it (lambda_<name>.py or <name>/main.py)."
  type        = string
}

variable "name_prefix" {
  description = "Project and environment prefix; the Lambda function is <name_prefix>-<name>."
  type        = string
}

variable "handler" {
  description = "Handler string: lambda_<name>.handler or <name>.main.handler."
  type        = string
}

variable "runtime" {
  description = "Lambda runtime, the one build-pkg.py builds for."
  type        = string
}

variable "package_hash" {
  description = "filebase64sha256 of the package, so code changes redeploy and nothing else does."
  type        = string
}

variable "role_arn" {
  description = "Execution role ARN."
  type        = string
}

variable "role_name" {
  description = "Execution role name (triggers that poll, such as SQS, add their permissions to it)."
  type        = string
}

# Package location: a local file, or an object in S3 (for packages over 50 MB).

variable "package_path" {
  description = "Local path of dists.zip. Leave null when s3_bucket is set."
  type        = string
  default     = null
}

variable "s3_bucket" {
  description = "Bucket holding the package instead of package_path."
  type        = string
  default     = null
}

variable "s3_key" {
  description = "Key of the package in s3_bucket."
  type        = string
  default     = null
}

# Settings.

variable "architecture" {
  description = "x86_64 or arm64, as built."
  type        = string
  default     = "x86_64"
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 128
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 30
}

variable "environment" {
  description = "Environment variables of the function (POWERTOOLS_SERVICE_NAME is added)."
  type        = map(string)
  default     = {}
}

variable "layers" {
  description = "Layer version ARNs (at most 5)."
  type        = list(string)
  default     = []
}

variable "description" {
  description = "Function description."
  type        = string
  default     = ""
}

variable "publish" {
  description = "Publish a version on every change, so the live alias can point at it."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 30
}

# Triggers, each off unless set.

variable "schedule" {
  description = "EventBridge schedule expression, e.g. rate(5 minutes) or cron(0 3 * * ? *)."
  type        = string
  default     = null
}

variable "sqs_queue_arn" {
  description = "SQS queue that feeds the function."
  type        = string
  default     = null
}

variable "sqs_batch_size" {
  description = "Messages per invocation from the SQS queue."
  type        = number
  default     = 10
}

variable "sns_topic_arn" {
  description = "SNS topic the function subscribes to."
  type        = string
  default     = null
}

variable "s3_trigger_bucket" {
  description = "Bucket whose object events invoke the function (this manages the bucket's notification configuration)."
  type        = string
  default     = null
}

variable "s3_events" {
  description = "S3 event types for s3_trigger_bucket."
  type        = list(string)
  default     = ["s3:ObjectCreated:*"]
}

variable "s3_filter_prefix" {
  description = "Only objects whose key starts with this."
  type        = string
  default     = null
}

variable "s3_filter_suffix" {
  description = "Only objects whose key ends with this."
  type        = string
  default     = null
}

variable "http_routes" {
  description = "Routes on the shared HTTP API, e.g. [\"GET /health\"]."
  type        = list(string)
  default     = []
}

variable "http_api_id" {
  description = "ID of the shared HTTP API (needed with http_routes)."
  type        = string
  default     = null
}

variable "http_api_execution_arn" {
  description = "Execution ARN of the shared HTTP API (needed with http_routes)."
  type        = string
  default     = null
}
