"""The builder's tests never touch the team's content.

functions/, terraform/, tests/functions/ and tests/events/ of this checkout belong to the
team that lives in it: they add, delete and rename functions there, and no builder test
may change colour when they do. The builder's tests work on repositories they make from
tests/data/ instead. This plugin holds them to it: while a builder test runs (setup, call,
teardown) or a builder test module is collected, an audit hook sees every file opened and
every folder listed under those paths, and every process started in them or given one of
them (or started in the checkout as build-pkg without -C, or make); any of that fails the
test, naming what it touched. The team's own tests (tests/functions/) are exempt.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEAM_PATHS = tuple(REPO / rel for rel in ("functions", "terraform", "tests/functions", "tests/events"))
_TEAM_TESTS = (REPO / "tests" / "functions", REPO / "tests" / "events")
_PREFIXES = tuple(str(p) + os.sep for p in TEAM_PATHS)
_EXACT = tuple(str(p) for p in TEAM_PATHS)


class _Guard:
    def __init__(self):
        self.active = False
        self.touched: list[str] = []

    def watch(self, node_path: Path | None) -> None:
        self.active = node_path is not None and not _inside(node_path, _TEAM_TESTS)
        self.touched = []

    def stop(self) -> list[str]:
        self.active = False
        found, self.touched = self.touched, []
        return found

    def hook(self, event: str, args: tuple) -> None:
        if not self.active:
            return
        try:
            if event == "open" and args and not isinstance(args[0], int):
                self._path(args[0], f"opened {args[0]}")
            elif event in ("os.listdir", "os.scandir") and args and args[0] is not None \
                    and not isinstance(args[0], int) and not _import_system_lists():
                self._path(args[0], f"listed {args[0]}")
            elif event == "subprocess.Popen":
                self._process(*args[:3])
        except Exception:  # never break the code under test
            pass

    def _path(self, raw, what: str) -> None:
        path = os.path.abspath(os.fsdecode(raw))
        if path in _EXACT or path.startswith(_PREFIXES):
            self.touched.append(what)

    def _process(self, executable, argv, cwd) -> None:
        argv = [os.fsdecode(a) for a in ([argv] if isinstance(argv, (str, bytes, os.PathLike)) else argv or [])]
        where = os.path.abspath(os.fsdecode(cwd) if cwd else os.getcwd())
        shown = " ".join(argv)[:200]
        if where in _EXACT or where.startswith(_PREFIXES):
            self.touched.append(f"started `{shown}` in {where}")
            return
        for arg in argv:
            if arg.startswith(os.sep):
                self._path(arg, f"started `{shown}`, which names {arg}")
        if _inside(Path(where), (REPO,)):
            names = [os.path.basename(a) for a in argv]
            if any(n == "build-pkg.py" for n in names) and not {"-C", "--project-dir", *_NO_PROJECT} & set(argv):
                self.touched.append(f"started `{shown}` in the checkout without -C (it would work on the team's tree)")
            elif names and names[0] == "make":
                self.touched.append(f"started `{shown}` in the checkout (it would work on the team's tree)")


_IMPORT_SYSTEM = ("<frozen importlib", os.path.dirname(os.__file__) + os.sep + "importlib" + os.sep,
                  os.path.dirname(os.__file__) + os.sep + "pkgutil.py")


# What build-pkg does without reading a repository.
_NO_PROJECT = ("completion", "--help", "-h", "--version")


def _import_system_lists() -> bool:
    """Python's import system (and importlib.metadata, pkgutil) lists every sys.path folder
    (functions/ is one, for the team's tests) when it looks for a module or a
    distribution: that is not a test reading it."""
    frame = sys._getframe(2)
    return frame is not None and frame.f_code.co_filename.startswith(_IMPORT_SYSTEM)


def _inside(path: Path, roots) -> bool:
    path = Path(os.path.abspath(path))
    return any(path == root or root in path.parents for root in roots)


GUARD = _Guard()
sys.addaudithook(GUARD.hook)


def _message(touched: list[str]) -> str:
    more = f" (and {len(touched) - 3} more)" if len(touched) > 3 else ""
    return ("a builder test touched the team's content: " + "; ".join(dict.fromkeys(touched[:3])) + more
            + ". Work on a repository made from tests/data/worker (the worker_repo fixture) instead")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    GUARD.watch(Path(str(item.path)))
    try:
        return (yield)
    finally:
        GUARD.stop()


@pytest.fixture(autouse=True)
def _no_team_content(request):
    """Fails a builder test, at its teardown, that touched the team's content."""
    yield
    touched = list(GUARD.touched)
    if touched and GUARD.active:
        GUARD.touched = []
        pytest.fail(_message(touched), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    path = getattr(collector, "path", None)
    GUARD.watch(Path(str(path)) if path is not None and isinstance(collector, pytest.Module) else None)
    try:
        report = yield
    finally:
        touched = GUARD.stop()
    if touched and report.outcome != "failed":
        report.outcome = "failed"
        report.longrepr = _message(touched)
    return report
