"""`validate`: the real terraform/ tree through Terraform itself, offline.

A copy of terraform/ (the built package linked, not copied) is initialised with
a local backend (an override file replaces the S3 one), then `terraform plan`
(which validates the configuration first) runs with the environment's tfvars against the
stand-in AWS provider, which serves the real provider's schema. Terraform's own
messages say what is wrong, with file and line.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..cache import cache_root
from ..errors import ProjectError, ReleaseError, TerraformInterrupted, UsageError
from ..progress import Reporter
from ..project import Project
from . import runner
from .standin import mirror

OVERRIDE = "zz_build_pkg_local_backend_override.tf"
_SKIP = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*", ".release", "state", "*.zip", "images")


@dataclass(frozen=True)
class Validated:
    tree: Path  # the working copy, kept for `apply` and a second plan
    changes: bool  # the plan has changes
    environment: dict  # what points Terraform at the stand-in (for more commands in `tree`)
    summary: dict | None = None  # resources by planned action, when asked for


def prepare(project: Project, work: Path) -> tuple[Path, dict]:
    """A working copy of the tree and the environment that points Terraform at the stand-in."""
    if not project.terraform_dir.is_dir():
        raise ProjectError(f"{project.rel(project.terraform_dir)}/ not found: create the Terraform tree first")
    missing = [p for p in (project.package_path,) if not p.is_file()]
    if missing:
        raise ProjectError(f"{project.rel(missing[0])} not found: run `build-pkg.py build` first "
                           "(the tree hashes the package)")
    tree = work / "terraform"
    shutil.copytree(project.terraform_dir, tree, ignore=_SKIP)
    for package in project.terraform_dir.glob("*.zip"):
        (tree / package.name).symlink_to(package)
    (tree / OVERRIDE).write_text(
        '# Written by build-pkg.py validate: a local backend for an offline plan.\n'
        f'terraform {{\n  backend "local" {{\n    path = "{work / "terraform.tfstate"}"\n  }}\n}}\n')
    config = mirror.install(cache_root() / "standin-aws")
    return tree, {**mirror.environment(config), "TF_DATA_DIR": str(work / ".terraform")}


def validate(project: Project, env: str, report: Reporter, work: Path | None = None,
             summarize: bool = False) -> Validated:
    """Validate and plan in `work` (kept, for a test to apply), or in a temporary folder;
    with `summarize`, count the plan's resources by action (terraform show -json)."""
    if work is None:
        with tempfile.TemporaryDirectory(prefix="build-pkg-validate-") as folder:
            return _validate(project, env, report, Path(folder), summarize)
    return _validate(project, env, report, work, summarize)


def _validate(project: Project, env: str, report: Reporter, work: Path, summarize: bool) -> Validated:
    var_file = project.terraform_dir / "env" / f"{env}.tfvars"
    if not var_file.is_file():
        known = sorted(p.stem for p in (project.terraform_dir / "env").glob("*.tfvars"))
        raise UsageError(f"{project.rel(var_file)} not found; pass --env with one of terraform/env/*.tfvars "
                         f"({', '.join(known) or 'there are none'})")
    _refuse_orphans(project)
    tree, extra = prepare(project, work)
    report.step(f"validate: terraform init and plan (which validates) of {project.rel(project.terraform_dir)}/ "
                f"with env/{env}.tfvars against the stand-in AWS provider")
    # The tree is a scratch copy with the stand-in's mirror: the lock file advice is for neither.
    try:
        runner.run(tree, ["init", "-input=false", "-no-color"], "init", extra_env=extra, report=report,
                   drop=runner.LOCK_ADVICE + runner.MIRROR_CHECKSUMS)
        # No separate `terraform validate`: the plan validates the configuration first, with the
        # same messages, and a second pass costs as much again (16 s at 500 functions).
        code = runner.run(tree, ["plan", "-input=false", "-no-color", "-detailed-exitcode",
                                 f"-var-file=env/{env}.tfvars", "-out=validate.tfplan"], "plan", extra_env=extra,
                          ok_codes=(0, 2), report=report)
    except TerraformInterrupted:
        # A scratch copy with a local state: nothing to save or run again; a Ctrl-C like any other.
        raise KeyboardInterrupt from None
    return Validated(tree, code == 2, extra, plan_summary(tree, extra) if summarize else None)


def _refuse_orphans(project: Project) -> None:
    """A function file whose function is gone would fail the plan with an index error deep in
    the module: say which file, as `check` and `tf --check` do."""
    from ..package.discover import discover
    from .write import status

    orphans = status(project, discover(project.root, project.functions_dir, check_handlers=False)).orphans
    if orphans:
        more = f" (and {len(orphans) - 1} more)" if len(orphans) > 1 else ""
        raise ProjectError(f"{orphans[0]}{more}: its function is gone from functions/; delete the file (or bring the "
                           "function back), as `build-pkg.py check` says")


def plan_summary(tree: Path, extra: dict) -> dict:
    """How many resources the saved plan creates, updates, replaces, deletes and imports."""
    shown = subprocess.run([*runner.command(), f"-chdir={tree}", "show", "-json", "validate.tfplan"],
                           env={**runner.environment(), **extra}, capture_output=True, text=True)
    if shown.returncode != 0:
        raise ReleaseError(f"terraform show of the plan failed: {shown.stderr.strip()[:300]}")
    counts = {"create": 0, "update": 0, "replace": 0, "delete": 0, "import": 0}
    for change in json.loads(shown.stdout).get("resource_changes", []):
        actions = change["change"]["actions"]
        if change["change"].get("importing"):
            counts["import"] += 1
        if "create" in actions and "delete" in actions:
            counts["replace"] += 1
        elif actions in (["create"], ["update"], ["delete"]):
            counts[actions[0]] += 1
    return counts
