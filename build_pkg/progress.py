"""Progress and warnings on stderr; results go to stdout from the CLI alone."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def stderr_fd() -> int | None:
    """Where child processes should write progress: our stderr's descriptor, or
    None (inherit) when stderr is not a real file, as under click's test runner."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return None


class Reporter:
    """Plain lines, prefixed with elapsed time when verbose. Warnings are always shown."""

    def __init__(self, verbose: bool = False, quiet: bool = False, stream: TextIO | None = None):
        self.verbose = verbose
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.warnings: list[str] = []
        self._start = time.monotonic()

    def _emit(self, text: str) -> None:
        prefix = f"[{time.monotonic() - self._start:6.2f}s] " if self.verbose else ""
        print(prefix + text, file=self.stream, flush=True)

    def step(self, text: str) -> None:
        if not self.quiet:
            self._emit(text)

    def detail(self, text: str) -> None:
        if self.verbose:
            self._emit(text)

    def warn(self, text: str) -> None:
        self.warnings.append(text)
        self._emit(f"warning: {text}")
