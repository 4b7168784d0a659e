"""`adopt`: read the account, decide, and write the function files and imports.tf
(all of them or none), or with dry_run only say what would be written."""

from __future__ import annotations

from dataclasses import dataclass

from ... import aws
from ...errors import AdoptError
from ...fsutil import atomic_write, create_all
from ...infra.environments import read as read_environments
from ...infra.render import tf_filename
from ...package.discover import discover
from ...package.target import Target
from ...project import Project
from . import live as live_functions
from .plan import Plan, plan
from .render import IMPORTS_HEADER, function_file, import_blocks

IMPORTS_FILE = "terraform/imports.tf"


@dataclass(frozen=True)
class AdoptOptions:
    pattern: str
    env: str
    maps: tuple[tuple[str, str], ...] = ()
    dry_run: bool = False
    region: str | None = None  # default: the environment's tfvars region, else boto3's


@dataclass(frozen=True)
class Adopted:
    plan: Plan
    env: str  # the environment's name (its tfvars file)
    env_value: str  # var.environment there
    files: dict[str, str]  # project-relative path -> text, written or (dry run) to be written
    written: bool


def adopt(project: Project, target: Target, options: AdoptOptions, session=None) -> Adopted:
    environments = {e.name: e for e in read_environments(project)}
    env = environments.get(options.env)
    if env is None:
        raise AdoptError(f"terraform/env/{options.env}.tfvars not found; pass --env with one of "
                         f"{', '.join(sorted(environments)) or '(none: add terraform/env/<env>.tfvars)'}")
    env_value = env.environment or env.name
    functions = discover(project.root, project.functions_dir, check_handlers=False)
    existing = {}
    for function in functions:
        path = project.terraform_dir / tf_filename(function.name)
        if path.is_file():
            existing[function.name] = path.read_text(encoding="utf-8", errors="replace")
    found = live_functions.read(options.pattern, session, aws.region(options.region, env.values))
    decided = plan(found, functions, existing, dict(options.maps), target.runtime, target.arch, options.pattern)
    files = {a.tf_file: function_file(a, env_value) for a in decided.adoptions}
    if decided.adoptions:
        imports_path = project.root / IMPORTS_FILE
        before = imports_path.read_text(encoding="utf-8") if imports_path.is_file() else None
        added = "\n".join(import_blocks(a, env_value) for a in decided.adoptions)
        files[IMPORTS_FILE] = (before.rstrip("\n") + "\n\n" if before else IMPORTS_HEADER + "\n") + added
    if options.dry_run or not decided.adoptions:
        return Adopted(decided, env.name, env_value, files, written=False)
    _write(project, files, before)
    return Adopted(decided, env.name, env_value, files, written=True)


def _write(project: Project, files: dict[str, str], imports_before: str | None) -> None:
    """imports.tf (which may exist) by an atomic replace, then the new function files all
    or none; when those fail, imports.tf gets its old bytes back."""
    imports_path = project.root / IMPORTS_FILE
    atomic_write(imports_path, files[IMPORTS_FILE].encode())
    try:
        create_all(project.root, {rel: text for rel, text in files.items() if rel != IMPORTS_FILE})
    except BaseException:
        if imports_before is None:
            imports_path.unlink(missing_ok=True)
        else:
            atomic_write(imports_path, imports_before.encode())
        raise
