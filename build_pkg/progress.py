"""Progress and warnings on stderr; results go to stdout from the CLI alone."""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TextIO


def stderr_fd() -> int | None:
    """Where child processes should write progress: our stderr's descriptor, or
    None (inherit) when stderr is not a real file, as under click's test runner."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return None


class Reporter:
    """Plain lines, prefixed with elapsed time when verbose. Warnings are always shown."""

    def __init__(self, verbose: bool = False, quiet: bool = False, stream: TextIO | None = None,
                 advice: Callable[[str], str] | None = None):
        self.verbose = verbose
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.advice = advice or (lambda text: text)  # the fixes a warning names, as the repository can run them
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
        text = self.advice(text)
        self.warnings.append(text)
        self._emit(f"warning: {text}")

    @property
    def interactive(self) -> bool:
        """A person is watching: stderr is a terminal (progress bars instead of lines)."""
        try:
            return not self.quiet and self.stream.isatty()
        except (AttributeError, ValueError):
            return False

    @contextmanager
    def bar(self, description: str, total: int | None = None, unit: str | None = None) -> Iterator["Bar"]:
        """A progress bar (tqdm) on a terminal; elsewhere nothing but the lines written to it.

        With no `total`, it shows the time elapsed (and a count, given a `unit`), refreshed
        by a ticker so it moves while a child process works.
        """
        if not self.interactive:
            yield Bar(None, self)
            return
        from tqdm import tqdm

        if total:
            layout = None  # tqdm's bar: description, percentage, bar, count, rate
        elif unit:
            layout = "{desc}: {n_fmt} {unit} [{elapsed}]"
        else:
            layout = "{desc} [{elapsed}]"
        progress = tqdm(total=total, desc=description, unit=unit or "it", file=self.stream, leave=False,
                        dynamic_ncols=True, bar_format=layout)
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(0.2):
                progress.refresh()

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield Bar(progress, self)
        finally:
            stop.set()
            ticker.join()
            progress.close()


class Bar:
    """What a step reports progress to: tqdm on a terminal, else plain lines."""

    def __init__(self, progress, reporter: Reporter):
        self._progress = progress
        self._reporter = reporter

    def update(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.update(n)

    def write(self, line: str) -> None:
        """A line of output above the bar (or a plain line without one)."""
        if self._progress is not None:
            self._progress.write(line, file=self._reporter.stream)
        else:
            print(line, file=self._reporter.stream, flush=True)
