"""Outreach in a team: two members' companions (`tierlink serve`, each its own home) on one real
PostgreSQL (tests/pgutil.py). A pitch by one warns the other on save; a do-not-contact entry
by one blocks `contacted` for the other; the settings and the due list are the team's."""

from __future__ import annotations

from test_team import team, tierlink  # noqa: F401  (fixture, helper)


def test_a_pitch_by_one_member_warns_the_other_on_save(team):  # noqa: F811
    alice, bob = team
    mine = alice.api("POST", "/api/candidates", json={"url": "https://blog.site.test/a", "kind": "tier2"}, expect=201)
    moved = alice.api("PATCH", f"/api/candidates/{mine['id']}", json={"status": "contacted"})
    assert moved["pitched_by"] == "alice"
    theirs = bob.api("POST", "/api/candidates", json={"url": "https://www.site.test/b", "kind": "tier2"}, expect=201)
    [warning] = theirs["warnings"]
    assert warning["code"] == "already_pitched" and warning["by"] == "alice"
    assert warning["at"] == moved["last_contacted"] and warning["url"] == "https://blog.site.test/a"
    assert "already pitched by alice" in warning["message"]
    # bob's board shows the mark too, and the due list is the team's
    [listed] = [c for c in bob.api("GET", "/api/candidates") if c["id"] == theirs["id"]]
    assert listed["pitched"][0]["by"] == "alice"
    bob.api("PUT", "/api/outreach/settings", json={"follow_up_days": 0})
    assert alice.api("GET", "/api/outreach/settings")["follow_up_days"] == 0


def test_a_dnc_entry_by_one_member_blocks_contacted_for_the_other(team):  # noqa: F811
    alice, bob = team
    c = bob.api("POST", "/api/candidates", json={"url": "https://news.spammy.test/p", "kind": "boost"}, expect=201)
    alice.api("POST", "/api/dnc", json={"value": "*.spammy.test", "reason": "legal asked"}, expect=201)
    r = bob.request("PATCH", f"/api/candidates/{c['id']}", json={"status": "contacted"})
    assert r.status == 409 and r.json()["error"]["code"] == "do_not_contact" and "legal asked" in r.json()["error"]["message"]
    [entry] = bob.api("GET", "/api/dnc")
    assert entry["added_by"] == "alice"
    moved = bob.api("PATCH", f"/api/candidates/{c['id']}", json={"status": "contacted", "override_dnc": True})
    assert moved["history"][-1]["override"] == "do_not_contact" and moved["history"][-1]["by"] == "bob"
    # what bob did, alice sees: contacted, with the override in its history
    [seen] = alice.api("GET", "/api/candidates")
    assert seen["status"] == "contacted" and seen["history"][-1]["dnc"] == "*.spammy.test"
    assert seen["dnc"]["by"] == "alice"
