"""Alerts: every change that matters becomes one alert, made by real rechecks of real local sites.

A tier-1 link lost (page gone, link removed), turned nofollow, a placement lost or
turned nofollow, a broken target: each is one alert, however many rechecks see it
again; a recovery closes it and the same loss later is a new alert. Listed by
`tierlink alerts` and GET /api/alerts (the real server), unseen first, and marked seen.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from companion.alerts import records
from companion.monitor import recheck as recheck_mod
from companion.workspace import Workspace
from serverutil import CompanionServer
from test_dashboard import browser  # noqa: F401  (fixture)
from websites import sites  # noqa: F401  (fixture)

ME = "https://mysite.test/a"
STAMP = "2026-01-05"
LINK = f'<p>Read <a href="{ME}">alpha</a> and <a href="https://other.test/">other</a>.</p>'
NO_LINK = '<p>Only <a href="https://other.test/">other links</a> now.</p>'
NOFOLLOW = f'<p>Read <a rel="nofollow" href="{ME}">alpha</a> and <a href="https://other.test/">other</a>.</p>'
T2 = "https://tier1.test/post"


def run(home) -> dict:
    with Workspace(home) as ws:
        return ws.recheck(recheck_mod.Options(allow_private_hosts=True, delay=0.0, timeout=2.0))


@pytest.fixture
def web(sites, home):  # noqa: F811
    """One site: pages linking to me, one holding my placement; all live at the first recheck."""
    a = sites.new()
    pages = {name: a.page(f"/{name}", LINK) for name in ("keep", "gone", "removed", "nofollow")}
    pages["place"] = a.page("/place", f'<p>See <a href="{T2}">tier two</a> and <a href="/x">x</a>.</p>')
    with Workspace(home) as ws:
        ws.set_profile({"domains": ["mysite.test"]})
        ws.store.merge_backlinks([{"source_url": pages[n], "target_url": ME, "anchor": "alpha", "first_seen": STAMP,
                                   "last_seen": STAMP} for n in ("keep", "gone", "removed", "nofollow")], "ahrefs")
        from companion.workflow import placements as pl

        pl.add(ws.store, ws.profile, pages["place"], T2, anchor="tier two")
    first = run(home)
    assert first["checked"] == 5 and not [c for c in first["changes"] if c["loss"]], first
    return a, pages


def alerts(cli, *args) -> dict:
    return cli.json("alerts", *args)


def test_each_loss_is_one_alert_however_often_it_is_seen(web, home, cli):
    site, pages = web
    assert alerts(cli)["alerts"] == []
    site.route("/gone", status=404, body=b"<html><body>Not found</body></html>")
    site.page("/removed", NO_LINK)
    site.page("/nofollow", NOFOLLOW)
    site.page("/place", '<p>Nothing of yours here, <a href="/x">x</a>.</p>')
    summary = run(home)
    assert {c["kind"] for c in summary["changes"]} >= {"lost", "rel_changed", "placement_lost"}
    body = alerts(cli)
    got = sorted((a["kind"], a["source_url"]) for a in body["alerts"])
    assert got == sorted([("link_lost", pages["gone"]), ("link_lost", pages["removed"]),
                          ("link_nofollow", pages["nofollow"]), ("placement_lost", pages["place"])])
    assert body["unseen_count"] == 4 and all(not a["seen"] and a["open"] for a in body["alerts"])
    gone = next(a for a in body["alerts"] if a["source_url"] == pages["gone"])
    assert gone["text"] == f"Link lost: {pages['gone']} → {ME}: the page answers 404"
    # the same losses, seen by two more rechecks: still four alerts
    run(home)
    run(home)
    assert len(alerts(cli)["alerts"]) == 4


def test_a_recovery_closes_the_alert_and_a_new_loss_is_a_new_alert(web, home, cli):
    site, pages = web
    site.page("/removed", NO_LINK)
    run(home)
    [first] = alerts(cli)["alerts"]
    site.page("/removed", LINK)
    summary = run(home)
    assert [c["kind"] for c in summary["changes"]] == ["restored"]
    [closed] = alerts(cli)["alerts"]
    assert closed["id"] == first["id"] and not closed["open"] and closed["resolved_at"]
    site.page("/removed", NO_LINK)
    run(home)
    listed = alerts(cli)["alerts"]
    assert len(listed) == 2 and [a["open"] for a in listed] == [True, False]


def test_closed_alerts_are_dropped_after_their_keeping_time_open_ones_never(web, home, cli):
    """The table stays bounded: a recovered alert the user has seen goes KEEP_SEEN_DAYS after it
    closed, one never seen after KEEP_UNSEEN_DAYS, an open one stays however old; the alerts
    left keep their ids, and a batch left empty is removed."""
    site, _ = web
    site.page("/removed", NO_LINK)
    site.page("/nofollow", NO_LINK)
    run(home)
    both = {a["source_url"]: a for a in alerts(cli)["alerts"]}
    assert len(both) == 2 and all(a["open"] for a in both.values())
    site.page("/removed", LINK)  # one recovers, the other stays lost
    run(home)
    alerts(cli, "--mark-seen")
    later = datetime.now(timezone.utc) + timedelta(days=records.KEEP_SEEN_DAYS + 1)
    with Workspace(home) as ws:
        assert records.prune(ws.store, later - timedelta(days=2)) == 0  # not yet
        assert records.prune(ws.store, later) == 1
        assert records.prune(ws.store, later + timedelta(days=3650)) == 0  # the open one, however old
    [left] = alerts(cli)["alerts"]
    still = next(a for a in both.values() if a["source_url"].endswith("/nofollow"))
    assert left["id"] == still["id"] and left["open"]
    site.page("/nofollow", LINK)  # it recovers too: its batch is left with none, and goes
    run(home)
    with Workspace(home) as ws:
        assert records.prune(ws.store, later + timedelta(days=2)) == 1 and ws.store.all(records.TABLE) == []

    site.page("/removed", NO_LINK)  # a loss never seen: kept a year after it closed
    run(home)
    site.page("/removed", LINK)
    run(home)
    [unseen] = alerts(cli)["alerts"]
    assert not unseen["open"] and not unseen["seen"]
    with Workspace(home) as ws:
        assert records.prune(ws.store, later) == 0
        assert records.prune(ws.store, datetime.now(timezone.utc) + timedelta(days=records.KEEP_UNSEEN_DAYS + 1)) == 1
    assert alerts(cli)["alerts"] == []


def test_a_broken_target_is_one_alert_until_it_is_fixed(web, home, cli):
    site, pages = web
    site.page("/keep", LINK + '<a href="https://mysite.test/old">old</a>')
    with Workspace(home) as ws:
        ws.store.merge_backlinks([{"source_url": pages["keep"], "target_url": "https://mysite.test/old",
                                   "anchor": "old", "first_seen": STAMP, "last_seen": STAMP,
                                   "metrics": {"target_http_code": 404}}], "ahrefs")
    run(home)
    run(home)
    [broken] = alerts(cli)["alerts"]
    assert broken["kind"] == "broken_target" and broken["target_url"] == "https://mysite.test/old"
    assert "answers 404" in broken["text"] and broken["open"]
    with Workspace(home) as ws:  # the tool now sees the target answer 200: fixed
        ws.store.merge_backlinks([{"source_url": pages["keep"], "target_url": "https://mysite.test/old",
                                   "anchor": "old", "first_seen": STAMP, "last_seen": "2026-02-01",
                                   "metrics": {"target_http_code": 200}}], "ahrefs")
    run(home)
    [fixed] = alerts(cli)["alerts"]
    assert not fixed["open"]



def test_an_import_that_reveals_broken_targets_alerts_once(cli):
    """Ahrefs' "Broken backlinks" export (the fixture of test_broken_targets): three links to dead pages."""
    from test_broken_targets import BROKEN

    cli("init", "--domain", "example.com")
    cli("import", str(BROKEN))
    cli("import", str(BROKEN))  # the same file again: nothing new
    listed = alerts(cli)["alerts"]
    assert sorted(a["now"] for a in listed) == [404, 404, 410]
    assert {a["kind"] for a in listed} == {"broken_target"} and all(a["open"] for a in listed)

