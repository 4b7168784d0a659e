"""Warm runtimes for the local servers: per function, the runtimes started so far, reused
while they are idle, a new one started when all are busy (up to a limit), and a caller
that finds the limit reached waits its turn. A request is never refused for being
concurrent (Lambda scales out the same way; its reserved concurrency is the limit).

`replace` swaps a function's runtime settings after a rebuild: idle runtimes of that
function stop at once, busy ones when their invocation ends; other functions keep
theirs, warm.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from ..errors import InvokeError
from .runtime import Outcome, Runtime, RuntimeSpec, to_stderr

RUNTIMES_PER_FUNCTION = 4


class RuntimePool:
    def __init__(self, specs: dict[str, RuntimeSpec], limit: int = RUNTIMES_PER_FUNCTION,
                 sink: Callable[[bytes], None] = to_stderr):
        self._specs = dict(specs)
        self._limit = limit
        self._sink = sink
        self._idle: dict[str, list[Runtime]] = {}
        self._busy: dict[str, list[Runtime]] = {}
        self._changed = threading.Condition()
        self._closed = False

    def names(self) -> list[str]:
        return sorted(self._specs)

    def invoke(self, name: str, payload: bytes, client_context: str | None = None) -> Outcome:
        runtime = self._acquire(name)
        try:
            return runtime.invoke(payload, client_context)
        finally:
            self._release(name, runtime)

    def replace(self, specs: dict[str, RuntimeSpec]) -> list[str]:
        """New settings for the functions in `specs` (added, or changed); gone ones are
        dropped. Returns the functions whose runtimes were restarted (or will be)."""
        stopped: list[Runtime] = []
        with self._changed:
            restarted = sorted(n for n in self._specs if n not in specs or specs[n] != self._specs[n])
            for name in restarted:
                stopped += self._idle.pop(name, [])
            self._specs = dict(specs)
            self._changed.notify_all()
        for runtime in stopped:
            runtime.close()
        return restarted

    def spec(self, name: str) -> RuntimeSpec | None:
        return self._specs.get(name)

    def folders_in_use(self) -> set[Path]:
        """The task roots and layers a runtime runs from now, or will run from."""
        with self._changed:
            specs = [r.spec for group in (*self._busy.values(), *self._idle.values()) for r in group]
            specs += self._specs.values()
            return {spec.task for spec in specs} | {Path(p).parent for spec in specs for p in spec.layers}

    def close(self) -> None:
        with self._changed:
            self._closed = True
            everything = [r for group in (*self._idle.values(), *self._busy.values()) for r in group]
            self._idle.clear()
            self._changed.notify_all()
        for runtime in everything:
            runtime.close()

    def _acquire(self, name: str) -> Runtime:
        with self._changed:
            while True:
                if self._closed:
                    raise InvokeError("the server is stopping")
                spec = self._specs.get(name)
                if spec is None:
                    raise InvokeError(f"no function named {name!r}")
                idle = self._idle.get(name) or []
                if idle:
                    runtime = idle.pop()  # the last one released: the warmest
                    break
                busy = self._busy.setdefault(name, [])
                if len(busy) < self._limit:
                    runtime = Runtime(spec, self._sink)
                    break
                self._changed.wait()
            self._busy.setdefault(name, []).append(runtime)
            return runtime

    def _release(self, name: str, runtime: Runtime) -> None:
        with self._changed:
            self._busy[name].remove(runtime)
            keep = not self._closed and self._specs.get(name) == runtime.spec
            if keep:
                self._idle.setdefault(name, []).append(runtime)
            self._changed.notify_all()
        if not keep:
            runtime.close()
