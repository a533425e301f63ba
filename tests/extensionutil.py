"""Helpers for the extension's browser tests: a real companion subprocess, a static
site to browse, and a recording relay in front of the companion.

The relay is a plain HTTP forwarder between the browser and the real companion:
it passes every request and answer through unchanged (Origin and Authorization
included) and notes what went by, so a test can assert on what the extension
sent — e.g. that an excluded host was never sent, or that Firefox's requests
come from a moz-extension:// origin. When the companion is down the relay drops
the connection, exactly as a closed port looks to the browser.
"""

from __future__ import annotations

import http.client
import json
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer, BaseHTTPRequestHandler
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "extension"
SITE = Path(__file__).resolve().parent / "fixtures" / "extension_site"
MY_DOMAIN = "acme-widgets.com"  # the hand-made post.html links to it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def companion_command() -> list[str]:
    """How to run the companion CLI. TIERLINK_E2E_COMPANION overrides it (another build)."""
    override = os.environ.get("TIERLINK_E2E_COMPANION")
    return shlex.split(override) if override else [sys.executable, "-m", "companion"]


def companion_can_serve() -> str | None:
    """None when `tierlink serve` exists, else the reason it cannot be used."""
    proc = subprocess.run([*companion_command(), "serve", "--help"], capture_output=True, cwd=ROOT, timeout=60)
    if proc.returncode != 0:
        return f"`tierlink serve` is not available yet: {proc.stderr.decode(errors='replace').strip()[-200:]}"
    return None


class Companion:
    """`tierlink serve` on a free port, as a subprocess with its own data home."""

    def __init__(self, home: Path, port: int | None = None):
        self.home = Path(home)
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log = self.home.parent / f"companion-{self.port}.log"
        self.token = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, TIERLINK_HOME=str(self.home), PYTHONIOENCODING="utf-8")
        proc = subprocess.run([*companion_command(), "--home", str(self.home), *args],
                              capture_output=True, env=env, cwd=ROOT, timeout=120)
        if proc.returncode != 0:
            raise AssertionError(f"tierlink {' '.join(args)} exited {proc.returncode}:\n{proc.stderr.decode()}")
        return proc

    def start(self) -> "Companion":
        env = dict(os.environ, TIERLINK_HOME=str(self.home), PYTHONIOENCODING="utf-8")
        out = open(self.log, "ab")
        self.proc = subprocess.Popen([*companion_command(), "--home", str(self.home), "serve", "--port", str(self.port)],
                                     stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"companion exited {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=2) as res:
                    if res.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"companion did not answer within 30 s:\n{self.output()}")
        self.token = self.cli("token").stdout.decode().strip().splitlines()[-1].strip()
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def api(self, method: str, path: str, body=None):
        """Call the API as a script would (token, no Origin). Returns (status, json)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return res.status, json.loads(res.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")


class Relay:
    """A recording HTTP forwarder on its own port, in front of the companion."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                record = {"method": self.command, "path": self.path, "origin": self.headers.get("Origin"),
                          "authorization": self.headers.get("Authorization"), "url": None}
                if self.path == "/api/analyze" and body:
                    try:
                        record["url"] = json.loads(body).get("url")
                    except ValueError:
                        pass
                with relay._lock:
                    relay.requests.append(record)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "keep-alive")}
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", relay.upstream_port, timeout=60)
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    res = conn.getresponse()
                    payload = res.read()
                except OSError:
                    record["status"] = "unreachable"
                    self.close_connection = True  # drop it: what a closed port looks like
                    return
                record["status"] = res.status
                self.send_response(res.status)
                for k, v in res.getheaders():
                    if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                conn.close()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def analyzed(self) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["path"] == "/api/analyze"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Site:
    """The hand-made pages in tests/fixtures/extension_site on a free port."""

    def __init__(self, root: Path = SITE):
        handler = partial(_QuietHandler, directory=str(root))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}/{path.lstrip('/')}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")
