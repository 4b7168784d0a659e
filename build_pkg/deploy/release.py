"""`release`: what the tag-triggered pipeline runs. Verify, build, plan, apply, explain.

Refuses unless HEAD is exactly at a release tag and the tree is clean, the
lock is fresh and `check` passes; then runs the functions' tests with the closure
check (a failure stops it before anything is built or asked of AWS). Then builds, optionally stores the package in
S3 under its sha256, runs `terraform init` (the environment's backend config),
`plan -out` and `apply` of that very plan, with Terraform's output streamed, and
writes a summary (Markdown and JSON) of which functions this release changes
compared with the previous release's summary.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import aws
from ..api.openapi import OPENAPI_NAME
from ..errors import ReleaseError
from ..fsutil import atomic_write
from ..infra import runner
from ..infra.check import check
from ..infra.environments import read as read_environments
from ..infra.render import MODULE_DIR, tf_filename
from ..infra.tree import link_inputs, parse_tree, related_files
from ..image.build import ImageOptions
from ..package.build import BuildOptions
from ..package.discover import FLAT_PREFIX, discover
from ..package.inputs import Inputs
from ..package.sources import walk_functions
from ..pipeline.run import build
from ..progress import Reporter
from ..project import Project
from . import guards
from .artifacts import (attempt_key, fetch_latest_summary, missing_objects, store_attempt, store_summary,
                        upload_package)
from .policy import check_clean, check_nothing_ignored_ships, release_point
from .slim import slim_root
from .summary import code_objects, function_changes, parse_previous, plan_scope, render_markdown

SUMMARY_DIR = ".release"  # under terraform/, git-ignored


@dataclass(frozen=True)
class ReleaseOptions:
    env: str | None = None  # default: from the tag
    plan_only: bool = False
    auto_approve: bool = False
    var_files: tuple[str, ...] = ()
    s3_bucket: str | None = None
    previous: Path | None = None  # the previous release's summary JSON; default: from S3
    allow_roll_forward: bool = False  # apply although a rolled-back function would move forward
    code_only: bool = False  # deploy the changed functions' code with the Lambda API, no Terraform
    repository: str | None = None  # images: where to push them; default the environment's ECR repository
    skip_tests: str | None = None  # why the functions' tests are not run (None: they are)
    whole_tree: bool = False  # plan every function, not only those that changed since the previous release


@dataclass
class ReleaseResult:
    summary: dict
    json_path: Path
    markdown_path: Path
    failed: str | None = None  # why, when Terraform failed
    code_only: object | None = None  # the CodeOnlyResult of a code-only release


def release(inputs: Inputs, options: ReleaseOptions, report: Reporter,
            confirm: Callable[[str], bool] | None = None) -> ReleaseResult:
    project = inputs.project
    point = release_point(project.root)
    check_clean(project.root)
    check_nothing_ignored_ships(project.root, [f.arcname for f in walk_functions(project.functions_dir,
                                                                                  project.root).files])
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
    report.step(f"release {point.tag} ({point.commit[:12]}) to {env}" + (" (code only)" if options.code_only else ""))
    tests = _tested(project, options, report)  # before anything is built for, or asked of, AWS
    previous = _previous(options, env, report)
    manifest = build(inputs, BuildOptions(), ImageOptions(), report, functions).manifest
    out_dir = tf_dir / SUMMARY_DIR / point.tag
    if options.code_only:
        from .code_release import CodeOnlyOptions, deploy_code, write_summary

        done = deploy_code(project, inputs, manifest, CodeOnlyOptions(env, options.repository, options.s3_bucket,
                                                                     options.allow_roll_forward),
                           report)
        out_dir.mkdir(parents=True, exist_ok=True)
        path = write_summary(out_dir, point.tag, point.commit, done, tests)
        return ReleaseResult({"tag": point.tag, "environment": env, "status": "applied", "mode": "code-only"},
                             path, path, code_only=done)
    stored = layer_stored = None
    objects: dict[str, str] = {}
    if options.s3_bucket:
        stored = upload_package(project.package_path, manifest["sha256"], options.s3_bucket)
        report.step(f"package {'uploaded to' if stored.uploaded else 'already in'} s3://{stored.bucket}/{stored.key}")
        objects = _code_objects(stored, manifest["functions"], previous, report)
        if manifest.get("layer"):
            layer_stored = upload_package(project.layer_path, manifest["layer"]["content_sha256"], options.s3_bucket,
                                          prefix="layers")
            report.step(f"layer {'uploaded to' if layer_stored.uploaded else 'already in'} "
                        f"s3://{layer_stored.bucket}/{layer_stored.key}")

    out_dir.mkdir(parents=True, exist_ok=True)
    plan = out_dir / "release.tfplan"
    tree = parse_tree(project)
    current = [{
        "name": f["name"], "handler": f["handler"], "code_sha256": f["code_sha256"],
        **({"image_digest": f["image_digest"]} if f.get("image_digest") else {}),
        "tf_sha256": _sha256(tf_dir / tf_filename(f["name"])),
        **({"object": f"s3://{stored.bucket}/{objects[f['name']]}"} if stored else {}),
        "addresses": tree.addresses(f"terraform/{tf_filename(f['name'])}"),
    } for f in manifest["functions"]]
    shared_config = shared_config_digest(tf_dir, env)
    rows, removed = function_changes(current, shared_config, previous)
    inputs_now = {"shared_config_sha256": shared_config, "openapi_sha256": _sha256(tf_dir / OPENAPI_NAME),
                  "layer_sha256": (manifest.get("layer") or {}).get("content_sha256"),
                  "var_files_sha256": _files_digest([Path(v) for v in options.var_files]),
                  "package_bucket": stored.bucket if stored else None}
    targets, why = (None, "--whole-tree") if options.whole_tree else plan_scope(rows, removed, previous, inputs_now)
    unfinished = _unfinished_attempt(options, env, previous)
    if targets is not None and unfinished:
        targets, why = None, unfinished
    keep: set[str] = set()
    if targets:
        # The planned functions' files, and every function file related to them (one refers
        # to what the other declares): they change together and plan together.
        files = link_inputs(project, tree)
        planned_files = {f"terraform/{tf_filename(row['name'])}" for row in rows
                         if set(row.get("addresses") or ()) & set(targets)}
        related = related_files(planned_files, files)
        if related is None:
            targets, why = None, "a shared Terraform file refers to what a function file declares"
        else:
            keep = {Path(rel).name for rel in related}
            widened = sorted(set(targets) | {a for rel in related for a in tree.addresses(rel) or ()})
            if widened != targets:
                targets, why = widened, f"{why}, with the function files related to them"
    report.step(f"plan: {'the whole tree' if targets is None else f'{len(targets)} address(es)'} ({why})")
    summary = {
        "tag": point.tag, "commit": point.commit, "environment": env,
        "package": {"filebase64sha256": manifest["filebase64sha256"], "sha256": manifest["sha256"],
                    "zipped_bytes": manifest["zipped_bytes"],
                    "s3": f"s3://{stored.bucket}/{stored.key}" if stored else None},
        "layer": {"filebase64sha256": manifest["layer"]["filebase64sha256"],
                  "zipped_bytes": manifest["layer"]["zipped_bytes"]} if manifest.get("layer") else None,
        "runtime": manifest["runtime"], "arch": manifest["arch"],
        "previous": previous.get("tag") if previous else None,
        "functions": rows, "removed": removed, "tests": tests,
        **inputs_now, "plan_only": options.plan_only, "status": "planned",
        "scope": {"whole_tree": targets is None, "targets": targets, "why": why},
    }

    # What the plan touches is what these checks read: a function outside it keeps its alias,
    # and the REST API stage is planned only with the whole tree.
    planned = [row for row in rows if targets is None or any(a in targets for a in row.get("addresses") or ())]
    deployed = guards.deployed_names(project, env, [row["name"] for row in planned])
    lam = guards.lambda_client(project, env) if deployed else None  # in the environment's region
    aliases = guards.live_aliases(deployed, lam, report) if deployed else {}
    guards.refuse_undoing_a_rollback(planned, aliases, options)
    stage, apigw = guards.api_stage(project, env, report) if targets is None else (None, None)
    guards.refuse_undoing_an_api_pin(planned, aliases, stage, options)

    failed = None
    if targets == []:  # nothing of the tree's inputs moved: Terraform has nothing to do
        report.step(f"terraform: not run, {why}")
        summary["status"] = "planned" if options.plan_only else "applied"
        return _finish(summary, out_dir, stored, env, point.tag, None)
    if stored and not options.plan_only:  # until it ends, the next release plans the whole tree
        store_attempt(stored.bucket, env, json.dumps({"tag": point.tag, "status": "running"}).encode())
    root, data = tf_dir, {}
    if targets is not None:  # only the planned functions' files: Terraform loads what it plans
        root, data = slim_root(tf_dir, keep, out_dir / "root")
        report.step(f"terraform: a working root with the shared files and {len(keep)} function file(s) "
                    f"({project.rel(root)}), the environment's one state")
    try:
        _terraform(root, ["init", "-input=false", f"-backend-config=env/{env}.backend.hcl"], "init", report, data)
        plan_args = ["plan", "-input=false", f"-var-file=env/{env}.tfvars", f"-out={plan}"]
        plan_args += [f"-var-file={Path(v).resolve()}" for v in options.var_files]
        if stored:
            plan_args += [f"-var=package_s3_bucket={stored.bucket}", f"-var=package_s3_key={stored.key}"]
            objects_file = out_dir / "code_objects.tfvars.json"  # 500 functions' keys: too long for -var
            atomic_write(objects_file, json.dumps({"code_objects": objects}, indent=1, sort_keys=True).encode())
            plan_args += [f"-var-file={objects_file.resolve()}"]
            if layer_stored:
                plan_args += [f"-var=layer_s3_key={layer_stored.key}"]
        if manifest.get("package_type") == "image" and not options.plan_only:
            summary["images"] = _push_images(project, env, manifest, options, report, confirm, plan_args)
        plan_args += [f"-target={address}" for address in targets or ()]
        _terraform(root, plan_args, "plan", report, data)
        if not options.plan_only:
            if not options.auto_approve and not (confirm and confirm(f"Apply this plan to {env}?")):
                raise ReleaseError("apply not approved; rerun with --auto-approve, or --plan-only to stop after the plan")
            _terraform(root, ["apply", "-input=false", str(plan)], "apply", report, data)
            summary["status"] = "applied"
            summary["canaries_cleared"] = guards.clear_outlived_canaries(rows, aliases, lam, report)
            summary["api_canary_cleared"] = guards.clear_api_canary(stage, apigw, env, report)
    except ReleaseError as exc:
        failed = str(exc)
        summary["status"] = "failed"
        summary["error"] = failed
    finally:
        if not options.plan_only:
            # A saved plan holds variable values and state in plain text: it lives only as
            # long as the apply that needs it.
            plan.unlink(missing_ok=True)
        if root != tf_dir:
            shutil.rmtree(root, ignore_errors=True)
    return _finish(summary, out_dir, stored, env, point.tag, failed)


def _finish(summary: dict, out_dir: Path, stored, env: str, tag: str, failed: str | None) -> ReleaseResult:
    """The summary in terraform/.release/TAG/, and, once applied, in the bucket as the
    environment's latest: what the next release compares with."""
    json_path, markdown_path = out_dir / "summary.json", out_dir / "summary.md"
    data = (json.dumps(summary, indent=2) + "\n").encode()
    atomic_write(json_path, data)
    atomic_write(markdown_path, render_markdown(summary).encode())
    if stored and summary["status"] == "applied":
        store_summary(stored.bucket, env, tag, data)
    if stored and not summary.get("plan_only"):
        store_attempt(stored.bucket, env, json.dumps({"tag": tag, "status": summary["status"]}).encode())
    return ReleaseResult(summary, json_path, markdown_path, failed)


