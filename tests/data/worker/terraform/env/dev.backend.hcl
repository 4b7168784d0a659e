# terraform init -backend-config=env/dev.backend.hcl
bucket       = "example-worker-terraform-state-dev"
key          = "workers/terraform.tfstate"
region       = "eu-west-1"
encrypt      = true
use_lockfile = true
