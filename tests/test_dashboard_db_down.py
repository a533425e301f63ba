"""The team database unreachable: the dashboard says so once, not twice.

A real `tierlink serve` in team mode on a real PostgreSQL of its own, which is then stopped:
its loopback port is closed (every connection refused; `serve` refuses to start without its
database, so it is stopped after). The dashboard is opened in a real Chromium at 1366×768. The header's banner
gives the database's message (from /api/health); the view that could not load says only
that it could not, and points at the banner, instead of repeating the same message under it.
"""

from __future__ import annotations

import subprocess

import pytest

from pgutil import start_cluster
from test_dashboard import Dashboard, browser, page, shot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def test_an_unreachable_team_database_is_said_once(page, tmp_path):  # noqa: F811
    cluster = start_cluster()
    srv = None
    try:
        url = cluster.new_database()
        srv = Dashboard(tmp_path / "home", extra_args=("--database", url, "--user", "ann"))
        init = subprocess.run(srv.command("--database", url, "init", "--domain", "example.com"), env=srv.env(),
                              capture_output=True, timeout=120)
        assert init.returncode == 0, init.stderr.decode()
        srv.start()
        cluster.stop()  # now nothing listens on its port
        said_once(page, srv, cluster.port)
    finally:
        if srv is not None:
            srv.stop()
        cluster.destroy()


def said_once(page, srv, port: int) -> None:
    """Every view that needs the database: its message once (the banner), the view pointing at it."""
    health = srv.ok("GET", "/api/health")
    assert health["status"] == "degraded" and health["problem"]["code"] == "database_unavailable", health
    assert f"127.0.0.1:{port}/" in health["problem"]["message"], health
    assert srv.request("GET", "/api/boost").json()["error"]["code"] == "database_unavailable"

    page.set_viewport_size({"width": 1366, "height": 768})
    for view in ("boost", "candidates", "alerts"):
        page.goto("about:blank")  # a fresh load each time (a fragment-only change would not reload)
        page.goto(f"{srv.base}/#token={srv.token}")
        page.click(f'a.tab[data-view="{view}"]')
        page.wait_for_selector("#health-problem .notice")
        page.wait_for_selector("#view .notice-error >> visible=true")
        page.wait_for_load_state("networkidle")
        body = page.locator("body").inner_text()
        where = f"127.0.0.1:{port}/"  # in every wording of the message (the reason after it varies)
        assert body.count(where) == 1, f"{view}: the database's message {body.count(where)} times:\n{body}"
        assert where in page.locator("#health-problem").inner_text()
        said = page.locator("#view .notice-error >> visible=true").all_inner_texts()
        assert said and all("could not load" in s and "above" in s for s in said), said
        assert "Team database unreachable" in page.locator("#conn").inner_text()
        assert page.locator("#view .loading").count() == 0
        shot(page, f"db-down-{view}-1366")
