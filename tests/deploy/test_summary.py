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



def test_function_files_that_refer_to_each_other_plan_together():
    from build_pkg.infra.tree import related_files

    files = {
        "lambda_b.tf": ({"module.lambda_b", "local.prefix"}, 'module "lambda_b" {\n  p = local.prefix\n}\n'
                                                              'locals {\n  prefix = "v1"\n}\n'),
        "lambda_a.tf": ({"module.lambda_a"}, 'module "lambda_a" {\n  B = module.lambda_b.version\n}\n'),
        "lambda_c.tf": ({"module.lambda_c", "aws_sqs_queue.c"}, 'module "lambda_c" {\n  x = module.lambda_a.arn\n}\n'),
        "lambda_d.tf": ({"module.lambda_d"}, 'module "lambda_d" {\n  p = local.prefix\n}\n'),
        "lambda_bb.tf": ({"module.lambda_bb"}, 'module "lambda_bb" {\n  y = module.lambda_b_other.arn\n}\n'),
        "lambda_e.tf": ({"module.lambda_e", "local.e"}, 'locals {\n  e = 1\n}\n'),
        "lambda_f.tf": ({"module.lambda_f", "local.e"}, 'locals {\n  e = 2\n}\n'),  # a duplicate
        "main.tf": (None, "locals {\n  x = var.region\n}\n"),
    }
    # Both ways, transitively: what b declares is used by a (then c) and d; a name that only
    # starts the same is another; files declaring the same name go together.
    assert related_files({"lambda_c.tf"}, files) == {"lambda_a.tf", "lambda_b.tf", "lambda_c.tf", "lambda_d.tf"}
    assert related_files({"lambda_bb.tf"}, files) == {"lambda_bb.tf"}
    assert related_files({"lambda_e.tf"}, files) == {"lambda_e.tf", "lambda_f.tf"}
    files["outputs.tf"] = (None, 'output "p" {\n  value = local.prefix\n}\n')
    assert related_files({"lambda_a.tf"}, files) is None  # a shared file: the whole tree
