"""boto3 clients shared across warm invocations.

Created once per process: client creation costs tens of milliseconds and Lambda
reuses the process between invocations. boto3 honours AWS_ENDPOINT_URL, which is
how tests point the workers at a local endpoint.
"""

from __future__ import annotations

from functools import lru_cache

import boto3


@lru_cache(maxsize=None)
def client(service: str):
    return boto3.client(service)
