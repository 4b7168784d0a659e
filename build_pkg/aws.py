"""boto3 clients for the commands that talk to a live account, with the region resolved in
one order everywhere and AWS's set-up faults as one line each (never botocore's traceback).

The region: `--region`, else the environment's `region` in terraform/env/ENV.tfvars
(when the command works on an environment), else what boto3 finds (AWS_REGION,
AWS_DEFAULT_REGION, the profile's config).
"""

from __future__ import annotations

import os

from .errors import AwsError

NO_REGION = ("no AWS region is set: pass --region REGION or set AWS_REGION "
             "(terraform/env/ENV.tfvars names each environment's region)")


def region(given: str | None, environment_values: dict | None = None) -> str | None:
    """--region, else the environment's tfvars `region`, else AWS_REGION (which botocore
    itself does not read); None leaves it to boto3 (AWS_DEFAULT_REGION, the profile)."""
    if given:
        return given
    value = (environment_values or {}).get("region")
    if isinstance(value, str) and value:
        return value
    return os.environ.get("AWS_REGION") or None


def client(service: str, region_name: str | None = None, config=None):
    """A client in `region_name`, else in the region `region(None)` finds (`config`: a
    botocore Config, for timeouts and retries)."""
    import boto3
    from botocore.exceptions import BotoCoreError, NoRegionError

    from botocore.config import Config

    # Throttling (Lambda's control plane allows 15 calls a second per account and region,
    # shared with everyone's deploys): back off and retry, and pace later calls (adaptive).
    # AWS_MAX_ATTEMPTS, when set, is the user's choice (an explicit Config would override it):
    # 1 reports an endpoint that does not answer at once instead of after ten tries.
    paced = Config(retries={"mode": "adaptive", "max_attempts": _max_attempts()})
    try:
        made = boto3.session.Session(region_name=region_name or region(None)).client(
            service, config=paced.merge(config) if config else paced)
    except NoRegionError:
        raise AwsError(NO_REGION) from None
    except BotoCoreError as exc:  # a broken profile or config file
        raise AwsError(f"AWS configuration: {exc}; check AWS_PROFILE and ~/.aws/config") from None
    if os.environ.get(CALL_LOG):
        made.meta.events.register("before-call", _log_call)
    return made


def _max_attempts() -> int:
    value = os.environ.get("AWS_MAX_ATTEMPTS", "")
    return int(value) if value.isdigit() and int(value) > 0 else 10


# For the benchmark (bench/scale.py): every API call the builder makes, one line each
# (`lambda GetAlias`), appended to the file this names; what its quota model counts.
CALL_LOG = "BUILD_PKG_CALL_LOG"


def _log_call(model, **_) -> None:
    with open(os.environ[CALL_LOG], "a", encoding="utf-8") as log:  # one short write: whole lines
        log.write(f"{model.service_model.service_name} {model.name}\n")


def explain(exc: Exception) -> str:
    """One line for a botocore fault, saying what to check."""
    from botocore.exceptions import (EndpointConnectionError, NoCredentialsError, NoRegionError,
                                     PartialCredentialsError, ConnectTimeoutError, ReadTimeoutError)

    if isinstance(exc, NoRegionError):
        return NO_REGION
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return ("no AWS credentials found: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), "
                "or run where a role provides them")
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)):
        return f"{exc}: check the network, the region and AWS_ENDPOINT_URL"
    return str(exc)


def call(what: str, error: type[Exception], fn, **kwargs):
    """fn(**kwargs); AWS's refusal as `error` and a fault of the set-up as AwsError, each
    one line starting with `what`."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn(**kwargs)
    except ClientError as exc:
        raise error(f"{what} failed: {exc}") from None
    except BotoCoreError as exc:
        raise AwsError(f"{what} failed: {explain(exc)}") from None
