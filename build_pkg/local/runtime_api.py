"""A local Lambda Runtime API (2018-06-01) for the real runtime client to talk to.

The runtime client (awslambdaric) polls `GET /runtime/invocation/next`, runs the
handler, and posts `/response` or `/error`; a failed import posts `/init/error`.
Serving those four endpoints on 127.0.0.1 lets `invoke` run a function the way
Lambda does, without Docker. Everything the client sends is put on `events`.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


@dataclass(frozen=True)
class Invocation:
    request_id: str
    payload: bytes
    deadline_ms: int  # epoch milliseconds
    function_arn: str
    client_context: str | None = None  # the caller's ClientContext, decoded: JSON text


@dataclass(frozen=True)
class RuntimeEvent:
    kind: str  # "next" | "response" | "error" | "init_error"
    at: float  # time.monotonic()
    request_id: str | None = None
    body: bytes = b""
    error_type: str | None = None


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """The runtime process is killed mid-poll when a session ends: not an error."""


class RuntimeAPI:
    def __init__(self) -> None:
        self.pending: queue.Queue[Invocation | None] = queue.Queue()
        self.events: queue.Queue[RuntimeEvent] = queue.Queue()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One send per reply (headers and body buffered, flushed after each request) with
            # Nagle off: two small writes on a kept-alive connection otherwise meet the client's
            # delayed ACK, and every warm invocation waited ~40 ms for nothing.
            wbufsize = 64 * 1024
            disable_nagle_algorithm = True

            def log_message(self, *args):  # the runtime's own logs are what matter
                pass

            def _reply(self, status: int, body: bytes = b'{"status":"OK"}', headers: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                if self.path != f"{PREFIX}/invocation/next":
                    return self._reply(404, b'{"errorMessage":"unknown path"}')
                api.events.put(RuntimeEvent("next", time.monotonic()))
                invocation = api.pending.get()
                if invocation is None:  # shutting down: never answer, the process is being stopped
                    return None
                self._reply(200, invocation.payload, {
                    "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
                    "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{invocation.request_id.replace('-', '')[:24]};Sampled=0",
                    # The runtime client makes context.client_context of it.
                    **({"Lambda-Runtime-Client-Context": invocation.client_context}
                       if invocation.client_context else {}),
                })

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = self.path.removeprefix(PREFIX).strip("/").split("/")
                error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
                if parts == ["init", "error"]:
                    api.events.put(RuntimeEvent("init_error", time.monotonic(), None, body, error_type))
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    api.events.put(RuntimeEvent(parts[2], time.monotonic(), parts[1], body, error_type))
                else:
                    return self._reply(404, b'{"errorMessage":"unknown path"}')
                self._reply(202)

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def submit(self, invocation: Invocation) -> None:
        self.pending.put(invocation)

    def close(self) -> None:
        self.pending.put(None)
        self._server.shutdown()
        self._server.server_close()


def error_document(body: bytes) -> dict:
    """The runtime client's error JSON, or a wrapper when it is not JSON."""
    try:
        document = json.loads(body or b"{}")
        return document if isinstance(document, dict) else {"errorMessage": str(document)}
    except ValueError:
        return {"errorMessage": body.decode("utf-8", "replace"), "errorType": "Runtime.Unknown"}