def test_since_unseen_and_marking_seen_in_the_cli(web, home, cli):
    site, pages = web
    site.page("/removed", NO_LINK)
    run(home)
    [one] = alerts(cli)["alerts"]
    assert alerts(cli, "--since", one["created_at"])["alerts"] == []
    assert [a["id"] for a in alerts(cli, "--since", "2000-01-01")["alerts"]] == [one["id"]]
    marked = alerts(cli, "--mark-seen")
    assert marked["unseen_count"] == 0
    site.route("/gone", status=410, body=b"")
    run(home)
    listed = alerts(cli)["alerts"]
    assert [(a["kind"], a["seen"]) for a in listed] == [("link_lost", False), ("link_lost", True)]
    assert [a["source_url"] for a in alerts(cli, "--unseen")["alerts"]] == [pages["gone"]]
    human = cli("alerts").stdout.decode()
    assert f"* " in human and "2 alerts, 1 unseen" in human
    assert "'since' must be an ISO 8601" in cli.fails("alerts", "--since", "yesterday")
    assert "no webhook is set in the profile's alert settings" in cli.fails("alerts", "--test", "webhook")
    assert "desktop notifications are off" in cli.fails("alerts", "--test", "desktop")
    assert cli.json("alerts", "--deliver") == {"pending": 0, "sent": 0, "failed": 0}


