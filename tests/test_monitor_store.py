"""The monitor works on a store and the profile in force, handed to it: no Workspace.

The recheck used to take a Workspace and reach into it for its store, its home and its
profile (a layer above the monitor, named only by duck typing). Now `recheck.run(store,
profile, options)` and `runner_for(store, profile)` take what they use. These tests run a
recheck against a real local web site on both stores, opened directly (no Workspace), and
check that the profile is asked for when a page is judged, not once for the run.
"""

from __future__ import annotations

import pytest

from companion.analysis.profile import validate
from companion.monitor import recheck, runner
from companion.store.opening import open_store
from websites import sites  # noqa: F401  (fixture)

ME = "https://mysite.test/a"


@pytest.fixture(params=["embedded", "postgresql"])
def database(request):
    return request.getfixturevalue("pg_url") if request.param == "postgresql" else None


def test_a_recheck_runs_on_a_store_and_a_profile(sites, home, database):  # noqa: F811
    site = sites.new()
    kept = site.page("/kept", f'<p><a href="{ME}">alpha</a></p>')
    lost = site.page("/lost", '<p><a href="https://other.test/">only other links now</a></p>')
    store = open_store(home, database=database)
    try:
        store.merge_backlinks([{"source_url": url, "target_url": ME, "anchor": "alpha", "first_seen": "2026-01-05",
                                "last_seen": "2026-01-05"} for url in (kept, lost)], "ahrefs")
        asked = []

        def profile():
            asked.append(1)
            return validate({"domains": ["mysite.test"]})

        summary = recheck.run(store, profile, recheck.Options(delay=0.02, timeout=2, allow_private_hosts=True).checked())
        assert summary["checked"] == 2 and summary["unchanged"] == 1
        assert [(c["kind"], c["source_url"]) for c in summary["changes"]] == [("lost", lost)]
        assert store.get_backlink(lost, ME)["status"] == "lost" and store.get_backlink(kept, ME)["status"] == "live"
        assert len(asked) == 3  # once per page judged, once for the run's alerts (companion.alerts.hook)
        assert store.get_setting(recheck.LAST_RUN_SETTING)
    finally:
        store.close()


def test_the_runner_is_one_per_store_and_stops_by_it(home):
    store = open_store(home)
    try:
        first = runner.runner_for(store, lambda: validate({}))
        assert runner.runner_for(store, lambda: validate({})) is first
        assert first.status()["state"] == "idle" and not first.due()  # no schedule in this profile
        runner.stop(store)
        assert first.cancel.is_set()
        runner.stop(None)  # a store never opened: nothing to stop
    finally:
        store.close()
