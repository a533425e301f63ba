"""What `tierlink serve` writes to its terminal while a user works: nothing alarming
for ordinary use.

Opening the dashboard once used to log 17 waitress "Task queue depth" warnings:
the browser fetches the page's modules, stylesheet and first API calls at once
over its 6 connections to the host, and waitress warns whenever a request has to
wait for one of its (then 4) threads at all. A real `tierlink serve`, a real
Chromium opening the address it printed, and the server's own stderr read back.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extensionutil import CHROMIUM
from serverutil import CompanionServer

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    pytest.skip(f"Debian's Chromium not found at {CHROMIUM}: apt-get install -y chromium", allow_module_level=True)
sync_playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright").sync_playwright


def test_opening_the_dashboard_logs_no_queue_depth_warning(tmp_path):
    server = CompanionServer(tmp_path / "home").start()
    served: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--headless=new", "--no-sandbox", "--disable-gpu",
                                              "--disable-background-networking", "--no-first-run"])
            try:
                # Several fresh visits: each a cold cache, every module fetched at once.
                for _ in range(3):
                    context = browser.new_context(viewport={"width": 1366, "height": 768})
                    page = context.new_page()
                    page.on("requestfinished", lambda r: served.append(r.url))
                    page.goto(f"{server.base_url}/#token={server.token}")
                    page.wait_for_selector("nav#tabs a.tab")
                    page.wait_for_selector("main .view")
                    page.wait_for_load_state("networkidle")
                    context.close()
            finally:
                browser.close()
        time.sleep(0.3)  # the server's last log lines reach the file
        log = server.output(limit=None)  # the whole log: the burst pushes 'listening on' out of the tail
    finally:
        server.stop()
    # The burst really happened: the shell, its modules, the stylesheet and API calls.
    ours = [u for u in served if u.startswith(server.base_url)]
    assert len([u for u in ours if "/static/" in u]) >= 3 * 8, ours
    assert "listening on" in log, log
    assert not re.search(r"Task queue depth", log), log
    assert " WARNING " not in log, log


def test_a_real_backlog_is_still_logged():
    """The filter drops a momentary wait, never a backlog as deep as the server's threads."""
    import logging

    from companion.web.server import WAITRESS_SETTINGS, _QueueDepthFilter

    def record(msg, *args):
        return logging.LogRecord("waitress.queue", logging.WARNING, __file__, 1, msg, args, None)

    keep = _QueueDepthFilter().filter
    assert not keep(record("Task queue depth is %d", 1))
    assert not keep(record("Task queue depth is %d", WAITRESS_SETTINGS["threads"] - 1))
    assert keep(record("Task queue depth is %d", WAITRESS_SETTINGS["threads"]))
    assert keep(record("something else went wrong"))


def test_serve_says_when_no_domain_is_set(tmp_path):
    """Issue 22 item 1: with no `init`, every page read 'nothing of note' and nothing said why."""
    bare = CompanionServer(tmp_path / "bare").start()
    try:
        said = bare.output(None)
    finally:
        bare.stop()
    assert "No domain of yours is set yet" in said, said
    assert "tierlink init --domain example.com" in said
    assert "`" not in said.split("No domain", 1)[1].splitlines()[0]

    home = tmp_path / "set"
    home.mkdir()
    done = subprocess.run([sys.executable, "-m", "companion", "--home", str(home), "init", "--domain", "acme.test"],
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    configured = CompanionServer(home).start()
    try:
        said = configured.output(None)
    finally:
        configured.stop()
    assert "dashboard at" in said and "No domain" not in said, said
