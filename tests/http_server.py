"""A small HTTP server on 127.0.0.1 for the tests that fetch: routes with bodies, ETags (it
answers 304 to a matching If-None-Match), redirects, 429/503 with Retry-After, and a log of every
request (path and whether it was conditional). Nothing in the tests reaches another address."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True
    gzip: bool = False
    busy_times: int = 0  # answer 429 with Retry-After this many times first
    delay_s: float = 0.0
    drip_s: float = 0.0  # send the body one byte at a time, this long apart (a slow-drip server)
    trickle_s: float = 0.0  # a slow loris: the body one byte every trickle_s seconds


@dataclass
class Seen:
    path: str
    conditional: bool
    user_agent: str


class Site:
    """The server's routes (path -> Route) and the requests it saw."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            conditional = "If-None-Match" in self.headers or "If-Modified-Since" in self.headers
            site.requests.append(Seen(self.path, conditional, self.headers.get("User-Agent", "")))
            route = site.routes.get(self.path)
            if route is None:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            if route.delay_s:
                import time

                time.sleep(route.delay_s)
            if route.busy_times > 0:
                route.busy_times -= 1
                self._send(429, b"slow down", {"Retry-After": "0", "Content-Type": "text/plain"})
                return
            headers = {"Content-Type": route.content_type, **route.headers}
            tag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            if route.etag and route.status == 200:
                headers["ETag"] = tag
                if self.headers.get("If-None-Match") == tag:
                    self._send(304, b"", {"ETag": tag})
                    return
            body = route.body
            if route.gzip:
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            if route.trickle_s:
                self._trickle(route, body, headers)
                return
            self._send(route.status, body, headers)

        def _trickle(self, route: Route, body: bytes, headers: dict[str, str]) -> None:
            import time

            self.send_response(route.status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(route.trickle_s)
            except OSError:  # the client gave up: so does the loris
                pass

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status == 304:
                return
            route = site.routes.get(self.path)
            if route is not None and route.drip_s:
                self._drip(body, route.drip_s)
            else:
                self.wfile.write(body)

        def _drip(self, body: bytes, pause_s: float) -> None:
            import time

            try:
                for n in range(len(body)):
                    self.wfile.write(body[n : n + 1])
                    self.wfile.flush()
                    time.sleep(pause_s)
            except OSError:  # the client gave up: what a slow server sees
                pass

    return Handler


@contextmanager
def serving(site: Site) -> Iterator[Site]:
    """Serve `site` on a free loopback port for the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
