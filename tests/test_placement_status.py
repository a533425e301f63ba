"""Each placement (a tier-2 link I built) has a status: unchecked, live, nofollow or lost.

Editors quietly remove or nofollow the links users built; both a visit of the
page (the extension, `tierlink analyze`) and a recheck tell, and the store keeps
`checked_at` and a history of status changes. A page that cannot be judged (no
links at all) changes nothing.
"""

from __future__ import annotations

from test_recheck import seed
from websites import sites  # noqa: F401  (fixture)

TIER1 = "https://tier1.test/post"
GUEST = "https://guest.test/my-guest-post"


def analyze(cli, tmp_path, html, url=GUEST):
    page = tmp_path / "page.html"
    page.write_text(f"<html><body><main>{html}</main></body></html>", encoding="utf-8")
    return cli.json("analyze", str(page), "--url", url)


def placements(cli):
    return {p["from_url"]: p for p in cli.json("placements")}


def test_a_visit_lists_my_placements_and_says_when_one_is_gone(cli, home, tmp_path):
    seed(home, [{"source_url": TIER1}], placements=[(GUEST, TIER1)])
    assert placements(cli)[GUEST]["status"] == "unchecked" and placements(cli)[GUEST]["checked_at"] is None

    live = analyze(cli, tmp_path, f'<p>See <a href="{TIER1}">tier two</a> and <a href="/about">about</a>.</p>')
    assert [(p["to_url"], p["status"]) for p in live["placements"]] == [(TIER1, "live")]
    assert "placement_lost" not in live["labels"]
    record = placements(cli)[GUEST]
    assert record["status"] == "live" and record["checked_at"]

    nofollow = analyze(cli, tmp_path, f'<a rel="sponsored" href="{TIER1}">tier two</a><a href="/about">about</a>')
    assert nofollow["placements"][0]["status"] == "nofollow" and "placement_lost" not in nofollow["labels"]

    gone = analyze(cli, tmp_path, '<p>Rewritten. <a href="/about">about</a></p>')
    assert gone["placements"] == [{"id": record["id"], "to_url": TIER1, "status": "lost"}]
    assert "placement_lost" in gone["labels"]
    record = placements(cli)[GUEST]
    assert record["status"] == "lost"
    assert [(h["was"], h["now"]) for h in record["history"]] == [("unchecked", "live"), ("live", "nofollow"),
                                                                 ("nofollow", "lost")]


def test_a_page_without_links_changes_nothing(cli, home, tmp_path):
    seed(home, [{"source_url": TIER1}], placements=[(GUEST, TIER1)])
    analyze(cli, tmp_path, f'<a href="{TIER1}">tier two</a>')
    empty = analyze(cli, tmp_path, '<div id="app"></div>')
    assert empty["placements"][0]["status"] == "live" and "placement_lost" not in empty["labels"]
    assert placements(cli)[GUEST]["status"] == "live"


def test_other_pages_have_no_placements_field(cli, home, tmp_path):
    seed(home, [{"source_url": TIER1}], placements=[(GUEST, TIER1)])
    other = analyze(cli, tmp_path, f'<a href="{TIER1}">x</a>', url="https://someone.test/else")
    assert "placements" not in other and "placement_lost" not in other["labels"]


def test_a_recheck_checks_placement_pages(cli, home, sites):  # noqa: F811
    site = sites.new()
    kept = site.page("/guest-live", f'<p><a href="{TIER1}">tier two</a> <a href="/about">about</a></p>')
    removed = site.page("/guest-removed", '<p>Edited. <a href="https://other.test/">other</a></p>')
    gone = site.route("/guest-gone", status=410, body=b"")
    seed(home, [{"source_url": TIER1}], placements=[(kept, TIER1), (removed, TIER1), (gone, TIER1)])
    summary = cli.json("recheck", "--allow-private-hosts", "--delay", "0", "--only", "placements")
    by_page = {c["source_url"]: c for c in summary["changes"]}
    assert by_page[removed]["kind"] == "placement_lost" and by_page[removed]["target_url"] == TIER1
    assert by_page[gone]["kind"] == "placement_lost" and "410" in by_page[gone]["reason"]
    assert kept not in by_page  # unchecked → live is no change
    status = {url: p["status"] for url, p in placements(cli).items()}
    assert status == {kept: "live", removed: "lost", gone: "lost"}
    assert "/post" not in "".join(site.paths())  # --only placements: the tier-1 page was not fetched
