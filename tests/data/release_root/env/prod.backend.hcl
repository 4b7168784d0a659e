path = "state/prod.tfstate"
