# terraform init -backend-config=env/staging.backend.hcl
bucket       = "example-worker-terraform-state-staging"
key          = "workers/terraform.tfstate"
region       = "eu-west-1"
encrypt      = true
use_lockfile = true
