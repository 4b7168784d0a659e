"""A pytest plugin for the team's tests of their functions (tests/functions/).

Turn it on with `-p build_pkg.testing.functions` (pytest.ini's `addopts` does). It puts
the repository's functions/ first on sys.path, as Lambda puts /var/task first, so a test
imports a function as Lambda does (`import lambda_hello`, `from orders import main`), and it
gives the tests two fixtures for code that calls AWS:

- `moto_server`: a real moto server on 127.0.0.1 for the session; its endpoint URL.
- `aws_env`: boto3 (in the test and in processes it starts) pointed at that server, with
  test credentials and the region eu-west-1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

MOTO_REGION = "eu-west-1"


def pytest_configure(config) -> None:
    root = project_root(Path(str(config.rootpath)))
    if root is None:
        return
    functions = str(root / "functions")
    if functions not in sys.path:
        sys.path.insert(0, functions)


def project_root(start: Path) -> Path | None:
    """The worker repository holding `start` (a Pipfile beside functions/), as the CLI finds it."""
    for folder in [start, *start.resolve().parents]:
        if (folder / "functions").is_dir() and (folder / "Pipfile").is_file():
            return folder
    return None


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
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": MOTO_REGION,
        "AWS_REGION": MOTO_REGION,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return values
