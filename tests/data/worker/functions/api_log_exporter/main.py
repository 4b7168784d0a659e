"""API-log exporter: write a batch of API access-log records to S3 as gzipped JSON Lines.

Records arrive either directly (`{"records": [...]}`) or as an SQS batch whose
message bodies are JSON records. The object goes to
s3://$EXPORT_BUCKET/$EXPORT_PREFIX/YYYY/MM/DD/<request id>.jsonl.gz, so a retry
of the same invocation overwrites its own object instead of duplicating it.
"""

from __future__ import annotations

import datetime as dt
import json

from worker_lib.aws import client
from worker_lib.config import env_str
from worker_lib.jsonl import gzip_jsonl
from worker_lib.log import get_logger

logger = get_logger("api_log_exporter")


def records_from(event: dict) -> list[dict]:
    if "records" in event:
        return list(event["records"])
    return [json.loads(message["body"]) for message in event.get("Records", [])]


def object_key(prefix: str, when: dt.datetime, request_id: str) -> str:
    return f"{prefix.strip('/')}/{when:%Y/%m/%d}/{request_id}.jsonl.gz"


def handler(event: dict, context) -> dict:
    records = records_from(event or {})
    if not records:
        logger.info("nothing to export")
        return {"exported": 0}
    bucket = env_str("EXPORT_BUCKET")
    request_id = getattr(context, "aws_request_id", None) or "local"
    key = object_key(env_str("EXPORT_PREFIX", "api-logs"), dt.datetime.now(dt.timezone.utc), request_id)
    client("s3").put_object(
        Bucket=bucket, Key=key, Body=gzip_jsonl(records),
        ContentType="application/x-ndjson", ContentEncoding="gzip",
    )
    logger.info("exported", extra={"bucket": bucket, "key": key, "records": len(records)})
    return {"exported": len(records), "bucket": bucket, "key": key}
