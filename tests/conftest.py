"""Shared fixtures: fixture worker repos in tmp_path, a moto server, a local HTTP server."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
FUNCTIONS = REPO / "functions"
BUILD_PKG = REPO / "build-pkg.py"

# Function tests import the functions the way Lambda does: from the functions/ root.
if str(FUNCTIONS) not in sys.path:
    sys.path.insert(0, str(FUNCTIONS))

# The real registries and the made base of tests/image, for every test that pushes images.
sys.path.insert(1, str(REPO / "tests" / "image"))
from registry_fixtures import registries, registry  # noqa: E402, F401  (fixtures)


def project_lock() -> dict:
    return json.loads((REPO / "Pipfile.lock").read_text())


class WorkerRepo:
    """A copy of this repository's worker parts (functions/, Pipfile, lock) to build and break."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(FUNCTIONS, root / "functions", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(REPO / "Pipfile", root / "Pipfile")
        shutil.copy(REPO / "Pipfile.lock", root / "Pipfile.lock")
        # The Terraform tree as committed: build outputs and Terraform's own state left behind.
        shutil.copytree(REPO / "terraform", root / "terraform", ignore=shutil.ignore_patterns(
            "dists.zip", "layer.zip", "dists.manifest.json", ".terraform", "*.tfstate*", ".terraform.lock.hcl"))

    @property
    def zip_path(self) -> Path:
        return self.root / "terraform" / "dists.zip"

    @property
    def manifest_path(self) -> Path:
        return self.root / "terraform" / "dists.manifest.json"

    def manifest(self) -> dict:
        return json.loads(self.manifest_path.read_text())

    def lock(self) -> dict:
        return json.loads((self.root / "Pipfile.lock").read_text())

    def write_lock(self, data: dict) -> None:
        (self.root / "Pipfile.lock").write_text(json.dumps(data, indent=4))

    def keep_only(self, *names: str) -> None:
        """Reduce the lock's [packages] to `names` (taken from the real lock: real hashes)."""
        data = self.lock()
        data["default"] = {n: copy.deepcopy(data["default"][n]) for n in names}
        self.write_lock(data)

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path


@pytest.fixture
def worker_repo(tmp_path) -> WorkerRepo:
    return WorkerRepo(tmp_path / "repo")


@pytest.fixture
def small_repo(tmp_path) -> WorkerRepo:
    """Example functions with a one-package lock: fast installs for error-path tests."""
    repo = WorkerRepo(tmp_path / "small")
    repo.keep_only("six")
    shutil.rmtree(repo.root / "functions")
    repo.write("functions/lambda_hello.py", "import six\n\ndef handler(event, context):\n    return {'six': six.__version__}\n")
    return repo


@pytest.fixture
def cli(monkeypatch):
    """Run build-pkg in-process through click's CliRunner; returns the Result."""
    from build_pkg.cli import main

    def run(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)

    return run


def run_build_pkg(*args: str, env: dict | None = None, cwd: Path | None = None, umask: int | None = None) -> subprocess.CompletedProcess:
    """build-pkg.py in a separate process (for umask, TZ and cache isolation)."""
    full_env = {**os.environ, **(env or {})}
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([sys.executable, str(BUILD_PKG), *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, preexec_fn=preexec)


@pytest.fixture(scope="session")
def moto_server():
    """A real moto server on 127.0.0.1; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, moto_server):
    """Point boto3 (in this process and in child processes) at the moto server."""
    values = {
        "AWS_ENDPOINT_URL": moto_server, "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_REGION": "eu-west-1",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return values


class _HealthHandler(BaseHTTPRequestHandler):
    routes = {"/healthy": 200, "/broken": 500, "/missing": 404}

    def do_GET(self):  # noqa: N802 (http.server's naming)
        status = self.routes.get(self.path, 404)
        body = json.dumps({"path": self.path}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def http_server():
    """A local HTTP server with /healthy (200), /broken (500) and /missing (404)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HealthHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def standin_env(tmp_path_factory) -> dict:
    """Environment that makes Terraform use the stand-in AWS provider from a filesystem mirror."""
    from build_pkg.infra.standin import mirror

    config = mirror.install(tmp_path_factory.mktemp("standin-aws"))
    return mirror.environment(config)


def use_real_tree_offline(tf_dir: Path) -> None:
    """The real tree, released offline: a local backend per environment and the test hooks
    (tests/data/release_hooks) beside the real module, root and function files."""
    hooks = REPO / "tests" / "data" / "release_hooks"
    for path in hooks.rglob("*"):
        if path.is_file():
            target = tf_dir / path.relative_to(hooks)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)


@pytest.fixture(scope="session", autouse=True)
def no_instance_metadata():
    """boto3 without credentials must never ask the EC2 metadata address (no traffic off loopback)."""
    old = os.environ.get("AWS_EC2_METADATA_DISABLED")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    yield
    if old is None:
        os.environ.pop("AWS_EC2_METADATA_DISABLED", None)
    else:
        os.environ["AWS_EC2_METADATA_DISABLED"] = old


def lambda_zip(text: str, module: str = "lambda_process_checker.py") -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(module, text)
    return buffer.getvalue()


@pytest.fixture
def deployed(aws_env):
    """worker-prod-process_checker in moto with versions 1 and 2 and `live` on 2, as an apply leaves it."""
    import boto3

    name = "worker-prod-process_checker"
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="canary-test", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    lam = boto3.client("lambda")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="lambda_process_checker.handler",
                        Code={"ZipFile": lambda_zip("def handler(e, c):\n    return 1\n")}, Publish=True)
    lam.update_function_code(FunctionName=name, ZipFile=lambda_zip("def handler(e, c):\n    return 2\n"), Publish=True)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="2")
    yield lam
    lam.delete_function(FunctionName=name)
    iam.delete_role(RoleName="canary-test")


@pytest.fixture(scope="session", autouse=True)
def isolated_build_cache(tmp_path_factory):
    """Builds in tests keep their packed dependencies out of the user's cache.

    uv's own download cache stays shared, so a session downloads each wheel once.
    """
    cache = tmp_path_factory.mktemp("build-pkg-cache")
    old = os.environ.get("BUILD_PKG_CACHE_DIR")
    os.environ["BUILD_PKG_CACHE_DIR"] = str(cache)
    yield cache
    if old is None:
        os.environ.pop("BUILD_PKG_CACHE_DIR", None)
    else:
        os.environ["BUILD_PKG_CACHE_DIR"] = old


def sha256_of(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def elf_machine_of(data: bytes) -> int:
    """e_machine of an ELF file, read independently of build_pkg's own reader."""
    import struct

    assert data[:4] == b"\x7fELF", "not an ELF file"
    return struct.unpack_from("<H" if data[5] == 1 else ">H", data, 18)[0]
