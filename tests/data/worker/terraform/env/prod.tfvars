region             = "eu-west-1"
environment        = "prod"
log_retention_days = 90

queues = {
  "api-logs" = "arn:aws:sqs:eu-west-1:333333333333:prod-api-logs"
}

buckets = {
  "api-logs" = "example-prod-api-logs"
}
