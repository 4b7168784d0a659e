region             = "eu-west-1"
environment        = "dev"
log_retention_days = 14
