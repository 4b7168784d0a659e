"""The HTTP side both local servers share: a listening socket on 127.0.0.1 with a real
backlog, a bounded number of connections served at once (more wait in the backlog, so slow
or idle clients cannot take a thread each without end), a read timeout, request bodies read
whole or refused (cut short: 400; over the service's limit: its 413, announced sizes refused
unread; a client that stalls: 408), and one stderr line per request.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..errors import InvokeError
from .served import LocalFunctions

HOST = "127.0.0.1"
BACKLOG = 128  # socketserver's 5 overflows at a few dozen clients: a SYN dropped costs a 1 s retry
MAX_CONNECTIONS = 128  # served at once; each holds a thread while it is open
READ_TIMEOUT_S = 30  # a request (or the next one on a kept-alive connection) that stalls this long is dropped


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = BACKLOG

    def __init__(self, *args, **kwargs):
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address):
        # The accept loop waits here for a free slot: the next connections stay in the backlog.
        self._slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address):
        """A client that hangs up mid-reply is not the server's problem."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 64 * 1024  # one send per reply (see runtime_api)
    disable_nagle_algorithm = True
    timeout = READ_TIMEOUT_S
    functions: LocalFunctions

    def log_message(self, *args):
        pass

    body_limit: int  # the largest body the service accepts; more is refused unread

    def _too_large(self, size: int, began: float) -> None:
        """The service's own answer to a body over `body_limit`."""
        raise NotImplementedError

    def _read_body(self, began: float) -> bytes | None:
        """The request's body; None (after a 400) when it is cut short or malformed, which
        never reaches a function as if it were whole, and None (after the service's 413)
        when it is over the limit: a Content-Length over it is refused before a byte of the
        body is read, so a client announcing 100 GB costs nothing."""
        try:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                body, size = self._read_chunks()
            else:
                size = self._content_length()
                body = self.rfile.read(size) if 0 < size <= self.body_limit else b""
                if size <= self.body_limit and len(body) != size:  # a whole number: _content_length
                    raise ValueError("the body is shorter than its Content-Length")
            if size > self.body_limit:
                self.close_connection = True  # the rest of the body is never parsed
                self._too_large(size, began)
                self._drain()
                return None
            return body
        except TimeoutError:
            self.close_connection = True
            self._send(408, (("Content-Type", "application/json"),), b'{"message":"Request Timeout"}')
            print(f"{self.command} {self.path} 408 - the body did not arrive within {READ_TIMEOUT_S} s",
                  file=sys.stderr, flush=True)
            return None
        except ValueError as exc:
            self.close_connection = True
            self._send(400, (("Content-Type", "application/json"),),
                       json.dumps({"message": f"Bad request: {exc}"}).encode())
            print(f"{self.command} {self.path} 400 - {exc}", file=sys.stderr, flush=True)
            return None

    def _content_length(self) -> int:
        """The one Content-Length, a whole number; anything else is a 400 (a front proxy's answer)."""
        given = {value.strip() for value in self.headers.get_all("Content-Length") or []}
        if len(given) > 1:
            raise ValueError(f"{len(given)} different Content-Length headers")
        text = next(iter(given), "0")
        if not text.isdigit():
            raise ValueError(f"Content-Length {text[:20]!r} is not a whole number of bytes")
        return int(text)

    def _drain(self) -> None:
        """Read (and drop) what the client still sends, up to the limit again, before the
        connection closes: closing on unread bytes resets it, and a client still sending its
        body would see the reset instead of the answer (a lingering close, as web servers do)."""
        try:
            self.connection.settimeout(2)
            left = self.body_limit
            while left > 0 and (chunk := self.rfile.read1(min(left, 1 << 16))):
                left -= len(chunk)
        except OSError:
            pass

    def _read_chunks(self) -> tuple[bytes, int]:
        """A chunked body (curl -T -, streaming clients), to its last chunk and trailers, so
        the connection's next request starts where it should, and its size; over the limit,
        what was read so far and the size it reached (the chunk that passes the limit unread)."""
        body = bytearray()
        while True:
            line = self.rfile.readline()
            if not line:
                raise ValueError("the chunked body ends before its last chunk")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ValueError(f"chunk size {line.strip()[:20]!r} is not hexadecimal") from None
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return bytes(body), len(body)
            if len(body) + size > self.body_limit:
                return bytes(body), len(body) + size
            chunk = self.rfile.read(size)
            if len(chunk) != size:
                raise ValueError("a chunk is shorter than its size")
            body += chunk
            self.rfile.readline()  # the CRLF after the chunk

    def _send(self, status: int, headers, body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            # http.server writes headers as latin-1: other text goes out as its UTF-8 bytes
            # (what proxies pass on) instead of a dropped connection.
            self.send_header(name, value if value.isascii() else value.encode("utf-8").decode("latin-1"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _note(self, status: int, function: str | None, began: float) -> None:
        print(f"{self.command} {self.path} {status} {function or '-'} {(time.monotonic() - began) * 1000:.1f} ms",
              file=sys.stderr, flush=True)


    def stopping(self) -> bool:
        """The server is shutting down: the connection closes without an answer, as a
        server that stopped would leave it (never a made-up 502 for a request not run)."""
        if self.functions.pool.closed:
            self.close_connection = True
            return True
        return False


def listen(port: int) -> Server:
    """The listening socket, bound before the build, so a port in use is said at once.
    Connections wait in its backlog until `serve` runs."""
    try:
        return Server((HOST, port), Handler)
    except OSError as exc:
        raise InvokeError(f"cannot listen on {HOST}:{port} ({exc.strerror}); pick another --port") from None


def serve(server: Server, functions: LocalFunctions, handler: type[Handler], ready) -> None:
    """Serve until Ctrl-C; `ready(address)` is called first."""
    server.RequestHandlerClass = type(handler.__name__, (handler,), {"functions": functions})
    functions.start_watching()
    try:
        ready(f"http://{HOST}:{server.server_address[1]}")
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        functions.close()
