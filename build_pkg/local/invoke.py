"""`invoke`: run one function from the built package, the way Lambda runs it.

The package is unpacked into a temporary folder that plays /var/task (and the
dependency layer, when the build made one, into one that plays /opt); a
separate Python runs the real runtime client (awslambdaric) with Lambda's import
path: the task root, then the layer's python/, then the client's; the client
talks to a Runtime API served here on 127.0.0.1. Lambda's log lines (START, END, REPORT, timeouts) go to
stderr with the function's own logs; results go to stdout.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import queue
import re
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..errors import InvokeError
from ..infra.environments import Environment
from ..infra.environments import read as read_environments
from ..infra.parse import blocks, parse_text
from ..infra.render import MODULE_SOURCE, tf_filename
from ..image.build import ImageOptions, build, wanted
from ..package.build import BuildOptions
from ..package.discover import Function, discover
from ..package.inputs import Inputs
from ..package.sizes import built_layer
from ..progress import Reporter, stderr_fd
from ..project import Project
from . import closure_check, runtime_client
from .task_root import task_root, unpacked
from .runtime_api import Invocation, RuntimeAPI, RuntimeEvent, error_document

INIT_LIMIT_S = 10  # Lambda's limit for the init phase
# Lambda's order: /var/task first, then each layer's /opt/python, then the runtime's own.
_BOOT = (
    "import os, sys; "
    "sys.path[:0] = [os.environ['LAMBDA_TASK_ROOT'], *{layers!r}, os.environ['LAMBDA_RUNTIME_DIR']]; "
    "from awslambdaric.__main__ import main; main(sys.argv)"
)
# Passed through from the caller so the function can reach AWS (or a local endpoint).
_PASS_THROUGH = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE", "HOME")


@dataclass(frozen=True)
class InvokeOptions:
    event: bytes = b"{}"
    env: dict[str, str] = field(default_factory=dict)
    timeout: int | None = None  # default: the .tf value
    memory: int | None = None
    repeat: int = 1
    build: bool = True
    layer: bool | None = None  # None: the project's setting
    image: bool | None = None  # run from the function's image; None: the project's setting
    base_image: str | None = None  # with an image: the base to build it on


@dataclass(frozen=True)
class Outcome:
    request_id: str
    status: str  # "ok" | "error" | "timeout" | "init_error"
    document: object  # the result, or Lambda's error shape
    duration_ms: float
    init_ms: float | None
    max_memory_mb: int

    @property
    def failed(self) -> bool:
        return self.status != "ok"


@dataclass(frozen=True)
class FunctionConfig:
    memory: int = 128
    timeout: int = 30
    environment: tuple[tuple[str, str], ...] = ()
    source: str | None = None  # the .tf these came from


def parse_event(raw: bytes, shown: str) -> bytes:
    try:
        return json.dumps(json.loads(raw or b"{}")).encode()
    except ValueError as exc:
        fix = "fix the input" if shown == "stdin" else "fix the file"
        raise InvokeError(f"{shown}: the event is not valid JSON ({exc}); {fix}") from None


def function_config(project: Project, function: Function, report: Reporter) -> FunctionConfig:
    """Memory, timeout and literal environment values from terraform/lambda_<name>.tf."""
    path = project.terraform_dir / tf_filename(function.name)
    if not path.exists():
        report.warn(f"{project.rel(path)} not found; using memory 128 MB and timeout 30 s")
        return FunctionConfig()
    parsed = parse_text(project.rel(path), path.read_text())
    if parsed.data is None:
        raise InvokeError(f"{parsed.rel}: {parsed.error}; fix the file (build-pkg.py check)")
    for _, body in blocks(parsed.data, "module"):
        if body.get("source") != MODULE_SOURCE:
            continue
        environment = []
        local_env = None
        for key, value in sorted((body.get("environment") or {}).items()):
            if isinstance(value, str) and "${" not in value:
                environment.append((key, value))
                continue
            # var.buckets["KEY"] and its kind take the local environment's value (dev when there is one).
            match = _SOURCE_REF.match(value) if isinstance(value, str) else None
            if match:
                local_env = local_env or _local_environment(project)
                resolved = local_env.source(match.group(1), match.group(2)) if local_env else None
                if isinstance(resolved, str):
                    environment.append((key, resolved))
                    report.detail(f"{parsed.rel}: {key} = {resolved} (from {local_env.file})")
                    continue
            report.warn(f"{parsed.rel}: environment {key} is an expression; set it with --env {key}=VALUE")
        return FunctionConfig(_int(body.get("memory_size"), 128), _int(body.get("timeout"), 30),
                              tuple(environment), parsed.rel)
    return FunctionConfig()


_SOURCE_REF = re.compile(r'^\$\{var\.(queues|topics|buckets)\["([^"]+)"\]\}$')


def _local_environment(project: Project) -> Environment | None:
    environments = read_environments(project)
    return next((e for e in environments if e.name == "dev"), environments[0] if environments else None)


def _int(value, default: int) -> int:
    return value if isinstance(value, int) else default


def run(inputs: Inputs, name: str, options: InvokeOptions, report: Reporter, out: TextIO) -> list[Outcome]:
    project, target = inputs.project, inputs.target
    functions = {f.name: f for f in discover(project.root, project.functions_dir, check_handlers=False)}
    function = functions.get(name)
    if not function:
        raise InvokeError(f"no function named {name!r} in functions/; known: {', '.join(sorted(functions))}")
    if target.machine != os.uname().machine:
        raise InvokeError(f"cannot run a {target.arch} package on this {os.uname().machine} machine; "
                          f"invoke with --arch {'arm64' if os.uname().machine == 'aarch64' else 'x86_64'}")
    as_image = options.image
    if as_image is None:  # the project's setting; or the images the last build made, which a run keeps
        as_image = wanted(project, ImageOptions()) or _built_images(project)
    image_options = ImageOptions(as_image, options.base_image)
    if options.build:
        manifest = build(inputs, BuildOptions(layer=options.layer), image_options, report,
                         list(functions.values())).manifest
    elif not project.package_path.exists():
        raise InvokeError(f"{project.rel(project.package_path)} not found; run `build-pkg.py build` (or drop --no-build)")
    else:
        manifest = json.loads(project.manifest_path.read_text())
    config = function_config(project, function, report)
    python = runtime_client.interpreter_for(target)
    client_dir = runtime_client.ensure(python, report)
    layer = None if as_image else built_layer(project)
    with task_root(project, manifest, function.name, as_image, report) as task, \
            (unpacked(layer) if layer else nullcontext()) as opt, \
            tempfile.TemporaryDirectory(prefix="build-pkg-trace-") as scratch:
        layers = [str(opt / "python")] if opt else []
        trace = Path(scratch) / "opened.txt"
        local_env = _local_environment(project)
        deployed = local_env.function_name(function.name) if local_env else function.name
        outcomes = _Session(function, config, options, target, python, task, client_dir, out, layers, trace,
                            deployed).run()
        for arc in _closure_misses(project, function, task, trace):
            report.warn(closure_check.miss_message(arc, function.name))
        return outcomes


def _built_images(project: Project) -> bool:
    try:
        return json.loads(project.manifest_path.read_text()).get("package_type") == "image"
    except (OSError, ValueError, AttributeError):
        return False


def _closure_misses(project: Project, function: Function, task: Path, trace: Path) -> list[str]:
    """First-party files the run opened that the function's closure lacks (see closure_check)."""
    try:
        manifest = json.loads(project.manifest_path.read_text())
        opened = trace.read_text(encoding="utf-8").splitlines() if trace.exists() else []
    except (OSError, ValueError):
        return []
    return [arc for arc in closure_check.misses(opened, manifest, function.name) if (task / arc).is_file()]


