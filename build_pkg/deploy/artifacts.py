"""Release artifacts in S3: the packages (uploaded by the build's upload step, once, under
their sha256), each function's object, the release summaries."""

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


def fetch_latest_summary(bucket: str, env: str, client=None) -> bytes | None:
    """The environment's latest release summary, or None before the first release."""
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = client or aws.client("s3")
    key = summary_keys(env, "latest")[1]
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            return None
        raise ArtifactError(f"s3://{bucket}/{key}: {exc}; check the bucket name and your credentials") from None
    except BotoCoreError as exc:
        raise ArtifactError(f"s3://{bucket}: {aws.explain(exc)}") from None


def function_key(name: str, code_sha256: str) -> str:
    """Each function's own object, named by its code hash (terraform/modules/worker_function)."""
    return f"functions/{name}/{code_sha256}.zip"


def store_function_objects(bucket: str, package_key: str, functions: list[dict], client=None) -> list[str]:
    """Give each function its own key by a server-side copy of the package, unless the key
    already holds this package: an unchanged function keeps its key (and Terraform its
    s3_key), and nothing goes up from the runner. A key holding an older package (the
    function's code is the same, by its identity) gets this one, so the code Terraform
    uploads from it is in the zip the worker module records (see its code_zip). Returns the
    names of the functions copied."""
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = client or aws.client("s3")
    copied = []
    for function in functions:
        key = function_key(function["name"], function["code_sha256"])
        try:
            if s3.head_object(Bucket=bucket, Key=key).get("Metadata", {}).get("package") == package_key:
                continue
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise ArtifactError(f"s3://{bucket}/{key}: {exc}; check the bucket and your credentials") from None
        try:
            s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": package_key},
                           MetadataDirective="REPLACE", Metadata={"package": package_key})
        except (ClientError, BotoCoreError) as exc:
            raise ArtifactError(f"copying s3://{bucket}/{package_key} to {key} failed: {exc}") from None
        copied.append(function["name"])
    return copied
