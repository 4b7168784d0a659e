variable "region" {
  description = "AWS region the workers run in."
  type        = string
}

variable "environment" {
  description = "Environment name (dev, staging, prod); part of every function name so environments can share an account."
  type        = string
}

variable "project" {
  description = "Prefix of every resource name."
  type        = string
  default     = "worker"
}

variable "binary_media_types" {
  description = "Content types the REST API passes as bytes (image/png, image/*, */*): a request body of one reaches the function base64-encoded, and a result with isBase64Encoded goes back as bytes when the request's first Accept type is one. start-api follows the same rules."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "How long the functions' CloudWatch logs are kept."
  type        = number
  default     = 30
}

variable "extra_policy_arns" {
  description = "Managed policies attached to every function's role (each function's own needs go in its file: policy_statements)."
  type        = list(string)
  default     = []
}

variable "package_s3_bucket" {
  description = "Bucket holding the package (set by build-pkg.py release --s3-bucket); null deploys the local file."
  type        = string
  default     = null
}

variable "package_s3_key" {
  description = "Content-addressed key of the package in package_s3_bucket."
  type        = string
  default     = null
}

variable "code_objects" {
  description = "Per function, the key in package_s3_bucket of the package its code first shipped in (set by build-pkg.py release from the previous release's record): an unchanged function keeps its s3_key, and nothing is copied for it."
  type        = map(string)
  default     = {}
}

variable "layer_s3_key" {
  description = "Content-addressed key of the dependency layer in package_s3_bucket (set by build-pkg.py release when the build made a layer)."
  type        = string
  default     = null
}

# Trigger sources and other per-environment values, by key. Function files refer to
# var.queues["KEY"], var.topics["KEY"], var.buckets["KEY"]; each env/<env>.tfvars
# gives its own value, so dev never reads prod's queue. `build-pkg.py check`
# reports a key that an environment does not define.
variable "queues" {
  description = "SQS queue ARNs by key."
  type        = map(string)
  default     = {}
}

variable "topics" {
  description = "SNS topic ARNs by key."
  type        = map(string)
  default     = {}
}

variable "buckets" {
  description = "S3 bucket names by key."
  type        = map(string)
  default     = {}
}

variable "images_kept" {
  description = "With images: how many of each function's newest images the repository keeps (the live one, canaries and rollback targets must be among them)."
  type        = number
  default     = 10
}
