"""`release` ships only what the team's tests passed: the functions' tests and the closure
check run on the tagged tree before anything is built, asked of AWS or given to Terraform.
AWS is a closed port here, so a release that asked it anything would fail on that instead."""

from __future__ import annotations

import json

import pytest
from builder_support import WorkerRepo
from test_release import commit_and_tag, make_release_repo, release

CLOSED = "http://127.0.0.1:9"


@pytest.fixture
def gated_repo(tmp_path, standin_env, monkeypatch) -> WorkerRepo:
    """The example repository with its own tests, as a git checkout; AWS unreachable."""
    repo = make_release_repo(WorkerRepo(tmp_path / "repo", team_tests=True), standin_env, monkeypatch)
    for key, value in {"AWS_ENDPOINT_URL": CLOSED, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                       "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        monkeypatch.setenv(key, value)
    return repo


def _nothing_built_or_planned(repo: WorkerRepo) -> None:
    terraform = repo.root / "terraform"
    assert not (terraform / "dists.zip").exists() and not (terraform / "dists.manifest.json").exists()
    assert not (terraform / ".terraform").exists()  # no terraform init
    assert not (terraform / ".release").exists()  # no plan, no summary


def test_a_failing_test_stops_the_release_before_anything_is_built(gated_repo, cli):
    test = gated_repo.root / "tests" / "functions" / "test_worker_lib.py"
    test.write_text(test.read_text() + "\n\ndef test_the_rounding_rule():\n    assert round(2.5) == 3\n")
    commit_and_tag(gated_repo, "v1.0.0")
    result = release(cli, gated_repo, "--auto-approve", "--s3-bucket", "artifacts")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: release stopped before building: tests/functions/test_worker_lib.py::test_the_rounding_rule failed "
        "(assert 2 == 3); fix it (`build-pkg.py test` shows the details), or pass --skip-tests REASON"]
    _nothing_built_or_planned(gated_repo)


def test_a_closure_miss_stops_the_release(gated_repo, cli):
    """A function that reads a file its static closure lacks passes its test, and still may not ship."""
    gated_repo.write("functions/api_log_exporter/rates.json", '{"eu": 1}\n')  # another function's folder
    gated_repo.write("functions/lambda_rates.py", "import json, os\n\nHERE = os.path.dirname(__file__)\n\n"
                                                  "def handler(event, context):\n"
                                                  "    name = 'rates' + '.json'  # no literal names the file\n"
                                                  "    with open(os.path.join(HERE, 'api_log_exporter', name)) as f:\n"
                                                  "        return json.load(f)\n")
    gated_repo.write("tests/functions/test_rates.py", "import lambda_rates\n\n\ndef test_rates():\n"
                                                      "    assert lambda_rates.handler({}, None) == {'eu': 1}\n")
    assert cli("-C", str(gated_repo.root), "tf", "rates").exit_code == 0
    commit_and_tag(gated_repo, "v1.0.0")
    result = release(cli, gated_repo, "--auto-approve")
    assert result.exit_code == 1
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert line.startswith("error: release stopped before building: closure misses api_log_exporter/rates.json: rates "
                           "used it at run time, but an edit there would not redeploy rates")
    _nothing_built_or_planned(gated_repo)


def test_skipping_the_tests_needs_a_reason_and_the_summary_keeps_it(gated_repo, cli, aws_env, monkeypatch):
    test = gated_repo.root / "tests" / "functions" / "test_worker_lib.py"
    test.write_text(test.read_text() + "\n\ndef test_flaky():\n    assert False\n")
    commit_and_tag(gated_repo, "v1.0.0")
    empty = release(cli, gated_repo, "--plan-only", "--skip-tests", " ")
    assert empty.exit_code == 2 and "give the reason the tests are skipped" in empty.stderr
    # An option is no reason: `--skip-tests --plan-only` would otherwise release for real.
    option = release(cli, gated_repo, "--skip-tests", "--plan-only")
    assert option.exit_code == 2 and "give the reason the tests are skipped" in option.stderr
    result = release(cli, gated_repo, "--plan-only", "--skip-tests", "INC-42: the test needs the vendor's sandbox")
    assert result.exit_code == 0, result.output
    assert "the functions' tests were not run: INC-42: the test needs the vendor's sandbox" in result.stderr
    out = gated_repo.root / "terraform" / ".release" / "v1.0.0"
    assert json.loads((out / "summary.json").read_text())["tests"] == {
        "ran": False, "reason": "INC-42: the test needs the vendor's sandbox"}
    assert "- tests: SKIPPED (INC-42: the test needs the vendor's sandbox)" in (out / "summary.md").read_text()


def test_a_release_records_the_tests_it_ran(gated_repo, cli, aws_env):
    commit_and_tag(gated_repo, "v1.0.0")
    result = release(cli, gated_repo, "--plan-only")
    assert result.exit_code == 0, result.output
    tests = json.loads((gated_repo.root / "terraform" / ".release" / "v1.0.0" / "summary.json").read_text())["tests"]
    assert tests["ran"] and tests["passed"] == 9 and tests["failed"] == 0 and tests["closure_misses"] == 0
    assert "tests: 9 of 9 passed, no closure miss" in result.stderr


def test_a_file_git_ignores_never_ships_from_a_clean_tagged_tree(gated_repo, cli):
    """The tree is clean and at the tag, yet a file git ignores sits in functions/: the build
    would pack it, and it is not in the tag (nor in CI's clone)."""
    with (gated_repo.root / ".gitignore").open("a") as ignore:
        ignore.write("functions/**/*.local.json\n")
    commit_and_tag(gated_repo, "v1.0.0")
    gated_repo.write("functions/worker_lib/settings.local.json", '{"debug": true}\n')
    result = release(cli, gated_repo, "--plan-only", "--skip-tests", "not the point here")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: functions/worker_lib/settings.local.json is ignored by git, so not in the tag, yet it would be "
        "packaged from this checkout; delete it, or stop ignoring it and commit it")
    _nothing_built_or_planned(gated_repo)
