"""Structured JSON logging for the workers (aws-lambda-powertools Logger).

One JSON object per line is what CloudWatch Logs Insights queries best, and
Powertools adds the cold-start flag and request id when the handler is
decorated with `logger.inject_lambda_context`.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger


def get_logger(service: str) -> Logger:
    """A logger for `service`, unless POWERTOOLS_SERVICE_NAME names it already."""
    return Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or service)
