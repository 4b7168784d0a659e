"""`validate` of a larger tree plans groups of functions side by side: what never splits, and
that a grouped run finds what the whole-tree run finds (real Terraform, the stand-in)."""

from __future__ import annotations

import json

import pytest
from builder_support import WorkerRepo, run_build_pkg

from build_pkg.infra.groups import validation_groups


def _file(label: str, body: str = "") -> tuple[set[str], str]:
    return {f"module.{label}"}, f'module "{label}" {{\n  source = "./modules/worker_function"\n{body}}}\n'


@pytest.fixture
def built(worker_repo: WorkerRepo) -> WorkerRepo:
    return worker_repo


def test_related_files_plan_together_and_a_shared_reference_stops_the_split():
    files = {f"lambda_{n}.tf": _file(f"lambda_{n}") for n in "abcdef"}
    files["lambda_b.tf"] = _file("lambda_b", "  x = module.lambda_a.version\n")
    files["lambda_e.tf"] = ({*files["lambda_e.tf"][0], "aws_sqs_queue.jobs"}, files["lambda_e.tf"][1])
    files["lambda_f.tf"] = ({*files["lambda_f.tf"][0], "aws_sqs_queue.jobs"}, files["lambda_f.tf"][1])  # a duplicate
    files["main.tf"] = (None, "locals {\n  a = var.region\n}\n")
    groups = validation_groups(files, 2)
    assert sorted(map(sorted, groups)) == [["lambda_a.tf", "lambda_b.tf"], ["lambda_c.tf", "lambda_d.tf"],
                                            ["lambda_e.tf", "lambda_f.tf"]]
    files["outputs.tf"] = (None, 'output "b" {\n  value = module.lambda_b.arn\n}\n')
    assert validation_groups(files, 2) is None


def test_a_grouped_validate_plans_every_function_and_reports_a_mistake(built):
    for name in ("alpha", "beta", "gamma"):
        built.write(f"functions/lambda_{name}.py", "def handler(event, context):\n    return 1\n")
    assert run_build_pkg("-C", str(built.root), "tf").returncode == 0
    assert run_build_pkg("-C", str(built.root), "build").returncode == 0
    whole = run_build_pkg("-C", str(built.root), "validate", "--json")
    assert whole.returncode == 0, whole.stderr
    grouped = run_build_pkg("-C", str(built.root), "validate", "--json", env={"BUILD_PKG_VALIDATE_GROUP": "2"})
    assert grouped.returncode == 0, grouped.stderr
    assert "in 3 groups of 2 functions or fewer" in grouped.stderr
    assert json.loads(grouped.stdout) == json.loads(whole.stdout)  # the shared resources counted once

    gamma = built.root / "terraform" / "lambda_gamma.tf"
    gamma.write_text(gamma.read_text().replace("memory_size", "memroy_size"))
    broken = run_build_pkg("-C", str(built.root), "validate", env={"BUILD_PKG_VALIDATE_GROUP": "2"})
    assert broken.returncode == 1
    assert 'An argument named "memroy_size" is not expected here.' in broken.stderr
    assert "lambda_gamma.tf" in broken.stderr


def test_a_group_size_that_is_not_a_number_is_one_line(built):
    result = run_build_pkg("-C", str(built.root), "validate", env={"BUILD_PKG_VALIDATE_GROUP": "abc"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: BUILD_PKG_VALIDATE_GROUP=abc: give a number of functions per plan, 1 or more (default 50), or unset it")
