"""Placement receipts: proof of what a placement's page showed, and when.

A recheck against real local web servers keeps a receipt when a placement is first
found live and at each later check (the link's anchor and rel, the text around it,
the SHA-256 of the body, a 404 as a receipt of absence); the API, the CLI and the CSV
export list them; the cap thins the oldest first and keeps the first.
"""

from __future__ import annotations

import csv
import hashlib
import time

import pytest

from companion.monitor.recheck import Options, Run
from companion.workflow import receipts
from companion.workspace import Workspace
from test_dashboard import Dashboard, browser, open_dashboard, page, shot  # noqa: F401  (fixtures)
from websites import sites  # noqa: F401  (fixture)

TIER1 = "https://tier1.test/post"
BEFORE = (f'<article><h2>Widgets</h2><p>We compared five widget makers last spring and the best guide is '
          f'<a href="{TIER1}">the widget guide</a>, written by people who build them.</p>'
          '<p>Other text far away.</p></article>')
AFTER = BEFORE.replace("five widget makers last spring", "six widget makers this winter").replace(
    f'<a href="{TIER1}">', f'<a rel="sponsored" href="{TIER1}">')


def setup(home, from_url):
    with Workspace(home) as ws:
        ws.set_profile({"domains": ["mysite.test"]})
        from companion.workflow import placements

        p, _ = placements.add(ws.store, ws.profile, from_url, TIER1, anchor="the widget guide")
        return p["id"]


def run(home):
    with Workspace(home) as ws:
        Run(ws.store, lambda: ws.profile, Options(delay=0, timeout=2, allow_private_hosts=True)).execute()


def test_receipts_from_first_live_on_with_context_rel_and_hash(home, sites, cli, client):  # noqa: F811
    site = sites.new()
    unseen = site.page("/not-yet", "<p>no link here yet</p><a href='/x'>x</a>")
    url = site.page("/guest-post", BEFORE)
    pid = setup(home, url)
    other = setup(home, unseen)

    run(home)
    first = client.api("GET", f"/api/placements/{pid}/receipts")["receipts"]
    assert len(first) == 1
    r = first[0]
    body = site.routes["/guest-post"].body
    assert r["sha256"] == hashlib.sha256(body).hexdigest()
    assert (r["url"], r["final_url"], r["status"], r["found"]) == (url, url, 200, True)
    assert r["anchor"] == "the widget guide" and r["rel"] == [] and r["via"] == "crawler"
    assert "five widget makers last spring" in r["context"] and "Other text far away" not in r["context"]
    assert r["at"]
    # a placement never found live has no receipt yet
    assert client.api("GET", f"/api/placements/{other}/receipts")["receipts"] == []

    site.page("/guest-post", AFTER)
    run(home)
    site.route("/guest-post", status=404, body=b"<title>404</title>")
    run(home)
    rs = client.api("GET", f"/api/placements/{pid}/receipts")["receipts"]
    assert [x["found"] for x in rs] == [False, True, True]  # newest first
    assert rs[1]["rel"] == ["sponsored"] and "six widget makers this winter" in rs[1]["context"]
    assert rs[0]["status"] == 404 and rs[0]["anchor"] is None and rs[1]["sha256"] != rs[2]["sha256"]

    out = cli.json("placements", "receipts", pid)
    assert [x["id"] for x in out["receipts"]] == [x["id"] for x in rs]
    human = cli("placements", "receipts", pid)
    assert "LINK NOT FOUND" in human.stdout.decode() and "the widget guide" in human.stdout.decode()
    bad = cli("placements", "receipts", "nope", check=False)
    assert bad.returncode != 0 and "no placement with id 'nope'" in bad.stderr.decode()
    assert client.request("GET", "/api/placements/nope/receipts").status == 404

    target = home.parent / "receipts.csv"
    cli.json("export", "receipts", "--out", str(target))
    with open(target, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["placement_id"] for r in rows] == [pid] * 3
    assert rows[0]["from_url"] == url and rows[0]["to_url"] == TIER1 and rows[0]["anchor"] == "the widget guide"


def recheck_through(srv) -> dict:
    """A recheck run by a real `tierlink serve` through its API, waited for: its summary."""
    srv.api("POST", "/api/recheck", {"allow_private_hosts": True, "delay": 0}, expect=202)
    deadline = time.monotonic() + 60
    while (state := srv.api("GET", "/api/recheck"))["state"] != "done":
        assert time.monotonic() < deadline, state
        time.sleep(0.05)
    return state["summary"]