def _unfinished_attempt(options: ReleaseOptions, env: str, previous: dict | None) -> str | None:
    """Why the whole tree, when the environment's last release attempt (in the bucket) did not
    end applied: a failed or killed apply changed some of what it planned, and comparing with
    the last applied release would skip those (reverted code would stay live)."""
    if not options.s3_bucket:
        return None
    raw = fetch_latest_summary(options.s3_bucket, env, key=attempt_key(env))
    if raw is None:
        return None
    try:
        attempt = json.loads(raw)
    except ValueError:
        return f"s3://{options.s3_bucket}/{attempt_key(env)} is not JSON"
    if attempt.get("status") != "applied" or attempt.get("tag") != (previous or {}).get("tag"):
        return f"the last release attempt ({attempt.get('tag')}) ended {attempt.get('status')}, not applied"
    return None


def _code_objects(stored, functions: list[dict], previous: dict | None, report: Reporter) -> dict[str, str]:
    """Per function, the package object it deploys from (see summary.code_objects); a package
    the previous release named that is gone from the bucket is replaced by this one (the
    function's code is uploaded again, from a zip that has it)."""
    objects = code_objects(functions, previous, stored.bucket, stored.key)
    gone = missing_objects(stored.bucket, set(objects.values()) - {stored.key})
    if gone:
        report.warn(f"s3://{stored.bucket}: {', '.join(sorted(gone))} no longer there; the functions that shipped in "
                    "it deploy from this package")
        objects = {name: stored.key if key in gone else key for name, key in objects.items()}
    kept = sorted(name for name, key in objects.items() if key != stored.key)
    report.step(f"function objects: {len(objects) - len(kept)} deploy from this package, {len(kept)} from the package "
                "their code first shipped in; nothing copied")
    return objects