def test_the_api_lists_unseen_first_and_marks_them_seen(web, home):
    site, pages = web
    site.page("/removed", NO_LINK)
    run(home)
    with CompanionServer(home).start() as srv:
        body = srv.api("GET", "/api/alerts")
        assert [a["kind"] for a in body["alerts"]] == ["link_lost"] and body["unseen_count"] == 1
        assert body["desktop"] is False and body["latest"] == body["alerts"][0]["created_at"]
        assert srv.api("GET", f"/api/alerts?since={body['latest']}")["alerts"] == []
        seen = srv.api("POST", "/api/alerts/seen", json={})
        assert seen == {"seen_until": body["latest"], "unseen_count": 0}
        assert srv.api("GET", "/api/alerts")["alerts"][0]["seen"] is True
        assert srv.api("GET", "/api/alerts?unseen=true")["alerts"] == []
        for path, payload in [("/api/alerts?since=soon", None), ("/api/alerts?unseen=yes", None),
                              ("/api/alerts/seen", {"until": 5}), ("/api/alerts/seen", {"everything": True}),
                              ("/api/alerts/test", {"channel": "pigeon"}), ("/api/alerts/test", {"channel": "webhook"})]:
            resp = srv.request("POST" if payload is not None else "GET", path, json=payload)
            assert resp.status == 400 and resp.json()["error"]["code"] == "bad_input", (path, resp.text())


def test_alert_settings_are_checked_in_the_profile(home, cli):
    with Workspace(home) as ws:
        prof = ws.set_profile({"domains": ["mysite.test"], "alerts": {
            "desktop": True, "webhook": {"url": "https://hooks.example/T0"},
            "mail": {"host": "smtp.example.com", "user": "me", "password_env": "SMTP_PW", "from": "me@example.com",
                     "to": "me@example.com"}}})
        assert prof.alerts["mail"] == {"host": "smtp.example.com", "port": 587, "user": "me", "password_env": "SMTP_PW",
                                       "from": "me@example.com", "to": ["me@example.com"], "hour": 8}
        assert ws.profile.to_json()["alerts"]["webhook"] == {"url": "https://hooks.example/T0"}
        from companion.core.errors import BadInput

        for bad, said in [({"webhook": {"url": "ftp://x"}}, "alerts.webhook.url"),
                          ({"mail": {"host": "h", "user": "u", "from": "a@b.c", "to": ["a@b.c"]}}, "password_env"),
                          ({"mail": {"host": "h", "password": "x", "from": "a@b.c", "to": ["a@b.c"]}},
                           "alerts.mail.password"),
                          ({"desktop": "yes"}, "alerts.desktop"), ({"pager": {}}, "alerts.pager")]:
            with pytest.raises(BadInput, match=said.replace(".", r"\.")):
                ws.set_profile({"domains": ["mysite.test"], "alerts": bad})


