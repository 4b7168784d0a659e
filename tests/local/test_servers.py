"""The local servers: API Gateway's proxy translation (pure), then `start-api` and
`start-lambda` run as a user runs them, against a copy of this repository with REST
resolver, HTTP API and plain functions: real runtimes (awslambdaric), real HTTP, real boto3
and awscli."""

from __future__ import annotations

import base64
import json
import re
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from builder_support import REPO, WorkerRepo

from build_pkg.api.gateway import Gateway, Request, http_event, response, rest_event
from build_pkg.api.proxy import Route, match

ROUTES = [Route("GET", "/items/{item_id}", "shop", "rest"), Route("GET", "/items/special", "shop", "rest"),
          Route("ANY", "/items/{item_id}", "any", "rest"), Route("GET", "/files/{path+}", "files", "rest"),
          Route("GET", "/", "root", "rest")]


def test_the_most_specific_route_wins_as_in_api_gateway():
    assert match(ROUTES, "GET", "/items/special") == (ROUTES[1], {})
    assert match(ROUTES, "GET", "/items/42") == (ROUTES[0], {"item_id": "42"})
    assert match(ROUTES, "DELETE", "/items/42") == (ROUTES[2], {"item_id": "42"})  # ANY when no exact method
    assert match(ROUTES, "GET", "/files/a/b%20c.txt") == (ROUTES[3], {"path": "a/b c.txt"})
    assert match(ROUTES, "GET", "/") == (ROUTES[4], {})
    assert match(ROUTES, "GET", "/files") is None and match(ROUTES, "POST", "/") is None
    default = [Route("ANY", "$default", "fallback", "http")]
    assert match(ROUTES + default, "POST", "/nothing/here") == (default[0], {})
    # A REST API picks the resource, then the method: /a/b without GET is its 403, never /a/{x}.
    rest = [Route("POST", "/a/b", "f", "rest"), Route("GET", "/a/{x}", "g", "rest")]
    assert match(rest, "GET", "/a/b") is None and match(rest, "GET", "/a/c") == (rest[1], {"x": "c"})
    # An HTTP API ranks whole routes: the same request takes GET /a/{x}.
    http = [Route("POST", "/a/b", "f", "http"), Route("GET", "/a/{x}", "g", "http")]
    assert match(http, "GET", "/a/b") == (http[1], {"x": "b"})


