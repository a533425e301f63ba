"""A real companion server for tests: `tierlink serve` as a subprocess on a free port.

Why a subprocess: it is what users run (CLI parsing, lock file, signals, waitress
settings all included), and stopping it by pid never hangs on keep-alive
connections the way closing an in-thread waitress can (TESTING.md).

Why http.client: tests of the Host/Origin gates must send any Host header, an
empty one, or none at all; `requests`/urllib always fill it in.

Usage in a test (the `server` fixture is module-scoped, see conftest.py):

    def test_something(server):
        r = server.request("POST", "/api/analyze", json={"url": ..., "html": ...})
        assert r.status == 200, r.text
        data = r.json()

    r = server.request("GET", "/api/profile", headers={"Host": "evil.com"})       # override a header
    r = server.request("GET", "/api/profile", headers={"Authorization": None})    # drop the token
    body, ctype = multipart({"format": "semrush"}, {"file": ("export.csv", data)})
    r = server.request("POST", "/api/import", data=body, headers={"Content-Type": ctype})

For a fresh home or special start-up, use `CompanionServer(home).start()` and
`.stop()` yourself (or `with CompanionServer(home) as srv:`).
"""

from __future__ import annotations

import http.client
import json as jsonlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _die_with_parent() -> None:
    """Linux: SIGTERM the server when the test process dies (a crashed or killed test
    run must not leave servers behind). Runs in the child between fork and exec.
    Note: it fires when the *thread* that started the server exits, so start
    servers from the main thread (fixtures do)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def multipart(fields: dict[str, str] | None = None,
              files: dict[str, tuple[str, bytes]] | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser form sends it: (body, Content-Type value)."""
    boundary = "tierlink-test-" + os.urandom(8).hex()
    out = bytearray()
    for name, value in (fields or {}).items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()
    for name, (filename, content) in (files or {}).items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


class Response:
    """status, headers (case-insensitive get), body bytes; .text and .json() for convenience."""

    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return jsonlib.loads(self.body)

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.body[:200]!r}>"


class CompanionServer:
    """`python -m companion --home HOME serve --port PORT`, with helpers to call it.

    Attributes: `home`, `port`, `base_url` ("http://127.0.0.1:PORT"), `host`
    ("127.0.0.1:PORT", the Host header sent by default), `token`, `proc`.
    """

    def __init__(self, home: Path, port: int | None = None, extra_args: tuple[str, ...] = ()):
        self.home = Path(home)
        self.port = port or free_port()
        self.extra_args = tuple(extra_args)
        self.proc: subprocess.Popen | None = None
        self.log_path = self.home.parent / f"companion-{self.port}.log"
        self.token = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "companion", "--home", str(self.home), *args]

    def env(self) -> dict:
        return dict(os.environ, TIERLINK_HOME=str(self.home), PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")

    def start(self, timeout: float = 30) -> "CompanionServer":
        self.home.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command("serve", "--port", str(self.port), *self.extra_args),
                                     stdout=log, stderr=subprocess.STDOUT, env=self.env(), cwd=ROOT,
                                     preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"companion exited {self.proc.returncode} at start:\n{self.output()}")
            try:
                if self.request("GET", "/api/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"companion did not answer within {timeout} s:\n{self.output()}")
            time.sleep(0.1)
        self.token = (self.home / "token").read_text().strip()
        return self

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM (a clean shutdown), SIGKILL if it does not stop; returns the exit code."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        return proc.returncode

    def __enter__(self) -> "CompanionServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def output(self, limit: int | None = 6000) -> str:
        """The server's stdout+stderr so far (the last `limit` characters; None: all)."""
        try:
            text = self.log_path.read_text(errors="replace")
            return text[-limit:] if limit else text
        except OSError:
            return ""

    def request(self, method: str, path: str, json=None, headers: dict | None = None, data=None,
                *, timeout: float = 60) -> Response:
        """One request on a fresh connection, with full control of the headers.

        Defaults: `Host: 127.0.0.1:PORT`, `Authorization: Bearer <token>` (once started),
        `Content-Type: application/json` when `json` is given. Entries in `headers`
        replace the defaults; a value of None leaves that header out entirely
        (e.g. `{"Host": None}` sends no Host header). `data` is raw bytes (or str).
        """
        merged: dict[str, str | None] = {"Host": self.host}
        if self.token:
            merged["Authorization"] = f"Bearer {self.token}"
        body = data
        if json is not None:
            body = jsonlib.dumps(json).encode()
            merged["Content-Type"] = "application/json"
        if isinstance(body, str):
            body = body.encode()
        for name, value in (headers or {}).items():
            for existing in [k for k in merged if k.lower() == name.lower()]:
                del merged[existing]
            merged[name] = value
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in merged.items():
                if value is not None:
                    conn.putheader(name, value)
            if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k in merged):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            res = conn.getresponse()
            return Response(res.status, res.headers, res.read())
        finally:
            conn.close()

    def api(self, method: str, path: str, json=None, expect: int = 200):
        """Call the API as the extension would and return the JSON, asserting the status."""
        r = self.request(method, path, json=json)
        assert r.status == expect, f"{method} {path} -> {r.status} {r.text[:500]}\n--- server log ---\n{self.output()}"
        return r.json()


