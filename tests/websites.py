"""Real local web servers for the link monitor's tests: several "hosts" on loopback.

Linux routes all of 127.0.0.0/8 to the loopback interface, so each Site binds its
own address (127.0.0.2, 127.0.0.3, ...) on a free port: to the fetcher they are
different hosts, as on the web. Each Site serves the routes a test gives it and
logs every request it gets (path, User-Agent, start and end on the monotonic
clock, how many requests it was serving at once), so politeness is checked from
the server's side, as a site owner would see it.

    def test_x(sites):
        a = sites.new()
        a.page("/post", '<a href="https://mysite.test/">me</a>')
        a.route("/gone", status=404)
        a.route("/slow", body=b"...", delay=2.0)
        ...  # run the recheck
        assert a.max_active == 1 and a.paths() == ["/robots.txt", "/post", ...]
"""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

FIRST_ADDRESS = 2  # 127.0.0.1 is left to the companion


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    gzip: bool = False
    drip: float = 0.0  # seconds between two bytes of `dripped`: a server that answers slowly on purpose
    dripped: str = "body"  # "headers" or "body"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args) -> None:  # the Site keeps its own log
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            pass  # the client closed a kept-alive connection: nothing to serve

    def do_GET(self) -> None:
        site = self.server.site
        entry = {"path": self.path, "ua": self.headers.get("User-Agent", ""), "host": self.headers.get("Host", ""),
                 "start": time.monotonic(), "end": None}
        with site.lock:
            site.log.append(entry)
            site.active += 1
            site.max_active = max(site.max_active, site.active)
        try:
            route = site.routes.get(self.path.split("?")[0]) or Route(404, b"<!doctype html><title>404</title>")
            if route.delay:
                time.sleep(route.delay)
            body = route.body
            headers = dict(route.headers)
            if route.gzip:
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
            self.send_response(route.status)
            for name, value in headers.items():
                for v in value if isinstance(value, list) else [value]:
                    self.send_header(name, v)
            self.send_header("Content-Length", str(len(body)))
            if route.drip and route.dripped == "headers":
                raw, self._headers_buffer = b"".join(self._headers_buffer) + b"\r\n", []
                self._drip(raw, route.drip)
            else:
                self.end_headers()
            try:
                if route.drip and route.dripped == "body":
                    self._drip(body, route.drip)
                else:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading (a size cap, a timeout)
        finally:
            with site.lock:
                site.active -= 1
                entry["end"] = time.monotonic()


    def _drip(self, data: bytes, every: float) -> None:
        """Send `data` one byte at a time, `every` seconds apart (each byte well within a read timeout)."""
        for i in range(len(data)):
            self.wfile.write(data[i:i + 1])
            self.wfile.flush()
            time.sleep(every)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class Site:
    def __init__(self, address: str):
        self.address = address
        self.routes: dict[str, Route] = {}
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.server = _Server((address, 0), _Handler)
        self.server.site = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://{self.address}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, **kw) -> str:
        self.routes[path] = Route(**kw)
        return self.url(path)

    def page(self, path: str, body_html: str, *, title: str = "A page", headers: dict | None = None,
             **kw) -> str:
        html = (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
                f"<body><main><p>Some text about things.</p>{body_html}</main></body></html>")
        return self.route(path, body=html.encode("utf-8"), headers=headers or {}, **kw)

    def requests(self, path: str | None = None) -> list[dict]:
        with self.lock:
            return [dict(e) for e in self.log if path is None or e["path"] == path]

    def paths(self) -> list[str]:
        return [e["path"] for e in self.requests()]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Sites:
    """Makes Sites on consecutive loopback addresses; closes them all at the end."""

    def __init__(self, first: int = FIRST_ADDRESS):
        self.next = first
        self.all: list[Site] = []

    def new(self) -> Site:
        site = Site(f"127.0.0.{self.next}")
        self.next += 1
        self.all.append(site)
        return site

    def close(self) -> None:
        for site in self.all:
            site.close()


@pytest.fixture
def sites():
    made = Sites()
    yield made
    made.close()
