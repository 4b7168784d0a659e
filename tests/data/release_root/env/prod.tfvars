region      = "eu-west-1"
environment = "prod"

queues = {
  "api-logs" = "arn:aws:sqs:eu-west-1:123456789012:prod-api-logs"
}

buckets = {
  "api-logs" = "example-prod-api-logs"
}
