"""`make check`, the team's loop, at N functions, against what a team member ran before it
existed: `make test`'s pytest run (the builder's whole suite with the functions' tests).

The repository is bench's usual one (N functions, the fixture's lock) with the example's
Terraform tree, a `.tf` per function written by `tf`, a test per function, this checkout's
Makefile, and this checkout's environments linked (its lock made older than them, so
`make` finds them set up, as on a developer's machine). Timed, alternating in one run:

  make check                  warm, nothing changed
  make check                  after editing one function
  baseline: pytest -n auto    the suite `make test` ran (in this checkout): minutes, so once
                              (--baseline-runs); the ratio is against its median
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EXAMPLE = REPO / "tests" / "data" / "worker"

TEST = '''"""job_{i}: the handler sums its rows."""

{module}


def test_summary():
    assert function.handler({{"rows": [{{"id": 1, "value": 2.5}}, {{"id": 2, "value": 0.5}}]}}, None) == {{
        "count": 2, "total": 3.0}}
'''


def _module(i: int) -> str:
    return f"import lambda_job_{i:03d} as function" if i % 2 == 0 else f"from job_{i:03d} import main as function"


def _repository(root: Path, count: int, make_repo) -> None:
    make_repo(root, count)
    shutil.rmtree(root / "terraform")
    shutil.copytree(EXAMPLE / "terraform", root / "terraform", ignore=shutil.ignore_patterns("lambda_*.tf"))
    tests = root / "tests" / "functions"
    tests.mkdir(parents=True)
    for i in range(count):
        (tests / f"test_job_{i:03d}.py").write_text(TEST.format(i=i, module=_module(i)))
    shutil.copy(REPO / "Makefile", root / "Makefile")
    for name in (".venv", ".tools", "build-pkg.py"):  # the builder beside the team's files, as in a checkout
        (root / name).symlink_to(REPO / name)
    os.utime(root / "Pipfile.lock", (0, 0))


def bench_check(count: int, runs: int, work: Path, make_repo, edit_one, unedit, timed,
                baseline_runs: int = 1) -> list[str]:
    repo = work / "check-repo"
    _repository(repo, count, make_repo)
    env = {**os.environ, "BUILD_PKG_CACHE_DIR": str(work / "check-cache")}
    timed([sys.executable, str(REPO / "build-pkg.py"), "-C", str(repo), "tf"], repo, env)
    timed(["make", "check"], repo, env)  # cold: installs, the stand-in's mirror; not counted
    suite = {k: v for k, v in env.items() if not k.startswith("PYTEST_")}
    rows: dict[str, list[float]] = {"warm": [], "edit": [], "baseline": []}
    for run in range(runs):
        rows["warm"].append(timed(["make", "check"], repo, env))
        edit_one(repo, run)
        rows["edit"].append(timed(["make", "check"], repo, env))
        unedit(repo)
        timed(["make", "check"], repo, env)
        if run < baseline_runs:
            rows["baseline"].append(timed([sys.executable, "-m", "pytest", "-n", "auto", "-q"], REPO, suite))
    baseline = statistics.median(rows["baseline"])
    lines = ["", f"`make check` with {count} functions (build, check, tf --check, {count} function tests with the "
             f"closure check, validate), against the suite `make test` ran before it (the builder's and the "
             f"functions' tests, `pytest -n auto`), median of {runs} runs ({len(rows['baseline'])} of the baseline):",
             "",
             "| | median | / baseline | target |", "|---|---:|---:|---:|"]
    for key, label in (("warm", "`make check`, warm, nothing changed"),
                       ("edit", "`make check` after editing one function")):
        median = statistics.median(rows[key])
        lines.append(f"| {label} | {median:.1f} s | {median / baseline:.3f}x | < 20 s |")
    lines.append(f"| baseline: `pytest -n auto` (the whole suite) | {baseline:.1f} s | 1.000x | |")
    return lines
