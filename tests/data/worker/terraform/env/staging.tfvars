region             = "eu-west-1"
environment        = "staging"
log_retention_days = 14

queues = {
  "api-logs" = "arn:aws:sqs:eu-west-1:222222222222:staging-api-logs"
}

buckets = {
  "api-logs" = "example-staging-api-logs"
}
