"""The project's functions kept warm for the local servers (`start-api`, `start-lambda`).

Built once at start (incrementally, as `build` does), each function gets the settings
`invoke` would give it (memory, timeout, environment from its .tf) and a pool of warm
runtimes. A watcher polls functions/, Pipfile.lock, terraform/*.tf and the environments'
tfvars; on a change it reads the lock again and rebuilds and restarts only the functions whose code identity (or settings) moved: the
per-function identity of the manifest is exactly what decides a redeploy, so a function
that would not be redeployed keeps its warm runtime. A rebuild that fails says why in
one line and the previous build keeps serving.
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..api.gateway import Gateway
from ..api.proxy import Route
from ..errors import BuildPkgError, InvokeError
from ..fsutil import file_sha256
from ..image.build import ImageOptions, wanted
from ..package.build import BuildOptions
from ..package.discover import discover
from ..package.inputs import Inputs
from ..pipeline.run import build
from ..package.sizes import built_layer
from ..progress import Reporter
from ..sandbox import client as runtime_client
from ..sandbox.unpack import unpacked
from ..infra.function_config import function_config, local_environment
from .invoke import base_for_a_run, built_images
from . import debug
from .pool import RUNTIMES_PER_FUNCTION, RuntimePool
from .routes import local_gateway, project_routes
from .runtime import ACCOUNT, RuntimeSpec, lambda_environment
from .task_root import task_root

POLL_S = 0.3
EVENT_WORKERS = 2 * RUNTIMES_PER_FUNCTION


@dataclass(frozen=True)
class ServeOptions:
    build: bool = True
    watch: bool = True
    layer: bool | None = None
    image: bool | None = None
    base_image: str | None = None
    env: dict[str, str] = field(default_factory=dict)  # over every function's own
    only: str | None = None  # serve this function alone (start-lambda NAME)
    debug_port: int | None = None  # run `debug_function` under debugpy on 127.0.0.1:PORT
    debug_function: str | None = None


class LocalFunctions:
    """The built functions as warm runtimes, and the routes that reach them."""

    def __init__(self, make_inputs: Callable[[], Inputs], options: ServeOptions, report: Reporter):
        # The lock is read again for each rebuild: an edit of Pipfile.lock is what it serves next.
        self._make_inputs = make_inputs
        inputs = make_inputs()
        self.inputs, self.options, self.report = inputs, options, report
        self.project = inputs.project
        target = inputs.target
        if target.machine != os.uname().machine:
            raise InvokeError(f"cannot run a {target.arch} package on this {os.uname().machine} machine; "
                              f"serve with --arch {'arm64' if os.uname().machine == 'aarch64' else 'x86_64'}")
        self.python = runtime_client.interpreter_for(target)
        self.client_dir = runtime_client.ensure(self.python, report)
        self.routes: list[Route] = []
        self.deployed: dict[str, str] = {}  # deployed name -> function name
        # The API start-api's requests arrive at, in the region and account the functions would
        # run in (the local environment's): set by each load.
        self.gateway = Gateway()
        self.identities: dict[str, str] = {}
        self._held: dict[tuple, tuple[Path, ExitStack]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        # Event invocations wait in one queue, first in first out, run by as many workers as
        # the pool would run runtimes (Lambda's asynchronous queue): 500 events are not 500 threads.
        self._events = ThreadPoolExecutor(max_workers=EVENT_WORKERS, thread_name_prefix="event")
        self._lock_events, self._queued = threading.Lock(), 0  # queued, not yet started
        specs = self._load(first=True)
        self.pool = RuntimePool(specs, limits={options.debug_function: 1} if options.debug_port else None)

    def deployed_name(self, name: str) -> str:
        return next((d for d, n in self.deployed.items() if n == name), name)

    def resolve(self, name: str) -> str | None:
        """A function's name in functions/, from it or its deployed name (an ARN's or a
        qualified name's parts are the caller's to take apart: servers._function_named)."""
        if name == "function" and name not in self.identities and len(self.identities) == 1:
            # The Runtime Interface Emulator's address (/functions/function/invocations) for the
            # one function served, as its users call it.
            return next(iter(self.identities))
        return name if name in self.identities else self.deployed.get(name)

    def start_watching(self) -> None:
        if self.options.watch:
            self._watcher = threading.Thread(target=self._watch, daemon=True)
            self._watcher.start()

    def run_later(self, name: str, payload: bytes) -> None:
        """An `Event` invocation: queued, run when a worker is free."""
        with self._lock_events:
            self._queued += 1
        self._events.submit(self._run_quietly, name, payload)

    def _run_quietly(self, name: str, payload: bytes) -> None:
        with self._lock_events:
            self._queued -= 1
        try:
            self.pool.invoke(name, payload)
        except InvokeError:
            pass  # the server stopped, or the function went away; Lambda would retry, we drop it

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        self._events.shutdown(wait=False, cancel_futures=True)
        with self._lock_events:
            dropped, self._queued = self._queued, 0
        if dropped:
            self.report.warn(f"{dropped} queued Event invocation{'s' * (dropped != 1)} dropped: the server stopped "
                             "before they ran")
        self.pool.close()
        for _, stack in self._held.values():
            stack.close()
        self._held.clear()

    def reload(self) -> list[str]:
        """Rebuild; restart the functions whose code or settings changed. Returns those."""
        with self._lock:
            try:
                self.inputs = self._make_inputs()
                specs = self._load(first=False)
                return self.pool.replace(specs)
            finally:  # also what a failed load had taken
                self._release_unused_roots()

    def _load(self, first: bool) -> dict[str, RuntimeSpec]:
        project, inputs, options = self.project, self.inputs, self.options
        functions = discover(project.root, project.functions_dir, check_handlers=False)
        # A name that is no function is a usage error before anything is built.
        by_name = {f.name: f for f in functions}
        for named in (options.only, options.debug_function if options.debug_port else None):
            if named is not None and named not in by_name:
                from ..errors import UsageError
                from ..package.discover import unknown_function

                raise UsageError(unknown_function(named, sorted(by_name), project))
        as_image = options.image
        if as_image is None:
            as_image = wanted(project, ImageOptions()) or built_images(project)
        if options.build or not first:
            base = base_for_a_run(project, as_image, options.base_image)
            manifest = build(inputs, BuildOptions(layer=options.layer), ImageOptions(as_image, base), self.report,
                             functions).manifest
        elif not project.package_path.exists():
            raise InvokeError(f"{project.rel(project.package_path)} not found; run `build-pkg.py build` "
                              "(or drop --no-build)")
        else:
            manifest = json.loads(project.manifest_path.read_text())
        if options.only is not None:
            by_name = {options.only: by_name[options.only]}
        local_env = local_environment(project)
        layer = None if as_image else built_layer(project)
        layers = (str(self._hold(("layer", file_sha256(layer)), lambda: unpacked(layer)) / "python"),) if layer else ()
        specs, http, deployed, identities = {}, {}, {}, {}
        for entry in manifest["functions"]:
            function = by_name.get(entry["name"])
            if function is None:
                continue
            name = function.name
            config = function_config(project, function, self.report)
            key = ("image", name, manifest["sha256"]) if as_image else ("zip", manifest["sha256"])
            task = self._hold(key, lambda: task_root(project, manifest, name, as_image, self.report))
            deployed_name = local_env.function_name(name) if local_env else name
            env = lambda_environment(name, function.handler, deployed_name, config.memory, inputs.target.runtime,
                                     task, self.client_dir, {**dict(config.environment), **options.env},
                                     local_env.region if local_env else None)
            # Random per call, it would make every spec differ: each runtime process names its own.
            env.pop("AWS_LAMBDA_LOG_STREAM_NAME", None)
            debugged = bool(options.debug_port) and name == options.debug_function
            spec = RuntimeSpec(function.handler, deployed_name, config.memory,
                               debug.DEBUG_LIMIT_S if debugged else config.timeout, self.python, task, layers,
                               tuple(sorted(env.items())),
                               debug.hook(options.debug_port, project.functions_dir, task) if debugged else "",
                               account=(local_env.account if local_env else None) or ACCOUNT, debugging=debugged)
            # A function whose identity did not move keeps the task root its warm runtimes run
            # from (the same files: that is what the identity means), so it is not restarted.
            old = None if first else self.pool.spec(name)
            if old is not None and self.identities.get(name) == entry["code_sha256"] and _same_but_files(old, spec):
                spec = old
            specs[name] = spec
            http[name] = config.http_routes
            deployed[deployed_name] = name
            identities[name] = entry["code_sha256"]
        self.routes = [r for r in project_routes(project, http) if r.function in specs]
        self.deployed, self.identities = deployed, identities
        self.gateway = local_gateway(project, self.routes)
        return specs

    def _hold(self, key, make) -> Path:
        """The folder `make()` provides (a task root, the layer), held in use until no runtime
        runs from it; entered once per key."""
        if key not in self._held:
            stack = ExitStack()
            self._held[key] = (stack.enter_context(make()), stack)
        return self._held[key][0]

    def _release_unused_roots(self) -> None:
        used = self.pool.folders_in_use()
        for key, (path, stack) in list(self._held.items()):
            if path not in used:
                del self._held[key]
                stack.close()

    def _watch(self) -> None:
        seen = _fingerprint(self.project)
        while not self._stop.wait(POLL_S):
            now = _fingerprint(self.project)
            if now == seen:
                continue
            self._stop.wait(POLL_S)  # let an editor finish writing
            seen = _fingerprint(self.project)
            before = set(self.pool.names())
            try:
                restarted = self.reload()
            except BuildPkgError as exc:
                self.report.warn(f"rebuild failed, still serving the previous build: {exc}")
                continue
            except Exception as exc:  # never let the watcher die quietly: say it, keep watching
                self.report.warn(f"rebuild failed unexpectedly ({type(exc).__name__}: {exc}); still serving the "
                                 "previous build (-v shows where)")
                continue
            added = sorted(set(self.pool.names()) - before)
            shown = ", ".join(restarted) if restarted else "none"
            functions, routes = len(self.pool.names()), len(self.routes)
            self.report.step(f"rebuilt: restarted {shown}" + (f", added {', '.join(added)}" if added else "")
                             + f"; {functions} function{'s' * (functions != 1)}, {routes} route{'s' * (routes != 1)}")


def _same_but_files(old: RuntimeSpec, new: RuntimeSpec) -> bool:
    """The same settings; only the folders (a new generation of the same files) differ."""
    def settings(spec: RuntimeSpec) -> tuple:
        env = tuple((k, v) for k, v in spec.env if k != "LAMBDA_TASK_ROOT")
        return (spec.handler, spec.deployed_name, spec.memory, spec.timeout, spec.python, env, len(spec.layers),
                spec.account)
    return settings(old) == settings(new)


def _fingerprint(project) -> tuple:
    """What a rebuild reads, as (path, size, mtime) rows: the code, the lock, the .tf and .tfvars files."""
    rows = []
    for dirpath, dirnames, filenames in os.walk(project.functions_dir):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        rows += [_stat(Path(dirpath) / name) for name in sorted(filenames)]
    rows.append(_stat(project.root / "Pipfile.lock"))
    rows += [_stat(p) for p in sorted(project.terraform_dir.glob("*.tf"))]
    rows += [_stat(p) for p in sorted((project.terraform_dir / "env").glob("*.tfvars"))]  # names, var.buckets
    return tuple(rows)


def _stat(path: Path) -> tuple:
    try:
        st = path.stat()
        return (str(path), st.st_size, st.st_mtime_ns)
    except OSError:
        return (str(path), None, None)
