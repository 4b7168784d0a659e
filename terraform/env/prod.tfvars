region             = "eu-west-1"
environment        = "prod"
log_retention_days = 90
