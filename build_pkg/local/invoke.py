"""`invoke`: run one function from the built package, the way Lambda runs it.

The package is unpacked into a temporary folder that plays /var/task (and the
dependency layer, when the build made one, into one that plays /opt); a
separate Python runs the real runtime client (awslambdaric) with Lambda's import
path: the task root, then the layer's python/, then the client's; the client
talks to a Runtime API served here on 127.0.0.1. Lambda's log lines (START, END, REPORT, timeouts) go to
stderr with the function's own logs; results go to stdout.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..errors import InvokeError, UsageError
from ..image.build import ImageOptions, last_base, wanted
from ..package.build import BuildOptions
from ..package.discover import Function, discover, unknown_function
from ..package.inputs import Inputs
from ..pipeline.run import build
from ..package.sizes import built_layer
from ..progress import Reporter
from ..project import Project
from ..sandbox import client as runtime_client
from ..sandbox.unpack import unpacked
from ..testing import closure_check
from ..infra.function_config import FunctionConfig, function_config, local_environment
from . import debug
from .runtime import ACCOUNT, REQUEST_LIMIT, Outcome, Runtime, RuntimeSpec, lambda_environment
from .task_root import task_root


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
    debug_port: int | None = None  # run under debugpy, waiting for an editor on 127.0.0.1:PORT


def parse_event(raw: bytes, shown: str) -> bytes:
    fix = "fix the input" if shown == "stdin" else "fix the file"
    if len(raw) > REQUEST_LIMIT:  # what Lambda refuses before the function sees it
        raise InvokeError(f"{shown}: the event is {len(raw)} bytes; Lambda refuses a synchronous invocation over "
                          f"{REQUEST_LIMIT} bytes (RequestEntityTooLargeException); {fix}, or pass the data by S3")
    try:
        return json.dumps(json.loads(raw or b"{}")).encode()
    except ValueError as exc:
        raise InvokeError(f"{shown}: the event is not valid JSON ({exc}); {fix}") from None


def run(inputs: Inputs, name: str, options: InvokeOptions, report: Reporter, out: TextIO) -> list[Outcome]:
    project, target = inputs.project, inputs.target
    functions = {f.name: f for f in discover(project.root, project.functions_dir, check_handlers=False)}
    function = functions.get(name)
    if not function:
        raise UsageError(unknown_function(name, sorted(functions), project))
    if target.machine != os.uname().machine:
        raise InvokeError(f"cannot run a {target.arch} package on this {os.uname().machine} machine; "
                          f"invoke with --arch {'arm64' if os.uname().machine == 'aarch64' else 'x86_64'}")
    as_image = options.image
    if as_image is None:  # the project's setting; or the images the last build made, which a run keeps
        as_image = wanted(project, ImageOptions()) or built_images(project)
    image_options = ImageOptions(as_image, base_for_a_run(project, as_image, options.base_image))
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
        local_env = local_environment(project)
        deployed = local_env.function_name(function.name) if local_env else function.name
        debugging = debug.hook(options.debug_port, project.functions_dir, task) if options.debug_port else ""
        outcomes = _Session(function, config, options, target, python, task, client_dir, out, layers, trace,
                            deployed, local_env, debugging).run()
        for arc in _closure_misses(project, function, task, trace):
            report.warn(closure_check.miss_message(arc, function.name, function.source))
        return outcomes


def base_for_a_run(project: Project, as_image: bool, given: str | None) -> str | None:
    """--base-image, else main.tf's base_image, else the base the last image build used (a
    run rebuilds on the base the images were made on, not on the pinned default)."""
    from ..package import main_locals

    if given or not as_image or main_locals.string_or_null(project, "base_image"):
        return given
    return last_base(project)


def built_images(project: Project) -> bool:
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
    """One runtime, one or more invocations: the first cold, the rest warm."""

    def __init__(self, function, config: FunctionConfig, options: InvokeOptions, target, python, task: Path,
                 client_dir: Path, out: TextIO, layers: list[str], trace: Path, deployed_name: str,
                 environment=None, debugging: str = ""):
        memory = options.memory or config.memory
        # Where the function would run: the local environment's region and account (its tfvars).
        env = lambda_environment(function.name, function.handler, deployed_name, memory, target.runtime, task,
                                 client_dir, {**dict(config.environment), **options.env},
                                 environment.region if environment else None)
        hook = closure_check.HOOK.format(root=str(task), out=str(trace)) + debugging
        timeout = debug.DEBUG_LIMIT_S if debugging else options.timeout or config.timeout
        self.runtime = Runtime(RuntimeSpec(function.handler, deployed_name, memory, timeout, python, task,
                                           tuple(layers), tuple(env.items()), hook,
                                           (environment.account if environment else None) or ACCOUNT,
                                           debugging=bool(debugging)))
        self.options = options
        self.out = out

    def run(self) -> list[Outcome]:
        outcomes: list[Outcome] = []
        try:
            for _ in range(self.options.repeat):
                outcome = self.runtime.invoke(self.options.event)
                outcomes.append(outcome)
                print(json.dumps(outcome.document), file=self.out, flush=True)
                if outcome.status in ("timeout", "init_error"):
                    break
        finally:
            self.runtime.close()
        return outcomes
