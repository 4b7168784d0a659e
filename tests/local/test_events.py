"""Sample events parse with the matching Powertools data class and parser model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.data_classes import (
    ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2, CloudWatchLogsEvent, DynamoDBStreamEvent, EventBridgeEvent,
    KinesisFirehoseEvent, KinesisStreamEvent, S3Event, SNSEvent, SQSEvent)
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import (
    AlbModel, APIGatewayProxyEventModel, APIGatewayProxyEventV2Model, CloudWatchLogsModel, DynamoDBStreamModel,
    EventBridgeModel, KinesisDataStreamModel, KinesisFirehoseModel, S3Model, SnsModel, SqsModel)

from build_pkg.local.events import EVENT_TYPES, ONE_RECORD

# Commands run without -C, from inside a worker repository (a copy of the example).
pytestmark = pytest.mark.usefixtures("inside_worker_repo")

MATCHING = {
    "schedule": (EventBridgeEvent, EventBridgeModel),
    "sqs": (SQSEvent, SqsModel),
    "sns": (SNSEvent, SnsModel),
    "s3": (S3Event, S3Model),
    "s3-put": (S3Event, S3Model),
    "s3-delete": (S3Event, S3Model),
    "http": (APIGatewayProxyEventV2, APIGatewayProxyEventV2Model),
    "rest": (APIGatewayProxyEvent, APIGatewayProxyEventModel),
    "dynamodb": (DynamoDBStreamEvent, DynamoDBStreamModel),
    "eventbridge": (EventBridgeEvent, EventBridgeModel),
    "sqs-fifo": (SQSEvent, SqsModel),
    "alb": (ALBEvent, AlbModel),
    "dynamodb-modify": (DynamoDBStreamEvent, DynamoDBStreamModel),
    "dynamodb-remove": (DynamoDBStreamEvent, DynamoDBStreamModel),
    "kinesis": (KinesisStreamEvent, KinesisDataStreamModel),
    "firehose": (KinesisFirehoseEvent, KinesisFirehoseModel),
    "cloudwatch-logs": (CloudWatchLogsEvent, CloudWatchLogsModel),
}


def _event(cli, *args: str) -> dict:
    result = cli("event", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_each_sample_parses_with_its_powertools_model(cli, kind):
    count = "1" if kind in ONE_RECORD else "2"
    document = _event(cli, kind, "--count", count, "--body", '{"id": "7", "n": 1}')
    data_class, model = MATCHING[kind]
    parse(event=document, model=model)  # pydantic validation of every field Powertools knows
    wrapped = data_class(document)
    assert wrapped.raw_event == document


def test_s3_is_the_event_new_s_s3_trigger_subscribes_to(cli):
    assert _event(cli, "s3", "--key", "in/x.csv") == _event(cli, "s3-put", "--key", "in/x.csv")
    assert S3Event(_event(cli, "s3")).record.event_name.startswith("ObjectCreated:")


def test_options_fill_the_parts_people_change(cli):
    sqs = SQSEvent(_event(cli, "sqs", "--count", "3", "--body", "hi"))
    assert [r.body for r in sqs.records] == ["hi"] * 3
    s3 = S3Event(_event(cli, "s3-put", "--bucket", "uploads", "--key", "in/a b.csv"))
    assert (s3.bucket_name, s3.object_key) == ("uploads", "in/a b.csv")
    http = APIGatewayProxyEventV2(_event(cli, "http", "--method", "post", "--path", "/orders", "--body", "{}"))
    assert (http.request_context.http.method, http.raw_path, http.route_key, http.body) == ("POST", "/orders", "POST /orders", "{}")
    rest = APIGatewayProxyEvent(_event(cli, "rest", "--method", "DELETE", "--path", "/orders/1"))
    assert (rest.http_method, rest.path) == ("DELETE", "/orders/1")
    ddb = DynamoDBStreamEvent(_event(cli, "dynamodb", "--body", '{"id": "42", "qty": 3, "tags": ["a"]}'))
    [record] = list(ddb.records)
    assert record.dynamodb.new_image == {"id": "42", "qty": 3, "tags": ["a"]}
    sns = SNSEvent(_event(cli, "sns", "--body", "ping"))
    assert sns.sns_message == "ping"


def test_samples_are_stable(cli):
    assert cli("event", "sqs").stdout == cli("event", "sqs").stdout
    assert cli("event", "cloudwatch-logs").stdout == cli("event", "cloudwatch-logs").stdout  # gzip without a time


def test_the_stream_and_batch_sources_carry_what_their_consumers_read(cli):
    modify = parse(event=_event(cli, "dynamodb-modify"), model=DynamoDBStreamModel).Records[0]
    assert modify.eventName == "MODIFY" and modify.dynamodb.Keys == {"id": 1}  # a number key
    assert (modify.dynamodb.OldImage["status"], modify.dynamodb.NewImage["status"]) == ("new", "shipped")
    remove = parse(event=_event(cli, "dynamodb-remove", "--body", '{"pk": 7, "sk": "o#1", "n": 2}'),
                   model=DynamoDBStreamModel).Records[0]
    assert remove.eventName == "REMOVE" and remove.dynamodb.NewImage is None
    assert remove.dynamodb.Keys == {"pk": 7, "sk": "o#1"} and remove.dynamodb.OldImage["n"] == 2
    changed = _event(cli, "dynamodb-modify", "--body", '{"id": 3, "n": 2}', "--old-body", '{"id": 3, "n": 1}')
    assert [r.dynamodb.old_image["n"] for r in DynamoDBStreamEvent(changed).records] == [1]

    fifo = SQSEvent(_event(cli, "sqs-fifo", "--count", "2"))
    assert [r.attributes.message_group_id for r in fifo.records] == ["example-group"] * 2
    assert all(r.event_source_arn.endswith(".fifo") for r in fifo.records)
    kinesis = KinesisStreamEvent(_event(cli, "kinesis", "--body", "ping", "--count", "3"))
    assert [r.kinesis.data_as_text() for r in kinesis.records] == ["ping"] * 3
    firehose = KinesisFirehoseEvent(_event(cli, "firehose", "--body", "row"))
    assert [r.data_as_text for r in firehose.records] == ["row"]
    logs = parse(event=_event(cli, "cloudwatch-logs", "--body", "ERROR boom", "--count", "2"), model=CloudWatchLogsModel)
    assert [e.message for e in logs.awslogs.decoded_data.logEvents] == ["ERROR boom"] * 2  # gunzipped from base64
    custom = EventBridgeEvent(_event(cli, "eventbridge", "--source", "shop", "--detail-type", "Paid", "--body",
                                     '{"order": 1}'))
    assert (custom.source, custom.detail_type, custom.detail) == ("shop", "Paid", {"order": 1})
    alb = ALBEvent(_event(cli, "alb", "--method", "POST", "--path", "/x?a=1&q=a%20b+c", "--body", "{}"))
    assert (alb.http_method, alb.path, alb.body) == ("POST", "/x", "{}")
    assert alb.query_string_parameters == {"a": "1", "q": "a%20b+c"}  # as sent: an ALB does not decode them
    bad = cli("event", "eventbridge", "--body", "[1]")
    assert bad.exit_code == 2 and "a JSON object" in bad.stderr
    fifo_ids = [r["attributes"]["MessageDeduplicationId"] for r in _event(cli, "sqs-fifo", "--count", "3")["Records"]]
    assert len(set(fifo_ids)) == 3  # SQS drops a message whose id it has seen


@pytest.mark.parametrize("args, said", [
    (("dynamodb-remove", "--body", '{"pk": "a", "v": 1e400}'), "a DynamoDB number is finite"),
    (("dynamodb", "--body", '{"pk": "a", "v": 12345678901234567890123456789012345678901}'), "38 significant digits"),
    (("dynamodb-modify", "--body", '{"pk": "a", "v": 2}', "--old-body", '{"pk": "b", "v": 1}'),
     "a MODIFY keeps the item's key"),
    (("sns", "--count", "3"), "a sns event carries one record"),
    (("s3", "--count", "2"), "a s3 event carries one record"),
    (("rest", "--method", "FOO"), "--method FOO: not an HTTP method"),
])
def test_what_the_source_could_not_send_is_refused(cli, args, said):
    result = cli("event", *args)
    assert result.exit_code == 2 and said in result.stderr, result.stderr


def test_samples_are_where_local_runs_run(cli):
    """The example's dev environment is eu-west-1: every source names it, as invoke's runtimes do."""
    for kind, field in (("sqs", "eventSourceARN"), ("kinesis", "eventSourceARN"), ("dynamodb", "eventSourceARN")):
        assert ":eu-west-1:" in _event(cli, kind)["Records"][0][field], kind
    assert _event(cli, "schedule")["region"] == "eu-west-1"
    # and so is the sample `new` writes for a function's test
    made = cli("new", "nightly", "--trigger", "schedule", "--schedule", "rate(1 day)")
    assert made.exit_code == 0, made.output
    assert json.loads(Path("tests/events/nightly.json").read_text())["region"] == "eu-west-1"


def test_bad_type_and_bad_dynamodb_body(cli):
    assert cli("event", "kafka").exit_code == 2
    bad = cli("event", "dynamodb", "--body", "[1]")
    assert bad.exit_code == 2 and "must be a JSON object" in bad.stderr


def test_dynamodb_keys_come_from_the_item(cli):
    def keys(*args: str) -> list[dict]:
        result = cli("event", "dynamodb", *args)
        assert result.exit_code == 0, result.output
        return [r["dynamodb"]["Keys"] for r in json.loads(result.stdout)["Records"]]

    assert keys("--body", '{"order_id": "o-9", "total": 3}') == [{"order_id": {"S": "o-9"}}]
    assert keys("--body", '{"pk": "u#1", "sk": "o#2", "n": 1}') == [{"pk": {"S": "u#1"}, "sk": {"S": "o#2"}}]
    assert keys("--body", '{"tenant": "t", "n": 7}', "--keys", "tenant,n") == [{"tenant": {"S": "t"}, "n": {"N": "7"}}]
    assert keys("--count", "2") == [{"id": {"S": "1"}}, {"id": {"S": "2"}}]
    bad = cli("event", "dynamodb", "--body", '{"a": 1}', "--keys", "b")
    assert bad.exit_code == 2 and "--keys b: not an attribute of the item" in bad.stderr


def test_a_query_string_in_the_path_is_the_events_query(cli):
    rest = json.loads(cli("event", "rest", "--path", "/a?x=1&x=2&y=").stdout)
    assert rest["path"] == "/a" and rest["queryStringParameters"] == {"x": "2", "y": ""}
    assert rest["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    http = json.loads(cli("event", "http", "--path", "/a?x=1&x=2").stdout)
    assert http["rawPath"] == "/a" and http["rawQueryString"] == "x=1&x=2"
    assert http["queryStringParameters"] == {"x": "1,2"}
    parse(event=rest, model=APIGatewayProxyEventModel)
    parse(event=http, model=APIGatewayProxyEventV2Model)
