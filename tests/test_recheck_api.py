"""The companion runs rechecks in the background: POST/GET /api/recheck and the profile's schedule.

A real `tierlink serve` on a seeded home and real local sites: the POST answers
202 at once, GET shows the progress then the summary, a second POST while one
runs is 409, and so is one while `tierlink recheck` runs on the same home.
Also here: the `headers` a client sends with a page (X-Robots-Tag) count.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from serverutil import CompanionServer
from test_recheck import LINK, ME, seed
from websites import sites  # noqa: F401  (fixture)


def wait_done(srv, limit: float = 60):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        status = srv.api("GET", "/api/recheck")
        if status["state"] == "done":
            return status
        time.sleep(0.1)
    raise AssertionError(f"the recheck did not finish: {status}")


def test_start_progress_summary_and_one_at_a_time(home, sites):  # noqa: F811
    site = sites.new()
    pages = [site.page(f"/p{i}", LINK) for i in range(4)]
    gone = site.route("/gone", status=404, body=b"")
    seed(home, [{"source_url": u} for u in [*pages, gone]])
    with CompanionServer(home) as srv:
        assert srv.api("GET", "/api/recheck") == {"state": "idle", "done": 0, "total": 0, "summary": None}
        started = srv.api("POST", "/api/recheck", json={"allow_private_hosts": True, "delay": 0.3}, expect=202)
        assert started["state"] == "running" and started["summary"] is None
        again = srv.request("POST", "/api/recheck", json={"allow_private_hosts": True})
        assert again.status == 409 and again.json()["error"]["code"] == "recheck_running"
        seen_running = srv.api("GET", "/api/recheck")
        assert seen_running["state"] == "running" and seen_running["total"] == 5
        done = wait_done(srv)
        assert done["done"] == 5 and done["summary"]["unchanged"] == 4
        assert done["summary"]["changes"][0]["kind"] == "lost" and done["summary"]["changes"][0]["source_url"] == gone
        assert srv.api("GET", "/api/backlinks?status=lost&limit=1000")["backlinks"][0]["source_url"] == gone
        assert "recheck finished: 5 checked" in srv.output(None)


def test_bad_options_are_400(home):
    with CompanionServer(home) as srv:
        for body in ({"concurrency": 0}, {"delay": "fast"}, {"only": "all"}, {"bogus": 1}, {"limit": True}):
            r = srv.request("POST", "/api/recheck", json=body)
            assert r.status == 400 and r.json()["error"]["message"], body
        assert srv.api("GET", "/api/recheck")["state"] == "idle"


def test_refused_while_the_cli_runs_one(home, sites):  # noqa: F811
    site = sites.new()
    seed(home, [{"source_url": site.page(f"/p{i}", LINK)} for i in range(3)])
    # The server starts first: on a loaded machine its start took longer than the CLI's whole run.
    with CompanionServer(home) as srv:
        cli = subprocess.Popen([sys.executable, "-m", "companion", "--home", str(home), "recheck",
                                "--allow-private-hosts", "--delay", "1.5", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            while not site.requests():  # the CLI's run has started (it then waits 1.5 s per page)
                time.sleep(0.05)
            r = srv.request("POST", "/api/recheck", json={"allow_private_hosts": True})
            assert r.status == 409 and "already running" in r.json()["error"]["message"]
        finally:
            out, _ = cli.communicate(timeout=60)
    assert json.loads(out)["unchanged"] == 3


def test_the_profile_schedule_runs_in_serve(home, sites):  # noqa: F811
    """recheck_every_days: serve runs one at start when none ran yet, and says so in its log.
    Its default options do not fetch private addresses: the local page is skipped, with the reason."""
    site = sites.new()
    url = site.page("/p", LINK)
    seed(home, [{"source_url": url}])
    with CompanionServer(home) as srv:
        profile = srv.api("GET", "/api/profile")
        assert srv.api("PUT", "/api/profile", json={**profile, "recheck_every_days": 7})["recheck_every_days"] == 7
    with CompanionServer(home) as srv:
        done = wait_done(srv)
        assert "loopback" in done["summary"]["skipped"][0]["reason"]
        log = srv.output(None)
        assert "recheck scheduled every 7 days" in log and "recheck started (every 7 days" in log
    assert site.requests() == []


def test_headers_sent_with_a_page_count(home):
    """The extension passes the main frame's X-Robots-Tag: a header nofollow makes my link not followed."""
    seed(home, [{"source_url": "https://blog.test/post"}])
    html = f"<html><body><main>{LINK}</main></body></html>"
    with CompanionServer(home) as srv:
        plain = srv.api("POST", "/api/analyze", json={"url": "https://blog.test/post", "html": html})
        assert plain["robots"] == {"noindex": False, "nofollow": False}
        sent = srv.api("POST", "/api/analyze", json={"url": "https://blog.test/post", "html": html,
                                                     "headers": {"X-Robots-Tag": ["none"]}})
        assert sent["robots"] == {"noindex": True, "nofollow": True} and sent["indexable"] is False
        mine = [l for l in sent["links"] if l["href"] == ME]
        assert mine and not mine[0]["follow"]
        assert [c["kind"] for c in sent["changes"]] == ["rel_changed"]
        other_bot = srv.api("POST", "/api/analyze", json={"url": "https://blog.test/other", "html": html,
                                                          "headers": {"x-robots-tag": "otherbot: noindex"}})
        assert other_bot["robots"] == {"noindex": False, "nofollow": False}
        for bad in ([1], {"X-Robots-Tag": 5}, {"X-Robots-Tag": ["x" * 9000]}):
            r = srv.request("POST", "/api/analyze", json={"url": "https://blog.test/post", "html": html,
                                                          "headers": bad})
            assert r.status == 400, bad