def test_a_request_becomes_the_events_api_gateway_sends():
    request = Request("POST", "/items/7", "a=1&a=2&b=", (("Host", "h"), ("X-Many", "1"), ("X-Many", "2"),
                      ("Cookie", "s=1; t=2"), ("Content-Type", "application/octet-stream"),
                      ("X-Forwarded-For", "198.51.100.1")), b"\xff\x00", "203.0.113.9")
    api = Gateway(stage="prod", stage_variables=(("shop", "live"),), account="210987654321", port=3000, proto="http")
    rest = rest_event(request, ROUTES[0], {"item_id": "7"}, api)
    assert rest["resource"] == "/items/{item_id}" and rest["path"] == "/items/7"
    assert rest["multiValueHeaders"]["X-Many"] == ["1", "2"] and rest["headers"]["X-Many"] == "2"
    assert rest["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": [""]}
    assert rest["queryStringParameters"] == {"a": "2", "b": ""}
    assert rest["pathParameters"] == {"item_id": "7"} and rest["stageVariables"] == {"shop": "live"}
    context = rest["requestContext"]
    assert (context["path"], context["stage"], context["accountId"]) == ("/prod/items/7", "prod", "210987654321")
    assert re.fullmatch(r"[A-Za-z0-9+/]{15}=", context["extendedRequestId"])
    # What API Gateway adds: the trace id, the client appended to X-Forwarded-For, port and scheme.
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", rest["headers"]["X-Amzn-Trace-Id"])
    assert rest["headers"]["X-Forwarded-For"] == "198.51.100.1, 203.0.113.9"
    assert (rest["headers"]["X-Forwarded-Port"], rest["headers"]["X-Forwarded-Proto"]) == ("3000", "http")
    # Without binary media types a REST API passes every body as text (bytes that are not
    # UTF-8 are lost, as there); with a matching type, base64.
    assert rest["isBase64Encoded"] is False and rest["body"] == "\ufffd\x00"
    for types in (("application/octet-stream",), ("application/*",), ("*/*",)):
        binary = rest_event(request, ROUTES[0], {"item_id": "7"}, Gateway(binary_media_types=types))
        assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == b"\xff\x00", types
    assert rest_event(request, ROUTES[0], {}, Gateway(binary_media_types=("image/png",)))["isBase64Encoded"] is False

    http = http_event(request, Route("POST", "/items/{item_id}", "shop", "http"), {"item_id": "7"}, api)
    assert http["version"] == "2.0" and http["routeKey"] == "POST /items/{item_id}"
    assert http["headers"]["x-many"] == "1,2" and "cookie" not in http["headers"]
    assert http["headers"]["x-forwarded-for"] == "198.51.100.1, 203.0.113.9" and "x-amzn-trace-id" in http["headers"]
    assert http["cookies"] == ["s=1", "t=2"] and http["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert http["rawQueryString"] == "a=1&a=2&b=" and http["isBase64Encoded"] is True
    assert http["requestContext"]["stage"] == "$default"
    text = http_event(Request("POST", "/x", body=b'{"a": 1}', headers=(("content-type", "application/json"),)),
                      Route("POST", "/x", "f", "http"), {})
    assert text["body"] == '{"a": 1}' and text["isBase64Encoded"] is False and "pathParameters" not in text


def test_a_binary_result_is_bytes_only_where_api_gateway_decodes_it():
    png = {"statusCode": 200, "headers": {"Content-Type": "image/png"}, "isBase64Encoded": True,
           "body": base64.b64encode(b"\x89PNG\r\n").decode()}
    # A REST API without binary media types returns the base64 text as it is ...
    assert response(png, "rest", Gateway(), "image/png").body == png["body"].encode()
    # ... with them, bytes when the request's first Accept type is one of them.
    api = Gateway(binary_media_types=("image/*",))
    assert response(png, "rest", api, "image/png, */*;q=0.8").body == b"\x89PNG\r\n"
    assert response(png, "rest", api, "text/html, image/png").body == png["body"].encode()
    assert response(png, "rest", api, None).body == png["body"].encode()
    assert response(png, "rest", Gateway(binary_media_types=("*/*",)), "application/json").body == b"\x89PNG\r\n"
    assert response(png, "http", Gateway(), None).body == b"\x89PNG\r\n"  # an HTTP API always decodes


def test_a_result_becomes_the_response_api_gateway_returns():
    rest = response({"statusCode": 201, "headers": {"X-One": "a", "x-two": "b"},
                     "multiValueHeaders": {"X-Two": ["c", "d"]}, "body": base64.b64encode(b"\x00\x01").decode(),
                     "isBase64Encoded": True}, "rest", Gateway(binary_media_types=("*/*",)))
    assert rest.status == 201 and rest.body == b"\x00\x01"
    assert [h for h in rest.headers if h[0].lower() == "x-two"] == [("X-Two", "c"), ("X-Two", "d"), ("x-two", "b")]
    both = response({"statusCode": 200, "headers": {"Set-Cookie": "a=1", "X": "same"},
                     "multiValueHeaders": {"Set-Cookie": ["b=2"], "X": ["same"]}}, "rest")
    assert [v for k, v in both.headers if k == "Set-Cookie"] == ["b=2", "a=1"]  # merged, as API Gateway does
    assert [v for k, v in both.headers if k == "X"] == ["same"]  # a pair in both lists is sent once
    assert ("X-One", "a") in rest.headers and ("Content-Type", "application/json") in rest.headers
    http = response({"statusCode": 200, "cookies": ["a=1", "b=2; Secure"], "body": "hi",
                     "headers": {"content-type": "text/plain"}}, "http")
    assert [v for k, v in http.headers if k == "Set-Cookie"] == ["a=1", "b=2; Secure"] and http.body == b"hi"
    inferred = response({"hello": "world"}, "http")  # payload 2.0 without a statusCode
    assert (inferred.status, inferred.body) == (200, b'{"hello": "world"}')
    only_single = response({"statusCode": 200, "headers": {"X-One": "1"}, "multiValueHeaders": {"X-M": ["a", "b"]}},
                           "http")
    assert ("X-One", "1") in only_single.headers and not [h for h in only_single.headers if h[0] == "X-M"]
    assert ("X-Bool", "true") in response({"statusCode": 200, "headers": {"X-Bool": True, "X-N": 3}}, "http").headers
    encoded = response({"statusCode": 200, "body": "aGk=", "isBase64Encoded": "false"}, "http")
    assert encoded.body == b"aGk="  # only a JSON true decodes
    for broken in ({"hello": "world"}, {"statusCode": "abc"}, "text", {"statusCode": 200, "body": {"a": 1}},
                   {"statusCode": 200, "headers": {"X": "a\r\nInjected: 1"}},
                   {"statusCode": 200, "cookies": ["a=1"]},  # payload 2.0's key: a REST API refuses the result
                   {"statusCode": 200, "headers": {"Bad Name": "v"}}, {"statusCode": 200, "headers": {"X": "a\x00b"}},
                   {"statusCode": 200, "headers": {"X-List": ["a", "b"]}}):
        reply = response(broken, "rest")
        assert reply.status == 502 and reply.problem.startswith("malformed Lambda proxy response: "), broken


SHOP = '''import os
import time

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

app = APIGatewayRestResolver()


@app.get("/event/<name>")
def raw_event(name):
    return app.current_event.raw_event


@app.get("/png")
def png():
    return Response(status_code=200, content_type="image/png", body=b"\\x89PNG\\r\\n\\x1a\\n")


@app.get("/items/<item_id>")
def get_item(item_id):
    return {"id": item_id, "pid": os.getpid()}


@app.get("/slow")
def slow():
    time.sleep(0.6)
    return {"pid": os.getpid()}


def handler(event, context):
    return app.resolve(event, context)
'''

WEB = '''import base64


def handler(event, context):
    if event["rawPath"].endswith("/boom"):
        raise RuntimeError("web exploded")
    return {"statusCode": 201, "cookies": ["a=1", "b=2"], "multiValueHeaders": {"X-Ignored": ["z"]},
            "headers": {"content-type": "application/octet-stream", "X-Multi": "x,y"}, "isBase64Encoded": True,
            "body": base64.b64encode(b"\\x00VERSION-1" + event["pathParameters"]["rest"].encode()
                                     + (event.get("body") or "").encode()).decode()}
'''

ECHO = '''import os

import boto3


def handler(event, context):
    print("hello from echo", event)
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("big"):
        return "x" * event["big"]
    if event.get("call"):
        client = boto3.client("lambda")
        reply = client.invoke(FunctionName=event["call"], Payload=b'{"from": "echo"}')
        return {"called": reply["Payload"].read().decode()}
    return {"echo": event, "name": os.environ["AWS_LAMBDA_FUNCTION_NAME"], "stream": context.log_stream_name,
            "arn": context.invoked_function_arn,
            "custom": context.client_context.custom if context.client_context else None}
'''


@pytest.fixture(scope="module")
def serve_repo(tmp_path_factory) -> WorkerRepo:
    repo = WorkerRepo(tmp_path_factory.mktemp("serve") / "repo")
    repo.write("functions/lambda_shop.py", SHOP)
    repo.write("functions/lambda_web.py", WEB)
    repo.write("functions/lambda_echo.py", ECHO)
    dev = repo.root / "terraform" / "env" / "dev.tfvars"
    dev.write_text(dev.read_text() + '\nbinary_media_types = ["image/png"]\n')
    for name, extra in (("shop", ""), ("web", ' --http "GET /web/{rest+}" --http "POST /web/{rest+}"'), ("echo", "")):
        command = f"{sys.executable} {REPO / 'build-pkg.py'} -C {repo.root} tf {name}{extra}"
        subprocess.run(command, shell=True, check=True, capture_output=True)
    return repo


class Server:
    def __init__(self, repo: WorkerRepo, command: str, env: dict | None = None, port: int = 0,
                 args: tuple[str, ...] = ()):
        self.stderr = repo.root.parent / f"{command}.err"
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "build-pkg.py"), "-C", str(repo.root), command, *args, "--port", str(port)],
            stdout=subprocess.PIPE, stderr=self.stderr.open("wb"), text=True, env={**os.environ, **(env or {})})
        first = self.process.stdout.readline()
        assert first.startswith("serving "), first + self.log()
        self.address = first.split(" on ")[1].strip()
        self.banner = [first]
        threading.Thread(target=lambda: self.banner.extend(self.process.stdout), daemon=True).start()

    def log(self) -> str:
        return self.stderr.read_text(errors="replace")

    def get(self, path: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(self.address + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return reply.status, reply.headers, reply.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=30)


def _shape(node):
    """The keys of a JSON document, all the way down (a list by its first item)."""
    if isinstance(node, dict):
        return {key: _shape(value) for key, value in node.items() if key != "Connection"}
    if isinstance(node, list):
        return [_shape(node[0])] if node else []
    return type(node).__name__


def _fields(node, differ: set[str], at: str = "") -> dict:
    """Each leaf by its path, but those named in `differ`."""
    if isinstance(node, dict):
        found = {}
        for key, value in node.items():
            if key not in differ:
                found |= _fields(value, differ, f"{at}.{key}")
        return found
    return {at: node}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_start_api_serves_the_routes_warm_and_restarts_only_what_changed(serve_repo):
    server = Server(serve_repo, "start-api")
    try:
        status, headers, body = server.get("/items/7")
        assert status == 200, server.log()
        first = json.loads(body)
        assert first["id"] == "7"
        assert json.loads(server.get("/items/8")[2])["pid"] == first["pid"]  # warm: the same runtime

        status, headers, body = server.get("/nope")
        assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})

        status, headers, body = server.get("/web/a/b")
        assert status == 201 and body == b"\x00VERSION-1a/b"
        assert headers.get_all("Set-Cookie") == ["a=1", "b=2"] and headers.get_all("X-Multi") == ["x,y"]
        assert headers.get("X-Ignored") is None  # payload 2.0 has no multiValueHeaders

        # A chunked body (curl -T -), then another request on the same connection.
        host, port = server.address.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as raw:
            raw.sendall(b"POST /web/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                        b"Content-Type: text/plain\r\n\r\n3\r\nhey\r\n2\r\n!!\r\n0\r\n\r\n"
                        b"GET /web/d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := raw.recv(65536):
                answer += chunk
        assert b"\x00VERSION-1chey!!" in answer and b"\x00VERSION-1d" in answer and answer.count(b"HTTP/1.1 201") == 2

        with socket.create_connection((host, int(port))) as raw:  # cut short: never reaches the function as whole
            raw.sendall(b"POST /web/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")
            raw.shutdown(socket.SHUT_WR)
            answer = raw.recv(65536)
        assert answer.startswith(b"HTTP/1.1 400") and b"a chunk is shorter than its size" in answer
        for length, why in ((b"Content-Length: -5\r\n", b"is not a whole number"),
                            (b"Content-Length: abc\r\n", b"is not a whole number"),
                            (b"Content-Length: 5\r\nContent-Length: 7\r\n", b"2 different Content-Length")):
            with socket.create_connection((host, int(port))) as raw:
                raw.sendall(b"POST /web/c HTTP/1.1\r\nHost: x\r\n" + length + b"\r\nabcdefg")
                answer = raw.recv(65536)
            assert answer.startswith(b"HTTP/1.1 400") and why in answer, answer

        # Binary media types (dev.tfvars: image/png): bytes when the first Accept type is one,
        # the base64 text otherwise, as the REST API answers.
        assert server.get("/png", headers={"Accept": "image/png"})[2] == b"\x89PNG\r\n\x1a\n"
        assert server.get("/png", headers={"Accept": "application/json"})[2] == base64.b64encode(b"\x89PNG\r\n\x1a\n")

        # One translation: the event start-api sends for a request is the one `event rest`
        # prints for it, field for field, but for the ids, times and the client's address.
        sample = json.loads(subprocess.run(
            [sys.executable, str(REPO / "build-pkg.py"), "-C", str(serve_repo.root), "event", "rest", "--path",
             "/event/x"], capture_output=True, text=True, check=True).stdout)
        with socket.create_connection((host, int(port))) as raw:
            raw.sendall(f"GET /event/x HTTP/1.1\r\nHost: {sample['headers']['Host']}\r\nUser-Agent: curl/8.5.0\r\n"
                        "Accept: */*\r\nConnection: close\r\n\r\n".encode())
            answer = b""
            while chunk := raw.recv(65536):
                answer += chunk
        served = json.loads(answer.split(b"\r\n\r\n", 1)[1])
        assert _shape(served) == _shape(sample)
        differ = {"requestId", "extendedRequestId", "requestTime", "requestTimeEpoch", "X-Amzn-Trace-Id",
                  "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto", "sourceIp", "Connection"}
        assert _fields(served, differ) == _fields(sample, differ)
        assert (sample["requestContext"]["stage"], sample["stageVariables"]["shop"]) == ("dev", "live")

        # API Gateway's 10 MB request quota: refused before a byte of the body is read.
        with socket.create_connection((host, int(port))) as raw:
            raw.sendall(b"POST /web/c HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000\r\n\r\n")
            answer = raw.recv(65536)
        assert answer.startswith(b"HTTP/1.1 413") and b'{"message":"Request Too Long"}' in answer
        with socket.create_connection((host, int(port))) as raw:  # a chunk as large: the same
            raw.sendall(b"POST /web/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffff\r\nab")
            answer = raw.recv(65536)
        assert answer.startswith(b"HTTP/1.1 413")
        request = urllib.request.Request(server.address + "/web/c", data=b"x" * (10 * 1024 * 1024 + 1), method="POST")
        with pytest.raises(urllib.error.HTTPError) as large:
            urllib.request.urlopen(request, timeout=30)
        assert large.value.code == 413
        assert server.get("/web/c")[0] == 201  # at the limit and under it, served

        status, _, body = server.get("/web/boom")
        assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
        assert "web exploded" in server.log()  # the function's log, on stderr
        assert "web: 502: the function failed: RuntimeError: web exploded" in server.log()

        replies = []
        threads = [threading.Thread(target=lambda: replies.append(server.get("/slow"))) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [r[0] for r in replies] == [200, 200, 200]
        shop_pids = {json.loads(r[2])["pid"] for r in replies} | {first["pid"]}
        assert len(shop_pids) > 1  # overlapping requests: more runtimes

        web = serve_repo.root / "functions" / "lambda_web.py"
        web.write_text(WEB.replace("VERSION-1", "VERSION-2"))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and b"VERSION-2" not in server.get("/web/x")[2]:
            time.sleep(0.3)
        assert server.get("/web/x")[2] == b"\x00VERSION-2x", server.log()
        while time.monotonic() < deadline and "rebuilt:" not in server.log():
            time.sleep(0.1)  # the line follows the swap
        assert "rebuilt: restarted web;" in server.log()
        assert json.loads(server.get("/items/9")[2])["pid"] in shop_pids  # shop kept its warm runtimes
    finally:
        assert server.stop() == 0
    assert not any(_alive(pid) for pid in shop_pids)  # no runtime outlives the server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


CREDENTIALS = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1"}


def test_start_lambda_serves_the_invoke_api_to_boto3(serve_repo):
    port = _free_port()
    address = f"http://127.0.0.1:{port}"
    # The function's own boto3 reaches the same server (AWS_ENDPOINT_URL_LAMBDA is passed
    # through to every runtime): a function-to-function call, here echo calling itself, which
    # needs a second runtime while the first waits.
    server = Server(serve_repo, "start-lambda", {**CREDENTIALS, "AWS_ENDPOINT_URL_LAMBDA": address}, port)
    try:
        assert server.address == address
        client = boto3.client("lambda", endpoint_url=address, region_name="us-east-1", aws_access_key_id="x",
                              aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}, read_timeout=60))
        reply = client.invoke(FunctionName="echo", Payload=b'{"x": 1}', LogType="Tail")
        assert reply["StatusCode"] == 200 and "FunctionError" not in reply
        result = json.loads(reply["Payload"].read())
        assert result["echo"] == {"x": 1}
        assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", result["stream"])  # as invoke's
        assert result["arn"] == f"arn:aws:lambda:eu-west-1:123456789012:function:{result['name']}"  # dev's region
        log = base64.b64decode(reply["LogResult"]).decode()
        assert "hello from echo {'x': 1}" in log and "REPORT RequestId:" in log

        assert result["custom"] is None
        # boto3's ClientContext (base64 of a JSON object) reaches context.client_context; anything
        # else is refused, as Lambda refuses it.
        context = base64.b64encode(json.dumps({"custom": {"tenant": "acme"}}).encode()).decode()
        reply = client.invoke(FunctionName="echo", Payload=b"{}", ClientContext=context)
        assert json.loads(reply["Payload"].read())["custom"] == {"tenant": "acme"}
        with pytest.raises(ClientError) as refused:
            client.invoke(FunctionName="echo", Payload=b"{}", ClientContext="not base64 json")
        assert refused.value.response["Error"]["Code"] == "InvalidRequestContentException"

        # Lambda's payload limits: 6 MB each way for a synchronous call, 1 MB for an Event.
        for kind, size in (("RequestResponse", 6_291_457), ("Event", 1_048_577)):
            with pytest.raises(ClientError) as large:
                client.invoke(FunctionName="echo", InvocationType=kind, Payload=json.dumps({"pad": "x" * size}).encode())
            assert large.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
            assert large.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
        too_big = client.invoke(FunctionName="echo", Payload=json.dumps({"big": 6_300_000}).encode())
        assert too_big["FunctionError"] == "Unhandled"
        assert json.loads(too_big["Payload"].read())["errorType"] == "Function.ResponseSizeTooLarge"

        failed = client.invoke(FunctionName=f"arn:aws:lambda:eu-west-1:123456789012:function:{result['name']}",
                               Payload=b'{"fail": true}')
        assert failed["FunctionError"] == "Unhandled"
        assert json.loads(failed["Payload"].read())["errorType"] == "ValueError"

        called = client.invoke(FunctionName="echo", Payload=json.dumps({"call": "echo"}).encode())
        assert json.loads(json.loads(called["Payload"].read())["called"])["echo"] == {"from": "echo"}

        event = client.invoke(FunctionName="echo", InvocationType="Event", Payload=b"{}")
        dry = client.invoke(FunctionName="echo", InvocationType="DryRun")
        assert (event["StatusCode"], dry["StatusCode"]) == (202, 204)
        assert "ExecutedVersion" not in event and "ExecutedVersion" not in dry  # Lambda names none for these
        assert all(reply["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-requestid") for reply in (event, dry))
        assert client.invoke(FunctionName="echo", Qualifier="$LATEST", Payload=b"{}")["StatusCode"] == 200
        # AWS-shaped errors: an unknown version, an invalid qualifier or invocation type, an
        # operation start-lambda does not serve.
        for call, code in ((dict(Qualifier="7"), "ResourceNotFoundException"),
                           (dict(Qualifier="bogus!!"), "ValidationException"),
                           (dict(Qualifier="a" * 129), "ValidationException"),
                           (dict(InvocationType="Bogus"), "ValidationException"),
                           (dict(LogType="Bogus"), "ValidationException"),
                           (dict(FunctionName="bad name!"), "ValidationException")):
            with pytest.raises(ClientError) as refused:
                client.invoke(**{"FunctionName": "echo", "Payload": b"{}", **call})
            assert refused.value.response["Error"]["Code"] == code, call
        # The function's ARN as Lambda reads it: another region's is out of reach, another
        # account's not found, a qualifier in the name is the Qualifier.
        for asked, code, message in (
                (f"arn:aws:lambda:us-east-1:123456789012:function:{result['name']}", "ResourceNotFoundException",
                 "Functions from 'us-east-1' are not reachable in this region ('eu-west-1')"),
                (f"arn:aws:lambda:eu-west-1:210987654321:function:{result['name']}", "ResourceNotFoundException",
                 f"Function not found: arn:aws:lambda:eu-west-1:210987654321:function:{result['name']}"),
                ("echo:7", "ResourceNotFoundException", None)):
            with pytest.raises(ClientError) as refused:
                client.invoke(FunctionName=asked, Payload=b"{}")
            assert refused.value.response["Error"]["Code"] == code, asked
            assert message is None or refused.value.response["Error"]["Message"] == message
        assert client.invoke(FunctionName="123456789012:function:echo:live", Payload=b"{}")["StatusCode"] == 200
        with pytest.raises(ClientError) as refused:
            client.invoke(FunctionName="echo:live", Qualifier="$LATEST", Payload=b"{}")
        assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
        with pytest.raises(ClientError) as unserved:
            client.get_function(FunctionName="echo")
        assert unserved.value.response["Error"]["Code"] == "UnknownOperationException"
        with pytest.raises(ClientError) as missing:
            client.invoke(FunctionName="nothing", Payload=b"{}")
        assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"

        # awscli (v1, from the dev packages) reads the answers as it reads Lambda's: the executed
        # version for a synchronous call only, an unserved operation's error by its type.
        def aws(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "awscli", "lambda", *args, "--endpoint-url", address,
                                   "--region", "eu-west-1"], capture_output=True, text=True,
                                  env={**os.environ, **CREDENTIALS, "AWS_MAX_ATTEMPTS": "1"}, timeout=120)

        answers = {}
        for kind in ("RequestResponse", "Event", "DryRun"):
            called = aws("invoke", "--function-name", "echo", "--invocation-type", kind, "--payload", '{"x": 2}',
                         str(serve_repo.root.parent / f"aws-{kind}.json"))
            assert called.returncode == 0, called.stderr
            answers[kind] = json.loads(called.stdout)
        assert answers["RequestResponse"] == {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
        assert answers["Event"] == {"StatusCode": 202} and answers["DryRun"] == {"StatusCode": 204}
        assert json.loads((serve_repo.root.parent / "aws-RequestResponse.json").read_text())["echo"] == {"x": 2}
        unserved = aws("get-function", "--function-name", "echo")
        assert unserved.returncode != 0 and "(UnknownOperationException)" in unserved.stderr, unserved.stderr
        other_region = aws("invoke", "--function-name", f"arn:aws:lambda:us-east-1:123456789012:function:{result['name']}",
                           str(serve_repo.root.parent / "aws-other.json"))
        assert "Functions from 'us-east-1' are not reachable in this region ('eu-west-1')" in other_region.stderr

        # `invoke --remote` against it: the same output and exit status as a local run.
        remote = [sys.executable, str(REPO / "build-pkg.py"), "-C", str(serve_repo.root), "invoke", "echo",
                  "--remote", "dev", "--event", "-"]
        env = {**os.environ, **CREDENTIALS, "AWS_ENDPOINT_URL_LAMBDA": address}
        failed = subprocess.run(remote, input='{"fail": true}', capture_output=True, text=True, env=env)
        assert failed.returncode == 1, failed.stderr
        assert json.loads(failed.stdout)["errorType"] == "ValueError"
        assert "hello from echo {'fail': True}" in failed.stderr and "REPORT RequestId:" in failed.stderr
        nothing = subprocess.run(remote[:5] + ["nothing"] + remote[6:], input="{}", capture_output=True, text=True,
                                 env=env)
        assert nothing.returncode == 2  # not a function of the repository: refused before asking
        assert nothing.stderr.strip().splitlines()[-1] == (
            "error: no function 'nothing' in functions/ (nor a deployed name of one, <project>-<env>-<name>); the "
            "functions are: api_log_exporter, echo, process_checker, shop, web")
    finally:
        assert server.stop() == 0


def test_start_lambda_name_serves_one_function_at_the_emulators_address_too(serve_repo):
    """`start-lambda NAME`: that function alone, also at /functions/function/invocations, where
    the Runtime Interface Emulator's users call it (curl -d '{}' ...)."""
    import urllib.request

    server = Server(serve_repo, "start-lambda", CREDENTIALS, args=("echo",))
    try:
        assert server.banner[0].startswith("serving 1 function on ")
        request = urllib.request.Request(f"{server.address}/2015-03-31/functions/function/invocations",
                                         data=b'{"x": 2}', method="POST")
        with urllib.request.urlopen(request, timeout=60) as answer:
            assert json.loads(answer.read())["echo"] == {"x": 2}
    finally:
        server.stop()
    unknown = subprocess.run([sys.executable, str(REPO / "build-pkg.py"), "-C", str(serve_repo.root), "start-lambda",
                              "nothing", "--port", "0"], capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2 and "nothing" in unknown.stderr
    # A --debug-function that is no function is refused before anything is built.
    package = serve_repo.root / "terraform" / "dists.zip"
    package.unlink()
    debugged = subprocess.run([sys.executable, str(REPO / "build-pkg.py"), "-C", str(serve_repo.root), "start-api",
                               "--port", "0", "--debug-port", str(_free_port()), "--debug-function", "nothing"],
                              capture_output=True, text=True, timeout=120)
    assert debugged.returncode == 2 and "nothing" in debugged.stderr.strip().splitlines()[-1], debugged.stderr
    assert not package.exists() and "build:" not in debugged.stderr
    other = subprocess.run([sys.executable, str(REPO / "build-pkg.py"), "-C", str(serve_repo.root), "start-lambda",
                            "echo", "--port", "0", "--debug-port", str(_free_port()), "--debug-function", "shop"],
                           capture_output=True, text=True, timeout=120)  # a function it would never run
    assert other.returncode == 2 and "start-lambda echo serves only echo" in other.stderr, other.stderr
    assert not package.exists()
