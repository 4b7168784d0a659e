path = "state/staging.tfstate"
