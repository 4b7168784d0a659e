region      = "eu-west-1"
environment = "staging"

queues = {
  "api-logs" = "arn:aws:sqs:eu-west-1:123456789012:staging-api-logs"
}

buckets = {
  "api-logs" = "example-staging-api-logs"
}
