"""Links to a page of mine that answers 4xx: kept from the export, labelled on a visit, listed apart.

Why: such a link passes nothing until its target redirects to a live page, and one
redirect wins it back. The fixture `ahrefs-broken-backlinks.csv` has the exact header
of Ahrefs' "Broken backlinks" export (../shared/exports/real/SOURCES.md) with invented
rows: a followed link to a 404, a nofollow one to a 410, and another followed 404.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.workspace import Workspace
from serverutil import multipart

BROKEN = Path(__file__).resolve().parent / "fixtures" / "exports" / "ahrefs-broken-backlinks.csv"
SOURCE = "https://blog.tinkerers.test/widget-care-long"
DEAD = "https://www.example.com/guides/old-widget-care.html"
REASON = f"redirect {DEAD} to a live page to recover this link"


def page(*hrefs: str) -> str:
    links = "".join(f'<p>Read <a href="{h}">this guide</a> on widget care.</p>' for h in hrefs)
    return (f"<!doctype html><html><head><title>Widget care, the long version</title></head>"
            f"<body><main><article><h1>Widget care</h1>{links}</article></main></body></html>")


@pytest.fixture
def ws(ws):
    """conftest's workspace (domain example.com) with the broken backlinks imported."""
    ws.import_files([BROKEN])
    return ws


def test_the_target_code_and_the_checked_date_are_kept(ws):
    r = ws.store.get_backlink(SOURCE, DEAD)
    assert r["metrics"]["target_http_code"] == 404 and r["metrics"]["http_code"] == 200
    # `Ref. page checked` is when Ahrefs last saw the link; the file has no First seen column
    assert r["last_seen"] == "2026-04-09T05:33:49" and r["first_seen"] == "2026-04-09T05:33:49"
    assert ws.store.get_backlink("https://forum.diy.test/t/blue-widgets/9921",
                                 "https://www.example.com/shop/blue-widget-2019")["metrics"]["target_http_code"] == 410


def test_a_visit_labels_the_page_and_says_what_to_do(ws):
    result = ws.analyze(SOURCE, page(DEAD))
    assert "tier1" in result["labels"] and "broken_target" in result["labels"]
    assert result["broken_targets"] == [{"target": DEAD, "http_code": 404, "reason": REASON}]
    assert result["boost"]["reasons"][0] == REASON


def test_no_label_once_the_link_is_gone_from_the_page_or_points_elsewhere(ws):
    other = ws.analyze(SOURCE, page("https://www.example.com/guides/widget-care"))
    assert "tier1" in other["labels"] and "broken_target" not in other["labels"]
    assert "broken_targets" not in other
    gone = ws.analyze(SOURCE, page("https://elsewhere.test/"))
    assert "broken_target" not in gone["labels"] and "link_lost" in gone["labels"]


def test_a_target_that_answers_is_not_broken(home):
    """The same page with a stored target code of 200 (e.g. after the redirect was made) is no broken target."""
    w = Workspace(home)
    w.set_profile({"domains": ["example.com"]})
    data = BROKEN.read_text(encoding="utf-8").replace(",404,see,widget care guide", ",200,see,widget care guide")
    w.import_bytes("mysite-broken-backlinks.csv", data.encode())
    try:
        result = w.analyze(SOURCE, page(DEAD))
        assert "tier1" in result["labels"] and "broken_target" not in result["labels"]
    finally:
        w.close()


def test_the_api_lists_them_apart_followed_and_high_dr_first(server):
    server.api("PUT", "/api/profile", json={"domains": ["example.com"]})
    body, ctype = multipart(None, {"file": ("broken.csv", BROKEN.read_bytes())})
    r = server.request("POST", "/api/import", data=body, headers={"Content-Type": ctype})
    assert r.status == 200, r.text
    items = server.api("GET", "/api/broken-targets")
    assert [(i["source_url"], i["http_code"], i["follow"]) for i in items] == [
        ("https://partners.example.org/makers", 404, True),   # DR 72
        (SOURCE, 404, True),                                    # DR 61
        ("https://forum.diy.test/t/blue-widgets/9921", 410, False),  # nofollow last
    ]
    assert items[1]["reason"] == REASON and items[1]["anchor"] == "widget care guide"
    assert items[0]["metrics"]["dr"] == 72


def test_the_cli_lists_them_too(cli):
    cli("init", "--domain", "example.com")
    cli("import", str(BROKEN))
    items = cli.json("backlinks", "--broken")
    assert [i["http_code"] for i in items] == [404, 404, 410]
    assert "--broken lists live links only" in cli.fails("backlinks", "--broken", "--status", "lost")
