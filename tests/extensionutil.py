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

import gzip
import http.client
import json
import subprocess
import threading
import time
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer, BaseHTTPRequestHandler
from pathlib import Path

from serverutil import CompanionServer, free_port  # noqa: F401  (the companion fixture's own helpers)

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "extension"
SITE = Path(__file__).resolve().parent / "fixtures" / "extension_site"
MY_DOMAIN = "acme-widgets.com"  # the hand-made post.html links to it
CHROMIUM = "/usr/bin/chromium"  # Debian's package (TESTING.md); never a downloaded browser


class Companion(CompanionServer):
    """The real `tierlink serve` (tests/serverutil.py), plus the CLI on the same home."""

    @property
    def url(self) -> str:
        return self.base_url

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        proc = subprocess.run(self.command(*args), capture_output=True, env=self.env(), cwd=ROOT, timeout=120)
        if proc.returncode != 0:
            raise AssertionError(f"tierlink {' '.join(args)} exited {proc.returncode}:\n{proc.stderr.decode()}")
        return proc


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
                encoding = self.headers.get("Content-Encoding")
                record = {"method": self.command, "path": self.path, "origin": self.headers.get("Origin"),
                          "authorization": self.headers.get("Authorization"), "url": None,
                          "encoding": encoding, "size": len(body)}
                if self.path == "/api/analyze" and body:
                    try:  # the extension gzips a page-sized body (forwarded as it came)
                        record["url"] = json.loads(gzip.decompress(body) if encoding == "gzip" else body).get("url")
                    except (ValueError, OSError, EOFError):
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


class Browser:
    def __init__(self, context):
        self.context = context
        self.ext_id = self.worker().url.split("/")[2]

    def worker(self):
        for w in self.context.service_workers:
            if w.url.startswith("chrome-extension://"):
                return w
        return self.context.wait_for_event("serviceworker", timeout=15000)

    def eval(self, expression: str, arg=None):
        """Evaluate in the extension's service worker (woken again if Chrome stopped it)."""
        try:
            return self.worker().evaluate(expression, arg)
        except Exception:
            page = self.context.new_page()  # opening an extension page wakes the worker
            page.goto(f"chrome-extension://{self.ext_id}/options.html")
            try:
                return self.worker().evaluate(expression, arg)
            finally:
                page.close()

    def configure(self, **settings):
        self.eval("s => chrome.storage.local.set(s)", settings)

    def tab_id_of(self, url: str) -> int:
        script = """async (url) => {
            const all = await chrome.storage.session.get(null);
            for (const [k, v] of Object.entries(all)) if (k.startsWith('tab:') && v && v.url === url) return Number(k.slice(4));
            return null; }"""
        return wait_for(lambda: self.eval(script, url), what=f"a tab state for {url}")

    def badge(self, tab_id: int) -> str:
        return self.eval("t => chrome.action.getBadgeText({tabId: t})", tab_id)

    def popup(self, tab_id: int):
        page = self.context.new_page()
        page.set_viewport_size({"width": 400, "height": 600})
        page.goto(f"chrome-extension://{self.ext_id}/popup.html?tabId={tab_id}")
        return page


@contextmanager
def chromium_with_extension(profile_dir):
    """Debian's Chromium, headless, with the unpacked extension/ loaded (TESTING.md's recipe)."""
    from playwright.sync_api import sync_playwright

    ext = str(EXTENSION)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile_dir), executable_path=CHROMIUM, headless=True,
            args=["--headless=new", f"--disable-extensions-except={ext}", f"--load-extension={ext}", "--no-sandbox",
                  "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        try:
            yield Browser(context)
        finally:
            context.close()
