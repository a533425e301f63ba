"""One pitch per site, the do-not-contact list, follow-ups and the outreach export columns (solo mode).

Through the API on a real app and store (the `client` fixture) and the real CLI; team mode is in
tests/test_outreach_team.py.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta, timezone

import pytest

from companion.workflow import dnc, outreach
from companion.workflow.fields import now


def save(client, url, kind="tier2", expect=201):
    return client.api("POST", "/api/candidates", {"url": url, "kind": kind}, expect=expect)


def contact(client, id, expect=200, **extra):
    return client.api("PATCH", f"/api/candidates/{id}", {"status": "contacted", **extra}, expect=expect)


def in_days(n: int) -> str:
    return (datetime.now(timezone.utc).date() + timedelta(days=n)).isoformat()


# --- one pitch per site -------------------------------------------------------------------

def test_a_site_pitched_warns_on_save_and_on_contacted_by_registrable_domain(client):
    first = save(client, "https://blog.site.test/a-post")
    assert "warnings" not in first and first["pitched"] == []
    moved = contact(client, first["id"])
    assert moved["status"] == "contacted" and "warnings" not in moved  # nobody pitched the site before
    # another page of the same registrable domain, on another host
    other = save(client, "https://www.site.test/other")
    [warning] = other["warnings"]
    assert warning["code"] == "already_pitched" and warning["url"] == "https://blog.site.test/a-post"
    assert warning["by"] == first["saved_by"] and warning["at"] == moved["last_contacted"]
    assert "site.test was already pitched by" in warning["message"]
    assert other["pitched"] == [{"id": first["id"], "url": first["url"], "by": warning["by"], "at": warning["at"]}]
    # the user goes on: the move is made, with the warning
    again = contact(client, other["id"])
    assert again["status"] == "contacted" and again["warnings"][0]["code"] == "already_pitched"
    # another site, and a different blogspot-like private suffix, are not the same site
    assert "warnings" not in save(client, "https://elsewhere.test/")
    client.api("PATCH", f"/api/candidates/{save(client, 'https://alice.blogspot.com/p')['id']}", {"status": "contacted"})
    assert "warnings" not in save(client, "https://bob.blogspot.com/p")


def test_the_window_is_the_users(client, home):
    from companion.store.store import Store

    first = save(client, "https://site.test/a")
    contact(client, first["id"])
    # a pitch 100 days ago: out of the default 90-day window, inside a 120-day one
    with Store.open(home) as store:
        doc = store.get("candidates", first["id"])
        old = (date.today() - timedelta(days=100)).isoformat() + "T09:00:00Z"
        store.update("candidates", first["id"], {"history": [
            {**h, "at": old} if h["to"] == "contacted" else h for h in doc["history"]]})
    assert "warnings" not in save(client, "https://site.test/b")
    assert client.api("PUT", "/api/outreach/settings", {"pitch_window_days": 120}) == {
        "pitch_window_days": 120, "follow_up_days": 5}
    assert save(client, "https://site.test/c")["warnings"][0]["code"] == "already_pitched"


# --- do-not-contact ------------------------------------------------------------------------------

def test_dnc_entry_blocks_contacted_until_overridden_and_the_history_says_so(client):
    c = save(client, "https://www.spammy.test/post")
    entry = client.api("POST", "/api/dnc", {"value": "spammy.test", "reason": "asked us to stop"}, expect=201)
    assert entry["value"] == "spammy.test" and entry["kind"] == "domain"
    listed = client.api("GET", "/api/candidates")[0]
    assert listed["dnc"]["value"] == "spammy.test" and listed["dnc"]["reason"] == "asked us to stop"
    r = client.request("PATCH", f"/api/candidates/{c['id']}", json={"status": "contacted"})
    assert r.status == 409 and r.json()["error"]["code"] == "do_not_contact"
    assert "asked us to stop" in r.json()["error"]["message"]
    assert client.api("GET", "/api/candidates")[0]["status"] == "new"  # nothing changed
    moved = contact(client, c["id"], override_dnc=True)
    assert moved["status"] == "contacted"
    last = moved["history"][-1]
    assert last["to"] == "contacted" and last["override"] == "do_not_contact"
    assert last["dnc"] == "spammy.test" and last["dnc_reason"] == "asked us to stop"
    assert moved["warnings"][0]["code"] == "do_not_contact"


@pytest.mark.parametrize("entry, url, listed", [
    ("*.spammy.test", "https://spammy.test/", True),
    ("*.spammy.test", "https://a.b.spammy.test/x", True),
    ("*.spammy.test", "https://notspammy.test/", False),
    ("spammy.test", "https://www.spammy.test/", True),
    ("spammy.test", "https://blog.spammy.test/", False),  # without *. only the domain (and www.) itself
    ("https://WWW.Spammy.test/some/page", "https://spammy.test/", True),
])
def test_wildcards_and_domains(client, entry, url, listed):
    client.api("POST", "/api/dnc", {"value": entry}, expect=201)
    c = save(client, url)
    assert (c.get("dnc") is not None) == listed
    assert (client.request("PATCH", f"/api/candidates/{c['id']}", json={"status": "contacted"}).status == 409) == listed


def test_an_address_on_the_list_marks_the_candidate_showing_it(client):
    client.api("PUT", "/api/profile", {"domains": ["mine.test"]})
    url = "https://shows.test/post"
    client.api("POST", "/api/analyze", {"url": url, "html": '<a href="mailto:Ed@Shows.test">ed</a>', "contacts": True})
    client.api("POST", "/api/dnc", {"value": "ed@shows.test", "reason": "unsubscribed"}, expect=201)
    c = save(client, url)
    assert c["dnc"]["value"] == "Ed@shows.test".lower() and c["warnings"][0]["code"] == "do_not_contact"


def test_dnc_list_add_again_remove_and_bad_input(client):
    client.api("POST", "/api/dnc", {"value": "a.test", "reason": "one"}, expect=201)
    again = client.api("POST", "/api/dnc", {"value": "A.TEST", "reason": "two"}, expect=200)
    assert again["reason"] == "two" and len(client.api("GET", "/api/dnc")) == 1
    for bad in ({"value": ""}, {"value": "not a domain"}, {"value": "x@"}, {"value": "*."}, {"reason": "r"},
                {"value": "a.test", "extra": 1}, {"value": 5}, {"value": "a.test", "reason": "r" * 501}):
        r = client.request("POST", "/api/dnc", json=bad)
        assert r.status == 400 and set(r.json()) == {"error"}, (bad, r)
    assert client.api("DELETE", "/api/dnc/a.test") == {"deleted": again["id"]}
    r = client.request("DELETE", "/api/dnc/a.test")
    assert r.status == 404 and r.json()["error"]["code"] == "not_found"
    for bad in ({"pitch_window_days": 0}, {"follow_up_days": -1}, {"follow_up_days": "5"}, {"window": 3}):
        assert client.request("PUT", "/api/outreach/settings", json=bad).status == 400


# --- follow-ups -----------------------------------------------------------------------------------

def test_contacted_gets_a_follow_up_and_due_lists_it(client, cli):
    a, b, c = (save(client, f"https://site{i}.test/") for i in range(3))
    moved = contact(client, a["id"])
    assert moved["follow_up"] == in_days(5) and moved["pitched_by"] == a["saved_by"]
    assert moved["last_contacted"] <= now()
    contact(client, b["id"], follow_up=in_days(-1))  # set by the user: overdue already
    client.api("PUT", "/api/outreach/settings", {"follow_up_days": 0})
    assert contact(client, c["id"])["follow_up"] == in_days(0)
    due = client.api("GET", "/api/candidates?due=today")
    assert [d["id"] for d in due] == [b["id"], c["id"]] and all(d["due"] for d in due)
    assert [d["id"] for d in client.api("GET", f"/api/candidates?due={in_days(5)}")] == [b["id"], c["id"], a["id"]]
    assert [d["id"] for d in cli.json("due")] == [b["id"], c["id"]]
    # rescheduling and clearing
    client.api("PATCH", f"/api/candidates/{b['id']}", {"follow_up": in_days(3)})
    client.api("PATCH", f"/api/candidates/{c['id']}", {"follow_up": None})
    assert client.api("GET", "/api/candidates?due=today") == []
    assert "nothing due" in cli("due").stdout.decode()
    for bad in ("tomorrow", "2026-13-01", ""):
        r = client.request("GET", f"/api/candidates?due={bad}")
        assert r.status == 400 and set(r.json()) == {"error"}
    assert client.request("PATCH", f"/api/candidates/{a['id']}", json={"follow_up": "soon"}).status == 400
    assert client.request("PATCH", f"/api/candidates/{a['id']}", json={"override_dnc": "yes"}).status == 400


def test_due_today_is_a_function_a_digest_can_call(home, cli):
    from companion.store.store import Store

    doc = cli.json("save", "https://site.test/", "--kind", "boost")
    cli("candidates", "update", doc["id"], "--status", "contacted", "--follow-up", "2026-01-10")
    with Store.open(home) as store:
        assert outreach.due_today(store, "2026-01-09") == []
        [due] = outreach.due_today(store, "2026-01-10")
        assert due["id"] == doc["id"] and due["follow_up"] == "2026-01-10"
        assert dnc.settings(store) == {"pitch_window_days": 90, "follow_up_days": 5}


# --- CLI -------------------------------------------------------------------------------------------

def test_cli_dnc_and_override(cli):
    doc = cli.json("save", "https://news.spammy.test/p", "--kind", "tier2")
    cli("dnc", "add", "*.spammy.test", "--reason", "asked us to stop")
    assert [d["value"] for d in cli.json("dnc", "list")] == ["*.spammy.test"]
    message = cli.fails("candidates", "update", doc["id"], "--status", "contacted")
    assert "do-not-contact" in message and "\n" not in message.strip()
    moved = cli.json("candidates", "update", doc["id"], "--status", "contacted", "--override-dnc")
    assert moved["history"][-1]["override"] == "do_not_contact"
    assert "not on the do-not-contact list" in cli.fails("dnc", "remove", "other.test")
    cli("dnc", "remove", "*.spammy.test")
    assert cli.json("dnc") == []
    assert "whole number of days" in cli.fails("outreach-settings", "--pitch-window", "0")


# --- the export -----------------------------------------------------------------------------------

def test_export_has_the_outreach_columns(client, cli, tmp_path):
    client.api("PUT", "/api/profile", {"domains": ["mine.test"]})
    url = "https://spot.test/post"
    client.api("POST", "/api/analyze", {"url": url, "contacts": True, "html":
               '<a href="mailto:ed@spot.test">x</a><a href="/write-for-us">Write for us</a>'})
    c = save(client, url)
    moved = contact(client, c["id"], follow_up="2026-12-24")
    out = tmp_path / "c.csv"
    cli("export", "candidates", "--out", str(out))
    [row] = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert row["contacts"] == "ed@spot.test; write_for_us: https://spot.test/write-for-us"
    assert row["last_contacted"] == moved["last_contacted"] and row["follow_up"] == "2026-12-24"
    assert row["pitched_by"] == moved["pitched_by"] and row["dnc"] == "" and row["due"] == "false"


# --- the board, in Chromium ----------------------------------------------------------------------

def test_the_board_shows_marks_due_and_keeps_the_dnc_list(tmp_path):
    """Marks on the cards (pitched: who and when; do not contact: the entry and its reason), the
    Due column, the confirm before a do-not-contact move (no: nothing changes; yes: the override
    is in the history), and the panel keeping the list; a screenshot at 1366×768."""
    from test_dashboard import ARTIFACTS, CHROMIUM, Dashboard, sync_playwright

    srv = Dashboard(tmp_path / "home").start()
    try:
        srv.ok("PUT", "/api/profile", {"domains": ["mine.test"]})
        a = srv.ok("POST", "/api/candidates", {"url": "https://blog.site.test/a", "kind": "tier2", "title": "Pitched post"})
        srv.ok("PATCH", f"/api/candidates/{a['id']}", {"status": "contacted", "follow_up": in_days(-1)})
        b = srv.ok("POST", "/api/candidates", {"url": "https://www.site.test/b", "kind": "tier2", "title": "Same site"})
        c = srv.ok("POST", "/api/candidates", {"url": "https://news.spammy.test/c", "kind": "boost", "title": "Listed site"})
        srv.ok("POST", "/api/dnc", {"value": "*.spammy.test", "reason": "asked us to stop"})
        srv.ok("POST", "/api/analyze", {"url": "https://shows.test/p", "contacts": True,
                                        "html": "<p>Pitches: ed [at] shows [dot] test</p>"})
        d = srv.ok("POST", "/api/candidates", {"url": "https://shows.test/p", "kind": "tier2", "title": "Shows an address"})
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--headless=new", "--no-sandbox"])
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            errors, answers = [], iter([False, True])  # the first confirm is refused, the second accepted
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: d.accept() if next(answers) else d.dismiss())
            page.goto(f"{srv.base}/#token={srv.token}")
            page.click('a.tab[data-view="candidates"]')
            page.wait_for_selector(".card")
            due = page.locator(".column-due .due-item")
            assert due.count() == 1 and "Pitched post" in due.inner_text() and in_days(-1) in due.inner_text()
            assert "site.test pitched by" in page.locator(f'.card[data-id="{b["id"]}"] .card-pitched').inner_text()
            listed = page.locator(f'.card[data-id="{c["id"]}"] .card-dnc').inner_text()
            assert "do not contact" in listed and "asked us to stop" in listed
            assert "Follow-up due" in page.locator(f'.card[data-id="{a["id"]}"] .card-follow').inner_text()
            shows = page.locator(f'.card[data-id="{d["id"]}"] .card-contacts')
            assert shows.locator("summary").inner_text() == "Contacts (1)"
            shows.locator("summary").click()
            assert shows.locator("li").inner_text() == "ed@shows.test"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "board-outreach-1366x768.png"))
            # Find contacts from the board: the test suite allows loopback fetches only, and the answer says so
            box = page.locator(f'.card[data-id="{b["id"]}"] .card-contacts')
            assert box.locator("summary").inner_text() == "Contacts: none found yet"
            box.locator("summary").click()
            box.locator("button").click()
            said = box.locator(".notice-warn").inner_text()
            assert said.startswith("No address found:") and "loopback" in said, said

            card = page.locator(f'.card[data-id="{c["id"]}"]')
            card.locator("select.cand-status").select_option("contacted")  # refused at the confirm
            page.wait_for_timeout(300)
            assert card.locator("select.cand-status").input_value() == "new"
            assert next(x for x in srv.ok("GET", "/api/candidates") if x["id"] == c["id"])["status"] == "new"
            card.locator("select.cand-status").select_option("contacted")  # accepted
            page.locator(f'.column-contacted .card[data-id="{c["id"]}"] .card-follow').wait_for()
            stored = next(x for x in srv.ok("GET", "/api/candidates") if x["id"] == c["id"])
            assert stored["status"] == "contacted" and stored["history"][-1]["override"] == "do_not_contact"

            page.click("#outreach-panel summary")
            page.fill("#dnc-value", "editor@other.test")
            page.fill("#dnc-reason", "unsubscribed")
            page.click(".dnc-form button")
            page.locator('.dnc-list li[data-value="editor@other.test"]').wait_for()
            assert {d["value"] for d in srv.ok("GET", "/api/dnc")} == {"*.spammy.test", "editor@other.test"}
            page.locator("#outreach-panel").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "board-dnc-panel-1366x768.png"))
            wide = page.evaluate("""() => [...document.querySelectorAll('.card, .due-item, .outreach-panel *')]
                .filter((e) => e.getClientRects().length && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')
                .map((e) => e.className)""")
            assert not wide, wide
            assert not errors, errors
            browser.close()
    finally:
        srv.stop()
