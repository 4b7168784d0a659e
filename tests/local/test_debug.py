"""`invoke --debug-port`: an editor's debugger attaches to the runtime (the Debug Adapter
Protocol over TCP, as VS Code and PyCharm speak it), sets a breakpoint in functions/ and
sees it hit there, then lets the invocation finish."""

from __future__ import annotations

import itertools
import json
import socket
import subprocess
import sys
import threading
import time

import boto3
import pytest
from botocore.config import Config
from builder_support import REPO, WorkerRepo
from test_servers import CREDENTIALS, Server, _free_port

HANDLER = '''def handler(event, context):
    total = event["a"] + 1
    return {"total": total}
'''


class Dap:
    """A minimal Debug Adapter Protocol client: requests, their responses, events."""

    def __init__(self, port: int):
        deadline = time.monotonic() + 120
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.buffer = b""
        self.seq = itertools.count(1)
        self.pending: list[dict] = []

    def send(self, command: str, arguments: dict | None = None) -> int:
        seq = next(self.seq)
        body = json.dumps({"seq": seq, "type": "request", "command": command, "arguments": arguments or {}}).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return seq

    def _read(self) -> dict:
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        length = int(head.split(b":")[1])
        while len(self.buffer) < length:
            self.buffer += self._recv()
        message, self.buffer = self.buffer[:length], self.buffer[length:]
        return json.loads(message)

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        assert chunk, "the debug adapter closed the connection"
        return chunk

    def wait(self, match) -> dict:
        for i, message in enumerate(self.pending):
            if match(message):
                return self.pending.pop(i)
        while True:
            message = self._read()
            if match(message):
                return message
            self.pending.append(message)

    def request(self, command: str, arguments: dict | None = None) -> dict:
        seq = self.send(command, arguments)
        reply = self.wait(lambda m: m.get("type") == "response" and m.get("request_seq") == seq)
        assert reply["success"], reply
        return reply.get("body") or {}

    def event(self, name: str) -> dict:
        return self.wait(lambda m: m.get("type") == "event" and m.get("event") == name).get("body") or {}


def _stop_at_line_2(dap: Dap, source) -> None:
    """What an editor does: attach, set a breakpoint at line 2 of `source`, see it hit there
    (in functions/, where the editor has the file, not in the task root), continue."""
    dap.request("initialize", {"clientID": "test", "adapterID": "debugpy", "pathFormat": "path",
                               "linesStartAt1": True, "columnsStartAt1": True})
    attach = dap.send("attach", {"justMyCode": False})
    dap.event("initialized")
    set_ = dap.request("setBreakpoints", {"source": {"path": str(source)}, "breakpoints": [{"line": 2}]})
    assert set_["breakpoints"][0]["verified"], set_
    dap.request("configurationDone")
    dap.wait(lambda m: m.get("type") == "response" and m.get("request_seq") == attach)
    stopped = dap.event("stopped")
    assert stopped["reason"] == "breakpoint", stopped
    frame = dap.request("stackTrace", {"threadId": stopped["threadId"]})["stackFrames"][0]
    assert (frame["source"]["path"], frame["line"]) == (str(source), 2), frame
    dap.request("continue", {"threadId": stopped["threadId"]})


@pytest.fixture(scope="module")
def debug_repo(tmp_path_factory) -> WorkerRepo:
    repo = WorkerRepo(tmp_path_factory.mktemp("debug") / "repo")
    repo.write("functions/lambda_debugged.py", HANDLER)
    subprocess.run([sys.executable, str(REPO / "build-pkg.py"), "-C", str(repo.root), "tf", "debugged"], check=True,
                   capture_output=True)
    return repo


def test_start_lambda_debugs_its_function_at_the_first_request(debug_repo):
    port = _free_port()
    server = Server(debug_repo, "start-lambda", CREDENTIALS, args=("debugged", "--debug-port", str(port)))
    try:
        client = boto3.client("lambda", endpoint_url=server.address, region_name="us-east-1", aws_access_key_id="x",
                              aws_secret_access_key="x",
                              config=Config(retries={"max_attempts": 1}, read_timeout=120))
        replies = []
        call = threading.Thread(target=lambda: replies.append(
            client.invoke(FunctionName="debugged", Payload=b'{"a": 1}')["Payload"].read()))
        call.start()  # its runtime starts, and waits for the editor
        _stop_at_line_2(Dap(port), debug_repo.root / "functions" / "lambda_debugged.py")
        call.join(timeout=120)
        assert json.loads(replies[0]) == {"total": 2}
    finally:
        assert server.stop() == 0


def test_an_editor_attaches_and_stops_at_a_breakpoint_in_functions(debug_repo, tmp_path):
    repo = debug_repo
    port = _free_port()
    log = tmp_path / "invoke.err"
    run = subprocess.Popen([sys.executable, str(REPO / "build-pkg.py"), "-C", str(repo.root), "invoke", "debugged",
                            "--debug-port", str(port), "--event", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=log.open("wb"))
    run.stdin.write(b'{"a": 41}')
    run.stdin.close()
    try:
        _stop_at_line_2(Dap(port), repo.root / "functions" / "lambda_debugged.py")
        out = run.stdout.read()
        run.wait(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, log.read_text()
    assert json.loads(out) == {"total": 42}
    assert f"debugger: listening on 127.0.0.1:{port}" in log.read_text()
