"""A function's hash moves exactly when what it runs does: the layer switched on or off moves
every function, a new builder or installer that packs the same files moves none, and what a
build cannot trust (a corrupt cache entry, a file name, a shadowed module) stops it."""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile

import pytest
from builder_support import REPO, WorkerRepo, run_build_pkg

# Real wheels as the index publishes them (name -> lock entry), for the locks below.
SOUPSIEVE_4_1_2 = {"version": "==4.1.2", "markers": "python_full_version >= '3.11.5'",
                   "hashes": ["sha256:96b4115212a3abee1f572d62da706cca090b088cb5effa278db5702122e63a2c",
                              "sha256:c6539a2638f26991463527337e39d630e3cbb86d024f52282a510535b8a7e09f"]}


def _build(cli, repo: WorkerRepo, *args: str):
    result = cli("-C", str(repo.root), "build", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _hashes(document: dict) -> dict[str, str]:
    return {f["name"]: f["source_code_hash"] for f in document["functions"]}


@pytest.fixture
def small(small_repo) -> WorkerRepo:
    small_repo.write("functions/lambda_bye.py", "def handler(event, context):\n    return 'bye'\n")
    return small_repo


def test_switching_the_layer_on_or_off_moves_every_function_and_back(small, cli):
    plain = _build(cli, small)
    layered = _build(cli, small, "--layer")
    assert set(layered["changed"]) == {"hello", "bye"} and layered["layer_changed"]
    assert not set(_hashes(plain).values()) & set(_hashes(layered).values())
    # The S3 key of each function is its code_sha256: a new one, so the object is copied.
    assert {f["code_sha256"] for f in plain["functions"]}.isdisjoint(f["code_sha256"] for f in layered["functions"])
    again = _build(cli, small, "--no-layer")
    assert _hashes(again) == _hashes(plain) and set(again["changed"]) == {"hello", "bye"}


def test_the_layers_identity_is_its_content(small, cli, monkeypatch):
    """SOURCE_DATE_EPOCH moves the zip's bytes, not the layer's content hash nor any function's."""
    first = _build(cli, small, "--layer")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    small.write("functions/lambda_bye.py", "def handler(event, context):\n    return 'bye!'\n")
    second = _build(cli, small, "--layer")
    assert second["layer"]["content_sha256"] == first["layer"]["content_sha256"] and not second["layer_changed"]
    assert second["changed"] == ["bye"]
    assert second["sha256"] != first["sha256"]


def test_a_new_installer_version_moves_no_function(small, cli, monkeypatch):
    first = _build(cli, small)
    # Not test_validate's "uv 99.0.0": a key no other test of the session fills first.
    monkeypatch.setattr("build_pkg.package.deps.installer_version", lambda: "uv 98.0.0")
    result = cli("-C", str(small.root), "-v", "build", "--json")
    assert result.exit_code == 0, result.output
    assert "uv:  + six==1.17.0" in result.stderr  # a new cache key: installed again
    second = json.loads(result.stdout)
    assert _hashes(second) == _hashes(first) and second["changed"] == []
    assert second["sha256"] == first["sha256"]


def test_a_comment_in_the_builders_packing_code_moves_no_function(small, tmp_path):
    """A copy of the builder with one comment more in zipwriter.py: its cache keys and its
    up-to-date check differ (it rebuilds), the zip and every function's hash do not."""
    cache = {"BUILD_PKG_CACHE_DIR": str(tmp_path / "cache")}
    assert run_build_pkg("-C", str(small.root), "build", env=cache).returncode == 0
    first = small.manifest()
    import subprocess

    builder = tmp_path / "builder"
    shutil.copytree(REPO / "build_pkg", builder / "build_pkg", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "build-pkg.py", builder / "build-pkg.py")
    zipwriter = builder / "build_pkg" / "package" / "zipwriter.py"
    zipwriter.write_text(zipwriter.read_text() + "\n# A comment that changes nothing.\n")
    edited = subprocess.run([sys.executable, str(builder / "build-pkg.py"), "-C", str(small.root), "build", "--json"],
                            capture_output=True, text=True, env={**os.environ, **cache})
    assert edited.returncode == 0, edited.stderr
    second = json.loads(edited.stdout)
    assert not second["up_to_date"]
    assert len(list((tmp_path / "cache" / "deps").glob("*/index.json"))) == 2  # a new key: packed again
    assert second["builder"] != first["builder"]
    assert _hashes(second) == _hashes({"functions": first["functions"]}) and second["changed"] == []
    assert second["sha256"] == first["sha256"]


def test_a_flipped_bit_in_a_cached_crc_is_caught_and_the_entry_rebuilt(small, cli, monkeypatch, tmp_path):
    monkeypatch.setenv("BUILD_PKG_CACHE_DIR", str(tmp_path / "cache"))
    clean = _build(cli, small)
    clean_bytes = small.zip_path.read_bytes()
    # The finished entry (a temporary folder of a build may sit beside it for a moment).
    [entry] = [p for p in (tmp_path / "cache" / "deps").iterdir() if (p / "index.json").is_file()]
    index_path = entry / "index.json"
    index = json.loads(index_path.read_text())
    row = next(r for r in index["files"] if r[0] == "six.py")
    row[2] ^= 1 << 7  # one bit of six.py's recorded CRC
    index_path.write_text(json.dumps(index))
    result = cli("-C", str(small.root), "build", "--json", "--force")
    assert result.exit_code == 0, result.output
    [warning] = [line for line in result.stderr.splitlines() if "corrupt" in line]
    assert warning == (f"warning: dependency cache entry {entry} is corrupt (its index does not match its recorded "
                       "sha256); rebuilding it")
    with zipfile.ZipFile(small.zip_path) as archive:
        assert archive.testzip() is None
    assert small.zip_path.read_bytes() == clean_bytes
    assert json.loads(result.stdout)["sha256"] == clean["sha256"]


def test_a_cached_body_out_of_place_is_caught(small, cli, monkeypatch, tmp_path):
    monkeypatch.setenv("BUILD_PKG_CACHE_DIR", str(tmp_path / "cache"))
    _build(cli, small)
    clean_bytes = small.zip_path.read_bytes()
    [entry] = [p for p in (tmp_path / "cache" / "deps").iterdir() if (p / "index.json").is_file()]
    blob = bytearray((entry / "bodies.bin").read_bytes())
    blob[len(blob) // 2] ^= 0x01
    (entry / "bodies.bin").write_bytes(bytes(blob))
    result = cli("-C", str(small.root), "build", "--force")
    assert "is corrupt (bodies do not match their recorded sha256); rebuilding it" in result.stderr
    assert small.zip_path.read_bytes() == clean_bytes


def test_an_empty_dependency_set_still_follows_runtime_and_arch(small, cli):
    lock = small.lock()
    lock["default"]["six"]["markers"] = "sys_platform == 'win32'"  # never on Lambda
    small.write_lock(lock)
    first = _build(cli, small)
    assert first["runtime"] == "python3.12" and first["dependencies"] == []
    other = _build(cli, small, "--runtime", "python3.13")
    assert not other["up_to_date"] and other["runtime"] == "python3.13"
    assert small.manifest()["runtime"] == "python3.13"
    assert set(other["changed"]) == {"hello", "bye"}
    arm = _build(cli, small, "--runtime", "python3.13", "--arch", "arm64")
    assert not arm["up_to_date"] and arm["arch"] == "arm64"


def test_a_lock_chosen_by_the_runtimes_patch_release_installs(small, cli):
    """soupsieve 4.1.2 requires Python >= 3.11.5: the lock selects it for python3.11 (3.11.13),
    and the installer must be told the same version, not 3.11."""
    lock = small.lock()
    lock["default"]["soupsieve"] = SOUPSIEVE_4_1_2
    small.write_lock(lock)
    built = _build(cli, small, "--runtime", "python3.11")
    assert ("soupsieve", "4.1.2") in {(d["name"], d["version"]) for d in built["dependencies"]}
    with zipfile.ZipFile(small.zip_path) as archive:
        assert "soupsieve/__init__.py" in archive.namelist()


def test_a_file_name_that_is_not_utf8_is_one_line_and_keeps_the_zip(small, cli):
    _build(cli, small)
    before = small.zip_path.read_bytes(), small.manifest_path.read_bytes()
    bad = os.path.join(os.fsencode(small.root / "functions"), b"caf\xe9.txt")
    with open(bad, "wb") as f:
        f.write(b"menu\n")
    result = cli("-C", str(small.root), "build")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: functions/caf\\xe9.txt: the file name is not valid UTF-8; rename it "
        "(the package's file names must be UTF-8) (the package phase failed; nothing was written)")
    assert (small.zip_path.read_bytes(), small.manifest_path.read_bytes()) == before


@pytest.mark.parametrize("rel, shown", [("functions/queue/__init__.py", "queue/"),
                                        ("functions/logging.py", "logging.py"),
                                        ("functions/json/main.py", "json/")])
def test_a_module_named_like_the_standard_library_is_refused(small, cli, rel, shown):
    small.write(rel, "def handler(event, context):\n    return 1\n")
    name = shown.removesuffix("/").removesuffix(".py")
    message = (f"functions/{shown} has the name of the standard-library module {name!r} of python3.12 and would "
               "replace it for every function (functions/ comes first on Lambda's import path); rename it")
    built = cli("-C", str(small.root), "build")
    assert built.exit_code == 1
    assert built.stderr.strip().splitlines()[-1] == f"error: {message} (the package phase failed; nothing was written)"
    checked = cli("-C", str(small.root), "check")
    assert checked.exit_code == 1 and message.replace(f"{shown} has", f"{shown}: has") in checked.stdout


def test_a_data_folder_named_like_the_standard_library_is_not_code(small, cli):
    small.write("functions/email/welcome.html", "<p>hi</p>\n")  # no module: nothing is shadowed
    assert cli("-C", str(small.root), "build").exit_code == 0


def test_build_says_what_changed(small, cli):
    first = _build(cli, small)
    assert sorted(first["changed"]) == ["bye", "hello"]
    again = _build(cli, small)
    assert again["up_to_date"] and again["changed"] == [] and not again["layer_changed"]
    small.write("functions/lambda_bye.py", "def handler(event, context):\n    return 'later'\n")
    result = cli("-C", str(small.root), "build")
    assert "changed: 1 of 2 functions (bye)" in result.stderr
    (small.root / "functions" / "lambda_bye.py").unlink()
    gone = _build(cli, small)
    assert gone["changed"] == [] and gone["removed"] == ["bye"]


# What the development-tools advice knows: setuptools 80.9.0 (it brings pkg_resources),
# jsonschema 3.2.0 (it declares setuptools), types-requests.
SETUPTOOLS = {"version": "==80.9.0",
              "hashes": ["sha256:062d34222ad13e0cc312a4c02d73f059e86a4acbfbdea8f8f76b28c99f306922"]}
JSONSCHEMA_3_2 = {"version": "==3.2.0",
                  "hashes": ["sha256:4e5b3cf8216f577bee9ce139cbe72eca3ea4f292ec60928ff24758ce626cd163"]}


def _with(repo: WorkerRepo, **entries) -> None:
    lock = repo.lock()
    lock["default"] |= {name.replace("_", "-"): entry for name, entry in entries.items()}
    repo.write_lock(lock)


def test_setuptools_alone_and_unused_is_named(small, cli):
    _with(small, setuptools=SETUPTOOLS)
    result = cli("-C", str(small.root), "build")
    assert result.exit_code == 0, result.output
    assert ("warning: Pipfile.lock [packages] holds development tools that would ship to Lambda and that no other "
            "package requires and no function imports: setuptools; move them to [dev-packages]") in result.stderr


def test_setuptools_that_a_package_requires_is_not_named(small, cli):
    _with(small, setuptools=SETUPTOOLS, jsonschema=JSONSCHEMA_3_2)
    result = cli("-C", str(small.root), "build")
    assert result.exit_code == 0, result.output
    assert "development tools" not in result.stderr


def test_setuptools_whose_pkg_resources_a_function_imports_is_not_named(small, cli):
    _with(small, setuptools=SETUPTOOLS)
    small.write("functions/lambda_version.py", "import pkg_resources\n\ndef handler(event, context):\n"
                                               "    return pkg_resources.get_distribution('six').version\n")
    result = cli("-C", str(small.root), "build")
    assert result.exit_code == 0, result.output
    assert "development tools" not in result.stderr


def test_a_checkout_where_every_file_looks_executable_moves_nothing(small, cli):
    """WSL, SMB mounts, core.fileMode false: `chmod a+x` on every file of functions/ is no
    change git sees, and none the build sees either. What Lambda runs as a program (#!, ELF)
    is 0755 in the zip whatever the file system says."""
    small.write("functions/tools/run.sh", "#!/bin/sh\necho hi\n")  # not executable here
    with_script = _build(cli, small)
    for path in (small.root / "functions").rglob("*"):
        if path.is_file():
            path.chmod(0o755)
    again = _build(cli, small)
    assert again["up_to_date"] and again["sha256"] == with_script["sha256"]
    assert _hashes(again) == _hashes(with_script)
    import zipfile

    with zipfile.ZipFile(small.zip_path) as archive:
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
    assert modes["tools/run.sh"] == 0o755 and modes["lambda_hello.py"] == 0o644
