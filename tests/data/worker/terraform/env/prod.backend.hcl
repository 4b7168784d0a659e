# terraform init -backend-config=env/prod.backend.hcl
bucket       = "example-worker-terraform-state-prod"
key          = "workers/terraform.tfstate"
region       = "eu-west-1"
encrypt      = true
use_lockfile = true
