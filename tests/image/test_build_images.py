"""`build --image` end to end: a worker repo built into one image per function on a base the
test pushes to a real registry, pushed with `--push`, and read back by skopeo and umoci."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from builder_support import run_build_pkg
from registry_fixtures import push_base

BYE = "import six\n\n\ndef handler(event, context):\n    return 'bye'\n"


@pytest.fixture
def image_repo(small_repo):
    small_repo.write("functions/lambda_bye.py", BYE)
    return small_repo


def _digests(repo) -> dict[str, str]:
    return {f["name"]: f["image_digest"] for f in repo.manifest()["functions"]}


def _skopeo(*args: str) -> str:
    return subprocess.run(["skopeo", *args], check=True, capture_output=True, text=True).stdout


def test_build_image_push_and_read_back(image_repo, registry, cli, tmp_path):
    base = push_base(f"{registry}/lambda/python")
    root = str(image_repo.root)
    result = cli("-C", root, "build", "--image", "--base-image", base, "--push", f"{registry}/worker", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["package_type"] == "image" and out["pushed"]["mounted"]  # the base is in the same registry
    digests = _digests(image_repo)
    assert set(digests) == {"hello", "bye"} and all(d.startswith("sha256:") for d in digests.values())

    ref = f"docker://{registry}/worker@{digests['bye']}"
    raw = json.loads(_skopeo("inspect", "--tls-verify=false", "--raw", ref))
    assert raw["mediaType"] == "application/vnd.oci.image.manifest.v1+json" and "manifests" not in raw
    assert len(raw["layers"]) == 3  # the base's, the dependencies' (shared), bye's own code
    hello_raw = json.loads(_skopeo("inspect", "--tls-verify=false", "--raw",
                                   f"docker://{registry}/worker@{digests['hello']}"))
    assert hello_raw["layers"][:2] == raw["layers"][:2] and hello_raw["layers"][2] != raw["layers"][2]
    config = json.loads(_skopeo("inspect", "--tls-verify=false", "--config", ref))
    assert config["config"]["Cmd"] == ["lambda_bye.handler"]
    assert config["config"]["Entrypoint"] == ["/lambda-entrypoint.sh"]
    tags = json.loads(_skopeo("list-tags", "--tls-verify=false", f"docker://{registry}/worker"))["Tags"]
    assert sorted(tags) == sorted(f"{n}.{d[7:23]}" for n, d in digests.items())

    if shutil.which("umoci"):  # what Lambda unpacks: bye's code and six at /var/task, over the base
        _skopeo("copy", "--src-tls-verify=false", ref, f"oci:{tmp_path / 'copy'}:bye")
        subprocess.run(["umoci", "unpack", "--rootless", "--image", f"{tmp_path / 'copy'}:bye",
                        str(tmp_path / "bundle")], check=True, capture_output=True)
        task = tmp_path / "bundle" / "rootfs" / "var" / "task"
        assert (task / "lambda_bye.py").read_text() == BYE and (task / "six.py").is_file()
        assert not (task / "lambda_hello.py").exists()  # not in bye's closure
        assert (tmp_path / "bundle" / "rootfs" / "lambda-entrypoint.sh").is_file()

    again = json.loads(cli("-C", root, "build", "--image", "--base-image", base, "--push", f"{registry}/worker",
                           "--json").stdout)
    assert again["up_to_date"] and again["pushed"]["bytes_sent"] == 0 and again["pushed"]["manifests"] == []

    image_repo.write("functions/lambda_bye.py", BYE.replace("'bye'", "'ciao'"))
    edited = json.loads(cli("-C", root, "build", "--image", "--base-image", base, "--push", f"{registry}/worker",
                            "--json").stdout)
    after = _digests(image_repo)
    assert edited["changed"] == ["bye"] and after["hello"] == digests["hello"] and after["bye"] != digests["bye"]
    pushed = edited["pushed"]
    # one code layer and one config, one manifest and its tag; nothing of the dependencies or base
    assert len(pushed["blobs"]) == 2 and pushed["manifests"] == [after["bye"]] and len(pushed["tags"]) == 1
    assert pushed["bytes_sent"] < 5000 and not pushed["copied"]


def test_base_layers_are_copied_from_another_registry_once(image_repo, registries, cli):
    public, private = registries(), registries()
    base = push_base(f"{public}/lambda/python")
    root = str(image_repo.root)
    first = json.loads(cli("-C", root, "build", "--image", "--base-image", base, "--push", f"{private}/worker",
                           "--json").stdout)["pushed"]
    assert len(first["copied"]) == 1 and not first["mounted"]
    blob = first["copied"][0]
    assert _skopeo("inspect", "--tls-verify=false", "--raw", f"docker://{private}/worker@{_digests(image_repo)['hello']}")
    again = json.loads(cli("-C", root, "build", "--image", "--base-image", base, "--push", f"{private}/worker",
                           "--json").stdout)["pushed"]
    assert again["copied"] == [] and again["bytes_sent"] == 0 and blob


def test_two_clones_with_other_mtimes_umask_and_time_zone_give_the_same_digests(image_repo, registry, tmp_path):
    base = push_base(f"{registry}/lambda/python")
    other = tmp_path / "clone"
    shutil.copytree(image_repo.root, other)
    for path in other.rglob("*"):
        if path.is_file():
            os.utime(path, (1_500_000_000, 1_500_000_000))
            path.chmod(0o600 if path.suffix == ".py" else 0o640)
    one = run_build_pkg("-C", str(image_repo.root), "build", "--image", "--base-image", base, umask=0o022,
                        env={"TZ": "UTC"})
    two = run_build_pkg("-C", str(other), "build", "--image", "--base-image", base, umask=0o077,
                        env={"TZ": "Asia/Kathmandu", "SOURCE_DATE_EPOCH": "1700000000"})
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    first = json.loads((image_repo.root / "terraform" / "dists.manifest.json").read_text())
    second = json.loads((other / "terraform" / "dists.manifest.json").read_text())
    assert [f["image_digest"] for f in first["functions"]] == [f["image_digest"] for f in second["functions"]]
    assert (image_repo.root / "terraform/images/index.json").read_bytes() == (other / "terraform/images/index.json").read_bytes()


def test_the_base_is_read_once_then_from_the_cache(image_repo, registries, cli):
    """Pinned by digest, the base's manifest and config are kept: the registry can go away."""
    import urllib.request

    host = registries()
    base = push_base(f"{host}/lambda/python")
    assert cli("-C", str(image_repo.root), "build", "--image", "--base-image", base).exit_code == 0
    urllib.request.urlopen(f"http://{host}/v2/", timeout=2).close()
    image_repo.write("functions/lambda_bye.py", BYE.replace("'bye'", "'later'"))
    registries.stop(host)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://{host}/v2/", timeout=1)
    result = cli("-C", str(image_repo.root), "build", "--image", "--base-image", base)
    assert result.exit_code == 0, result.output