@pytest.mark.browser
def test_the_dashboard_shows_unseen_alerts_first_then_marks_them_seen(web, home, browser):  # noqa: F811
    from test_dashboard import Dashboard, open_dashboard, shot
    from test_dashboard_layout import BUTTONS_OUT, OVERFLOWS

    site, pages = web
    site.page("/removed", NO_LINK)
    run(home)
    with Dashboard(home).start() as srv:
        srv.ok("POST", "/api/alerts/seen", {})  # the first one is old news
        site.route("/gone", status=404, body=b"<html><body>Not found</body></html>")
        site.page("/place", '<p>Nothing of yours here, <a href="/x">x</a>.</p>')
        run(home)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            open_dashboard(page, srv)
            page.wait_for_selector("#alerts-count:not([hidden])")
            assert page.locator("#alerts-count").inner_text() == "2"
            shot(page, "alerts-nav-count")
            page.click('a.tab[data-view="alerts"]')
            page.wait_for_selector(".alerts-list tbody tr")
            rows = page.locator(".alerts-list tbody tr")
            assert rows.count() == 3
            assert [rows.nth(i).get_attribute("class") or "" for i in range(3)][:2] == ["unseen", "unseen"]
            assert "unseen" not in (rows.nth(2).get_attribute("class") or "")
            assert "/removed" in rows.nth(2).inner_text()
            page.wait_for_selector("#alerts-count[hidden]", state="attached")  # marked seen once shown
            shot(page, "alerts")
            assert page.evaluate(OVERFLOWS) == [] and page.evaluate(BUTTONS_OUT) == []
            assert srv.ok("GET", "/api/alerts")["unseen_count"] == 0
            page.click('a.tab[data-view="alerts"]')
            page.wait_for_selector(".alerts-list tbody tr")
            assert page.locator(".alerts-list tr.unseen").count() == 0

            # the profile's Alerts section: set a webhook, save, send a test that fails in one line
            page.click('a.tab[data-view="profile"]')
            page.wait_for_selector("#pf-alerts")
            page.check("#al-desktop")
            page.fill("#al-webhook", "http://127.0.0.1:9/nothing-listens")
            page.click("#pf-save")
            page.wait_for_selector("#pf-status .notice")
            assert srv.ok("GET", "/api/profile")["alerts"] == {"desktop": True,
                                                               "webhook": {"url": "http://127.0.0.1:9/nothing-listens"}}
            page.click("#al-test-webhook")
            page.wait_for_selector("#al-status .notice")
            assert "no answer from the webhook" in page.locator("#al-status").inner_text()
            page.locator("#pf-alerts").scroll_into_view_if_needed()
            shot(page, "alert-settings")
            assert page.evaluate(OVERFLOWS) == [] and page.evaluate(BUTTONS_OUT) == []
        finally:
            context.close()
    assert not errors, errors


def test_team_mode_one_alert_seen_by_every_member(tmp_path, pg_url, sites):  # noqa: F811
    """On a team's PostgreSQL database: Bob's recheck makes the alert, Alice sees it, marks it seen for both,
    and her later recheck of the same loss makes no second one."""
    from companion.alerts import records

    site = sites.new()
    url = site.page("/post", LINK)
    opts = recheck_mod.Options(allow_private_hosts=True, delay=0.0, timeout=2.0)
    with Workspace(tmp_path / "alice", database=pg_url, user="alice") as alice:
        alice.set_profile({"domains": ["mysite.test"]})
        alice.store.merge_backlinks([{"source_url": url, "target_url": ME, "anchor": "alpha", "first_seen": STAMP,
                                      "last_seen": STAMP}], "ahrefs")
        alice.recheck(opts)
    site.page("/post", NO_LINK)
    with Workspace(tmp_path / "bob", database=pg_url, user="bob") as bob:
        bob.recheck(opts)
    with Workspace(tmp_path / "alice", database=pg_url, user="alice") as alice:
        body = records.listing(alice.store)
        assert [(a["kind"], a["source_url"]) for a in body["alerts"]] == [("link_lost", url)]
        assert records.mark_seen(alice.store)["unseen_count"] == 0
        alice.recheck(opts)
    with Workspace(tmp_path / "bob", database=pg_url, user="bob") as bob:
        body = records.listing(bob.store)
        assert len(body["alerts"]) == 1 and body["unseen_count"] == 0


def together(stores: list, call) -> list:
    """`call(store)` for each store, each in its own thread, all released at the same instant;
    their results, or the first thread's exception raised here."""
    start, made, failed = threading.Barrier(len(stores)), [None] * len(stores), []

    def one(n):
        start.wait()
        try:
            made[n] = call(stores[n])
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            failed.append(exc)
    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    if failed:
        raise failed[0]
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    return made


