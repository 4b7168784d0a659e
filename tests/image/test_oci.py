"""Images as OCI layouts, read by tools that are not ours: skopeo (the manifest and config as
a registry would serve them) and umoci (the image unpacked as a runtime would see it). The
base is a small one made here with the AWS Lambda base image's layout (the real one cannot be
fetched here)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from build_pkg.image import layer as layers
from build_pkg.image.oci import MANIFEST_TYPE, Base, blob_path, file_digest, image, write_layout
from build_pkg.package.zipwriter import normal_mode

TOOLS = {name: shutil.which(name) for name in ("skopeo", "umoci")}


@pytest.fixture
def tools() -> dict[str, str]:
    """skopeo and umoci, which make test installs where apt-get can run; elsewhere the test
    is skipped with that reason, and under CI=true it fails (CI must have them)."""
    missing = [name for name, path in TOOLS.items() if path is None]
    if missing:
        message = f"{' and '.join(missing)} not installed (make test installs them where apt-get can run)"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    return TOOLS

ENTRYPOINT = b"#!/bin/sh\nexec /var/lang/bin/python3 -m awslambdaric \"$@\"\n"


def _base() -> tuple[Base, dict[str, bytes]]:
    """A base with the AWS image's layout: the entrypoint, /var/runtime, the environment."""
    bottom = layers.build([layers.File("lambda-entrypoint.sh", 0o755, ENTRYPOINT),
                           layers.File("var/runtime/bootstrap.py", 0o644, b"# the runtime client\n")])
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Entrypoint": ["/lambda-entrypoint.sh"], "WorkingDir": "/var/task",
                         "Env": ["LAMBDA_TASK_ROOT=/var/task", "LAMBDA_RUNTIME_DIR=/var/runtime",
                                 "PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin"]},
              "rootfs": {"type": "layers", "diff_ids": [bottom.diff_id]},
              "history": [{"created": "2026-01-01T00:00:00Z", "created_by": "base"}]}
    return Base(config, (bottom.descriptor(),)), {bottom.digest: bottom.blob}


def _files_from(root: Path, prefix: str = "var/task/") -> list[layers.File]:
    """Files as the build reads them from disk: the mode normalised, the mtime ignored."""
    return [layers.File(prefix + p.relative_to(root).as_posix(), normal_mode(p.stat().st_mode), p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_file()]


def _tree(root: Path, files: dict[str, str], mtime: int, mode: int) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)
        os.utime(path, (mtime, mtime))
    return root


CODE = {"hello": {"lambda_hello.py": "def handler(event, context):\n    return 'hello'\n"},
        "bye": {"lambda_bye.py": "def handler(event, context):\n    return 'bye'\n"}}
DEPS = {"six.py": "X = 1\n", "idna/__init__.py": "", "idna/core.py": "Y = 2\n"}


def _images(work: Path, mtime: int, mode: int, code=CODE) -> tuple[dict, dict[str, bytes]]:
    base, blobs = _base()
    deps = layers.build(_files_from(_tree(work / "deps", DEPS, mtime, mode)))
    blobs[deps.digest] = deps.blob
    built = {}
    for name, files in code.items():
        own = layers.build(_files_from(_tree(work / name, files, mtime, mode)))
        blobs[own.digest] = own.blob
        built[name] = image(base, [deps, own], f"lambda_{name}.handler")
    return built, blobs


def test_a_layer_is_a_tar_with_nothing_of_the_machine_in_it():
    built = layers.build([layers.File("var/task/a.py", 0o664, b"A = 1\n")], mtime=0)
    assert built.blob[:10] == bytes.fromhex("1f8b08000000000000ff")  # gzip: no name, mtime 0, OS unknown
    with tarfile.open(fileobj=io.BytesIO(layers.tar_bytes([layers.File("var/task/a.py", 0o664, b"A = 1\n")]))) as t:
        members = [(m.name, m.mode, m.uid, m.gid, m.uname, m.gname, m.mtime, m.pax_headers) for m in t.getmembers()]
    assert members == [("var", 0o755, 0, 0, "", "", 0, {}), ("var/task", 0o755, 0, 0, "", "", 0, {}),
                       ("var/task/a.py", 0o644, 0, 0, "", "", 0, {})]


