"""The real terraform/ tree with images (package_type = "image"), planned and applied by real
Terraform against the stand-in provider: each function deploys `<repository>@<its digest>`,
and after a one-function edit of fifty, Terraform updates that one function alone."""

from __future__ import annotations

import json

from registry_fixtures import push_base
from test_validate import _function_updates, _plan_changes, _planner, _terraform

from build_pkg.infra.validate import validate
from build_pkg.progress import Reporter
from build_pkg.project import Project


def _planned_functions(tree, extra) -> dict[str, dict]:
    shown = _terraform(tree, extra, "show", "-json", "validate.tfplan")
    return {c["address"]: c["change"]["after"] for c in json.loads(shown.stdout)["resource_changes"]
            if c["type"] == "aws_lambda_function"}


def test_at_fifty_image_functions_one_edit_updates_one_function(worker_repo, registry, cli, tmp_path):
    repo = worker_repo
    for i in range(48):
        repo.write(f"functions/lambda_job_{i:02d}.py",
                   f"import json\n\n\ndef handler(event, context):\n    return json.dumps({{'job': {i}}})\n")
    base = push_base(f"{registry}/lambda/python")
    main_tf = repo.root / "terraform" / "main.tf"
    main_tf.write_text(main_tf.read_text().replace('package_type = "zip"', 'package_type = "image"').replace(
        "base_image   = null", f'base_image   = "{base}"'))
    root = str(repo.root)
    assert cli("-C", root, "tf").exit_code == 0
    built = cli("-C", root, "build")
    assert built.exit_code == 0, built.output
    manifest = repo.manifest()
    assert manifest["package_type"] == "image" and len(manifest["functions"]) == 50

    result = validate(Project.at(repo.root), "dev", Reporter(), tmp_path / "apply")
    first = _plan_changes(result.tree, result.environment)
    assert first["aws_ecr_repository.functions[0]"] == ["create"]
    assert first["aws_ecr_lifecycle_policy.functions[0]"] == ["create"]
    job = _planned_functions(result.tree, result.environment)["module.lambda_job_07.aws_lambda_function.this"]
    assert job["package_type"] == "Image"  # image_uri is known once the repository is: after the apply
    assert job["handler"] is None and job["runtime"] is None and job["layers"] == [] and job["filename"] is None
    applied = _terraform(result.tree, result.environment, "apply", "-input=false", "validate.tfplan")
    assert applied.returncode == 0, applied.stderr
    state = (tmp_path / "apply" / "terraform.tfstate").read_bytes()
    uris = {r["module"]: r["instances"][0]["attributes"]["image_uri"] for r in json.loads(state)["resources"]
            if r["type"] == "aws_lambda_function"}
    assert uris["module.lambda_job_07"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker-dev-functions@" + next(
        f["image_digest"] for f in manifest["functions"] if f["name"] == "job_07")
    assert len(set(uris.values())) == 50

    plan_after = _planner(repo, cli, tmp_path, state)
    assert plan_after(lambda: None) == {} and plan_after.changed == set()  # a rebuild moves nothing
    source = repo.root / "functions" / "lambda_job_07.py"
    changes = plan_after(lambda: source.write_text(source.read_text() + "\n# tuned\n"))
    assert _function_updates(changes) == {"lambda_job_07"} and plan_after.changed == {"job_07"}
    assert [a for a in changes if "aws_lambda_function" in a] == ["module.lambda_job_07.aws_lambda_function.this"]
