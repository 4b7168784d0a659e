"""`release`: what the tag-triggered pipeline runs. Verify, build, plan, apply, explain.

Refuses unless HEAD is exactly at a release tag and the tree is clean, the
lock is fresh and `check` passes. Then builds, optionally stores the package in
S3 under its sha256, runs `terraform init` (the environment's backend config),
`plan -out` and `apply` of that very plan, with Terraform's output streamed, and
writes a summary (Markdown and JSON) of which functions this release changes
compared with the previous release's summary.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import ReleaseError
from ..infra import runner
from ..infra.check import check
from ..infra.render import tf_filename
from ..package.build import BuildOptions, build
from ..package.discover import discover
from ..package.inputs import resolve
from ..progress import Reporter, stderr_fd
from ..project import Project
from .artifacts import upload_package
from .policy import check_clean, release_point

SUMMARY_DIR = ".release"  # under terraform/, git-ignored


@dataclass(frozen=True)
class ReleaseOptions:
    env: str | None = None  # default: from the tag
    plan_only: bool = False
    auto_approve: bool = False
    var_files: tuple[str, ...] = ()
    s3_bucket: str | None = None
    previous: Path | None = None  # the previous release's summary JSON


@dataclass
class ReleaseResult:
    summary: dict
    json_path: Path
    markdown_path: Path
    failed: str | None = None  # why, when Terraform failed
    notes: list[str] = field(default_factory=list)


def function_changes(current: list[dict], shared: str, previous: dict | None) -> tuple[list[dict], list[str]]:
    """Per function: added, code changed, configuration changed (or nothing); and the removed names."""
    if previous is None:
        return [{**f, "changes": ["added"]} for f in current], []
    before = {f["name"]: f for f in previous.get("functions", [])}
    shared_changed = previous.get("shared_sha256") != shared
    rows = []
    for function in current:
        old = before.get(function["name"])
        if old is None:
            changes = ["added"]
        else:
            changes = []
            if shared_changed or old.get("code_sha256") != function["code_sha256"]:
                changes.append("code")
            if old.get("tf_sha256") != function["tf_sha256"]:
                changes.append("configuration")
        rows.append({**function, "changes": changes})
    removed = sorted(set(before) - {f["name"] for f in current})
    return rows, removed


def release(project: Project, runtime: str | None, arch: str, options: ReleaseOptions, report: Reporter,
            confirm: Callable[[str], bool] | None = None) -> ReleaseResult:
    point = release_point(project.root)
    check_clean(project.root)
    inputs = resolve(project, runtime, arch)
    inputs.fresh_lock()
    functions = discover(project.root, project.functions_dir, check_handlers=False)
    problems = check(inputs, functions).problems
    if problems:
        raise ReleaseError(f"check found {len(problems)} problem(s), first: {problems[0]}; run `build-pkg.py check`")
    env = options.env or point.environment
    tf_dir = project.terraform_dir
    var_file, backend = tf_dir / "env" / f"{env}.tfvars", tf_dir / "env" / f"{env}.backend.hcl"
    for needed in (var_file, backend):
        if not needed.is_file():
            raise ReleaseError(f"{project.rel(needed)} not found; add it for environment {env!r} or pass --env")
    previous = _read_previous(options.previous)

    report.step(f"release {point.tag} ({point.commit[:12]}) to {env}")
    manifest = build(inputs, BuildOptions(), report, functions).manifest
    stored = None
    if options.s3_bucket:
        stored = upload_package(project.package_path, manifest["sha256"], options.s3_bucket)
        report.step(f"package {'uploaded to' if stored.uploaded else 'already in'} s3://{stored.bucket}/{stored.key}")

    out_dir = tf_dir / SUMMARY_DIR / point.tag
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = out_dir / "release.tfplan"
    functions = [{
        "name": f["name"], "handler": f["handler"], "code_sha256": f["code_sha256"],
        "tf_sha256": _sha256(tf_dir / tf_filename(f["name"])),
    } for f in manifest["functions"]]
    rows, removed = function_changes(functions, manifest["shared_sha256"], previous)
    summary = {
        "tag": point.tag, "commit": point.commit, "environment": env,
        "package": {"filebase64sha256": manifest["filebase64sha256"], "sha256": manifest["sha256"],
                    "zipped_bytes": manifest["zipped_bytes"],
                    "s3": f"s3://{stored.bucket}/{stored.key}" if stored else None},
        "runtime": manifest["runtime"], "arch": manifest["arch"],
        "previous": previous.get("tag") if previous else None,
        "functions": rows, "removed": removed, "shared_sha256": manifest["shared_sha256"],
        "plan_only": options.plan_only, "status": "planned",
    }

    failed = None
    try:
        _terraform(tf_dir, ["init", "-input=false", f"-backend-config=env/{env}.backend.hcl"], "init")
        plan_args = ["plan", "-input=false", f"-var-file=env/{env}.tfvars", f"-out={plan}"]
        plan_args += [f"-var-file={Path(v).resolve()}" for v in options.var_files]
        if stored:
            plan_args += [f"-var=package_s3_bucket={stored.bucket}", f"-var=package_s3_key={stored.key}"]
        _terraform(tf_dir, plan_args, "plan")
        if not options.plan_only:
            if not options.auto_approve and not (confirm and confirm(f"Apply this plan to {env}?")):
                raise ReleaseError("apply not approved; rerun with --auto-approve, or --plan-only to stop after the plan")
            _terraform(tf_dir, ["apply", "-input=false", str(plan)], "apply")
            summary["status"] = "applied"
    except ReleaseError as exc:
        failed = str(exc)
        summary["status"] = "failed"
        summary["error"] = failed
    json_path, markdown_path = out_dir / "summary.json", out_dir / "summary.md"
    json_path.write_text(json.dumps(summary, indent=2) + "\n")
    markdown_path.write_text(render_markdown(summary))
    result = ReleaseResult(summary, json_path, markdown_path, failed)
    if stored and summary["status"] == "applied":
        _store_summary(options.s3_bucket, env, point.tag, json_path)
    return result


def _terraform(tf_dir: Path, args: list[str], step: str) -> None:
    # Terraform's own output is progress: it goes to stderr as it comes; stdout stays for results.
    proc = subprocess.run([*runner.command(), f"-chdir={tf_dir}", *args], env=runner.environment(),
                          stdout=stderr_fd(), stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise ReleaseError(f"terraform {step} failed (exit {proc.returncode}); see its output above")


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _read_previous(path: Path | None) -> dict | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise ReleaseError(f"{path}: cannot read the previous release summary ({exc.strerror})") from None
    except ValueError as exc:
        raise ReleaseError(f"{path}: the previous release summary is not JSON ({exc})") from None
    if not isinstance(data, dict) or "functions" not in data:
        raise ReleaseError(f"{path}: not a release summary (no 'functions'); pass a summary.json of a release")
    return data


def _store_summary(bucket: str, env: str, tag: str, path: Path) -> None:
    import boto3

    s3 = boto3.client("s3")
    for key in (f"releases/{env}/{tag}.json", f"releases/{env}/latest.json"):
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType="application/json")


def render_markdown(summary: dict) -> str:
    package = summary["package"]
    lines = [
        f"# Release {summary['tag']} to {summary['environment']}: {summary['status']}",
        "",
        f"- commit: `{summary['commit']}`",
        f"- package: `{package['filebase64sha256']}` ({package['zipped_bytes']:,} bytes)"
        + (f", {package['s3']}" if package.get("s3") else ""),
        f"- runtime: {summary['runtime']} {summary['arch']}",
        f"- compared with: {summary['previous'] or 'nothing (first release)'}",
    ]
    if summary.get("error"):
        lines.append(f"- error: {summary['error']}")
    lines += ["", "| function | change |", "|---|---|"]
    for row in summary["functions"]:
        lines.append(f"| {row['name']} | {', '.join(row['changes']) or 'unchanged'} |")
    for name in summary["removed"]:
        lines.append(f"| {name} | removed |")
    return "\n".join(lines) + "\n"
