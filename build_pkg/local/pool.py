"""Warm runtimes for the local servers: per function, the runtimes started so far, reused
while they are idle, a new one started when all are busy (up to a limit), and a caller
that finds the limit reached waits its turn: first come, first served (a runtime that
finishes goes straight to the caller that has waited longest, so no caller waits behind
later ones). A request is never refused for being concurrent (Lambda scales out the same
way; its reserved concurrency is the limit).

`replace` swaps a function's runtime settings after a rebuild: idle runtimes of that
function stop at once, busy ones when their invocation ends; other functions keep
theirs, warm.
"""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path
from typing import Callable

from ..errors import InvokeError
from .runtime import STOPPING, Outcome, Runtime, RuntimeSpec, to_stderr

RUNTIMES_PER_FUNCTION = 4


class _Waiter:
    """A caller waiting for a runtime of one function: handed one, or told why not."""

    def __init__(self):
        self.ready = threading.Event()
        self.runtime: Runtime | None = None
        self.error: str | None = None


class RuntimePool:
    def __init__(self, specs: dict[str, RuntimeSpec], limit: int = RUNTIMES_PER_FUNCTION,
                 sink: Callable[[bytes], None] = to_stderr, limits: dict[str, int] | None = None):
        self._specs = dict(specs)
        self._limit = limit
        self._limits = dict(limits or {})  # per function, over `limit` (one under a debugger: one port)
        self._sink = sink
        self._idle: dict[str, list[Runtime]] = {}
        self._busy: dict[str, list[Runtime]] = {}
        self._waiting: dict[str, deque[_Waiter]] = {}
        self._lock = threading.Lock()  # waiters wait on their own event, not on this
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
        with self._lock:
            restarted = sorted(n for n in self._specs if n not in specs or specs[n] != self._specs[n])
            for name in restarted:
                stopped += self._idle.pop(name, [])
            self._specs = dict(specs)
            for name in [n for n in self._waiting if n not in specs]:
                for waiter in self._waiting.pop(name):
                    self._refuse(waiter, f"no function named {name!r}")
        for runtime in stopped:
            runtime.close()
        return restarted
    def spec(self, name: str) -> RuntimeSpec | None:
        return self._specs.get(name)

    def folders_in_use(self) -> set[Path]:
        """The task roots and layers a runtime runs from now, or will run from."""
        with self._lock:
            specs = [r.spec for group in (*self._busy.values(), *self._idle.values()) for r in group]
            specs += self._specs.values()
            return {spec.task for spec in specs} | {Path(p).parent for spec in specs for p in spec.layers}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            everything = [r for group in (*self._idle.values(), *self._busy.values()) for r in group]
            self._idle.clear()
            for waiters in self._waiting.values():
                for waiter in waiters:
                    self._refuse(waiter, STOPPING)
            self._waiting.clear()
        for runtime in everything:
            runtime.stop()  # an invocation in flight ends as the server's stop, not as the function's failure

    @property
    def closed(self) -> bool:
        return self._closed

    def _acquire(self, name: str) -> Runtime:
        with self._lock:
            if self._closed:
                raise InvokeError(STOPPING)
            spec = self._specs.get(name)
            if spec is None:
                raise InvokeError(f"no function named {name!r}")
            busy = self._busy.setdefault(name, [])
            idle = self._idle.get(name) or []
            waiter = None
            if idle and not self._waiting.get(name):
                runtime = idle.pop()  # the last one released: the warmest
            elif len(busy) < self._limits.get(name, self._limit) and not self._waiting.get(name):
                runtime = Runtime(spec, self._sink)
            else:
                waiter = _Waiter()
                self._waiting.setdefault(name, deque()).append(waiter)
            if waiter is None:
                busy.append(runtime)
                return runtime
        waiter.ready.wait()
        if waiter.error is not None:
            raise InvokeError(waiter.error)
        return waiter.runtime  # counted busy by whoever handed it over

    def _release(self, name: str, runtime: Runtime) -> None:
        with self._lock:
            spec = self._specs.get(name)
            keep = not self._closed and spec == runtime.spec
            waiting = self._waiting.get(name)
            if waiting and spec is not None and not self._closed:
                # Straight to the caller that has waited longest: the same runtime, or a new
                # one with the new settings when this one's are stale.
                waiter = waiting.popleft()
                waiter.runtime = runtime if keep else Runtime(spec, self._sink)
                if not keep:
                    self._busy[name].remove(runtime)
                    self._busy[name].append(waiter.runtime)
                waiter.ready.set()
            else:
                self._busy[name].remove(runtime)
                if keep:
                    self._idle.setdefault(name, []).append(runtime)
        if not keep:
            runtime.close()

    @staticmethod
    def _refuse(waiter: _Waiter, why: str) -> None:
        waiter.error = why
        waiter.ready.set()

