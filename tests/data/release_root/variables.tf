variable "region" {
  type = string
}

variable "environment" {
  type = string
}

variable "project" {
  type    = string
  default = "worker"
}

variable "log_retention_days" {
  type    = number
  default = 30
}

variable "package_s3_bucket" {
  type    = string
  default = null
}

variable "package_s3_key" {
  type    = string
  default = null
}

variable "fail_apply" {
  type    = bool
  default = false
}

variable "slow_apply" {
  type    = bool
  default = false
}

variable "extra_policy_arns" {
  type    = list(string)
  default = []
}

variable "queues" {
  type    = map(string)
  default = {}
}

variable "topics" {
  type    = map(string)
  default = {}
}

variable "buckets" {
  type    = map(string)
  default = {}
}
