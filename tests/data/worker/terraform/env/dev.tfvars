region             = "eu-west-1"
environment        = "dev"
log_retention_days = 14

queues = {
  "api-logs" = "arn:aws:sqs:eu-west-1:111111111111:dev-api-logs"
}

buckets = {
  "api-logs" = "example-dev-api-logs"
}
