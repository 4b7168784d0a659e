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

variable "log_retention_days" {
  description = "How long the functions' CloudWatch logs are kept."
  type        = number
  default     = 30
}

variable "extra_policy_arns" {
  description = "Managed policies attached to the shared execution role, beyond basic logging (S3 buckets, queues, ...)."
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
