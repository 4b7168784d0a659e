"""The functions' own tests (tests/functions/), run as `test`, `make check` and `release`
run them: pytest in a process of its own with the builder's plugins (functions/ on
sys.path, `aws_env`) and the closure check in fail mode, whatever the repository's
pytest.ini says. The outcome is read from pytest's JUnit XML and the closure check's
report, not from its printed output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BuildPkgError
from ..project import Project
from .closure_check import miss_message

TESTS_DIR = "tests/functions"
BUILDER_ROOT = str(Path(__file__).resolve().parents[2])
# pytest's exit statuses: 0 passed, 1 some failed, 5 none collected; anything else is pytest's own trouble.
_NO_TESTS = 5
_INI = """[pytest]
addopts = -p no:cacheprovider -p build_pkg.testing.functions -p build_pkg.testing.closure --closure-check=fail
junit_family = xunit1
"""


@dataclass(frozen=True)
class TestRun:
    __test__ = False  # not a test class, for pytest's collection

    passed: int
    failed: tuple[str, ...]  # test ids (tests/functions/test_x.py::test_y) with their first line
    skipped: int
    misses: tuple[tuple, ...]  # (function, file, its entry module) for each file used outside a closure
    seconds: float
    output: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.misses

    def summary(self) -> dict:
        return {"passed": self.passed, "failed": len(self.failed), "skipped": self.skipped,
                "closure_misses": len(self.misses), "seconds": round(self.seconds, 1)}

    def first_problem(self) -> str:
        """One line: the first failing test, else the first closure miss."""
        more = len(self.failed) + len(self.misses) - 1
        tail = f" (and {more} more)" if more > 0 else ""
        if self.failed:
            return f"{self.failed[0]}{tail}"
        name, arc, *source = self.misses[0]
        return f"{miss_message(arc, name, *source[:1])}{tail}"


def run_tests(project: Project, args: tuple[str, ...] = (), capture: bool = True) -> TestRun:
    """pytest on tests/functions/ (or `args`) with the closure check failing on a miss."""
    folder = project.root / TESTS_DIR
    if not args and not folder.is_dir():
        return TestRun(0, (), 0, (), 0.0)
    with tempfile.TemporaryDirectory(prefix="build-pkg-tests-") as scratch:
        ini, junit, misses = Path(scratch) / "pytest.ini", Path(scratch) / "junit.xml", Path(scratch) / "misses.json"
        ini.write_text(_INI)
        # Only tests/functions/'s own conftest.py: the team's tests need nothing of the builder's.
        command = [sys.executable, "-m", "pytest", "-c", str(ini), "--rootdir", str(project.root),
                   "--confcutdir", str(folder), "--closure-project", str(project.root), "--closure-report", str(misses),
                   "--continue-on-collection-errors", "--junitxml", str(junit), *_with_tests(project, args)]
        # The plugins are the builder's: importable from wherever the repository is.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [BUILDER_ROOT, os.environ.get("PYTHONPATH")]))}
        started = time.monotonic()
        try:
            proc = subprocess.run(command, cwd=project.root, stdin=subprocess.DEVNULL, text=True,
                                  capture_output=capture, env=env)
        except OSError as exc:
            raise BuildPkgError(f"pytest could not be started ({exc.strerror}); run `make build`") from None
        seconds = time.monotonic() - started
        output = (proc.stdout or "") + (proc.stderr or "") if capture else ""
        if proc.returncode not in (0, 1, _NO_TESTS) or (proc.returncode == 1 and not junit.exists()):
            last = (output.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            raise BuildPkgError(f"{TESTS_DIR}: pytest could not run the tests ({last})"
                                + ("; run `build-pkg.py test` to see why" if capture else ""))
        passed, failed, skipped = _read_junit(junit) if junit.exists() else (0, (), 0)
        found = tuple(tuple(item) for item in json.loads(misses.read_text())) if misses.exists() else ()
    return TestRun(passed, failed, skipped, found, seconds, output)


def _with_tests(project: Project, args: tuple[str, ...]) -> list[str]:
    """pytest's arguments, on tests/functions/ unless they name test files or folders
    themselves (`-k orders` selects among the functions' tests, never the builder's)."""
    paths = [a for a in args if not a.startswith("-") and (project.root / a.split("::", 1)[0]).exists()]
    return [*args] if paths else [*args, TESTS_DIR]


def _read_junit(path: Path) -> tuple[int, tuple[str, ...], int]:
    """(passed, failed test ids with their message's first line, skipped) from xunit1 XML."""
    root = ElementTree.parse(path).getroot()
    passed, failed, skipped = 0, [], 0
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            failed.append(_failure(case, problem))
        elif case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return passed, tuple(failed), skipped


def _failure(case, problem) -> str:
    """`tests/functions/test_x.py::test_y failed (AssertionError: ...)`, or for a module that
    could not be collected `tests/functions/test_x.py could not be imported (KeyError: ...)`."""
    message = (problem.get("message") or "").strip()
    if message == "collection failure":
        raised = [line[1:].strip() for line in (problem.text or "").splitlines() if line.startswith("E ")]
        module = case.get("file") or case.get("name", "").replace(".", "/") + ".py"
        return f"{module} could not be imported" + (f" ({raised[-1][:160]})" if raised else "")
    where = f"{case.get('file')}::{case.get('name')}" if case.get("file") else f"{case.get('classname')}::{case.get('name')}"
    first = message.splitlines()[0][:160] if message else ""
    return f"{where} failed" + (f" ({first})" if first else "")
