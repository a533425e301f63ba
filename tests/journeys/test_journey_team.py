"""Journey 5: two members on one PostgreSQL, each with their own companion and dashboard.

A throwaway cluster (tests/pgutil.py), one database; alice sets the domain and imports a real
Semrush export (tokentopnews.com, read from ../shared) with the CLI; alice's and bob's
companions (`--database URL --user NAME`, each its own home) serve their own dashboards.
alice saves the best page of the boost list and notes why; bob's board shows it, saved by
alice, with her note; bob saves the same page from his boost list (he had not looked at the
board): it stays one card, alice's note survives, and the card and its history name both.
Every total is the same in both dashboards and in `tierlink --database URL ... --json`.
Then the database stops: the companion's health and bob's dashboard say so, and a view
shows the error instead of "Loading…".
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from journeys.journeyutil import Checks, backlink_total, real_export
from pgutil import start_cluster

EXPORT = "semrush-backlinks-tokentopnews.csv"
DOMAIN = "tokentopnews.com"
NOTE = "alice: asked their editor about a guest post"


@pytest.fixture
def cluster():
    """A cluster of this journey's own: it is stopped at the end (the database goes down)."""
    made = start_cluster()
    yield made
    made.destroy()


def soft(checks: Checks, what: str, step) -> bool:
    """A step whose failure is one more problem seen, not the end of the journey."""
    try:
        step()
        return True
    except AssertionError as exc:  # playwright's expect() raises AssertionError
        checks.expect(False, f"{what}: {str(exc).splitlines()[0][:300]}")
        return False


def test_two_members_share_one_database(companion_factory, chromium, dashboard_factory, cluster, screen):
    export = real_export(EXPORT)
    checks = Checks("team", screen, data_text=export.read_text(encoding="utf-8", errors="replace"))
    team = ("--database", cluster.new_database())
    checks.add_data(team[1])  # the database's own name (t_…) is the team's word, not a label code
    alice = companion_factory("alice", extra_args=(*team, "--user", "alice"), start=False)
    alice.cli("init", "--domain", DOMAIN)
    alice.cli("import", str(export))
    alice.start()
    bob = companion_factory("bob", extra_args=(*team, "--user", "bob"))
    assert alice.api("GET", "/api/health")["store"] == "postgresql"

    a = dashboard_factory(chromium, alice, screen)
    b = dashboard_factory(chromium, bob, screen)

    # alice: the boost list, the best page saved in one click, a note on its card
    pa = a.open("boost")
    expect(pa.locator(".boost-row").first).to_be_visible(timeout=60_000)
    checks.look(pa, "alice-boost", ("header", "main"))
    best = alice.cli_json("boost", "--limit", "1")[0]
    first = pa.locator(".boost-row").first
    assert first.locator(f'a[href="{best["url"]}"]').count() >= 1, (first.inner_text(), best["url"])
    first.get_by_role("button", name="Save").click()
    expect(first.get_by_role("button", name="Saved")).to_be_visible()
    a.open("candidates")
    card = pa.locator(".card", has=pa.locator(f'a[href="{best["url"]}"]'))
    expect(card).to_be_visible()
    card.locator(".cand-note").fill(NOTE)
    card.locator(".cand-note").press("Tab")
    expect(card.locator(".save-state")).to_have_text("Saved")

    # bob: alice's card on his board, with who saved it and her note
    pb = b.open("candidates")
    bcard = pb.locator(".card", has=pb.locator(f'a[href="{best["url"]}"]'))
    expect(bcard).to_be_visible()
    expect(bcard).to_contain_text("alice")
    expect(bcard.locator(".cand-note")).to_have_value(NOTE)
    checks.look(pb, "bob-board-sees-alice", ("header", "main"))

    # bob saves the same page from his own boost list: still one card, alice's note kept, both named
    b.open("boost")
    bfirst = pb.locator(".boost-row", has=pb.locator(f'a[href="{best["url"]}"]')).first
    bfirst.get_by_role("button", name="Save").click()
    expect(bfirst.get_by_role("button", name="Saved")).to_be_visible()
    board = alice.cli_json("candidates")
    board = board["candidates"] if isinstance(board, dict) else board
    assert len(board) == 1, board
    saved = board[0]
    checks.expect(NOTE in (saved.get("note") or "") or any(NOTE in str(n) for n in saved.get("notes") or []),
                  f"alice's note survives bob saving the same page: {saved.get('note')!r}")
    savers = {h.get("by") for h in saved.get("history") or []}
    checks.expect({"alice", "bob"} <= savers, f"the card's history names both savers: {saved.get('history')!r}")
    a.open("candidates")
    card = pa.locator(".card", has=pa.locator(f'a[href="{best["url"]}"]'))
    expect(card).to_be_visible()
    checks.look(pa, "alice-board-after-both-saved", ("header", "main"))
    checks.expect("bob" in card.inner_text(), f"alice's card says bob saved it too: {card.inner_text()!r}")

    # numbers: both dashboards and the CLI on the database agree
    for who, dash, page in (("alice", a, pa), ("bob", b, pb)):
        dash.open("candidates")
        checks.same(page.locator(".card").count(), len(board), f"candidates on {who}'s board")
        dash.open("boost")
        expect(page.locator(".boost-row").first).to_be_visible(timeout=60_000)
        limit = int(page.locator("#boost-limit").input_value())
        top = alice.cli_json("boost", "--limit", str(limit))
        checks.same(page.locator(".boost-row").count(), len(top), f"pages in {who}'s boost list")
        score = page.locator(".boost-row").first.inner_text().split()[0]
        checks.same(score, str(round(top[0]["score"])), f"the best score in {who}'s boost list")
        dash.open("backlinks")
        expect(page.locator("#view-backlinks table").first).to_be_visible(timeout=60_000)
        total = backlink_total(bob.cli_json("backlinks"))
        checks.shows(page.locator("#view-backlinks").inner_text(), total, f"backlinks in {who}'s list")
        if who == "bob":
            checks.look(page, "bob-backlinks", ("header", "main"))
    dot = pb.locator("#conn")
    checks.expect(re.search(r"v?\d+\.\d+", dot.inner_text()), f"bob's dashboard says it is connected: {dot.inner_text()!r}")

    # the database goes down: the companion says so, and so does bob's dashboard, with no spinner left
    cluster.stop()
    health = bob.request("GET", "/api/health", timeout=60)
    checks.expect(health.status == 200 and health.json().get("status") != "ok"
                  and "database" in str(health.json().get("problem", "")),
                  f"/api/health reports the unreachable database: {health.status} {health.text.strip()[:300]}")
    pb.evaluate("location.hash = '#candidates'")
    pb.reload()  # bob comes back to his board
    pb.wait_for_selector("nav#tabs a.tab")
    soft(checks, "bob's dashboard says the database cannot be reached (status in the top bar)",
         lambda: expect(dot).to_contain_text(re.compile(r"database|unavailable|unreachable|degraded", re.I), timeout=15_000))
    soft(checks, "the candidates view shows the database error",
         lambda: expect(pb.locator("#view-candidates .notice-error, #view-candidates [role=alert]").first)
         .to_contain_text(re.compile(r"database", re.I), timeout=15_000))
    soft(checks, "no 'Loading…' stays under the error", lambda: expect(pb.locator("main .loading")).to_have_count(0, timeout=15_000))
    checks.look(pb, "bob-database-down", ("header", "#banner", "main"))
    checks.quiet_log(alice.output(None), "alice's companion")
    checks.quiet_log(bob.output(None), "bob's companion")
    checks.verify()
