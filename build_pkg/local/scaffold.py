"""`new`: the files of a new function, rendered from its trigger (pure: text out).

Each trigger brings the event source's Powertools data class, a handler shaped
for it, a sample event from `events`, and a test that runs the handler on that
sample and passes as written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..package.discover import FLAT_PREFIX, PACKAGE_ENTRY
from .events import EventOptions, sample

TRIGGERS = ("none", "schedule", "sqs", "sns", "s3", "http", "rest")
LAYOUTS = ("flat", "package")


@dataclass(frozen=True)
class Trigger:
    description: str
    data_class: str | None  # Powertools data class the handler receives
    event_type: str | None  # build_pkg.events sample type
    body: str  # the handler's body, indented by four spaces
    returns: str  # the handler's return annotation


_TRIGGERS = {
    "none": Trigger(
        "direct invocation (console, SDK, Step Functions)", None, None,
        '    name = event.get("name", "world")\n'
        '    logger.info("greeting", extra={"greeted": name})\n'
        '    return {"message": f"hello, {name}"}\n',
        "dict",
    ),
    "schedule": Trigger(
        "an EventBridge schedule", "EventBridgeEvent", "schedule",
        '    logger.info("scheduled run", extra={"time": event.time, "rule": event.resources})\n'
        '    return {"scheduled_at": event.time}\n',
        "dict",
    ),
    "sqs": Trigger(
        "an SQS queue (failed messages are reported back, so only they are retried)", "SQSEvent", "sqs",
        "    failures = []\n"
        "    for record in event.records:\n"
        "        try:\n"
        '            logger.info("message", extra={"message_id": record.message_id, "body": record.body})\n'
        "        except Exception:\n"
        '            logger.exception("message failed", extra={"message_id": record.message_id})\n'
        '            failures.append({"itemIdentifier": record.message_id})\n'
        '    return {"batchItemFailures": failures}\n',
        "dict",
    ),
    "sns": Trigger(
        "an SNS topic", "SNSEvent", "sns",
        "    for record in event.records:\n"
        '        logger.info("notification", extra={"subject": record.sns.subject, "sns_message": record.sns.message})\n'
        '    return {"processed": len(list(event.records))}\n',
        "dict",
    ),
    "s3": Trigger(
        "S3 object events", "S3Event", "s3-put",
        '    objects = [f"s3://{event.bucket_name}/{record.s3.get_object.key}" for record in event.records]\n'
        '    logger.info("objects", extra={"objects": objects})\n'
        '    return {"objects": objects}\n',
        "dict",
    ),
    "http": Trigger(
        "routes on the shared HTTP API (API Gateway v2, payload 2.0)", "APIGatewayProxyEventV2", "http",
        '    logger.info("request", extra={"route": event.route_key, "path": event.raw_path})\n'
        "    return {\n"
        '        "statusCode": 200,\n'
        '        "headers": {"Content-Type": "application/json"},\n'
        '        "body": json.dumps({"route": event.route_key}),\n'
        "    }\n",
        "dict",
    ),
}


@dataclass(frozen=True)
class Scaffold:
    """Project-relative path -> file text."""

    files: dict[str, str]
    event_path: str
    code_path: str


def paths(name: str, layout: str) -> dict[str, str]:
    if layout == "flat":
        code = {"code": f"functions/{FLAT_PREFIX}{name}.py"}
    else:
        code = {"code": f"functions/{name}/{PACKAGE_ENTRY}", "init": f"functions/{name}/__init__.py"}
    return code | {"test": f"tests/functions/test_{name}.py", "event": f"tests/events/{name}.json"}


def rest_paths(name: str) -> tuple[str, str]:
    """The two routes `new --trigger rest` scaffolds: a collection and one item of it."""
    slug = name.replace("_", "-")
    return f"/{slug}", f"/{slug}/{{item_id}}"


def render(name: str, layout: str, trigger: str, event_options: EventOptions) -> Scaffold:
    if trigger == "rest":
        return _render_rest(name, layout)
    spec = _TRIGGERS[trigger]
    where = paths(name, layout)
    event = sample(spec.event_type, event_options) if spec.event_type else {"name": "world"}
    files = {
        where["code"]: _code(name, spec),
        where["test"]: _test(name, layout, trigger, event, where["event"]),
        where["event"]: json.dumps(event, indent=2) + "\n",
    }
    if "init" in where:
        files[where["init"]] = ""
    return Scaffold(files, where["event"], where["code"])


def _code(name: str, spec: Trigger) -> str:
    title = name.replace("_", " ").capitalize()
    imports = ["from aws_lambda_powertools import Logger"]
    if spec.data_class:
        imports.append(f"from aws_lambda_powertools.utilities.data_classes import {spec.data_class}, event_source")
    imports.append("from aws_lambda_powertools.utilities.typing import LambdaContext")
    event_type = spec.data_class or "dict"
    decorators = "@logger.inject_lambda_context\n"
    if spec.data_class:
        decorators += f"@event_source(data_class={spec.data_class})\n"
    stdlib = "import json\n\n" if "json." in spec.body else ""
    return (
        f'"""{title}: describe what this function does.\n\n'
        f"Triggered by {spec.description}. Scaffolded by `build-pkg.py new`.\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        f"{stdlib}"
        + "\n".join(imports) + "\n\n"
        f'logger = Logger(service="{name}")\n\n\n'
        f"{decorators}"
        f"def handler(event: {event_type}, context: LambdaContext) -> {spec.returns}:\n"
        f'    """Handle one invocation."""\n'
        f"{spec.body}"
    )


