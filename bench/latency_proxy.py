"""A stand-in for AWS's latency: an HTTP proxy on 127.0.0.1 that waits `delay` seconds
before forwarding each request to a local moto server, and counts the requests.

One thread per client connection (keep-alive honoured, as botocore's pool expects), one
upstream connection per thread: concurrent callers overlap their waits, as they would
against AWS. Used by the benchmarks' 100 ms rows.

    proxy = LatencyProxy("http://127.0.0.1:5000", delay=0.1).start()
    ... AWS_ENDPOINT_URL=proxy.url ...
    proxy.stop()
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional
from urllib.parse import urlsplit

# Headers that belong to one hop, not to the request (RFC 9110 section 7.6.1).
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


class Listener(ThreadingHTTPServer):
    # Every account connects at once. socketserver's default backlog of 5 drops the
    # connections beyond it, and the kernel retries them a second later: stalls of 1 s
    # that AWS's endpoints do not have (werkzeug, behind this, listens with 128).
    request_queue_size = 128


class LatencyProxy:
    def __init__(self, upstream: str, delay: float, canned: Optional[dict[str, dict]] = None) -> None:
        """canned: JSON answers by X-Amz-Target, for operations moto lacks (shaped as in
        the API reference); they get the same delay."""
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.delay = delay
        self.canned = canned or {}
        self.requests = 0
        self._lock = threading.Lock()
        self._server = Listener(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "LatencyProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def count(self) -> None:
        with self._lock:
            self.requests += 1

    def _handler(self) -> type:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like AWS's endpoints

            def log_message(self, *args) -> None:  # quiet
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes: without this, Nagle's
                # algorithm and delayed ACKs add some 40 ms to each response.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _forward(self) -> None:
                proxy.count()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                time.sleep(proxy.delay)  # the stand-in round trip
                answer = proxy.canned.get(self.headers.get("X-Amz-Target", ""))
                if answer is not None:
                    return self._reply(200, "OK", [("Content-Type", "application/x-amz-json-1.1")], json.dumps(answer).encode())
                if not hasattr(self, "upstream"):
                    self.upstream = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                self.upstream.request(self.command, self.path, body=body, headers=headers)
                response = self.upstream.getresponse()
                self._reply(response.status, response.reason, response.getheaders(), response.read())

            def _reply(self, status: int, reason: str, headers: list, payload: bytes) -> None:
                self.send_response(status, reason)
                for key, value in headers:
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward  # (no HEAD: no body to size)

        return Handler
