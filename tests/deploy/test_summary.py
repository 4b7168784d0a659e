"""The release summary's pure parts: which package each function deploys from."""

from build_pkg.deploy.summary import code_objects


def test_a_function_deploys_from_the_package_its_code_first_shipped_in():
    previous = {"functions": [
        {"name": "same", "code_sha256": "a", "object": "s3://bucket/packages/old.zip"},
        {"name": "edited", "code_sha256": "b", "object": "s3://bucket/packages/old.zip"},
        {"name": "elsewhere", "code_sha256": "c", "object": "s3://other/packages/old.zip"},
        {"name": "unrecorded", "code_sha256": "d"},
    ]}
    current = [{"name": "same", "code_sha256": "a"}, {"name": "edited", "code_sha256": "B"},
               {"name": "elsewhere", "code_sha256": "c"}, {"name": "unrecorded", "code_sha256": "d"},
               {"name": "new", "code_sha256": "e"}]
    assert code_objects(current, previous, "bucket", "packages/new.zip") == {
        "same": "packages/old.zip", "edited": "packages/new.zip", "elsewhere": "packages/new.zip",
        "unrecorded": "packages/new.zip", "new": "packages/new.zip"}
    assert set(code_objects(current, None, "bucket", "packages/new.zip").values()) == {"packages/new.zip"}


def test_what_refers_to_a_planned_function_is_planned_with_it():
    from build_pkg.deploy.summary import with_dependents

    files = {
        "terraform/lambda_b.tf": (["module.lambda_b"], 'module "lambda_b" {\n  name = "b"\n}\n'),
        "terraform/lambda_a.tf": (["module.lambda_a"], 'module "lambda_a" {\n  environment = {\n'
                                                       '    B = module.lambda_b.version\n  }\n}\n'),
        "terraform/lambda_c.tf": (["module.lambda_c", "aws_sqs_queue.c"],
                                  'module "lambda_c" {\n  x = module.lambda_a.arn\n}\nresource "aws_sqs_queue" "c" {}\n'),
        "terraform/lambda_bb.tf": (["module.lambda_bb"], 'module "lambda_bb" {\n  y = module.lambda_b_other.arn\n}\n'),
        "terraform/main.tf": (None, "locals {\n  x = 1\n}\n"),
    }
    # b's dependents, and theirs in turn; a longer name that starts the same is not a reference.
    assert with_dependents(["module.lambda_b"], files) == [
        "aws_sqs_queue.c", "module.lambda_a", "module.lambda_b", "module.lambda_c"]
    assert with_dependents(["module.lambda_c"], files) == ["module.lambda_c"]
    files["terraform/outputs.tf"] = (None, 'output "b" {\n  value = module.lambda_b.arn\n}\n')
    assert with_dependents(["module.lambda_b"], files) is None  # a shared file: the whole tree
