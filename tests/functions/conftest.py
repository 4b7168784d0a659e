"""Fixtures of the functions' own tests. `aws_env` (boto3 against a local moto server) comes
from the builder's pytest plugin (build_pkg.testing.functions, on in pytest.ini)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


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
