"""The build's upload step: the package (and the layer) in S3 under their sha256, uploaded
once and referenced by content."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import aws
from ..errors import ArtifactError


@dataclass(frozen=True)
class StoredPackage:
    bucket: str
    key: str
    uploaded: bool  # False when that key already held these bytes


def package_key(sha256_hex: str, prefix: str = "packages") -> str:
    return f"{prefix.strip('/')}/{sha256_hex}.zip"


def upload_package(path: Path, sha256_hex: str, bucket: str, client=None, prefix: str = "packages") -> StoredPackage:
    """Upload unless the content-addressed key exists already (same key, same bytes)."""
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = client or aws.client("s3")
    key = package_key(sha256_hex, prefix)
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return StoredPackage(bucket, key, uploaded=False)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise ArtifactError(f"s3://{bucket}/{key}: {exc}; check the bucket name and your credentials") from None
    except BotoCoreError as exc:
        raise ArtifactError(f"s3://{bucket}: {aws.explain(exc)}") from None
    try:
        with path.open("rb") as body:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/zip",
                          Metadata={"sha256": sha256_hex})
    except (ClientError, BotoCoreError) as exc:
        raise ArtifactError(f"uploading {path.name} to s3://{bucket}/{key} failed: {exc}") from None
    return StoredPackage(bucket, key, uploaded=True)
