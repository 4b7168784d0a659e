"""The API-log exporter writes to S3 on a real moto server (boto3 over HTTP, no mocks)."""

import datetime as dt
import json
from types import SimpleNamespace

import boto3
import pytest

from api_log_exporter import main as exporter
from worker_lib import aws
from worker_lib.jsonl import read_jsonl_gz

RECORDS = [
    {"ts": "2026-11-22T10:00:00Z", "method": "GET", "path": "/orders", "status": 200, "ms": 12},
    {"ts": "2026-11-22T10:00:01Z", "method": "POST", "path": "/orders", "status": 201, "ms": 40},
]


@pytest.fixture
def bucket(aws_env, monkeypatch):
    aws.client.cache_clear()  # clients are cached per process; this one must see the moto endpoint
    s3 = boto3.client("s3")
    name = "api-logs-test"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    monkeypatch.setenv("EXPORT_BUCKET", name)
    yield name
    for obj in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=obj["Key"])
    s3.delete_bucket(Bucket=name)
    aws.client.cache_clear()


def test_exports_records_as_gzipped_json_lines(bucket):
    result = exporter.handler({"records": RECORDS}, SimpleNamespace(aws_request_id="req-1"))
    today = dt.datetime.now(dt.timezone.utc)
    assert result == {"exported": 2, "bucket": bucket, "key": f"api-logs/{today:%Y/%m/%d}/req-1.jsonl.gz"}
    obj = boto3.client("s3").get_object(Bucket=bucket, Key=result["key"])
    assert obj["ContentEncoding"] == "gzip"
    assert read_jsonl_gz(obj["Body"].read()) == RECORDS


def test_reads_records_from_an_sqs_batch(bucket, monkeypatch):
    monkeypatch.setenv("EXPORT_PREFIX", "/sqs-export/")
    event = {"Records": [{"messageId": str(i), "body": json.dumps(r)} for i, r in enumerate(RECORDS)]}
    result = exporter.handler(event, SimpleNamespace(aws_request_id="req-2"))
    assert result["key"].startswith("sqs-export/") and result["exported"] == 2
    body = boto3.client("s3").get_object(Bucket=bucket, Key=result["key"])["Body"].read()
    assert read_jsonl_gz(body) == RECORDS


def test_empty_batch_writes_nothing(bucket):
    assert exporter.handler({"records": []}, None) == {"exported": 0}
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=bucket)


def test_missing_bucket_setting_is_a_clear_error(aws_env, monkeypatch):
    monkeypatch.delenv("EXPORT_BUCKET", raising=False)
    from worker_lib.config import ConfigError

    with pytest.raises(ConfigError, match="EXPORT_BUCKET"):
        exporter.handler({"records": RECORDS}, None)
