"""What a command works on, resolved once: the Pipfile and its lock (read and
checked for freshness) and the Lambda target. Commands build this at their start
and pass it down, so no step reads or checks the lock a second time.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import LockError
from ..project import Project
from .lockfile import Lock, check_fresh, read_lock, read_pipfile
from .target import Target


@dataclass(frozen=True)
class Inputs:
    project: Project
    target: Target
    lock: Lock | None  # None when it could not be read (see lock_problem)
    lock_problem: LockError | None = None  # stale, missing or malformed

    def fresh_lock(self) -> Lock:
        """The lock, or the reason it cannot be used."""
        if self.lock_problem is not None:
            raise self.lock_problem
        assert self.lock is not None
        return self.lock


def resolve(project: Project, runtime: str | None, arch: str) -> Inputs:
    """Read the Pipfile and lock once; resolve the target.

    A lock problem is kept, not raised, so `check` can report it beside the
    others; commands that need the lock call `Inputs.fresh_lock()`.
    """
    pipfile: dict | None = None
    problem: LockError | None = None
    try:
        pipfile = read_pipfile(project.pipfile)
    except LockError as exc:
        problem = exc
    target = target_for(pipfile, runtime, arch, problem)
    lock = None
    try:
        lock = read_lock(project.lockfile)
        if pipfile is not None:
            check_fresh(pipfile, project.pipfile.name, lock)
    except LockError as exc:
        problem = problem or exc
    return Inputs(project, target, lock, problem)


def target_for(pipfile: dict | None, runtime: str | None, arch: str, problem: LockError | None = None) -> Target:
    """--runtime when given, else the Pipfile's [requires] python_version."""
    if runtime:
        return Target.parse(runtime, arch)
    if pipfile is None:
        raise problem or LockError("Pipfile not found: create it (pipenv install) or pass --runtime")
    version = (pipfile.get("requires") or {}).get("python_version")
    if not version:
        raise LockError('Pipfile has no [requires] python_version; set it to the Lambda runtime ("3.12") or pass --runtime')
    return Target.from_python_version(str(version), arch)