def test_team_mode_companions_making_the_same_alerts_at_once_make_each_once(tmp_path, pg_url):
    """Six companions (each its own store and connection pool on one real PostgreSQL) record the
    same twenty losses at the same instant, three rounds over: each loss is one alert, made by
    exactly one of them (the claim's unique key decides, INSERT ... ON CONFLICT DO NOTHING).
    Then the losses recover, and the same losses seen again at once are one new alert each."""
    losses = [records.candidate("link_lost", f"https://site{i}.test/post", ME, "HTTP 404") for i in range(20)]
    members = [Workspace(tmp_path / f"m{n}", database=pg_url, user=f"m{n}") for n in range(6)]
    try:
        members[0].set_profile({"domains": ["mysite.test"]})
        stores = [ws.store for ws in members]
        for _ in range(3):
            made = together(stores, lambda store: records.record(store, losses))
            stored = records.every_alert(members[0].store)
            assert len(stored) == 20 and {a["key"] for a in stored} == {a["key"] for a in losses}, len(stored)
        assert sorted(a["key"] for m in made for a in m) == []  # the later rounds made nothing more
        recovered = [("restored", a["source_url"], a["target_url"]) for a in losses]
        together(stores, lambda store: records.record(store, [], recovered))
        assert not any(a["open"] for a in records.every_alert(members[0].store))
        again = together(stores, lambda store: records.record(store, losses))
        assert sorted(a["key"] for m in again for a in m) == sorted(a["key"] for a in losses)
        every = records.every_alert(members[0].store)
        assert len(every) == 40 and sum(1 for a in every if a["open"]) == 20
    finally:
        for ws in members:
            ws.close()


def test_insert_new_inserts_each_key_once_whoever_asks_at_once(tmp_path, pg_url, home):
    """The store's primitive under it, in both stores: the same keys inserted by many at once go
    in once; a document already there or repeated in the call is not inserted again."""
    docs = [{"key": f"k{i}", "n": i} for i in range(30)]
    for where in ("team", "embedded"):
        stores = ([Workspace(tmp_path / f"s{n}", database=pg_url, user=f"s{n}") for n in range(4)] if where == "team"
                  else [Workspace(home) for _ in range(4)])
        try:
            won = together([ws.store for ws in stores], lambda store: store.insert_new("alert_claims", "key", docs))
            assert sorted(d["key"] for w in won for d in w) == sorted(d["key"] for d in docs), where
            assert len(stores[0].store.all("alert_claims")) == 30
            assert stores[1].store.insert_new("alert_claims", "key", [{"key": "k1"}, {"key": "new"}, {"key": "new"}]) \
                == [dict(stores[1].store.find("alert_claims", key="new")[0])]
            assert len(stores[0].store.all("alert_claims")) == 31
        finally:
            for ws in stores:
                ws.close()


SOFT404 = ("<!doctype html><html><head><title>Page not found – A Blog</title></head><body>"
           "<a href='/'>Home</a><a href='/about'>About</a><p>Sorry.</p></body></html>")
PARKING = ("<!doctype html><html><head><title>example-lapsed.com</title></head><body>"
           "<h1>This domain is for sale!</h1><a href='https://www.hugedomains.com/domain_profile.cfm'>Buy now</a>"
           "<a href='/privacy'>Privacy</a></body></html>")


def test_a_soft_404_and_a_parked_page_are_alerts_named_so_once(web, home, cli):
    """The check outcomes (companion.monitor.outcomes): a 200 page saying "not found" and a parking
    page mark the link lost; the alert says which, and later rechecks add none."""
    site, pages = web
    site.route("/removed", body=SOFT404.encode())
    site.route("/nofollow", body=PARKING.encode())
    run(home)
    run(home)
    got = sorted((a["kind"], a["source_url"]) for a in alerts(cli)["alerts"])
    assert got == [("link_parked", pages["nofollow"]), ("link_soft_404", pages["removed"])]
    texts = {a["kind"]: a["text"] for a in alerts(cli)["alerts"]}
    assert texts["link_soft_404"].startswith("Link lost (the page now says it is not found): ")
    assert texts["link_parked"].startswith("Link lost (the domain is parked): ")
