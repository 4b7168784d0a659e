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
