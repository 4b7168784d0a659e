"""Throttling: Lambda answers 429 TooManyRequestsException when an account's control-plane
calls exceed its quota; the builder's clients back off and retry instead of failing.

A small HTTP server on 127.0.0.1 answers GetAlias as Lambda's REST API does (its path,
its error header and body), throttling the first five calls. It does nothing else."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from build_pkg import aws


class _Throttling(BaseHTTPRequestHandler):
    calls: list[str] = []  # a burst: five throttled answers in a row (as many as the default retries take)

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.calls.append(self.path)
        if len(self.calls) <= 5:
            body, status, headers = {"Type": "User", "message": "Rate exceeded"}, 429, {
                "x-amzn-ErrorType": "TooManyRequestsException"}
        else:
            body, status, headers = {"AliasArn": "arn:aws:lambda:eu-west-1:123456789012:function:f:live",
                                     "Name": "live", "FunctionVersion": "3"}, 200, {}
        data = json.dumps(body).encode()
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_a_throttled_read_backs_off_and_succeeds(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Throttling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_port}")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        answer = aws.client("lambda", "eu-west-1").get_alias(FunctionName="f", Name="live")
        assert answer["FunctionVersion"] == "3"
        assert _Throttling.calls == ["/2015-03-31/functions/f/aliases/live"] * 6  # five throttled, then the answer
    finally:
        server.shutdown()
