"""`bench.py --only validate --functions N` beyond 50 functions: what validate's groups and its
tuning of Go's collector buy, side by side in one run, each configuration's runs interleaved.

The default plans groups of 50 functions, as many at once as there are CPUs, with GOGC=400
and a soft memory limit (build_pkg.infra.runner.go_memory); the baselines set GOGC=100,
Go's default, which validate leaves alone when the user sets it, and one plan of the whole
tree (BUILD_PKG_VALIDATE_GROUP larger than the tree).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

WHOLE = "100000"  # a group size larger than any tree: one plan
CONFIGS = (
    ("groups of 50 (the default)", {}),
    ("groups of 100", {"BUILD_PKG_VALIDATE_GROUP": "100"}),
    ("one plan of the whole tree", {"BUILD_PKG_VALIDATE_GROUP": WHOLE}),
    ("baseline: groups of 50, Go's default collector (GOGC=100)", {"GOGC": "100"}),
    ("baseline: one plan, GOGC=100", {"BUILD_PKG_VALIDATE_GROUP": WHOLE, "GOGC": "100"}),
)


def bench_validate_groups(count: int, runs: int, repo: Path, cli: list[str], env: dict) -> list[str]:
    """Each configuration's wall and CPU (this process's children), median of `runs`."""
    base = {k: v for k, v in env.items() if k not in ("GOGC", "GOMEMLIMIT", "BUILD_PKG_VALIDATE_GROUP")}
    walls: dict[str, list[float]] = {label: [] for label, _ in CONFIGS}
    cpus: dict[str, list[float]] = {label: [] for label, _ in CONFIGS}
    for _ in range(runs):
        for label, extra in CONFIGS:
            wall, cpu = _measured(cli + ["validate"], repo, {**base, **extra})
            walls[label].append(wall)
            cpus[label].append(cpu)
    default = statistics.median(walls[CONFIGS[0][0]])
    lines = ["", f"`validate` of {count} functions on {os.cpu_count()} CPUs, median of {runs} run(s), "
             "configurations interleaved:", "", "| configuration | wall | CPU | wall / default |",
             "|---|---:|---:|---:|"]
    for label, _ in CONFIGS:
        wall = statistics.median(walls[label])
        lines.append(f"| {label} | {wall:.1f} s | {statistics.median(cpus[label]):.1f} s | {wall / default:.2f}x |")
    return lines


def _measured(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd[-2:])} failed in {cwd}:\n{proc.stderr[-2000:]}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