def upload_files(srv: CompanionServer, files: list[Path], fields: dict | None = None, *,
                 headers: dict | None = None, timeout: float = 600):
    """POST /api/import as a browser does (multipart, Content-Length), streaming each file from disk.

    The client never holds a file in memory either, so a benchmark can send gigabytes.
    Returns (status, JSON answer).
    """
    boundary = "----tierlinkBoundary" + os.urandom(8).hex()
    head_parts = []
    for name, value in (fields or {}).items():
        head_parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode())
    pieces = []
    for path in files:
        pieces.append((f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
                       f"Content-Type: text/csv\r\n\r\n").encode())
        pieces.append(path)
        pieces.append(b"\r\n")
    tail = f"--{boundary}--\r\n".encode()
    total = sum(len(p) for p in head_parts) + len(tail) + sum(
        p.stat().st_size if isinstance(p, Path) else len(p) for p in pieces)

    def body():
        yield from head_parts
        for piece in pieces:
            if isinstance(piece, Path):
                with open(piece, "rb") as fh:
                    while chunk := fh.read(1024 * 1024):
                        yield chunk
            else:
                yield piece
        yield tail

    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    try:
        send = {"Host": srv.host, "Authorization": f"Bearer {srv.token}", "Content-Length": str(total),
                "Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})}
        conn.request("POST", "/api/import", body=body(), headers={k: v for k, v in send.items() if v is not None})
        res = conn.getresponse()
        return res.status, jsonlib.loads(res.read() or b"null")
    finally:
        conn.close()


class RssSampler(threading.Thread):
    """The RSS of a process every 50 ms (psutil), tagged with the import's phase (GET /api/import) when a server is given.

    `start()`, then `stop.set(); join()`; `peak(*phases)` is the largest sample (in those phases).
    """

    def __init__(self, pid: int, srv: CompanionServer | None = None):
        import psutil

        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self._errors = (psutil.Error,)
        self.srv = srv
        self.samples: list[tuple[str, int]] = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                rss = self.proc.memory_info().rss
            except self._errors:
                return
            phase = "-"
            if self.srv is not None:
                try:
                    phase = self.srv.api("GET", "/api/import").get("phase") or "-"
                except (OSError, AssertionError):
                    pass
            self.samples.append((phase, rss))
            time.sleep(0.05)

    def peak(self, *phases: str) -> int:
        return max((rss for phase, rss in self.samples if not phases or phase in phases), default=0)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test that used the `server` fixture shows the companion's log in its report."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        srv = getattr(item, "funcargs", {}).get("server")
        if isinstance(srv, CompanionServer):
            report.sections.append(("companion log (tierlink serve)", srv.output()))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running companion (one per test module) with its own data home.

    Exposes `base_url`, `port`, `host`, `token`, `home`, `request(...)`, `api(...)`,
    `output()`. A failing test's report shows the server's log (the hook above);
    it is also printed at teardown if the server died.
    """
    home = tmp_path_factory.mktemp("companion") / "home"
    srv = CompanionServer(home).start()
    try:
        yield srv
    finally:
        alive = srv.proc is not None and srv.proc.poll() is None
        code = srv.stop()
        if not alive:
            print(f"companion had exited ({code}) before teardown:\n{srv.output()}")
