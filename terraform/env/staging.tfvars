region             = "eu-west-1"
environment        = "staging"
log_retention_days = 14
