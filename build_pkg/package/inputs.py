"""What a command works on, resolved once: the Pipfile and its lock (read and
checked for freshness) and the Lambda target. Commands build this at their start
and pass it down, so no step reads or checks the lock a second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..errors import BuildPkgError, LockError, TargetError
from ..project import Project
from .lockfile import Lock, LockedPackage, check_fresh, check_hashable, read_lock, read_pipfile
from .runtimes import newest, support_problem
from .target import Target


@dataclass(frozen=True)
class Inputs:
    project: Project
    target: Target
    lock: Lock | None  # None when it could not be read (see lock_problem)
    lock_problem: LockError | None = None  # stale, missing, malformed or not hash-checkable
    warnings: tuple[str, ...] = ()  # about the runtime and the lock, for every command to show
    packages: tuple[LockedPackage, ...] = ()  # the lock's [packages] whose markers hold on the target

    def fresh_lock(self) -> Lock:
        """The lock, or the reason it cannot be used."""
        if self.lock_problem is not None:
            raise self.lock_problem
        assert self.lock is not None
        return self.lock


def resolve(project: Project, runtime: str | None, arch: str, allow_unhashed: frozenset[str] = frozenset(),
            today: dt.date | None = None) -> Inputs:
    """Read the Pipfile and lock once; resolve the target.

    A lock problem is kept, not raised, so `check` can report it beside the
    others; commands that need the lock call `Inputs.fresh_lock()`. The lock's
    problems come first: a stale lock is what every command reports, before
    anything about the runtime.
    """
    pipfile: dict | None = None
    problem: LockError | None = None
    try:
        pipfile = read_pipfile(project.pipfile)
    except LockError as exc:
        problem = exc
    lock = None
    try:
        lock = read_lock(project.lockfile)
        if pipfile is not None:
            check_fresh(pipfile, project.pipfile.name, lock)
    except LockError as exc:
        problem = problem or exc
    warnings: list[str] = []
    try:
        target = target_for(pipfile, runtime, arch, warnings, today or dt.date.today())
    except BuildPkgError:
        if problem is not None:
            raise problem from None
        raise
    packages: list[LockedPackage] = []
    if lock is not None and problem is None:
        try:
            packages = lock.for_target(target)
            _check_allowed(lock, allow_unhashed)
            check_hashable(packages, set(allow_unhashed), lock.path.name)
        except LockError as exc:
            problem = exc
    return Inputs(project, target, lock, problem, tuple(warnings), tuple(packages))


def _check_allowed(lock: Lock, allowed: frozenset[str]) -> None:
    names = {p.name.lower() for p in lock.packages}
    unknown = sorted(n for n in allowed if n.lower() not in names)
    if unknown:
        raise LockError(f"--allow-unhashed {', '.join(unknown)}: no such package in {lock.path.name} [packages]; "
                        "check the name (as the lock spells it)")


def target_for(pipfile: dict | None, runtime: str | None, arch: str, warnings: list[str],
               today: dt.date) -> Target:
    """--runtime when given, else the Pipfile's [requires] python_version; refuses a
    runtime Lambda blocks and warns about a deprecated one."""
    if runtime:
        target = Target.parse(runtime, arch)
    else:
        target = _from_pipfile(pipfile, arch, warnings, today)
    support = support_problem(target.runtime, today)
    if support and support[0] == "refuse":
        raise TargetError(support[1])
    if support:
        warnings.append(support[1])
    return target


def _from_pipfile(pipfile: dict | None, arch: str, warnings: list[str], today: dt.date) -> Target:
    if pipfile is None:
        raise LockError("Pipfile not found: pass the worker repository with -C DIR, or --runtime")
    requires = pipfile.get("requires") or {}
    version = requires.get("python_version") if isinstance(requires, dict) else None
    if not version:
        raise LockError('Pipfile has no [requires] python_version; set it to the Lambda runtime ("3.12") or pass --runtime')
    version = str(version)
    if version == "3":
        # pipenv accepts "3"; Lambda needs a minor version. The newest supported runtime is
        # what a team that wrote "any Python 3" most likely wants, and the warning says how to pin it.
        chosen = newest(today)
        warnings.append(f'Pipfile: python_version = "3" names no minor version; building for {chosen.name}, '
                        f'the newest Lambda Python runtime: set python_version = "{chosen.name[6:]}" or pass --runtime')
        return Target.parse(chosen.name, arch)
    major_minor = ".".join(version.split(".")[:2])
    return Target.parse(f"python{major_minor}", arch, source=f'Pipfile: python_version = "{version}"')
