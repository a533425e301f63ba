"""The dashboard's Recheck view in a real Chromium, against a real `tierlink serve` and local sites.

The view shows the last run's changes and errors, starts a run with its button,
shows the progress, then the summary; what it shows came from web pages, so it
must arrive as text (the page fails on any script error or dialog).
"""

from __future__ import annotations

import pytest

from test_dashboard import Dashboard, browser, open_dashboard, page, shot  # noqa: F401  (fixtures)
from test_recheck import LINK, ME, seed
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


def _turned_nofollow(home, sites):  # noqa: F811
    site = sites.new()
    turned = site.page("/turned", f'<a rel="nofollow" href="{ME}">alpha</a><a href="/x">x</a>')
    kept = site.page("/kept", LINK)
    seed(home, [{"source_url": turned}, {"source_url": kept}])  # both stored as followed links


def test_a_link_turned_nofollow_looks_like_a_loss_with_its_reason(page, home, sites):  # noqa: F811
    """Issue 22 item 9: follow → nofollow wore a green badge and an empty "Why"."""
    _turned_nofollow(home, sites)
    with Dashboard(home).start() as srv:
        srv.ok("POST", "/api/recheck", {"allow_private_hosts": True, "delay": 0})
        while srv.ok("GET", "/api/recheck")["state"] != "done":
            pass
        page.set_viewport_size({"width": 1366, "height": 768})
        open_dashboard(page, srv, "recheck")
        page.wait_for_selector(".recheck-change")
        row = page.locator(".recheck-change")
        assert row.count() == 1
        badge = row.locator(".badge")
        assert "badge-lost" in badge.get_attribute("class").split(), badge.get_attribute("class")
        # red, not green: the computed colour is the "lost" badge's
        assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(254, 226, 226)"
        assert badge.inner_text() == "Now nofollow"
        assert row.get_attribute("class").split() == ["recheck-change", "recheck-loss"]
        why = row.locator("td").nth(5).inner_text()
        assert 'rel="nofollow"' in why and "no longer passes link value" in why
        assert page.locator(".recheck-counts").inner_text().startswith("2 pages checked, 1 unchanged, 1 change, 0 errors")
        shot(page, "recheck-rel-change-1366")
        # nothing wider than the view at laptop size
        assert page.evaluate("document.querySelector('#view').scrollWidth <= document.querySelector('#view').clientWidth")


def test_a_dashboard_run_skip_reason_speaks_to_the_dashboard(page, home, sites):  # noqa: F811
    """Issue 22 item 9: a dashboard run's skipped pages told the user to pass `--allow-private-hosts`,
    a flag of the command line. The reason names the view's own box, which then fetches them."""
    _turned_nofollow(home, sites)
    with Dashboard(home).start() as srv:
        page.set_viewport_size({"width": 1366, "height": 768})
        open_dashboard(page, srv, "recheck")
        page.click("#recheck-start")  # the box unticked: local pages are skipped
        page.wait_for_selector(".recheck-skipped")
        skipped = page.locator(".recheck-skipped").inner_text()
        assert "--allow-private-hosts" not in skipped
        assert "loopback" in skipped and "Also fetch loopback and private addresses" in skipped
        shot(page, "recheck-skipped-1366")

        page.check("#recheck-private")
        page.click("#recheck-start")
        page.wait_for_selector(".recheck-change")
        assert page.locator(".recheck-skipped").count() == 0
        assert page.locator(".recheck-change .badge").inner_text() == "Now nofollow"


def test_schedule_report_browser_queue_and_profile_settings(page, home, sites):  # noqa: F811
    """The Recheck view reports the schedule (last run, next run, outcomes by kind) and the pages
    waiting for the browser with "Check N pages now"; the Profile edits the schedule's settings."""
    site = sites.new()
    seed(home, [{"source_url": site.page("/kept", LINK)}, {"source_url": site.route("/no", status=403)},
                {"source_url": site.route("/gone", status=404)}])
    page.set_viewport_size({"width": 1366, "height": 768})
    with Dashboard(home).start() as srv:
        srv.ok("POST", "/api/recheck", {"allow_private_hosts": True, "delay": 0})
        while srv.ok("GET", "/api/recheck")["state"] != "done":
            pass
        open_dashboard(page, srv, "profile")
        page.fill("#pf-recheck-every", "7")
        page.fill("#pf-recheck-delay", "1.5")
        page.fill("#pf-recheck-concurrency", "4")
        page.click("#pf-save")
        page.wait_for_selector("#pf-status .notice-ok")
        profile = srv.ok("GET", "/api/profile")
        assert (profile["recheck_every_days"], profile["recheck_delay"], profile["recheck_concurrency"]) == (7, 1.5, 4)
        page.locator("#pf-recheck").scroll_into_view_if_needed()
        shot(page, "profile-recheck-settings")
        page.fill("#pf-recheck-concurrency", "0")
        page.click("#pf-save")
        page.wait_for_selector("#pf-status .notice-error")
        assert "recheck_concurrency" in page.locator("#pf-status").inner_text()

        page.click('a.tab[data-view="recheck"]')
        page.wait_for_selector("#browser-queue-run")
        assert "Every 7 days (delay 1.5 s, 4 sites at once)" in page.locator("#schedule-every").inner_text()
        assert page.locator("#schedule-next").inner_text() not in ("", "–")
        counts = {page.locator(f'.schedule-outcomes tr:first-child td[data-outcome="{o}"]').inner_text()
                  for o in ("ok", "lost", "blocked")}
        assert counts == {"1"}
        assert "403" in page.locator(".browser-queue-pages").inner_text()
        assert page.locator("#browser-queue-run").inner_text() == "Check 1 page now"
        page.locator("#recheck-schedule").scroll_into_view_if_needed()
        shot(page, "recheck-schedule")
        page.click("#browser-queue-run")
        page.wait_for_selector("#browser-queue-status .notice-ok")
        assert srv.ok("GET", "/api/browser-checks")["requested_at"]
        page.locator("#browser-queue").scroll_into_view_if_needed()
        shot(page, "recheck-browser-queue")
        assert not page.errors and not page.dialogs
