"""`tf`: write the Terraform file of each function that lacks one; never rewrite one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import ProjectError, SettingError, UsageError
from ..fsutil import atomic_write, create_new
from ..package.discover import FLAT_PREFIX, Function
from ..project import Project
from . import notifications
from .environments import missing_sources, name_problems
from .environments import read as read_environments
from .render import render, tf_filename
from .settings import FunctionSettings


@dataclass(frozen=True)
class TfStatus:
    missing: tuple[Function, ...]  # functions without terraform/lambda_<name>.tf
    orphans: tuple[str, ...]  # terraform/lambda_<name>.tf whose function is gone (project-relative)
    present: tuple[Function, ...]

    def problems(self) -> list[str]:
        """One line per function without its file and per file without its function."""
        lines = [f"{f.source}: no terraform/{tf_filename(f.name)}; run `build-pkg.py tf {f.name}`" for f in self.missing]
        lines += [f"{orphan}: no function for it in functions/; delete it or restore the function" for orphan in self.orphans]
        return lines

    def summary(self) -> str:
        total = len(self.present) + len(self.missing)
        return (f"tf: {len(self.present)} of {total} functions have a file, "
                f"{len(self.missing)} missing, {len(self.orphans)} orphaned")


def status(project: Project, functions: list[Function]) -> TfStatus:
    """Which functions have their file, which files have lost their function (by name only)."""
    tf_dir = project.terraform_dir
    existing = {p.name for p in tf_dir.glob(f"{FLAT_PREFIX}*.tf")} if tf_dir.is_dir() else set()
    wanted = {tf_filename(f.name): f for f in functions}
    missing = tuple(f for name, f in sorted(wanted.items()) if name not in existing)
    present = tuple(f for name, f in sorted(wanted.items()) if name in existing)
    orphans = tuple(project.rel(tf_dir / name) for name in sorted(existing - set(wanted)))
    return TfStatus(missing, orphans, present)


def write_missing(project: Project, functions: list[Function], names: tuple[str, ...],
                  settings: FunctionSettings) -> list[Path]:
    """`tf [NAME]...`: the files of the named functions, or of every function without one.

    Settings other than the defaults apply to exactly one named function.
    """
    settings.validate()
    known = {f.name: f for f in functions}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ProjectError(f"no function named {', '.join(unknown)} in functions/ (lambda_<name>.py or <name>/main.py)")
    if settings != FunctionSettings() and len(names) != 1:
        raise UsageError("trigger and setting options need exactly one NAME")
    targets = [known[n] for n in names] if names else list(status(project, functions).missing)
    environments = read_environments(project)
    for function in targets:
        problems = name_problems(function.name, settings.schedule is not None, environments)
        if problems:
            raise SettingError(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    return [write_new(project, function, settings) for function in targets]


def sources_to_add(project: Project, written: list[Path]) -> list[str]:
    """What each environment must still define for the files just written, one line each."""
    environments = read_environments(project)
    lines = []
    for path in written:
        for env, kind_map, key, _ in missing_sources(path.read_text(), environments):
            lines.append(f'{env.file}: add "{key}" to {kind_map} (this environment\'s value) for {project.rel(path)}')
    return lines


def _notifications_state(project: Project) -> notifications.NotificationsStatus:
    tf_dir = project.terraform_dir
    return notifications.status(tf_dir, notifications.s3_trigger_labels(tf_dir))


def stale_notifications(project: Project) -> list[str]:
    """`tf --check`'s line for a generated notifications file that no longer matches."""
    state = _notifications_state(project)
    return [f"{project.rel(state.path)}: stale; run `build-pkg.py tf` to rewrite it"] if state.stale else []


def check_notifications_writable(project: Project) -> list[str]:
    """The generated file's path when a hand-written file holds its name (so `new` can refuse first)."""
    path = project.terraform_dir / notifications.FILENAME
    if path.is_file() and not path.read_text(encoding="utf-8", errors="replace").startswith(notifications.MARKER):
        return [project.rel(path)]
    return []


def sync_notifications(project: Project) -> str | None:
    """Rewrite (or remove) terraform/s3_notifications.tf to match the functions' S3 triggers.

    Returns what was done ("wrote ..." / "removed ..."), or None when it was current.
    A hand-written file of that name is never touched.
    """
    state = _notifications_state(project)
    if not state.stale:
        return None
    if state.hand_written:
        raise ProjectError(f"{project.rel(state.path)} was not written by build-pkg.py but has the name of the "
                           "file tf generates for S3 triggers; rename it")
    if state.wanted is None:
        state.path.unlink()
        return f"removed {project.rel(state.path)}"
    atomic_write(state.path, state.wanted.encode())
    return f"wrote {project.rel(state.path)}"


def write_new(project: Project, function: Function, settings: FunctionSettings) -> Path:
    """Create terraform/lambda_<name>.tf; refuses to touch an existing file."""
    if not project.terraform_dir.is_dir():
        raise ProjectError(f"{project.rel(project.terraform_dir)}/ not found: create the Terraform tree first")
    path = project.terraform_dir / tf_filename(function.name)
    try:
        create_new(path, render(function, settings))
    except FileExistsError:
        raise ProjectError(f"{project.rel(path)} already exists; edit it by hand (tf never rewrites a file)") from None
    return path
