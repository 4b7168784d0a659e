"""Shared fixtures of the builder's tests: worker repositories made in tmp_path from
tests/data/worker, a local HTTP server, the stand-in AWS provider, a deployed function in
moto. `moto_server` and `aws_env` come from the builder's own pytest plugin
(build_pkg.testing.functions), which the team's tests use too. Helpers the tests import
live in builder_support.py."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import sys

import pytest
from builder_support import REPO, WORKER, WorkerRepo, lambda_zip
from click.testing import CliRunner

pytest_plugins = ["team_guard"]

# A suite started in the background by a shell without job control (`make test &` in a script)
# has SIGINT ignored, and every command and server it starts would inherit that: the tests of
# what Ctrl-C does would wait in vain. A handler (not SIG_IGN) resets to the default in children.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# The real registries and the made base of tests/image, for every test that pushes images.
sys.path.insert(1, str(REPO / "tests" / "image"))
from registry_fixtures import registries, registry  # noqa: E402, F401  (fixtures)


def _example_fixtures():
    """The example repository's own test fixtures (its tests/functions/conftest.py)."""
    spec = importlib.util.spec_from_file_location("worker_example_fixtures",
                                                  WORKER / "tests" / "functions" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


http_server = _example_fixtures().http_server


@pytest.fixture
def worker_repo(tmp_path) -> WorkerRepo:
    return WorkerRepo(tmp_path / "repo")


@pytest.fixture
def inside_worker_repo(worker_repo, monkeypatch) -> WorkerRepo:
    """The test runs inside a copy of the example repository, as a team member in theirs
    runs commands without -C."""
    monkeypatch.chdir(worker_repo.root)
    return worker_repo


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


@pytest.fixture(scope="session")
def standin_env(tmp_path_factory) -> dict:
    """Environment that makes Terraform use the stand-in AWS provider from a filesystem mirror."""
    from build_pkg.infra.standin import mirror

    config = mirror.install(tmp_path_factory.mktemp("standin-aws"))
    return mirror.environment(config)


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

