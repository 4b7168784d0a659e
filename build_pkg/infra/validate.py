"""`validate`: the real terraform/ tree through Terraform itself, offline.

A copy of terraform/ (the built package linked, not copied) is initialised with
a local backend (an override file replaces the S3 one), then `terraform plan`
(which validates the configuration first) runs with the environment's tfvars against the
stand-in AWS provider, which serves the real provider's schema. Terraform's own
messages say what is wrong, with file and line.
"""

from __future__ import annotations

import json
import os
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
from ..package.discover import FLAT_PREFIX
from .standin import mirror

OVERRIDE = "zz_build_pkg_local_backend_override.tf"
_SKIP = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*", ".release", "state", "*.zip", "images")


@dataclass(frozen=True)
class Validated:
    tree: Path  # the working copy, kept for `apply` and a second plan
    changes: bool  # the plan has changes
    environment: dict  # what points Terraform at the stand-in (for more commands in `tree`)
    summary: dict | None = None  # resources by planned action, when asked for


def prepare(project: Project, work: Path, functions: set[str] | None = None, at_once: int = 1) -> tuple[Path, dict]:
    """A working copy of the tree and the environment that points Terraform at the stand-in
    (with Go's collector tuned for `at_once` plans side by side); with `functions`, only
    those function files (lambda_*.tf) beside the shared ones."""
    if not project.terraform_dir.is_dir():
        raise ProjectError(f"{project.rel(project.terraform_dir)}/ not found: create the Terraform tree first")
    missing = [p for p in (project.package_path,) if not p.is_file()]
    if missing:
        raise ProjectError(f"{project.rel(missing[0])} not found: run `build-pkg.py build` first "
                           "(the tree hashes the package)")
    tree = work / "terraform"

    def ignore(folder: str, names: list[str]) -> set[str]:
        left_out = set(_SKIP(folder, names))
        if functions is not None and Path(folder) == project.terraform_dir:
            left_out |= {n for n in names if n.startswith(FLAT_PREFIX) and n.endswith(".tf") and n not in functions}
        return left_out

    shutil.copytree(project.terraform_dir, tree, ignore=ignore)
    for package in project.terraform_dir.glob("*.zip"):
        (tree / package.name).symlink_to(package)
    (tree / OVERRIDE).write_text(
        '# Written by build-pkg.py validate: a local backend for an offline plan.\n'
        f'terraform {{\n  backend "local" {{\n    path = "{work / "terraform.tfstate"}"\n  }}\n}}\n')
    config = mirror.install(cache_root() / "standin-aws")
    return tree, {**mirror.environment(config), "TF_DATA_DIR": str(work / ".terraform"),
                  **runner.go_memory(at_once)}


# Functions per plan: Terraform's cost of one plan grows faster than the functions in it
# (15.5 s at 200, 57 s at 500 against the stand-in), so a larger tree is planned in groups
# of about this many, side by side (see groups.py for what is never split). At 500 functions
# on 2 CPUs (bench.py --only validate --functions 500): 24.8 s in groups of 50 or of 100,
# 37.4 s in one plan; with Go's default collector, 34.8 s in groups of 50, 55.0 s in one plan.
GROUP_SIZE = 50
GROUP_SIZE_VARIABLE = "BUILD_PKG_VALIDATE_GROUP"  # another size, for a machine with more CPUs


@dataclass(frozen=True)
class GroupsValidated:
    """A tree planned in groups: each group's working copy is gone with its folder."""
    groups: int
    changes: bool
    summary: dict | None = None


def validate(project: Project, env: str, report: Reporter, work: Path | None = None,
             summarize: bool = False, group_size: int = GROUP_SIZE):
    """Validate and plan in `work` (kept, for a test to apply: the whole tree in one), or in a
    temporary folder, in groups of about `group_size` functions when there are more; with
    `summarize`, count the plan's resources by action (terraform show -json)."""
    _check_env(project, env)
    _refuse_orphans(project)
    if work is not None:
        return _validate(project, env, report, work, summarize)
    with tempfile.TemporaryDirectory(prefix="build-pkg-validate-") as folder:
        groups = _groups(project, _group_size(group_size))
        if groups is None:
            return _validate(project, env, report, Path(folder), summarize)
        return _validate_groups(project, env, report, Path(folder), summarize, groups)


def _group_size(default: int) -> int:
    raw = os.environ.get(GROUP_SIZE_VARIABLE) or ""
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise UsageError(f"{GROUP_SIZE_VARIABLE}={raw}: give a number of functions per plan, 1 or more "
                         f"(default {default}), or unset it")
    return int(raw)


