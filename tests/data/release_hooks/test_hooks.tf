# Test setup only: what the release tests need beside the real tree.

variable "fail_apply" {
  description = "An AWS API error during apply, on demand."
  type        = bool
  default     = false
}

variable "slow_apply" {
  description = "A slow apply, on demand: something to interrupt."
  type        = bool
  default     = false
}

resource "terraform_data" "failure" {
  count = var.fail_apply ? 1 : 0

  provisioner "local-exec" {
    command = "echo 'simulated AWS error: AccessDenied' >&2; exit 1"
  }
}

resource "terraform_data" "slow" {
  count = var.slow_apply ? 1 : 0

  provisioner "local-exec" {
    command = "echo 'slow step started'; sleep 30"
  }
}