def _tested(project: Project, options: ReleaseOptions, report: Reporter) -> dict:
    """The functions' tests on the tagged tree, with the closure check failing on a miss (what
    `build-pkg.py test` runs): a failure stops the release. --skip-tests REASON is recorded."""
    from ..testing.run import TESTS_DIR, run_tests

    if options.skip_tests is not None:
        report.warn(f"the functions' tests were not run: {options.skip_tests}")
        return {"ran": False, "reason": options.skip_tests}
    report.step(f"tests: {TESTS_DIR}/ with the closure check")
    outcome = run_tests(project)
    if not outcome.ok:
        raise ReleaseError(f"release stopped before building: {outcome.first_problem()}; fix it (`build-pkg.py "
                           "test` shows the details), or pass --skip-tests REASON")
    ran = outcome.passed + len(outcome.failed)
    report.step(f"tests: {outcome.passed} of {ran} passed, no closure miss ({outcome.seconds:.1f} s)"
                if ran else f"tests: none under {TESTS_DIR}/")
    return {"ran": True, **outcome.summary()}


_REPOSITORY_TARGETS = ("aws_ecr_repository.functions", "aws_ecr_lifecycle_policy.functions",
                       "aws_ecr_repository_policy.functions")


def _push_images(project: Project, env: str, manifest: dict, options: ReleaseOptions, report: Reporter,
                 confirm, plan_args: list[str]) -> dict:
    """Before the plan: the images in the environment's repository (made first, by a targeted
    apply of the repository alone, when this is the first release with images)."""
    from ..image.push import push_images
    from .code_release import default_repository, repository_exists

    repository = options.repository
    if repository is None:
        environment = next((e for e in read_environments(project) if e.name == env), None)
        region = aws.region(None, environment.values if environment else None)
        repository = default_repository(project, env, region)
        if not repository_exists(repository, region):
            question = f"Create the image repository {repository} first (a targeted apply)?"
            if not options.auto_approve and not (confirm and confirm(question)):
                raise ReleaseError("the image repository does not exist yet and its creation was not approved; "
                                   "rerun with --auto-approve")
            targets = [f"-target={t}" for t in _REPOSITORY_TARGETS]
            variables = [a for a in plan_args if a.startswith("-var")]
            _terraform(project.terraform_dir, ["apply", "-input=false", "-auto-approve", *variables, *targets],
                       "apply (image repository)", report)
    pushed = push_images(project, manifest, repository, report)
    return {"repository": repository, **pushed.as_dict()}