def test_the_same_files_make_the_same_image_whatever_their_mtimes_and_modes(tmp_path):
    first, _ = _images(tmp_path / "one", mtime=1_600_000_000, mode=0o644)
    second, _ = _images(tmp_path / "two", mtime=1_700_000_000, mode=0o664)
    assert {n: i.digest for n, i in first.items()} == {n: i.digest for n, i in second.items()}


def test_an_edit_to_one_function_changes_its_image_alone(tmp_path):
    before, blobs_before = _images(tmp_path / "one", 0, 0o644)
    edited = {**CODE, "bye": {"lambda_bye.py": "def handler(event, context):\n    return 'ciao'\n"}}
    after, blobs_after = _images(tmp_path / "two", 0, 0o644, edited)
    assert before["hello"].digest == after["hello"].digest and before["bye"].digest != after["bye"].digest
    assert len(set(blobs_after) - set(blobs_before)) == 1  # one new code layer; the rest is shared


def test_skopeo_reads_a_single_architecture_image_that_runs_the_handler(tmp_path, tools):
    built, blobs = _images(tmp_path / "src", 0, 0o644)
    write_layout(tmp_path / "images", built, blobs)
    ref = f"oci:{tmp_path / 'images'}:hello"
    raw = json.loads(subprocess.run([tools["skopeo"], "inspect", "--raw", ref], check=True,
                                    capture_output=True, text=True).stdout)
    assert raw["mediaType"] == MANIFEST_TYPE and "manifests" not in raw  # never an index
    ours = json.loads(built["hello"].manifest)
    assert [layer["digest"] for layer in raw["layers"]] == [layer["digest"] for layer in ours["layers"]]
    assert len(raw["layers"]) == 3  # the base's, the dependencies', the function's own, in that order
    config = json.loads(subprocess.run([tools["skopeo"], "inspect", "--config", ref], check=True,
                                       capture_output=True, text=True).stdout)
    assert config["config"]["Cmd"] == ["lambda_hello.handler"]
    assert config["config"]["Entrypoint"] == ["/lambda-entrypoint.sh"] and config["config"]["WorkingDir"] == "/var/task"
    assert "LAMBDA_TASK_ROOT=/var/task" in config["config"]["Env"]
    assert config["architecture"] == "amd64" and config["os"] == "linux" and len(config["rootfs"]["diff_ids"]) == 3


def test_umoci_unpacks_the_function_at_var_task_over_the_base(tmp_path, tools):
    built, blobs = _images(tmp_path / "src", 0, 0o644)
    write_layout(tmp_path / "images", built, blobs)
    bundle = tmp_path / "bundle"
    subprocess.run([tools["umoci"], "unpack", "--rootless", "--image", f"{tmp_path / 'images'}:bye", str(bundle)],
                   check=True, capture_output=True, text=True)
    rootfs = bundle / "rootfs"
    assert (rootfs / "var" / "task" / "lambda_bye.py").read_text() == CODE["bye"]["lambda_bye.py"]
    assert (rootfs / "var" / "task" / "idna" / "core.py").read_text() == DEPS["idna/core.py"]
    assert not (rootfs / "var" / "task" / "lambda_hello.py").exists()  # another function's code layer
    entry = rootfs / "lambda-entrypoint.sh"
    assert entry.read_bytes() == ENTRYPOINT and os.access(entry, os.X_OK)


def test_a_layout_is_updated_in_place_keeping_only_what_its_index_names(tmp_path):
    built, blobs = _images(tmp_path / "src", 0, 0o644)
    folder = tmp_path / "images"
    write_layout(folder, built, blobs)
    bye_code = json.loads(built["bye"].manifest)["layers"][-1]["digest"]
    hello_code = json.loads(built["hello"].manifest)["layers"][-1]["digest"]
    blob_path(folder, hello_code).write_bytes(b"damaged")
    write_layout(folder, {"hello": built["hello"]}, blobs)
    index = json.loads((folder / "index.json").read_text())
    assert [m["annotations"]["org.opencontainers.image.ref.name"] for m in index["manifests"]] == ["hello"]
    assert not blob_path(folder, bye_code).exists() and not blob_path(folder, built["bye"].digest).exists()
    assert file_digest(blob_path(folder, hello_code)) == hello_code  # a damaged blob is written again
    assert sorted(p.name for p in folder.rglob("*") if p.name.startswith(".")) == []  # no temporary files left