def _check_env(project: Project, env: str) -> None:
    var_file = project.terraform_dir / "env" / f"{env}.tfvars"
    if not var_file.is_file():
        known = sorted(p.stem for p in (project.terraform_dir / "env").glob("*.tfvars"))
        raise UsageError(f"{project.rel(var_file)} not found; pass --env with one of terraform/env/*.tfvars "
                         f"({', '.join(known) or 'there are none'})")


def _groups(project: Project, size: int) -> list[list[str]] | None:
    """The function files in groups, or None for one plan of the whole tree (a small tree, a
    file that does not parse, files that cannot be planned apart)."""
    from .groups import validation_groups
    from .tree import link_inputs, parse_tree

    function_files = list(project.terraform_dir.glob(f"{FLAT_PREFIX}*.tf"))
    if len(function_files) <= size:
        return None
    tree = parse_tree(project)
    if tree.unparsed:
        return None  # one plan, whose message names the file and line
    groups = validation_groups(link_inputs(project, tree), size)
    return [[Path(rel).name for rel in group] for group in groups] if groups and len(groups) > 1 else None


def _validate(project: Project, env: str, report: Reporter, work: Path, summarize: bool) -> Validated:
    tree, extra = prepare(project, work)
    report.step(f"validate: terraform init and plan (which validates) of {project.rel(project.terraform_dir)}/ "
                f"with env/{env}.tfvars against the stand-in AWS provider")
    code = _plan(tree, extra, env, report)
    return Validated(tree, code == 2, extra, plan_summary(tree, extra) if summarize else None)


def _plan(tree: Path, extra: dict, env: str, report: Reporter | None) -> int:
    # The tree is a scratch copy with the stand-in's mirror: the lock file advice is for neither.
    try:
        runner.run(tree, ["init", "-input=false", "-no-color"], "init", extra_env=extra, report=report,
                   drop=runner.LOCK_ADVICE + runner.MIRROR_CHECKSUMS)
        # No separate `terraform validate`: the plan validates the configuration first, with the
        # same messages, and a second pass costs as much again (16 s at 500 functions).
        return runner.run(tree, ["plan", "-input=false", "-no-color", "-detailed-exitcode",
                                 f"-var-file=env/{env}.tfvars", "-out=validate.tfplan"], "plan", extra_env=extra,
                          ok_codes=(0, 2), report=report)
    except TerraformInterrupted:
        # A scratch copy with a local state: nothing to save or run again; a Ctrl-C like any other.
        raise KeyboardInterrupt from None


def _validate_groups(project: Project, env: str, report: Reporter, work: Path, summarize: bool,
                     groups: list[list[str]]) -> GroupsValidated:
    """Each group (the shared files and its functions' files) planned in its own copy, as
    many at once as there are CPUs; the first failure is the command's."""
    from concurrent.futures import ThreadPoolExecutor

    at_once = min(os.cpu_count() or 1, len(groups))
    copies = [prepare(project, work / f"group-{number}", set(group), at_once) for number, group in enumerate(groups)]
    report.step(f"validate: terraform init and plan (which validates) of {project.rel(project.terraform_dir)}/ "
                f"with env/{env}.tfvars against the stand-in AWS provider, in {len(groups)} groups of "
                f"{len(groups[0])} functions or fewer, {at_once} at a time")
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        # One output stream for all: whole lines, from whichever group writes (report=None).
        codes = list(pool.map(lambda copy: _plan(copy[0], copy[1], env, None), copies))
    summary = None
    if summarize:
        changes: dict[str, dict] = {}
        for tree, extra in copies:  # the shared resources are in every group's plan: counted once
            changes.update(plan_changes(tree, extra))
        summary = _counts(changes.values())
    return GroupsValidated(len(groups), any(code == 2 for code in codes), summary)


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
    return _counts(plan_changes(tree, extra).values())


def plan_changes(tree: Path, extra: dict) -> dict[str, dict]:
    """The saved plan's change of each resource, by address."""
    shown = subprocess.run([*runner.command(), f"-chdir={tree}", "show", "-json", "validate.tfplan"],
                           env={**runner.environment(), **extra}, capture_output=True, text=True)
    if shown.returncode != 0:
        raise ReleaseError(f"terraform show of the plan failed: {shown.stderr.strip()[:300]}")
    return {change["address"]: change["change"] for change in json.loads(shown.stdout).get("resource_changes", [])}


def _counts(changes) -> dict:
    """Resources by planned action, from their changes (`actions`, `importing`)."""
    counts = {"create": 0, "update": 0, "replace": 0, "delete": 0, "import": 0}
    for change in changes:
        actions = change["actions"]
        if change.get("importing"):
            counts["import"] += 1
        if "create" in actions and "delete" in actions:
            counts["replace"] += 1
        elif actions in (["create"], ["update"], ["delete"]):
            counts[actions[0]] += 1
    return counts
