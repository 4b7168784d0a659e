"""A function's settings and triggers as `tf` and `new` take them, checked against
what Lambda and EventBridge accept before any file is written. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import SettingError

_SCHEDULE_RE = re.compile(r"^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^)]+\))$")
_ROUTE_RE = re.compile(r"^((GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) /\S*|\$default)$")
_ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED_ENV = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_ACCESS_KEY_ID",
                 "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "_HANDLER", "LAMBDA_TASK_ROOT"}


@dataclass(frozen=True)
class FunctionSettings:
    memory: int = 128
    timeout: int = 30
    environment: tuple[tuple[str, str], ...] = ()
    schedule: str | None = None
    sqs_queue_arn: str | None = None
    sns_topic_arn: str | None = None
    s3_bucket: str | None = None
    s3_prefix: str | None = None
    s3_suffix: str | None = None
    http_routes: tuple[str, ...] = field(default_factory=tuple)

    def validate(self) -> None:
        if not 128 <= self.memory <= 10240:
            raise SettingError(f"memory {self.memory} MB is outside Lambda's 128-10240 MB")
        if not 1 <= self.timeout <= 900:
            raise SettingError(f"timeout {self.timeout} s is outside Lambda's 1-900 s")
        if self.schedule and not _SCHEDULE_RE.match(self.schedule):
            raise SettingError(f"schedule {self.schedule!r} is not 'rate(N minutes|hours|days)' or 'cron(...)'")
        for arn, service in ((self.sqs_queue_arn, "sqs"), (self.sns_topic_arn, "sns")):
            if arn and not re.match(rf"^arn:aws[a-z-]*:{service}:[a-z0-9-]+:\d{{12}}:[A-Za-z0-9_.-]+$", arn):
                raise SettingError(f"{arn!r} is not an {service.upper()} ARN (arn:aws:{service}:REGION:ACCOUNT:NAME)")
        if self.s3_bucket and not re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", self.s3_bucket):
            raise SettingError(f"{self.s3_bucket!r} is not a valid S3 bucket name")
        for route in self.http_routes:
            if not _ROUTE_RE.match(route):
                raise SettingError(f"HTTP route {route!r} is not 'METHOD /path' (GET, POST, ..., ANY) or '$default'")
        for key, _ in self.environment:
            if not _ENV_KEY_RE.match(key):
                raise SettingError(f"environment variable name {key!r} is not valid")
            if key in _RESERVED_ENV:
                raise SettingError(f"environment variable {key} is reserved by Lambda")