class _Session:
    """One runtime process, one or more invocations."""

    def __init__(self, function, config: FunctionConfig, options: InvokeOptions, target, python, task: Path,
                 client_dir: Path, out: TextIO, layers: list[str], trace: Path, deployed_name: str):
        self.function = function
        self.deployed_name = deployed_name  # as Lambda names it in the environment invoke reads
        self.memory = options.memory or config.memory
        self.timeout = options.timeout or config.timeout
        self.options = options
        self.out = out
        self.api = RuntimeAPI()
        self.env = self._environment(config, target, task, client_dir)
        self.python = python
        self.task = task
        self.boot = closure_check.HOOK.format(root=str(task), out=str(trace)) + _BOOT.format(layers=layers)

    def _environment(self, config: FunctionConfig, target, task: Path, client_dir: Path) -> dict[str, str]:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        name = self.deployed_name
        env = {
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{dt.date.today():%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
            "AWS_LAMBDA_RUNTIME_API": self.api.address,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{target.runtime}",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "LAMBDA_TASK_ROOT": str(task),
            "LAMBDA_RUNTIME_DIR": str(client_dir),
            "_HANDLER": self.function.handler,
            "TZ": ":UTC",
            "LANG": "en_US.UTF-8",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "PYTHONUNBUFFERED": "1",
            "POWERTOOLS_SERVICE_NAME": self.function.name,  # as the module sets it
        }
        env.update({k: v for k, v in os.environ.items() if k in _PASS_THROUGH or k.startswith("AWS_ENDPOINT_URL")})
        env.update(dict(config.environment))
        env.update(self.options.env)
        return env

    def run(self) -> list[Outcome]:
        started = time.monotonic()
        # -B: no bytecode written into the task root (Lambda's /var/task is read-only; as root
        # here, the folder's modes would not stop it).
        process = subprocess.Popen([self.python, "-I", "-S", "-B", "-c", self.boot, self.function.handler],
                                   cwd=self.task, env=self.env, stdin=subprocess.DEVNULL,
                                   stdout=stderr_fd(), stderr=stderr_fd())
        outcomes: list[Outcome] = []
        try:
            for number in range(self.options.repeat):
                ready = self._wait(process, {"next", "init_error"}, INIT_LIMIT_S if number == 0 else 5)
                init_ms = (ready.at - started) * 1000 if number == 0 and ready else None
                if ready is None or ready.kind == "init_error":
                    outcomes.append(self._init_failure(ready, process, init_ms))
                    break
                outcome = self._invoke_once(process, init_ms)
                outcomes.append(outcome)
                if outcome.status == "timeout":
                    break
        finally:
            process.kill()
            process.wait()
            self.api.close()
        return outcomes

    def _invoke_once(self, process, init_ms: float | None) -> Outcome:
        request_id = str(uuid.uuid4())
        deadline_ms = int(time.time() * 1000) + self.timeout * 1000
        arn = f"arn:aws:lambda:{self.env['AWS_REGION']}:000000000000:function:{self.deployed_name}"
        _log(f"START RequestId: {request_id} Version: $LATEST")
        begun = time.monotonic()
        self.api.submit(Invocation(request_id, self.options.event, deadline_ms, arn))
        reply = self._wait(process, {"response", "error"}, self.timeout, request_id)
        memory = _max_memory_mb(process.pid)
        if reply is None and process.poll() is None:
            duration = self.timeout * 1000.0
            _log(f"{_now()} {request_id} Task timed out after {self.timeout:.2f} seconds")
            document = {"errorMessage": f"{_now()} {request_id} Task timed out after {self.timeout:.2f} seconds",
                        "errorType": "Sandbox.Timedout"}
            status = "timeout"
        elif reply is None:
            duration = (time.monotonic() - begun) * 1000
            document = {"errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {process.returncode}",
                        "errorType": "Runtime.ExitError"}
            status = "error"
        else:
            duration = (reply.at - begun) * 1000
            status = "ok" if reply.kind == "response" else "error"
            document = _decode(reply.body) if status == "ok" else error_document(reply.body)
        outcome = Outcome(request_id, status, document, duration, init_ms, memory)
        self._report(outcome)
        return outcome

    def _init_failure(self, event: RuntimeEvent | None, process, init_ms: float | None) -> Outcome:
        request_id = str(uuid.uuid4())
        if event is None:
            document = {"errorMessage": f"the runtime did not start within {INIT_LIMIT_S} s "
                                        f"(exit status {process.poll()})", "errorType": "Runtime.Unknown"}
        else:
            document = error_document(event.body)
        outcome = Outcome(request_id, "init_error", document, 0.0, init_ms, _max_memory_mb(process.pid))
        _log(f"INIT_REPORT Init Duration: {init_ms or 0:.2f} ms\tPhase: init\tStatus: error\t"
             f"Error Type: {document.get('errorType', 'Runtime.Unknown')}")
        self._emit(outcome)
        return outcome

    def _report(self, outcome: Outcome) -> None:
        _log(f"END RequestId: {outcome.request_id}")
        line = (f"REPORT RequestId: {outcome.request_id}\tDuration: {outcome.duration_ms:.2f} ms\t"
                f"Billed Duration: {math.ceil(outcome.duration_ms)} ms\tMemory Size: {self.memory} MB\t"
                f"Max Memory Used: {outcome.max_memory_mb} MB")
        if outcome.init_ms is not None:
            line += f"\tInit Duration: {outcome.init_ms:.2f} ms"
        if outcome.status == "timeout":
            line += "\tStatus: timeout"
        _log(line)
        self._emit(outcome)

    def _emit(self, outcome: Outcome) -> None:
        print(json.dumps(outcome.document), file=self.out, flush=True)

    def _wait(self, process, kinds: set[str], seconds: float, request_id: str | None = None) -> RuntimeEvent | None:
        """The next event of `kinds` (for `request_id`), or None on timeout or a dead runtime."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            try:
                event = self.api.events.get(timeout=min(left, 0.05))
            except queue.Empty:
                if process.poll() is not None and self.api.events.empty():
                    return None
                continue
            if event.kind in kinds and (request_id is None or event.request_id in (None, request_id)):
                return event


def _decode(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


def _max_memory_mb(pid: int) -> int:
    """Peak resident memory of the runtime process (VmHWM), as Lambda's Max Memory Used."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return math.ceil(int(line.split()[1]) / 1024)
    except (OSError, ValueError):
        pass
    return 0


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
