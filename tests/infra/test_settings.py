"""Function settings as Lambda and EventBridge accept them: reserved environment
names, EventBridge's rate() and cron() grammar."""

from __future__ import annotations

import pytest

from build_pkg.errors import SettingError
from build_pkg.infra.schedule import schedule_problem
from build_pkg.infra.settings import RESERVED_ENV, FunctionSettings

# From Lambda's documentation, "Defined runtime environment variables" (reserved keys).
DOCUMENTED_RESERVED = [
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
]


@pytest.mark.parametrize("name", DOCUMENTED_RESERVED)
def test_every_reserved_environment_name_is_refused(name):
    with pytest.raises(SettingError, match=f"environment variable {name} is reserved by Lambda"):
        FunctionSettings(environment=((name, "x"),)).validate()


def test_ordinary_aws_prefixed_names_are_allowed():
    assert "AWS_ENDPOINT_URL" not in RESERVED_ENV
    FunctionSettings(environment=(("AWS_ENDPOINT_URL", "http://x"), ("LOG_LEVEL", "DEBUG"))).validate()


@pytest.mark.parametrize("expression", [
    "rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)", "rate(7 days)",
    "cron(0 3 * * ? *)", "cron(0/15 * * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)",
    "cron(15 10 ? * 6L 2026-2030)", "cron(0 12 L * ? *)", "cron(0 9 ? JAN,JUL 2#1 *)", "cron(5,35 14 15W * ? *)",
])
def test_expressions_eventbridge_accepts(expression):
    assert schedule_problem(expression) is None
    FunctionSettings(schedule=expression).validate()


@pytest.mark.parametrize("expression, why", [
    ("rate(1 minutes)", "wants 'rate(1 minute)'"),
    ("rate(5 minute)", "wants 'rate(5 minutes)'"),
    ("rate(0 minutes)", "at least 1"),
    ("rate(5 weeks)", "is not 'rate(1 minute)'"),
    ("cron(0 3 * * *)", "six fields"),
    ("cron(0 3 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
    ("cron(0 3 ? * ? *)", "exactly one of day-of-month and day-of-week must be '?'"),
    ("cron(60 3 * * ? *)", "'60' is not a valid minutes field"),
    ("cron(0 24 * * ? *)", "'24' is not a valid hours field"),
    ("cron(0 3 * 13 ? *)", "'13' is not a valid month field"),
    ("cron(0 3 ? * FUNDAY *)", "'FUNDAY' is not a valid day-of-week field"),
    ("every 5 minutes", "is not 'rate(1 minute)'"),
])
def test_expressions_eventbridge_refuses(expression, why):
    problem = schedule_problem(expression)
    assert problem is not None and why in problem
    with pytest.raises(SettingError):
        FunctionSettings(schedule=expression).validate()
