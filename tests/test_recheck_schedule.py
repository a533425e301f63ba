"""The recheck on a schedule that survives restarts, and its report (GET /api/recheck/schedule).

A real `tierlink serve`: a run falls due from the time of the last run kept in the store
(any run: CLI, dashboard, schedule), so a restart runs a due one at once and otherwise
does not repeat it; the profile's delay and concurrency are the scheduled run's options;
the report says the last run, the next and the outcomes by kind.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from companion.monitor.recheck import LAST_RUN_SETTING
from companion.workspace import Workspace
from serverutil import CompanionServer
from test_recheck import LINK, seed
from test_recheck_api import wait_done
from websites import sites  # noqa: F401  (fixture)


def stamp(days_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def test_a_due_run_starts_with_serve_and_a_restart_does_not_repeat_it(home, sites):  # noqa: F811
    site = sites.new()
    seed(home, [{"source_url": site.page("/p", LINK)}])
    with Workspace(home) as ws:
        ws.set_profile({**ws.profile.to_json(), "recheck_every_days": 7, "recheck_delay": 0.5,
                        "recheck_concurrency": 3})
        ws.store.set_setting(LAST_RUN_SETTING, stamp(8))  # a run 8 days ago: due
    with CompanionServer(home) as srv:
        done = wait_done(srv)
        assert done["summary"]["outcomes"] == {"backlink": {}, "placement": {}}  # skipped: a loopback page
        report = srv.api("GET", "/api/recheck/schedule")
        assert (report["every_days"], report["delay"], report["concurrency"]) == (7, 0.5, 3)
        last = parse(report["last_run"])
        assert abs((datetime.now(timezone.utc) - last).total_seconds()) < 120
        assert abs((parse(report["next_run"]) - last).total_seconds() - 7 * 86400) < 120
        assert report["last_report"]["why"].startswith("every 7 days") and report["last_report"]["skipped"] == 1
        assert report["running"] is False
        log = srv.output(None)
        assert "recheck started (every 7 days" in log
    first = report["last_run"]
    with CompanionServer(home) as srv:  # a restart: the last run is an instant old, nothing is due
        time.sleep(1.5)
        assert srv.api("GET", "/api/recheck")["state"] == "idle"
        assert srv.api("GET", "/api/recheck/schedule")["last_run"] == first
        assert "recheck started" not in srv.output(None)


def test_the_report_counts_outcomes_by_kind_and_uses_the_profile_settings(home, sites):  # noqa: F811
    site = sites.new()
    seed(home, [{"source_url": site.page("/p", LINK)}, {"source_url": site.route("/gone", status=404)},
                {"source_url": site.route("/no", status=403)}])
    with CompanionServer(home) as srv:
        assert srv.api("GET", "/api/recheck/schedule")["last_report"] is None
        assert srv.api("GET", "/api/recheck/schedule")["next_run"] is None  # no schedule set
        srv.api("POST", "/api/recheck", json={"allow_private_hosts": True, "delay": 0}, expect=202)
        wait_done(srv)
        report = srv.api("GET", "/api/recheck/schedule")
        assert report["last_report"]["outcomes"]["backlink"] == {"ok": 1, "lost": 1, "blocked": 1}
        assert report["last_report"]["checked"] == 2 and report["last_report"]["errors"] == 1
        bad = srv.request("PUT", "/api/profile", json={**srv.api("GET", "/api/profile"), "recheck_concurrency": 0})
        assert bad.status == 400 and "recheck_concurrency" in bad.json()["error"]["message"]
