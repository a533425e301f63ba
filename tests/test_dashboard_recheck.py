"""The dashboard's Recheck view in a real Chromium, against a real `tierlink serve` and local sites.

The view shows the last run's changes and errors, starts a run with its button,
shows the progress, then the summary; what it shows came from web pages, so it
must arrive as text (the page fails on any script error or dialog).
"""

from __future__ import annotations

import pytest

from test_dashboard import Dashboard, browser, open_dashboard, page, shot  # noqa: F401  (fixtures)
from test_recheck import LINK, seed
from websites import sites  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_recheck_view_shows_changes_then_runs_again(page, home, sites, tmp_path):  # noqa: F811
    site = sites.new()
    kept = site.page("/kept", LINK)
    gone = site.route("/gone", status=404, body=b"")
    down = site.route("/down", status=503, body=b"")
    xss = site.url("/<img src=x onerror=alert(1)>")  # answers 404: a change listed with this URL as text
    seed(home, [{"source_url": kept}, {"source_url": gone}, {"source_url": down}, {"source_url": xss}])
    with Dashboard(home).start() as srv:
        srv.ok("POST", "/api/recheck", {"allow_private_hosts": True, "delay": 0})
        while srv.ok("GET", "/api/recheck")["state"] != "done":
            pass
        open_dashboard(page, srv, "recheck")
        page.wait_for_selector(".recheck-change")
        assert page.locator(".recheck-change").count() == 2
        rows = page.locator(".recheck-changes").inner_text()
        assert "404" in rows and "<img src=x" in rows
        assert "503" in page.locator(".recheck-errors").inner_text()
        assert page.locator("#view img").count() == 0
        shot(page, "recheck")

        # A run from the button: the dashboard sends no allow_private_hosts, so local pages are skipped.
        page.select_option("#recheck-only", "tier1")
        page.click("#recheck-start")
        page.wait_for_selector(".recheck-skipped")
        assert "loopback" in page.locator(".recheck-skipped").inner_text()
        assert srv.ok("GET", "/api/recheck")["summary"]["checked"] == 0
