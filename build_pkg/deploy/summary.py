"""The release summary: which functions a release changes, against the previous one. Pure."""

from __future__ import annotations

import json

from ..errors import ReleaseError


def function_changes(current: list[dict], shared_config: str | None,
                     previous: dict | None) -> tuple[list[dict], list[str]]:
    """Per function: added, code changed, configuration changed (or nothing); and the removed names.

    A function's code changed when its source_code_hash did (its import closure,
    the dependencies, runtime, architecture, handler): exactly what makes
    Terraform update it. Terraform shared by every function (the module, the
    root files, the environment's tfvars) changes every function's configuration.
    """
    if previous is None:
        return [{**f, "changes": ["added"]} for f in current], []
    before = {f["name"]: f for f in previous.get("functions", [])}
    config_changed = previous.get("shared_config_sha256") != shared_config
    rows = []
    for function in current:
        old = before.get(function["name"])
        if old is None:
            changes = ["added"]
        else:
            changes = []
            if old.get("code_sha256") != function["code_sha256"] or old.get("image_digest") != function.get(
                    "image_digest"):  # an image's digest covers its base too
                changes.append("code")
            if config_changed or old.get("tf_sha256") != function["tf_sha256"]:
                changes.append("configuration")
        rows.append({**function, "changes": changes})
    removed = sorted(set(before) - {f["name"] for f in current})
    return rows, removed


SCOPE_INPUTS = ("shared_config_sha256", "openapi_sha256", "layer_sha256", "var_files_sha256", "package_bucket")


def plan_scope(rows: list[dict], removed: list[str], previous: dict | None,
               inputs: dict[str, str | None]) -> tuple[list[str] | None, str]:
    """What a release plans: None for the whole tree, with why; else the addresses of the
    functions that changed (their .tf's module calls and resources, now and as the previous
    release recorded them, so a resource taken out of a .tf, or a deleted function's, is
    destroyed), with why. The whole tree whenever something every function shares moved
    (`inputs`: the module, root files and tfvars; the REST API's document; the dependency
    layer; extra var files) or the previous record cannot say what a function had: more
    work when unsure, never less."""
    if previous is None:
        return None, "no previous release to compare with"
    if previous.get("status", "applied") != "applied":  # a plan-only or failed one: not what is deployed
        return None, f"the previous summary ({previous.get('tag')}) was {previous.get('status')}, not applied"
    for key in SCOPE_INPUTS:
        if previous.get(key, "-") != inputs.get(key):
            return None, f"{key.removesuffix('_sha256').replace('_', ' ')} changed since {previous.get('tag')}"
    before = {f["name"]: f for f in previous.get("functions", [])}
    # A function whose package object moved (the one it shipped in is gone) is uploaded anew.
    moved = [row for row in rows if row["name"] in before and row.get("object") != before[row["name"]].get("object")]
    planned = [row for row in rows if row["changes"] or row in moved]
    targets: set[str] = set()
    for name, now in [(row["name"], row.get("addresses")) for row in planned] + [(name, []) for name in removed]:
        old = before.get(name)
        if now is None or (old is not None and not isinstance(old.get("addresses"), list)):
            return None, f"{name}'s Terraform resources are not known (its .tf does not parse, or an older record)"
        targets |= set(now) | set((old or {}).get("addresses") or [])
    if not targets:
        return [], f"no function changed since {previous.get('tag')}"
    changed = len(planned) + len(removed)
    return sorted(targets), f"{changed} function(s) changed since {previous.get('tag')}"


def code_objects(current: list[dict], previous: dict | None, bucket: str, package_key: str) -> dict[str, str]:
    """Per function, the key in `bucket` of the package it deploys from: the one its code
    first shipped in, as the previous release recorded it, when its code is the same (by
    its identity); else this release's package. Nothing is copied for anyone, and an
    unchanged function's s3_key stays put."""
    before = {f["name"]: f for f in (previous or {}).get("functions", [])}
    objects = {}
    for function in current:
        old = before.get(function["name"]) or {}
        recorded = old.get("object") or ""
        same_code = old.get("code_sha256") == function["code_sha256"] and not function.get("image_digest")
        if same_code and recorded.startswith(f"s3://{bucket}/"):
            objects[function["name"]] = recorded.removeprefix(f"s3://{bucket}/")
        else:
            objects[function["name"]] = package_key
    return objects


def parse_previous(raw: bytes, shown: str) -> dict:
    """A previous release's summary.json; ReleaseError naming `shown` when it is not one."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ReleaseError(f"{shown}: the previous release summary is not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("functions"), list):
        raise ReleaseError(f"{shown}: not a release summary (no 'functions'); pass a summary.json of a release")
    return data


def render_markdown(summary: dict) -> str:
    package = summary["package"]
    lines = [
        f"# Release {summary['tag']} to {summary['environment']}: {summary['status']}",
        "",
        f"- commit: `{summary['commit']}`",
        f"- package: `{package['filebase64sha256']}` ({package['zipped_bytes']:,} bytes)"
        + (f", {package['s3']}" if package.get("s3") else ""),
        *([f"- dependency layer: `{summary['layer']['filebase64sha256']}` ({summary['layer']['zipped_bytes']:,} bytes)"]
          if summary.get("layer") else []),
        *([f"- images: {len(summary['images']['manifests'])} pushed to {summary['images']['repository']} "
           f"({summary['images']['bytes_sent']:,} bytes; {summary['images']['present']} blobs already there)"]
          if summary.get("images") else []),
        f"- runtime: {summary['runtime']} {summary['arch']}",
        f"- compared with: {summary['previous'] or 'nothing (first release)'}",
        f"- tests: {_tests_line(summary.get('tests'))}",
        *([f"- planned: {_scope_line(summary['scope'])}"] if summary.get("scope") else []),
    ]
    if summary.get("error"):
        lines.append(f"- error: {summary['error']}")
    lines += ["", "| function | change |", "|---|---|"]
    for row in summary["functions"]:
        lines.append(f"| {row['name']} | {', '.join(row['changes']) or 'unchanged'} |")
    for name in summary["removed"]:
        lines.append(f"| {name} | removed |")
    return "\n".join(lines) + "\n"


def _tests_line(tests: dict | None) -> str:
    if not tests:
        return "not recorded"
    if not tests.get("ran"):
        return f"SKIPPED ({tests.get('reason')})"
    return (f"{tests['passed']} passed, {tests.get('skipped', 0)} skipped, no closure miss "
            f"({tests.get('seconds', 0)} s)")


def _scope_line(scope: dict) -> str:
    if scope.get("whole_tree"):
        return f"the whole tree ({scope.get('why')})"
    if not scope.get("targets"):
        return f"nothing, Terraform not run ({scope.get('why')})"
    return f"{len(scope['targets'])} address(es) ({scope.get('why')})"