def test_team_mode_receipts_live_in_the_team_database(tmp_path, pg_url, sites):  # noqa: F811
    """Two members' companions (`tierlink serve --database URL`) on one real PostgreSQL: Alice logs a
    placement and her recheck keeps its receipt; Bob's companion lists it, his own later recheck
    adds the next one, and Alice's export has both, newest first."""
    from test_team import companion, tierlink

    site = sites.new()
    url = site.page("/guest-post", BEFORE)
    tierlink(tmp_path / "alice", "init", "--domain", "mysite.test", url=pg_url)
    alice, bob = companion(tmp_path, "alice", pg_url), companion(tmp_path, "bob", pg_url)
    try:
        pid = alice.api("POST", "/api/placements", {"from_url": url, "to_url": TIER1, "anchor": "the widget guide",
                                                    "via": "guest_post"}, expect=201)["id"]
        assert recheck_through(alice)["checked"] == 1
        [first] = bob.api("GET", f"/api/placements/{pid}/receipts")["receipts"]
        assert first["sha256"] == hashlib.sha256(site.routes["/guest-post"].body).hexdigest()
        assert (first["found"], first["anchor"], first["rel"], first["status"]) == (True, "the widget guide", [], 200)

        site.page("/guest-post", AFTER)
        recheck_through(bob)
        both = alice.api("GET", f"/api/placements/{pid}/receipts")["receipts"]
        assert [r["id"] for r in both][1:] == [first["id"]] and both[0]["rel"] == ["sponsored"]
        assert "six widget makers this winter" in both[0]["context"] and both[0]["sha256"] != first["sha256"]
    finally:
        alice.stop()
        bob.stop()
    target = tmp_path / "receipts.csv"
    tierlink(tmp_path / "alice", "export", "receipts", "--out", str(target), url=pg_url)
    with open(target, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["placement_id"] for r in rows] == [pid, pid] and rows[0]["from_url"] == url
    assert not list((tmp_path / "alice").glob("workflow*.json")), "the receipts went to the home, not the database"


def test_the_cap_thins_the_oldest_and_keeps_the_first(home):
    with Workspace(home) as ws:
        ws.set_profile({"domains": ["mysite.test"]})
        from companion.workflow import placements

        p, _ = placements.add(ws.store, ws.profile, "https://guest.test/p", TIER1)
        for i in range(receipts.MAX_PER_PLACEMENT + 5):
            receipts.add(ws.store, {"placement_id": p["id"], "at": f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z",
                                    "url": "https://guest.test/p", "final_url": "https://guest.test/p", "status": 200,
                                    "found": True, "anchor": f"a{i}", "rel": [], "context": "", "sha256": "0" * 64,
                                    "via": "crawler"})
        kept = receipts.list_for(ws.store, p["id"])["receipts"]
    anchors = [r["anchor"] for r in reversed(kept)]
    assert len(kept) == receipts.MAX_PER_PLACEMENT
    assert anchors[0] == "a0" and anchors[1] == "a6" and anchors[-1] == f"a{receipts.MAX_PER_PLACEMENT + 4}"


def test_context_is_centred_on_the_link_in_a_long_block():
    words = " ".join(f"w{i}" for i in range(400))
    html = f'<p>{words} <a href="{TIER1}">the anchor</a> {words}</p>'
    found = receipts.find_link(html, "https://guest.test/p", TIER1)
    assert found["anchor"] == "the anchor" and len(found["context"]) <= receipts.CONTEXT_CHARS + 2
    assert "the anchor" in found["context"] and found["context"].startswith("…") and found["context"].endswith("…")
    assert receipts.find_link("<p>nothing</p>", "https://guest.test/p", TIER1) is None


@pytest.mark.browser
def test_the_placements_view_shows_the_latest_receipt_and_a_word_diff(page, home, sites):  # noqa: F811
    site = sites.new()
    url = site.page("/guest-post", BEFORE)
    setup(home, url)
    page.set_viewport_size({"width": 1366, "height": 768})
    with Dashboard(home).start() as srv:
        for body in (BEFORE, AFTER):
            site.page("/guest-post", body)
            srv.ok("POST", "/api/recheck", {"allow_private_hosts": True, "delay": 0})
            while srv.ok("GET", "/api/recheck")["state"] != "done":
                time.sleep(0.05)
        open_dashboard(page, srv, "placements")
        page.click(".receipts-toggle")
        page.wait_for_selector(".receipt-latest")
        latest = page.locator(".receipt-latest").inner_text()
        assert "the widget guide" in latest and "rel=sponsored" in latest and "six widget makers this winter" in latest
        assert page.locator(".word-diff ins").all_inner_texts() == ["six", "this winter"]
        assert page.locator(".word-diff del").all_inner_texts() == ["five", "last spring"]
        shot(page, "placements-receipts")
        page.select_option(".receipt-pick >> nth=0", "0")  # the newest with itself: nothing changed
        assert page.locator(".word-diff ins, .word-diff del").count() == 0
        assert not page.errors and not page.dialogs
