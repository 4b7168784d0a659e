"""`tf`: write the Terraform file of each function that lacks one; never rewrite one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .discover import FLAT_PREFIX, Function
from .errors import ProjectError
from .fsutil import create_new
from .project import Project
from .tfgen import FunctionSettings, render, tf_filename


@dataclass(frozen=True)
class TfStatus:
    missing: tuple[Function, ...]  # functions without terraform/lambda_<name>.tf
    orphans: tuple[str, ...]  # terraform/lambda_<name>.tf whose function is gone (project-relative)
    present: tuple[Function, ...]


def status(project: Project, functions: list[Function]) -> TfStatus:
    """Which functions have their file, which files have lost their function (by name only)."""
    tf_dir = project.terraform_dir
    existing = {p.name for p in tf_dir.glob(f"{FLAT_PREFIX}*.tf")} if tf_dir.is_dir() else set()
    wanted = {tf_filename(f.name): f for f in functions}
    missing = tuple(f for name, f in sorted(wanted.items()) if name not in existing)
    present = tuple(f for name, f in sorted(wanted.items()) if name in existing)
    orphans = tuple(project.rel(tf_dir / name) for name in sorted(existing - set(wanted)))
    return TfStatus(missing, orphans, present)


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
