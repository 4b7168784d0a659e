"""One function's runtime process, as Lambda keeps an execution environment: started on
the first invocation (the cold start, its init measured), reused for the next ones (warm),
and started again after a timeout, a crash or a failed init, as Lambda resets it.

The process is a separate Python running the real runtime client (awslambdaric) with
Lambda's import path against a Runtime API served here (see runtime_api). Its output is
read through a pipe so each invocation's log (START to REPORT, with the function's own
lines between) is known: `invoke` and the local servers print it to stderr as it comes,
and `start-lambda` returns its tail as Lambda's `X-Amz-Log-Result`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import math
import os
import re
import queue
import select
import struct
import subprocess
import sys
import termios
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import InvokeError
from .debug import DEBUG_LIMIT_S
from .process_stats import ended, memory_mb
from .runtime_api import Invocation, RuntimeAPI, RuntimeEvent, error_document

INIT_LIMIT_S = 10  # Lambda's limit for the init phase
STOPPING = "the server is stopping"  # why an invocation ends when its owner stops
_NEXT_LIMIT_S = 5  # a warm runtime asks for the next event at once; longer means it is gone
# Lambda's order: /var/task first, then what the function's PYTHONPATH adds (Lambda honours
# it; /var/task/... is this run's task root), each layer's /opt/python, the runtime's own.
# Ctrl-C at the terminal reaches the whole process group: the runtime ignores it (its
# server or `invoke` stops it), so the user sees no runtime's KeyboardInterrupt traceback.
BOOT = (
    "import os, sys, signal; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "task = os.environ['LAMBDA_TASK_ROOT']; "
    "extra = [task + p[len('/var/task'):] if p == '/var/task' or p.startswith('/var/task/') else p "
    "for p in os.environ.get('PYTHONPATH', '').split(':') if p]; "
    "sys.path[:0] = [task, *extra, *{layers!r}, os.environ['LAMBDA_RUNTIME_DIR']]; "
    "from awslambdaric.__main__ import main; main(sys.argv)"
)
# Passed through from the caller so the function can reach AWS (or a local endpoint).
PASS_THROUGH = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE", "HOME")


@dataclass(frozen=True)
class Outcome:
    request_id: str
    status: str  # "ok" | "error" | "timeout" | "init_error"
    document: object  # the result, or Lambda's error shape
    duration_ms: float
    init_ms: float | None
    max_memory_mb: int
    log: bytes = b""  # this invocation's lines, START to REPORT

    @property
    def failed(self) -> bool:
        return self.status != "ok"


# Lambda's limits on a synchronous invocation (the request, the function's response) and an
# asynchronous one's payload, in bytes, as its errors state them.
REQUEST_LIMIT = 6_291_456
RESPONSE_LIMIT = 6_291_556
EVENT_LIMIT = 1_048_576

# The account in a local run's function ARN when the environment names none (its tfvars
# `account_id`): the one AWS's documentation uses.
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class RuntimeSpec:
    """What a runtime process of one function runs with."""
    handler: str
    deployed_name: str  # as Lambda names it (AWS_LAMBDA_FUNCTION_NAME, the ARN)
    memory: int
    timeout: int
    python: str
    task: Path
    layers: tuple[str, ...]  # each layer's python/ folder (Lambda's /opt/python), in order
    env: tuple[tuple[str, str], ...]  # everything but the Runtime API's address
    hook: str = ""  # run first in the process (closure_check's trace)
    account: str = ACCOUNT  # in the function's ARN (context.invoked_function_arn)
    debugging: bool = False  # under debugpy (local/debug.py): an hour to init, memory not enforced

    @property
    def init_limit(self) -> int:
        return DEBUG_LIMIT_S if self.debugging else INIT_LIMIT_S

    @property
    def boot(self) -> str:
        return self.hook + BOOT.format(layers=list(self.layers))


def lambda_environment(function_name: str, handler: str, deployed_name: str, memory: int, runtime: str,
                       task: Path, client_dir: Path, own: dict[str, str], region: str | None = None) -> dict[str, str]:
    """The variables Lambda sets, what is passed through from here, then the function's own.
    `region`: the environment's (its tfvars), which is where the function would run; else
    AWS_REGION here."""
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": deployed_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{deployed_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"{dt.date.today():%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "LAMBDA_TASK_ROOT": str(task),
        "LAMBDA_RUNTIME_DIR": str(client_dir),
        "_HANDLER": handler,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "PYTHONUNBUFFERED": "1",
        "POWERTOOLS_SERVICE_NAME": function_name,  # as the module sets it
    }
    env.update({k: v for k, v in os.environ.items() if k in PASS_THROUGH or k.startswith("AWS_ENDPOINT_URL")})
    env.update(own)
    return env


def for_a_terminal(data: bytes) -> bytes:
    """The runtime client joins a traceback's lines with \\r, which keeps a multi-line message
    one CloudWatch event; printed as it is, a terminal would draw each line over the last."""
    return re.sub(rb"\r(?!\n)", b"\n", data)


def to_stderr(data: bytes) -> None:
    data = for_a_terminal(data)
    stream = sys.stderr
    try:
        stream.buffer.write(data)
        stream.buffer.flush()
    except (AttributeError, ValueError):  # a text-only stream, as under click's test runner
        stream.write(data.decode("utf-8", "replace"))
        stream.flush()


class Runtime:
    """One execution environment of one function; one invocation at a time (callers serialise)."""

    def __init__(self, spec: RuntimeSpec, sink: Callable[[bytes], None] = to_stderr):
        self.spec = spec
        self._sink = sink
        self._process: subprocess.Popen | None = None
        self._api: RuntimeAPI | None = None
        self._started = 0.0
        self._output_lock = threading.Lock()
        self._capture: bytearray | None = None
        self._reader: threading.Thread | None = None
        self._killed_at_mb = 0  # the peak at which the last invocation's runtime was killed
        self._seen_mb = 0  # the highest seen while it ran (what a runtime that exited leaves)
        self._stopped = False  # by its owner (stop): it runs nothing more

    @property
    def warm(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def invoke(self, payload: bytes, client_context: str | None = None) -> Outcome:
        """Run one invocation; a runtime that is not running is started first (a cold start).
        `client_context`: the caller's ClientContext as JSON text."""
        self._capture = bytearray()
        self._killed_at_mb = self._seen_mb = 0
        try:
            self._unless_stopped()
            cold = not self.warm
            if cold:
                self.close()  # what a runtime that died while idle left: its Runtime API, its reader
                self._start()
            ready = self._wait({"next", "init_error"}, self.spec.init_limit if cold else _NEXT_LIMIT_S)
            self._unless_stopped()
            init_ms = (ready.at - self._started) * 1000 if cold and ready else None
            if ready is None and not cold:  # it exited after its last reply: a new environment
                self.close()
                return self.invoke(payload, client_context)
            if ready is None or ready.kind == "init_error":
                outcome = self._init_failure(ready, init_ms)
                self.close()  # Lambda retries the init on the next invocation
                return outcome
            outcome = self._invoke_once(payload, init_ms, client_context)
            if outcome.status != "ok" and not self.warm or outcome.status == "timeout":
                self.close()
            return outcome
        finally:
            self._capture = None

    def stop(self) -> None:
        """Its owner is stopping (the server's Ctrl-C): an invocation in flight ends with
        InvokeError, not as a failure of the function, and nothing is started again."""
        self._stopped = True
        self.close()

    def _unless_stopped(self) -> None:
        if self._stopped:
            raise InvokeError(STOPPING)

    def close(self) -> None:
        process, api = self._process, self._api
        self._process = self._api = None
        if process is not None:
            process.kill()
            process.wait()
        if self._reader is not None:
            self._reader.join(timeout=2)
            self._reader = None
        if api is not None:
            api.close()

    def _start(self) -> None:
        spec = self.spec
        self._api = RuntimeAPI()
        env = {**dict(spec.env), "AWS_LAMBDA_RUNTIME_API": self._api.address}
        # One log stream per execution environment, as Lambda names it (a pool's runtimes
        # share a spec, which leaves it out because it differs per process).
        env.setdefault("AWS_LAMBDA_LOG_STREAM_NAME", f"{dt.date.today():%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}")
        self._started = time.monotonic()
        # -B: no bytecode written into the task root (Lambda's /var/task is read-only; as root
        # here, the folder's modes would not stop it).
        # -Xfrozen_modules=off under a debugger: debugpy warns about frozen modules otherwise.
        flags = ["-Xfrozen_modules=off"] if spec.debugging else []
        self._process = subprocess.Popen([spec.python, "-I", "-S", "-B", *flags, "-c", spec.boot, spec.handler],
                                         cwd=spec.task, env=env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._read_output, args=(self._process.stdout,), daemon=True)
        self._reader.start()

    def _read_output(self, pipe) -> None:
        fd = pipe.fileno()
        while True:
            select.select([fd], [], [])
            with self._output_lock:  # read and pass on in one step, so _drain can see the pipe empty
                chunk = os.read(fd, 65536)
                if not chunk:
                    pipe.close()
                    return
                self._emit(chunk)

    def _emit(self, data: bytes) -> None:
        self._sink(data)
        if self._capture is not None:
            self._capture.extend(data)

    def _line(self, text: str) -> None:
        with self._output_lock:
            self._emit(text.encode() + b"\n")

    def _drain(self) -> None:
        """Wait until what the process wrote before its reply has been passed on (it wrote it
        before posting the reply, so it is in the pipe or already read)."""
        process = self._process
        if process is None or process.stdout is None or process.stdout.closed:
            return
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            with self._output_lock:
                try:
                    pending = struct.unpack("i", fcntl.ioctl(process.stdout.fileno(), termios.FIONREAD, b"\0" * 4))[0]
                except (OSError, ValueError):
                    return
                if pending == 0:
                    return
            time.sleep(0.0005)

    def _invoke_once(self, payload: bytes, init_ms: float | None, client_context: str | None = None) -> Outcome:
        spec, process = self.spec, self._process
        request_id = str(uuid.uuid4())
        deadline_ms = int(time.time() * 1000) + spec.timeout * 1000
        env = dict(spec.env)
        arn = f"arn:aws:lambda:{env.get('AWS_REGION', 'us-east-1')}:{spec.account}:function:{spec.deployed_name}"
        self._line(f"START RequestId: {request_id} Version: $LATEST")
        begun = time.monotonic()
        # Its peak so far, read while it surely runs: a process that exits at once leaves none.
        self._seen_mb = max(self._seen_mb, memory_mb(process.pid))
        self._api.submit(Invocation(request_id, payload, deadline_ms, arn, client_context))
        reply = self._wait({"response", "error"}, spec.timeout, request_id)
        if reply is None:
            self._unless_stopped()  # killed by its owner, not ended by the function: no END, no REPORT
        memory = self._killed_at_mb or max(self._seen_mb, memory_mb(process.pid))
        if memory > spec.memory and not spec.debugging and process.poll() is None:  # a peak between two looks, or just before the reply
            process.kill()
            process.wait()
            reply = None
        out_of_memory = memory > spec.memory and not spec.debugging
        if out_of_memory:
            # Lambda's limit is the sandbox's: the runtime is killed, the invocation fails.
            memory = spec.memory
            document, status = {"errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                                                "signal: killed", "errorType": "Runtime.ExitError"}, "error"
            duration = (time.monotonic() - begun) * 1000
        elif reply is None and process.poll() is None:
            duration = spec.timeout * 1000.0
            message = f"{_now()} {request_id} Task timed out after {spec.timeout:.2f} seconds"
            self._line(message)
            document, status = {"errorMessage": message, "errorType": "Sandbox.Timedout"}, "timeout"
        elif reply is None:
            duration = (time.monotonic() - begun) * 1000
            document = {"errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                                        f"{ended(process.returncode)}", "errorType": "Runtime.ExitError"}
            status = "error"
        else:
            duration = (reply.at - begun) * 1000
            status = "ok" if reply.kind == "response" else "error"
            document = _decode(reply.body) if status == "ok" else error_document(reply.body)
            if status == "ok" and len(reply.body) > RESPONSE_LIMIT:  # Lambda fails the invocation
                status, document = "error", {
                    "errorMessage": f"Response payload size exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes).",
                    "errorType": "Function.ResponseSizeTooLarge"}
        self._drain()
        self._line(f"END RequestId: {request_id}")
        line = (f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\t"
                f"Billed Duration: {math.ceil(duration)} ms\tMemory Size: {spec.memory} MB\t"
                f"Max Memory Used: {memory} MB")
        if init_ms is not None:
            line += f"\tInit Duration: {init_ms:.2f} ms"
        if status == "timeout":
            line += "\tStatus: timeout"
        elif out_of_memory:
            line += "\tStatus: error\tError Type: Runtime.OutOfMemory"
        elif isinstance(document, dict) and document.get("errorType") == "Runtime.ExitError":
            line += "\tStatus: error\tError Type: Runtime.ExitError"
        self._line(line)
        return Outcome(request_id, status, document, duration, init_ms, memory, bytes(self._capture or b""))

    def _init_failure(self, event: RuntimeEvent | None, init_ms: float | None) -> Outcome:
        process = self._process
        if event is None and self._killed_at_mb:
            document = {"errorMessage": "Runtime exited with error: signal: killed", "errorType": "Runtime.OutOfMemory"}
        elif event is None:
            document = {"errorMessage": f"the runtime did not start within {self.spec.init_limit} s "
                                        f"(exit status {process.poll()})", "errorType": "Runtime.Unknown"}
        else:
            document = error_document(event.body)
        memory = self._killed_at_mb or memory_mb(process.pid)
        self._drain()
        self._line(f"INIT_REPORT Init Duration: {init_ms or 0:.2f} ms\tPhase: init\tStatus: error\t"
                   f"Error Type: {document.get('errorType', 'Runtime.Unknown')}")
        return Outcome(str(uuid.uuid4()), "init_error", document, 0.0, init_ms, memory, bytes(self._capture or b""))

    def _wait(self, kinds: set[str], seconds: float, request_id: str | None = None) -> RuntimeEvent | None:
        """The next event of `kinds` (for `request_id`), or None on timeout or a dead runtime."""
        process, events = self._process, self._api.events
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            try:
                event = events.get(timeout=min(left, 0.05))
            except queue.Empty:
                peak = memory_mb(process.pid)  # before poll(), which reaps an exited process
                self._seen_mb = max(self._seen_mb, peak)
                if process.poll() is not None and events.empty():
                    return None
                if peak > self.spec.memory and not self.spec.debugging:  # over Lambda's limit: killed, as there
                    self._killed_at_mb = peak  # /proc forgets the process once it is reaped
                    process.kill()
                    process.wait()
                    return None
                continue
            if event.kind in kinds and (request_id is None or event.request_id in (None, request_id)):
                return event


def _decode(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
