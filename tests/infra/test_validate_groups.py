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


def _groups_of(tmp_path, texts: dict[str, str]):
    """validation_groups of a terraform/ folder holding `texts` (file name -> text), one
    function per group unless files must plan together."""
    from build_pkg.infra.tree import link_inputs, parse_tree
    from build_pkg.project import Project

    (tmp_path / "terraform").mkdir(exist_ok=True)
    for name, text in texts.items():
        (tmp_path / "terraform" / name).write_text(text)
    project = Project(tmp_path)
    groups = validation_groups(link_inputs(project, parse_tree(project)), 1)
    return None if groups is None else sorted(sorted(n.removeprefix("terraform/") for n in g) for g in groups)


MOVED_CONFLICT = ('moved {\n  from = module.old\n  to   = module.lambda_a\n}\n',
                  'moved {\n  from = module.old\n  to   = module.lambda_b\n}\n')


@pytest.mark.parametrize("a, b", [
    ('output "dup" {\n  value = 1\n}\n', 'output "dup" {\n  value = 2\n}\n'),  # a duplicate Terraform refuses
    ('check "health" {\n  assert {\n    condition     = true\n    error_message = "x"\n  }\n}\n',
     'check "health" {\n  assert {\n    condition     = true\n    error_message = "y"\n  }\n}\n'),
    MOVED_CONFLICT,  # two moves of one address
    ('moved {\n  from = module.p\n  to   = module.q\n}\n', 'moved {\n  from = module.q\n  to   = module.p\n}\n'),
    ('provider "aws" {\n  alias  = "east"\n  region = "us-east-1"\n}\n',
     'resource "aws_sqs_queue" "q" {\n  provider = aws.east\n}\n'),  # a provider declared in another file
    ('locals {\n  x = 1\n}\n', 'locals {\n  y = local . x\n}\n'),  # HCL allows spaces around the dots
    ('provider "random" {}\n', 'provider "random" {}\n'),  # two unaliased configurations of one provider
], ids=["output", "check", "moved-twice", "moved-cycle", "provider-alias", "spaced-reference", "provider-twice"])
def test_files_that_terraform_must_see_together_plan_together(tmp_path, a, b):
    assert _groups_of(tmp_path, {"lambda_a.tf": a, "lambda_b.tf": b, "lambda_c.tf": ""}) == [
        ["lambda_a.tf", "lambda_b.tf"], ["lambda_c.tf"]]


def test_data_sources_of_one_type_but_different_names_plan_apart(tmp_path):
    policy = 'data "aws_iam_policy_document" "{}" {{\n}}\n'
    texts = {f"lambda_{n}.tf": policy.format(n) for n in "abc"}
    texts["lambda_c.tf"] += 'locals {\n  p = data.aws_iam_policy_document.a.json\n}\n'
    assert _groups_of(tmp_path, texts) == [["lambda_a.tf", "lambda_c.tf"], ["lambda_b.tf"]]


@pytest.mark.parametrize("name, text", [
    ("main_override.tf", 'module "lambda_a" {\n  memory_size = 256\n}\n'),  # overrides a function's call
    ("dev_override.tf", 'module lambda_a {\n  memory_size = 256\n}\n'),  # its label bare, as HCL allows
    ("extra.tf.json", '{"output": {"v": {"value": "${module.lambda_a.version}"}}}'),  # read, never parsed
    ("locals_override.tf", 'locals {\n  prefix = "x"\n}\n'),  # its names are inside the block
])
def test_an_override_file_or_a_json_file_that_refers_to_a_function_plans_the_whole_tree(tmp_path, name, text):
    calls = {f"lambda_{n}.tf": _file(f"lambda_{n}")[1] for n in "ab"}
    assert _groups_of(tmp_path, calls) == [["lambda_a.tf"], ["lambda_b.tf"]]
    (tmp_path / "terraform" / name).write_text(text)
    assert _groups_of(tmp_path, {}) is None


def test_a_grouped_validate_fails_where_the_whole_tree_fails(built):
    """Two function files declaring one output: Terraform refuses the duplicate, and a grouped
    validate must not plan them apart and pass."""
    for name in ("alpha", "beta", "gamma"):
        built.write(f"functions/lambda_{name}.py", "def handler(event, context):\n    return 1\n")
    assert run_build_pkg("-C", str(built.root), "tf").returncode == 0
    assert run_build_pkg("-C", str(built.root), "build").returncode == 0
    for name in ("alpha", "gamma"):
        path = built.root / "terraform" / f"lambda_{name}.tf"
        path.write_text(path.read_text() + 'output "dup" {\n  value = 1\n}\n')
    grouped = run_build_pkg("-C", str(built.root), "validate", env={"BUILD_PKG_VALIDATE_GROUP": "2"})
    assert grouped.returncode == 1, grouped.stderr
    assert "Duplicate output definition" in grouped.stderr


def test_a_backend_override_overrides_nothing_a_function_declares(tmp_path):
    calls = {f"lambda_{n}.tf": _file(f"lambda_{n}")[1] for n in "ab"}
    calls["backend_override.tf"] = 'terraform {\n  backend "local" {\n    path = "x.tfstate"\n  }\n}\n'
    assert _groups_of(tmp_path, calls) == [["lambda_a.tf"], ["lambda_b.tf"]]