def test_a_damaged_layout_is_rebuilt_to_what_a_clean_build_gives(image_repo, registry, cli):
    base = push_base(f"{registry}/lambda/python")
    root = str(image_repo.root)
    assert cli("-C", root, "build", "--image", "--base-image", base).exit_code == 0
    clean = image_repo.manifest()
    blobs = image_repo.root / "terraform" / "images" / "blobs" / "sha256"
    code = clean["functions"][0]["image_code_layer"].removeprefix("sha256:")
    (blobs / code).write_bytes(b"not the layer")
    result = cli("-C", root, "build", "--image", "--base-image", base)
    assert result.exit_code == 0 and "terraform/images is up to date" not in result.output
    assert image_repo.manifest() == clean
    assert (blobs / code).read_bytes() != b"not the layer"


def test_the_main_tf_setting_chooses_images_and_zip_again_removes_them(image_repo, registry, cli):
    base = push_base(f"{registry}/lambda/python")
    main_tf = image_repo.root / "terraform" / "main.tf"
    text = main_tf.read_text()
    assert 'package_type = "zip"' in text
    main_tf.write_text(text.replace('package_type = "zip"', 'package_type = "image"').replace(
        "base_image   = null", f'base_image   = "{base}"'))
    result = cli("-C", str(image_repo.root), "build")
    assert result.exit_code == 0, result.output
    assert image_repo.manifest()["package_type"] == "image"
    assert cli("-C", str(image_repo.root), "build", "--no-image").exit_code == 0
    manifest = image_repo.manifest()
    assert manifest["package_type"] == "zip" and "images" not in manifest
    assert not any("image_digest" in f for f in manifest["functions"])
    assert not (image_repo.root / "terraform" / "images").exists()


def test_bad_image_settings_are_one_line_and_keep_the_last_build(image_repo, cli):
    root = str(image_repo.root)
    assert cli("-C", root, "build").exit_code == 0
    before = image_repo.zip_path.read_bytes(), image_repo.manifest_path.read_bytes()
    bad = cli("-C", root, "build", "--image", "--base-image", "127.0.0.1:1/base@sha256:abc")
    assert bad.exit_code == 2 and "--base-image: '127.0.0.1:1/base@sha256:abc' has no valid digest" in bad.output
    gone = cli("-C", root, "build", "--image", "--base-image", "127.0.0.1:1/base:3.12@sha256:" + "0" * 64)
    assert gone.exit_code == 1 and "127.0.0.1:1/base: cannot reach the registry" in gone.output
    main_tf = image_repo.root / "terraform" / "main.tf"
    main_tf.write_text(main_tf.read_text().replace('package_type = "zip"', 'package_type = "docker"'))
    wrong = cli("-C", root, "build")
    assert wrong.exit_code == 2
    assert 'terraform/main.tf: set package_type to "zip" or "image" (found "docker")' in wrong.output
    assert (image_repo.zip_path.read_bytes(), image_repo.manifest_path.read_bytes()) == before
    assert not (image_repo.root / "terraform" / "images").exists()


def test_push_without_images_is_refused_before_building(image_repo, cli):
    root = str(image_repo.root)
    result = cli("-C", root, "build", "--push", "127.0.0.1:1/worker")
    assert result.exit_code == 2 and "--push sends images, and this build makes none" in result.output
    assert not image_repo.zip_path.exists()  # nothing was built
    bad = cli("-C", root, "build", "--image", "--push", "worker")
    assert bad.exit_code == 1 and "is not a repository; give HOST/NAME" in bad.output
    assert not image_repo.zip_path.exists()
