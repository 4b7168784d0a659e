"""Real registries on 127.0.0.1 (Debian's docker-registry, distribution 2.8, each started on a
free port with its own config and a temporary root), and a base image with the AWS Lambda
base image's layout that the tests make and push there (the real one cannot be fetched here)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from test_oci import _base

from build_pkg.image.oci import CONFIG_TYPE, MANIFEST_TYPE, canonical, digest_of
from build_pkg.image.registry import Registry, parse_repository

REGISTRY = shutil.which("docker-registry")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_registry(root: Path) -> tuple[str, subprocess.Popen]:
    """docker-registry serving a new store under `root` on a free port: (HOST:PORT, process)."""
    port = _free_port()
    root.mkdir(parents=True)
    config = root / "registry.yml"
    config.write_text(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
                      f"{root / 'store'}\nhttp:\n  addr: 127.0.0.1:{port}\n")
    # Its log goes to a file: a pipe nobody reads would fill and stall the registry mid-push.
    log = root / "registry.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([REGISTRY, "serve", str(config)], stdout=out, stderr=out)
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1).close()
            return f"127.0.0.1:{port}", server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError(f"docker-registry did not start: {log.read_text()[-500:]}") from None
            time.sleep(0.1)


@pytest.fixture
def registries(tmp_path):
    """A factory: each call starts one more registry and returns its HOST:PORT; `.stop(host)` stops one."""
    if REGISTRY is None or shutil.which("skopeo") is None:
        message = "docker-registry or skopeo not installed (make test installs them where apt-get can run)"
        pytest.fail(message) if os.environ.get("CI") == "true" else pytest.skip(message)
    servers: dict[str, subprocess.Popen] = {}

    def start() -> str:
        host, server = start_registry(tmp_path / f"registry-{len(servers)}")
        servers[host] = server
        return host

    def stop(host: str) -> None:
        servers[host].terminate()
        servers[host].wait(timeout=10)

    start.stop = stop
    yield start
    for server in servers.values():
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def registry(registries) -> str:
    return registries()


def push_base(repository: str, tag: str = "3.12") -> str:
    """The small AWS-layout base pushed to `repository` (HOST/NAME) as a single-architecture
    manifest; returns its reference, `HOST/NAME:TAG@sha256:...`, as a pin is written."""
    base, blobs = _base()
    config = canonical(base.config)
    manifest = canonical({"schemaVersion": 2, "mediaType": MANIFEST_TYPE,
                          "config": {"mediaType": CONFIG_TYPE, "digest": digest_of(config), "size": len(config)},
                          "layers": list(base.layers)})
    target = Registry(parse_repository(repository))
    for digest, blob in {**blobs, digest_of(config): config}.items():
        target.put_blob(digest, blob)
    target.put_manifest(tag, manifest)
    return f"{repository}:{tag}@{digest_of(manifest)}"