def _terraform(tf_dir: Path, args: list[str], step: str, report: Reporter, extra_env: dict | None = None) -> None:
    drop = runner.LOCK_ADVICE if args[0] == "init" and _git_ignores(tf_dir / ".terraform.lock.hcl") else ()
    runner.run(tf_dir, args, step, on_interrupt=report.warn, report=report, drop=drop, extra_env=extra_env)


def _git_ignores(path: Path) -> bool:
    """The repository ignores `path`: Terraform's advice to commit it would mislead."""
    import subprocess

    proc = subprocess.run(["git", "-C", str(path.parent), "check-ignore", "-q", path.name], capture_output=True)
    return proc.returncode == 0


def _previous(options: ReleaseOptions, env: str, report: Reporter) -> dict | None:
    """The summary to compare with: --previous-manifest, else the environment's latest in S3."""
    if options.previous is not None:
        try:
            raw = options.previous.read_bytes()
        except OSError as exc:
            raise ReleaseError(f"{options.previous}: cannot read the previous release summary ({exc.strerror})") from None
        return parse_previous(raw, str(options.previous))
    if options.s3_bucket:
        raw = fetch_latest_summary(options.s3_bucket, env)
        if raw is None:
            report.step(f"no previous release of {env} in s3://{options.s3_bucket}: every function is new")
            return None
        return parse_previous(raw, f"s3://{options.s3_bucket}/releases/{env}/latest.json")
    return None


