"""What Lambda reads of an execution environment's processes, from /proc: its peak memory
(Max Memory Used, and what its limit is checked against) and how its process ended, in
Lambda's words."""

from __future__ import annotations

import math
from pathlib import Path


def memory_mb(pid: int) -> int:
    """Peak memory of the execution environment, as Lambda's Max Memory Used: the runtime
    process's peak resident memory (VmHWM) and what the processes it started hold now
    (Lambda counts the whole sandbox; a child's own peak is gone once it exits)."""
    own = _status_kb(pid, "VmHWM:")
    return math.ceil((own + sum(_status_kb(child, "VmRSS:") for child in _descendants(pid))) / 1024) if own else 0


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            found += children
            todo += children
    return found


def ended(returncode: int) -> str:
    """As Lambda's runtime error words a process's end (Go's): exit status 3, signal: killed."""
    if returncode < 0:
        import signal

        try:
            return f"signal: {signal.strsignal(-returncode).lower()}"
        except (ValueError, AttributeError):
            return f"signal: {-returncode}"
    return f"exit status {returncode}"
