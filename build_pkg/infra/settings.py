"""A function's settings and triggers as `tf` and `new` take them, checked against
what Lambda and EventBridge accept before any file is written. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import SettingError
from .environments import check_key
from .schedule import schedule_problem

_ROUTE_RE = re.compile(r"^((GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) /\S*|\$default)$")
_ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Lambda sets these itself and refuses a function configuration that sets one
# (the list in Lambda's "Defined runtime environment variables").
RESERVED_ENV = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})


@dataclass(frozen=True)
class FunctionSettings:
    memory: int = 128
    timeout: int = 30
    environment: tuple[tuple[str, str], ...] = ()
    schedule: str | None = None
    # Per-environment trigger sources, by key: var.queues["KEY"] and so on, each
    # environment's tfvars giving its own queue ARN, topic ARN or bucket name.
    sqs_queue: str | None = None
    sns_topic: str | None = None
    s3_bucket: str | None = None
    s3_prefix: str | None = None
    s3_suffix: str | None = None
    http_routes: tuple[str, ...] = field(default_factory=tuple)

    def validate(self) -> None:
        if not 128 <= self.memory <= 10240:
            raise SettingError(f"memory {self.memory} MB is outside Lambda's 128-10240 MB")
        if not 1 <= self.timeout <= 900:
            raise SettingError(f"timeout {self.timeout} s is outside Lambda's 1-900 s")
        problem = schedule_problem(self.schedule) if self.schedule else None
        if problem:
            raise SettingError(problem)
        for key, option in ((self.sqs_queue, "--sqs"), (self.sns_topic, "--sns"), (self.s3_bucket, "--s3-bucket")):
            problem = check_key(key, option) if key else None
            if problem:
                raise SettingError(problem)
        for route in self.http_routes:
            if not _ROUTE_RE.match(route):
                raise SettingError(f"HTTP route {route!r} is not 'METHOD /path' (GET, POST, ..., ANY) or '$default'")
        for key, _ in self.environment:
            if not _ENV_KEY_RE.match(key):
                raise SettingError(f"environment variable name {key!r} is not valid")
            if key in RESERVED_ENV:
                raise SettingError(f"environment variable {key} is reserved by Lambda")
