"""Release artifacts in S3: the packages (uploaded by the build's upload step, once, under
their sha256; each function deploys from the one its code first shipped in) and the
release summaries."""

from __future__ import annotations

from .. import aws
from ..errors import ArtifactError
from ..pipeline.upload import StoredPackage, package_key, upload_package  # noqa: F401  (what release uses)


def summary_keys(env: str, tag: str) -> tuple[str, str]:
    """Where a release's summary is kept: under its tag, and as the environment's latest."""
    return f"releases/{env}/{tag}.json", f"releases/{env}/latest.json"


def store_summary(bucket: str, env: str, tag: str, data: bytes, client=None) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = client or aws.client("s3")
    for key in summary_keys(env, tag):
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="application/json")
        except (ClientError, BotoCoreError) as exc:
            raise ArtifactError(f"storing the release summary at s3://{bucket}/{key} failed: {exc}") from None


def attempt_key(env: str) -> str:
    """The environment's last release attempt, whatever came of it: a release that stopped
    half-applied makes the next one plan the whole tree."""
    return f"releases/{env}/attempt.json"


def store_attempt(bucket: str, env: str, data: bytes, client=None) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = client or aws.client("s3")
    try:
        s3.put_object(Bucket=bucket, Key=attempt_key(env), Body=data, ContentType="application/json")
    except (ClientError, BotoCoreError) as exc:
        raise ArtifactError(f"recording the release attempt at s3://{bucket}/{attempt_key(env)} failed: {exc}") from None


def fetch_latest_summary(bucket: str, env: str, client=None, key: str | None = None) -> bytes | None:
    """The environment's latest release summary (or the object `key`), or None before the
    first release."""
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = client or aws.client("s3")
    key = key or summary_keys(env, "latest")[1]
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            return None
        raise ArtifactError(f"s3://{bucket}/{key}: {exc}; check the bucket name and your credentials") from None
    except BotoCoreError as exc:
        raise ArtifactError(f"s3://{bucket}: {aws.explain(exc)}") from None


def missing_objects(bucket: str, keys: set[str], client=None) -> set[str]:
    """The keys of `bucket` that are not there (a lifecycle rule removed an old package):
    one HeadObject per distinct package, not per function."""
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = client or aws.client("s3")
    missing = set()
    for key in sorted(keys):
        try:
            s3.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise ArtifactError(f"s3://{bucket}/{key}: {exc}; check the bucket and your credentials") from None
            missing.add(key)
        except BotoCoreError as exc:
            raise ArtifactError(f"s3://{bucket}: {aws.explain(exc)}") from None
    return missing
