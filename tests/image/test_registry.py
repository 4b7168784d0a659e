"""Pushing images to a real registry on 127.0.0.1 (Debian's docker-registry, distribution
2.8, started here on a free port with its own root), read back by skopeo as any client
would: only what the registry lacks is sent."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest
from test_oci import CODE, _images

from build_pkg.errors import RegistryError
from build_pkg.image.registry import Registry, parse_repository, push

def test_a_push_sends_what_the_registry_lacks_and_skopeo_reads_it(registry, tmp_path):
    built, blobs = _images(tmp_path / "one", 0, 0o644)
    target = Registry(parse_repository(f"{registry}/worker"))
    first = push(target, built, blobs)
    # the base's layer, the dependency layer, two code layers, two configs; two manifests
    assert len(first.blobs) == 6 and first.present == 0 and len(first.manifests) == 2
    assert first.bytes_sent == sum(len(blobs[d]) for d in first.blobs if d in blobs) + sum(
        len(i.config) for i in built.values())
    ref = f"docker://{registry}/worker@{built['hello'].digest}"
    raw = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--raw", ref], check=True,
                         capture_output=True).stdout
    assert raw == built["hello"].manifest  # the very bytes, so the digest Lambda gets is ours
    config = json.loads(subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--config", ref], check=True,
                                       capture_output=True, text=True).stdout)
    assert config["config"]["Cmd"] == ["lambda_hello.handler"]
    again = push(target, built, blobs)
    assert again.blobs == [] and again.manifests == [] and again.bytes_sent == 0


def test_after_a_one_function_edit_a_push_sends_one_layer_one_config_one_manifest(registry, tmp_path):
    built, blobs = _images(tmp_path / "one", 0, 0o644)
    target = Registry(parse_repository(f"{registry}/worker"))
    push(target, built, blobs)
    edited = {**CODE, "bye": {"lambda_bye.py": "def handler(event, context):\n    return 'ciao'\n"}}
    after, after_blobs = _images(tmp_path / "two", 0, 0o644, edited)
    report = push(target, after, after_blobs)
    assert len(report.blobs) == 2 and report.manifests == [after["bye"].digest]
    assert set(report.blobs) == {next(d for d in after_blobs if d not in blobs),
                                 json.loads(after["bye"].manifest)["config"]["digest"]}


def test_registry_faults_are_one_line(tmp_path):
    with pytest.raises(RegistryError, match=r"is not a repository; give HOST/NAME"):
        parse_repository("worker")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    with pytest.raises(RegistryError, match=rf"127.0.0.1:{port}/worker: cannot reach the registry"):
        Registry(parse_repository(f"127.0.0.1:{port}/worker"), timeout=2).has_blob("sha256:" + "0" * 64)
    assert parse_repository("123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker").scheme == "https"


def test_an_ecr_repository_is_logged_in_with_get_authorization_token(aws_env):
    """moto in server mode answers ecr:GetAuthorizationToken as ECR does: base64 `AWS:<password>`."""
    import base64

    from build_pkg.image.ecr import ecr_auth

    auth = ecr_auth(parse_repository("123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker"))
    assert auth.startswith("Basic ") and base64.b64decode(auth.removeprefix("Basic ")).startswith(b"AWS:")
    assert ecr_auth(parse_repository("127.0.0.1:5000/worker")) is None  # not ECR: no login


def test_no_aws_credentials_is_one_line_for_an_ecr_push(monkeypatch, tmp_path):
    from build_pkg.image.ecr import ecr_auth

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    with pytest.raises(RegistryError, match=r"cannot get an ECR login \(no AWS credentials found"):
        ecr_auth(parse_repository("123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker"))


def test_credentials_never_follow_a_redirect_to_another_host():
    """ECR sends blob downloads to S3 with a redirect: the registry's credential must not go
    along (S3 refuses two, and no other host may see it). Two real HTTP servers on 127.0.0.1."""
    import hashlib
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    blob = b"layer bytes"
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    seen = {}

    class Storage(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen["storage"] = self.headers.get("Authorization")
            self.send_response(200)
            self.send_header("Content-Length", str(len(blob)))
            self.end_headers()
            self.wfile.write(blob)

        def log_message(self, *args):
            pass

    storage = ThreadingHTTPServer(("127.0.0.1", 0), Storage)

    class Registry_(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen["registry"] = self.headers.get("Authorization")
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.1:{storage.server_port}/bucket/blob")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    front = ThreadingHTTPServer(("127.0.0.1", 0), Registry_)
    for server in (storage, front):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = Registry(parse_repository(f"127.0.0.1:{front.server_port}/worker"), auth="Basic c2VjcmV0")
        assert b"".join(client.read_blob(digest)) == blob
        assert seen == {"registry": "Basic c2VjcmV0", "storage": None}
    finally:
        storage.shutdown()
        front.shutdown()


def test_a_repository_without_a_registry_host_is_refused():
    with pytest.raises(RegistryError, match=r"'lambda/python' names no registry host"):
        parse_repository("lambda/python")