def _expected(trigger: str, event: dict) -> object:
    if trigger == "none":
        return {"message": "hello, world"}
    if trigger == "schedule":
        return {"scheduled_at": event["time"]}
    if trigger == "sqs":
        return {"batchItemFailures": []}
    if trigger == "sns":
        return {"processed": len(event["Records"])}
    if trigger == "s3":
        return {"objects": [f"s3://{r['s3']['bucket']['name']}/{r['s3']['object']['key']}" for r in event["Records"]]}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"route": event["routeKey"]})}


def _test_preamble(name: str, layout: str, docstring: str) -> str:
    """A test module's start: the function imported as Lambda imports it, its sample event,
    and the context attributes Powertools reads."""
    module = f"import {FLAT_PREFIX}{name} as function" if layout == "flat" else f"from {name} import main as function"
    return (
        f'"""{docstring}"""\n\n'
        "import json\n"
        "from dataclasses import dataclass\n"
        "from pathlib import Path\n\n"
        f"{module}\n\n"
        f'EVENT = json.loads((Path(__file__).resolve().parents[1] / "events" / "{name}.json").read_text())\n\n\n'
        "@dataclass\n"
        "class Context:\n"
        '    """The attributes of Lambda\'s context object that Powertools reads."""\n\n'
        f'    function_name: str = "{name}"\n'
        "    memory_limit_in_mb: int = 128\n"
        f'    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:{name}"\n'
        '    aws_request_id: str = "test-request"\n\n\n'
    )


def _test(name: str, layout: str, trigger: str, event: dict, event_path: str) -> str:
    return (
        _test_preamble(name, layout, f"{name}: the handler runs on its sample event ({event_path}).")
        + "def test_handler_on_the_sample_event():\n"
        f"    assert function.handler(EVENT, Context()) == {_expected(trigger, event)!r}\n"
    )


def _render_rest(name: str, layout: str) -> Scaffold:
    """A Powertools REST resolver with two routes: the build describes them in
    terraform/openapi.json, the REST API serves them, `start-api` runs them locally."""
    where = paths(name, layout)
    collection, item = rest_paths(name)
    event = sample("rest", EventOptions(path=f"{collection}/42", route=item, path_parameters=(("item_id", "42"),)))
    title = name.replace("_", " ").capitalize()
    code = (
        f'"""{title}: describe what this API does.\n\n'
        "Routes of the project's REST API (API Gateway, Lambda proxy): the build reads them from\n"
        "the resolver into terraform/openapi.json. Scaffolded by `build-pkg.py new`.\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        "from aws_lambda_powertools import Logger\n"
        "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
        "from aws_lambda_powertools.event_handler.exceptions import BadRequestError\n"
        "from aws_lambda_powertools.utilities.typing import LambdaContext\n\n"
        f'logger = Logger(service="{name}")\n'
        "app = APIGatewayRestResolver()\n\n\n"
        f'@app.get("{item.replace("{item_id}", "<item_id>")}")\n'
        "def get_item(item_id: str) -> dict:\n"
        '    logger.info("read", extra={"item_id": item_id})\n'
        '    return {"id": item_id}\n\n\n'
        f'@app.post("{collection}")\n'
        "def create_item() -> tuple[dict, int]:\n"
        "    try:\n"
        "        item = app.current_event.json_body or {}\n"
        "    except ValueError:  # not JSON: the caller's mistake (400), not the function's (502)\n"
        '        raise BadRequestError("the body is not JSON") from None\n'
        '    logger.info("create", extra={"item": item})\n'
        '    return {"created": item}, 201\n\n\n'
        "@logger.inject_lambda_context\n"
        "def handler(event: dict, context: LambdaContext) -> dict:\n"
        '    """Route one request to its function."""\n'
        "    return app.resolve(event, context)\n"
    )
    test = (
        _test_preamble(name, layout, f"{name}: both routes, on the sample event ({where['event']}) and a POST made "
                                     "from it.") +
        "def test_get_an_item():\n"
        "    response = function.handler(EVENT, Context())\n"
        '    assert response["statusCode"] == 200\n'
        '    assert json.loads(response["body"]) == {"id": "42"}\n\n\n'
        "def test_create_an_item():\n"
        f'    event = {{**EVENT, "httpMethod": "POST", "path": "{collection}", "resource": "{collection}", '
        '"pathParameters": None,\n'
        '             "body": json.dumps({"name": "widget"})}\n'
        "    response = function.handler(event, Context())\n"
        '    assert response["statusCode"] == 201\n'
        '    assert json.loads(response["body"]) == {"created": {"name": "widget"}}\n\n\n'
        "def test_a_body_that_is_not_json_is_the_callers_mistake():\n"
        f'    event = {{**EVENT, "httpMethod": "POST", "path": "{collection}", "resource": "{collection}", '
        '"pathParameters": None,\n'
        '             "body": "{not json"}\n'
        "    response = function.handler(event, Context())\n"
        '    assert response["statusCode"] == 400\n'
    )
    files = {where["code"]: code, where["test"]: test, where["event"]: json.dumps(event, indent=2) + "\n"}
    if "init" in where:
        files[where["init"]] = ""
    return Scaffold(files, where["event"], where["code"])
