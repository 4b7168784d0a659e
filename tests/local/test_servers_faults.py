"""The local servers under load and faults, as Lambda and API Gateway behave there: no SYN
dropped at a burst of connections, callers served first come first served, threads
bounded under slow clients and queued events, a function's framing headers and non-latin-1
header values never drop a connection, a killed idle runtime leaks nothing, Ctrl-C closes
queued requests without a made-up answer or a traceback, and a function over its memory
size fails as Lambda fails it."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from builder_support import REPO, WorkerRepo
from test_servers import CREDENTIALS, Server

from build_pkg.local.http_server import MAX_CONNECTIONS
from build_pkg.local.served import EVENT_WORKERS


FAST = '''import os


def handler(event, context):
    return {"statusCode": 200, "body": str(os.getpid())}
'''

SLOW = '''import time


def handler(event, context):
    started = time.time()
    time.sleep(0.5)
    return {"statusCode": 200, "body": f"{event['rawQueryString']} {started}"}
'''

HEADERS = '''def handler(event, context):
    return {"statusCode": 200, "body": "ok", "headers": {"X-Name": "caf\\u00e9 \\u2615", "Content-Length": "999",
                                                          "Transfer-Encoding": "chunked"}}
'''

HOG = '''def handler(event, context):
    held = bytearray(400 * 1024 * 1024)
    for i in range(0, len(held), 4096):
        held[i] = 1
    return len(held)
'''

CHILD = '''import subprocess
import sys

TOUCH = "b = bytearray(300 * 1024 * 1024)\\nfor i in range(0, len(b), 4096):\\n    b[i] = 1\\nimport time\\ntime.sleep(2)"


def handler(event, context):
    if event.get("exit"):
        import os
        os._exit(3)
    subprocess.run([sys.executable, "-c", TOUCH], check=True)
    return "done"
'''

NOTE = '''import os


def handler(event, context):
    with open(event["file"], "a") as out:
        out.write(f"{os.getpid()} {event['n']}\\n")
'''


@pytest.fixture(scope="module")
def faults_repo(tmp_path_factory) -> WorkerRepo:
    repo = WorkerRepo(tmp_path_factory.mktemp("faults") / "repo")
    for name, code, routes in (("fast", FAST, ' --http "GET /fast"'), ("slow", SLOW, ' --http "GET /slow"'),
                               ("headers", HEADERS, ' --http "GET /headers"'), ("hog", HOG, ""), ("note", NOTE, ""),
                               ("child", CHILD, "")):
        repo.write(f"functions/lambda_{name}.py", code)
        subprocess.run(f"{sys.executable} {REPO / 'build-pkg.py'} -C {repo.root} tf {name}{routes}", shell=True,
                       check=True, capture_output=True)
    return repo


def _threads(pid: int) -> int:
    return int(next(line.split()[1] for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                    if line.startswith("Threads:")))


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _get(address: str, path: str) -> tuple[int, bytes]:
    host, port = address.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("GET", path)
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def test_start_api_under_load_and_faults(faults_repo):
    server = Server(faults_repo, "start-api")
    pid = server.process.pid
    host, port = server.address.removeprefix("http://").split(":")
    try:
        assert _get(server.address, "/fast")[0] == 200, server.log()

        # A burst of connections: none waits for a SYN retry (1 s), as with socketserver's backlog of 5.
        barrier, took = threading.Barrier(100), []

        def connect():
            barrier.wait()
            began = time.monotonic()
            with socket.create_connection((host, int(port)), timeout=10):
                took.append(time.monotonic() - began)

        burst = [threading.Thread(target=connect) for _ in range(100)]
        for thread in burst:
            thread.start()
        for thread in burst:
            thread.join()
        assert len(took) == 100 and max(took) < 0.9, sorted(took)[-5:]

        # First come, first served: 4 runtimes of a 500 ms function, 12 callers arriving 60 ms
        # apart; those that wait are handed a runtime in the order they came (when each started,
        # as the function saw it: when the answers arrive also depends on the clients' threads).
        finished = []

        def call(n: int):
            status, body = _get(server.address, f"/slow?{n}")
            number, started = body.split()
            finished.append((status, int(number), float(started)))

        callers = []
        for n in range(12):
            callers.append(threading.Thread(target=call, args=(n,)))
            callers[-1].start()
            time.sleep(0.06)
        for thread in callers:
            thread.join()
        assert {status for status, _, _ in finished} == {200}
        waited = [n for _, n, _ in sorted(finished, key=lambda f: f[2]) if n >= 4]
        assert waited == sorted(waited), finished

        # A function's framing headers are not passed on; text outside latin-1 goes out as UTF-8.
        with socket.create_connection((host, int(port))) as raw:
            raw.sendall(b"GET /headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := raw.recv(65536):
                answer += chunk
        head, body = answer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 200") and body == b"ok"
        assert head.lower().count(b"content-length:") == 1 and b"transfer-encoding" not in head.lower()
        assert "X-Name: café ☕".encode() in head

        # Slow clients (a request never finished) hold a bounded number of threads; when they
        # go, the server answers again.
        slow = []
        for _ in range(MAX_CONNECTIONS + 60):
            client = socket.create_connection((host, int(port)))
            client.sendall(b"GET /fast HTTP/1.1\r\nHost: x\r\n")
            slow.append(client)
        time.sleep(1)
        assert _threads(pid) <= MAX_CONNECTIONS + 40, _threads(pid)
        for client in slow:
            client.close()
        assert _get(server.address, "/fast")[0] == 200

        # An idle runtime killed from outside: the next request starts another, and nothing of
        # the dead one (its Runtime API listener, its threads) stays behind.
        fds, threads = _fds(pid), _threads(pid)
        for _ in range(3):
            status, body = _get(server.address, "/fast")
            os.kill(int(body), signal.SIGKILL)
            time.sleep(0.3)
        status, body = _get(server.address, "/fast")
        assert status == 200
        assert _fds(pid) <= fds + 2 and _threads(pid) <= threads + 2, (fds, _fds(pid), threads, _threads(pid))

        # Ctrl-C while callers wait for a runtime: their connections close with no answer (no
        # made-up 502), and no runtime prints a KeyboardInterrupt traceback.
        outcomes = []

        def waiting(n: int):
            try:
                outcomes.append(_get(server.address, f"/slow?{n}")[0])
            except (http.client.HTTPException, ConnectionError) as exc:
                outcomes.append(type(exc).__name__)

        queued = [threading.Thread(target=waiting, args=(n,)) for n in range(8)]
        for thread in queued:
            thread.start()
        time.sleep(0.15)
        server.process.send_signal(signal.SIGINT)
        for thread in queued:
            thread.join()
        assert server.process.wait(timeout=30) == 0
        assert 502 not in outcomes and 404 not in outcomes, outcomes
        assert "Traceback" not in server.log() and "KeyboardInterrupt" not in server.log(), server.log()[-2000:]
        # The runtimes stopped with the server did not fail: no error is reported for them.
        assert "Runtime.ExitError" not in server.log(), server.log()[-2000:]
    finally:
        if server.process.poll() is None:
            server.stop()


def test_queued_events_are_run_by_a_bounded_set_of_workers(faults_repo, tmp_path):
    server = Server(faults_repo, "start-lambda", CREDENTIALS)
    try:
        client = boto3.client("lambda", endpoint_url=server.address, region_name="us-east-1", aws_access_key_id="x",
                              aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}))
        notes = tmp_path / "notes.txt"
        for n in range(150):
            reply = client.invoke(FunctionName="note", InvocationType="Event",
                                  Payload=json.dumps({"file": str(notes), "n": n}).encode())
            assert reply["StatusCode"] == 202
        assert _threads(server.process.pid) <= EVENT_WORKERS + 40
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(notes.read_text().splitlines() if notes.exists() else []) < 150:
            time.sleep(0.2)
        ran = [int(line.split()[1]) for line in notes.read_text().splitlines()]
        assert sorted(ran) == list(range(150))
    finally:
        assert server.stop() == 0


def test_a_function_over_its_memory_size_fails_as_lambda_fails_it(faults_repo):
    result = subprocess.run([sys.executable, str(REPO / "build-pkg.py"), "-C", str(faults_repo.root), "invoke", "hog",
                             "--event", "-"], input="{}", capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["errorType"] == "Runtime.ExitError" and document["errorMessage"].endswith("signal: killed")
    report = next(line for line in result.stderr.splitlines() if line.startswith("REPORT"))
    assert "Memory Size: 128 MB\tMax Memory Used: 128 MB\t" in report
    assert report.endswith("\tStatus: error\tError Type: Runtime.OutOfMemory")

    def invoke(event: str) -> tuple[dict, str]:
        run = subprocess.run([sys.executable, str(REPO / "build-pkg.py"), "-C", str(faults_repo.root), "invoke",
                              "child", "--event", "-"], input=event, capture_output=True, text=True, timeout=300)
        assert run.returncode == 1, run.stderr
        return json.loads(run.stdout), next(line for line in run.stderr.splitlines() if line.startswith("REPORT"))

    # What the processes it starts hold counts too: Lambda limits the whole environment.
    document, report = invoke("{}")
    assert document["errorType"] == "Runtime.ExitError" and report.endswith("Error Type: Runtime.OutOfMemory")
    # A runtime that exits is Lambda's ExitError, worded as Lambda words it.
    document, report = invoke('{"exit": true}')
    assert document["errorMessage"].endswith("Runtime exited with error: exit status 3"), document
    assert report.endswith("\tStatus: error\tError Type: Runtime.ExitError") and "Max Memory Used: 0 MB" not in report
