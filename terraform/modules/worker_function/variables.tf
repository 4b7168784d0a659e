# Required: what every function file sets (build-pkg.py tf writes them).

variable "shared" {
  description = "What every function shares, from the root's local.worker: name prefix, runtime, architecture, package (path, hash, optional S3 location) or each function's image, the dependency layer, managed policies for every role, log retention, HTTP API."
  type = object({
    name_prefix            = string
    runtime                = string
    architecture           = string
    package_path           = string
    package_hash           = string
    code_hashes            = optional(map(string), {})
    code_keys              = optional(map(string), {})
    package_s3_bucket      = optional(string)
    package_s3_key         = optional(string)
    code_objects           = optional(map(string), {})
    layers                 = optional(list(string), [])
    image_uris             = optional(map(string), {})
    policy_arns            = optional(list(string), [])
    log_retention_days     = number
    http_api_id            = optional(string)
    http_api_execution_arn = optional(string)
  })
}

variable "name" {
  description = "Function name as build-pkg.py knows it (lambda_<name>.py or <name>/main.py)."
  type        = string
}

variable "handler" {
  description = "Handler string: lambda_<name>.handler or <name>.main.handler."
  type        = string
}

# Per-function overrides of the shared settings (null: use shared).

variable "runtime" {
  description = "Lambda runtime, when this function differs from shared.runtime."
  type        = string
  default     = null
}

variable "architecture" {
  description = "x86_64 or arm64, when this function differs from shared.architecture."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Log retention, when this function differs from shared.log_retention_days."
  type        = number
  default     = null
}

# Settings.

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

variable "policy_statements" {
  description = "What this function may do beyond its logs and its trigger, e.g. [{ actions = [\"s3:PutObject\"], resources = [\"arn:aws:s3:::bucket/*\"] }]."
  type = list(object({
    effect    = optional(string, "Allow")
    actions   = list(string)
    resources = list(string)
  }))
  default = []
}

variable "policy_arns" {
  description = "Managed policies attached to this function's role."
  type        = list(string)
  default     = []
}

variable "tracing_mode" {
  description = "X-Ray tracing: PassThrough (traces callers started) or Active (sample here too)."
  type        = string
  default     = "PassThrough"
}

variable "layers" {
  description = "Layer version ARNs besides the dependency layer (Lambda takes at most 5 in all)."
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
  description = "Bucket whose object events invoke the function (the root's s3_notifications.tf gathers every function's, one notification per bucket)."
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


# Set by `build-pkg.py adopt` for a function that already runs in AWS under names of
# its own, for the environment it was adopted in (a lookup on var.environment; null
# elsewhere): the module keeps its live name, its role (left unmanaged), its alias and
# its trigger names, so importing it changes no name and creates nothing it has.
variable "adopted" {
  description = "Live names of an adopted function: function_name, role_arn (kept, unmanaged), alias_name, schedule_rule_name, statement_ids by trigger (schedule, sns, s3, http)."
  type = object({
    function_name      = string
    role_arn           = optional(string)
    alias_name         = optional(string)
    schedule_rule_name = optional(string)
    statement_ids      = optional(map(string))
  })
  default = null
}