def shared_config_digest(tf_dir: Path, env: str) -> str:
    """Everything in terraform/ that every function's configuration may depend on: each
    file git tracks there but the functions' own `lambda_*.tf` and the other environments'
    files under env/ (the root's `.tf` and `.tf.json`, the modules, `*.auto.tfvars`, a file a
    `.tf` reads with file(), this environment's tfvars). More than Terraform may need, never
    less: a change here plans the whole tree."""
    import subprocess

    listed = subprocess.run(["git", "-C", str(tf_dir), "ls-files", "-z", "--", "."], capture_output=True, text=True)
    if listed.returncode == 0:  # paths relative to terraform/
        shared = [tf_dir / name for name in listed.stdout.split("\0") if name]
    else:  # not a checkout (release refuses that before; kept for the digest's other callers)
        shared = [p for p in tf_dir.rglob("*") if p.is_file() and ".terraform" not in p.parts]
    digest = hashlib.sha256()
    for path in sorted(set(shared)):
        rel = path.relative_to(tf_dir)
        if len(rel.parts) == 1 and rel.name.startswith(FLAT_PREFIX) and rel.suffix == ".tf":
            continue  # a function's own: its tf_sha256
        if rel.parts[0] == "env" and not rel.name.startswith(f"{env}."):
            continue  # another environment's
        digest.update(rel.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"-")
    return digest.hexdigest()


def _files_digest(paths: list[Path]) -> str | None:
    """The extra var files' contents, in order (None without any)."""
    if not paths:
        return None
    digest = hashlib.sha256()
    for path in paths:
        digest.update(hashlib.sha256(path.read_bytes() if path.is_file() else b"-").digest())
    return digest.hexdigest()


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
