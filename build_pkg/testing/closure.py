"""A pytest plugin: the team's own tests check that every first-party file a function
uses lies in its static closure (the files its hash is made of).

Turn it on with `-p build_pkg.testing.closure` (or in pytest.ini's `addopts`), and
in CI with `--closure-check=fail`, which fails the session when anything is
missed. While the tests run, an audit hook sees every file opened under
functions/ (imports read their source, or their cached bytecode, through it) and
which first-party files were on the call stack: the functions whose closure
holds all of those are the ones running, and the opened file must be in each of
their closures. Closures come from the builder's own analysis of the tree as it
is now, so they are never stale; what is missed is reported as `invoke`
reports it (see `build_pkg.local.closure_check`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from .closure_check import miss_message, source_of


def pytest_addoption(parser) -> None:
    group = parser.getgroup("build-pkg closure check")
    group.addoption("--closure-check", choices=("warn", "fail"), default="warn",
                    help="warn (default) or fail when a function uses a first-party file outside its closure")
    group.addoption("--closure-project", metavar="DIR", default=None,
                    help="the worker repository (default: found upward from pytest's rootdir)")
    group.addoption("--closure-report", metavar="FILE", default=None,
                    help="also write what was missed to FILE as JSON: [[function, file], ...]")


def pytest_configure(config) -> None:
    root = _project_root(config)
    if root is None:
        return
    checker = _Checker(root)
    config.pluginmanager.register(checker, "build-pkg-closure-checker")
    sys.addaudithook(checker.hook)


def _project_root(config) -> Path | None:
    given = config.getoption("--closure-project")
    start = Path(given) if given else Path(str(config.rootpath))
    for folder in [start, *start.resolve().parents]:
        if (folder / "functions").is_dir() and (folder / "Pipfile").is_file():
            return folder
    return None


class _Checker:
    def __init__(self, root: Path):
        self.root = root
        # Both spellings: imports see functions/ as sys.path names it, which may be unresolved.
        self.prefixes = tuple({str((root / "functions").absolute()) + os.sep,
                               str((root / "functions").resolve()) + os.sep})
        self.opened: set[tuple[str, tuple[str, ...]]] = set()
        self._closures: dict[str, tuple[frozenset[str], bool]] | None = None
        self.found: set[tuple[str, str]] = set()  # (function, file), this process's and its workers'

    def hook(self, event: str, args: tuple) -> None:
        if event != "open" or not args or isinstance(args[0], int):
            return
        try:
            arc = self._arc(os.path.abspath(os.fsdecode(args[0])))
            if arc is None:
                return
            frames = []
            frame = sys._getframe(1)
            while frame is not None:
                inside = self._arc(os.path.abspath(frame.f_code.co_filename))
                if inside is not None:
                    frames.append(inside)
                frame = frame.f_back
            if frames:
                self.opened.add((arc, tuple(sorted(set(frames)))))
        except Exception:  # never break the code under test
            pass

    def _arc(self, path: str) -> str | None:
        for prefix in self.prefixes:
            if path.startswith(prefix):
                return source_of(path[len(prefix):].replace(os.sep, "/"))
        return None

    def closures(self) -> dict[str, tuple[frozenset[str], bool]]:
        if self._closures is None:
            self._closures = _analyse(self.root)
        return self._closures

    def misses(self) -> list[tuple[str, str]]:
        """(function, file) for each file used outside the closure of a function running it."""
        closures = self.closures()
        found = set()
        for arc, frames in self.opened:
            if not (self.root / "functions" / arc).is_file():
                continue
            for name, (files, everything) in closures.items():
                if everything or not set(frames) <= files:
                    continue  # depends on everything, or not the function that was running
                if arc not in files:
                    found.add((name, arc))
        return sorted(found)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus) -> None:
        found = self.misses() if self.opened else []
        if hasattr(session.config, "workeroutput"):  # a pytest-xdist worker: the controller reports
            session.config.workeroutput["build_pkg_closure_misses"] = found
            return
        self.found.update(found)
        if self.found and session.config.getoption("--closure-check") == "fail" and session.exitstatus == 0:
            session.exitstatus = 1

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error) -> None:
        """pytest-xdist's controller: what each worker found."""
        self.found.update(tuple(item) for item in getattr(node, "workeroutput", {}).get("build_pkg_closure_misses", []))

    def sources(self) -> dict[str, str]:
        """Each function's entry module (what a closure-miss message tells to declare the file in)."""
        from ..package.discover import discover

        try:
            return {f.name: f.source for f in discover(self.root, self.root / "functions", check_handlers=False)}
        except Exception:  # a report must never fail the session
            return {}

    def pytest_unconfigure(self, config) -> None:
        path = config.getoption("--closure-report")
        if path and not hasattr(config, "workeroutput"):
            sources = self.sources() if self.found else {}
            Path(path).write_text(json.dumps([[name, arc, sources.get(name)] for name, arc in sorted(self.found)]))

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.found:
            return
        terminalreporter.section("build-pkg closure check")
        sources = self.sources()
        for name, arc in sorted(self.found):
            terminalreporter.write_line(miss_message(arc, name, sources.get(name)))


def _analyse(root: Path) -> dict[str, tuple[frozenset[str], bool]]:
    """Each function's closure, by the builder's own analysis of the tree as it is."""
    from ..package.closure import analyse
    from ..package.discover import discover
    from ..package.inputs import resolve
    from ..package.sources import walk_functions
    from ..project import Project

    project = Project.at(root)
    target = resolve(project, None, "x86_64").target
    functions = discover(project.root, project.functions_dir, check_handlers=False)
    sources = [(f.arcname, f.path.read_bytes()) for f in walk_functions(project.functions_dir, project.root).files]
    result = analyse(functions, sources, target.version_tuple)
    return {name: (closure.files, closure.depends_on_everything) for name, closure in result.closures.items()}
