"""An export without dates never sets or moves a date (our own samples; the real files: test_real_exports.py).

Why: "More sample links", Bing's referring pages and an edited CSV say nothing about
when a link was seen. Giving their rows the import's day moved Search Console's real
crawl date to today when they came second, and kept the real date out when they came
first. A row without a date leaves first/last seen unset, or as stored.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest


SAMPLES = Path(__file__).resolve().parent / "fixtures" / "exports"
LATEST = ("https___www.example.com_-Latest links-2025-12-02.csv", (SAMPLES / "gsc-latest-links.csv").read_bytes())
SAMPLE = ("https___www.example.com_-More sample links-2025-12-02.csv",
          (SAMPLES / "gsc-more-sample-links.csv").read_bytes())
PAGE = "https://widgetweekly.example.org/best-widgets-2025/"  # in both files; crawled 2025-11-30


def dates(ws) -> dict[str, tuple]:
    return {b["source_key"]: (b["first_seen"], b["last_seen"]) for b in ws.store.all_backlinks()}


def test_more_sample_links_alone_sets_no_date(ws):
    ws.import_files([SAMPLE])
    assert set(dates(ws).values()) == {(None, None)}


@pytest.mark.parametrize("order", [(LATEST, SAMPLE), (SAMPLE, LATEST)], ids=["latest first", "sample first"])
def test_the_crawl_date_survives_either_order(ws, order):
    for item in order:
        ws.import_files([item])
    got = dates(ws)
    assert got["widgetweekly.example.org/best-widgets-2025"] == ("2025-11-30", "2025-11-30")
    assert got["jp.example.org/guide/widgets"] == ("2025-11-29", "2025-11-29")
    assert got["news.example.org/2025/10/local-makers"] == (None, None)  # only in More sample links
    assert date.today().isoformat() not in {d for pair in got.values() for d in pair}


def test_a_dateless_row_does_not_move_a_tool_date(ws):
    ws.import_files([SAMPLES / "ahrefs-v3.csv"])
    before = ws.store.get_backlink(PAGE, "https://www.example.com/blog/best-widgets/")
    ws.import_files([SAMPLES / "bing-referring-pages.csv"])
    after = ws.store.get_backlink(PAGE, "https://www.example.com/blog/best-widgets/")
    assert (after["first_seen"], after["last_seen"]) == (before["first_seen"], before["last_seen"]) \
        == ("2025-03-14T09:21:07", "2025-11-30T22:04:51")
    assert after["origins"] == ["ahrefs", "bing"]


def test_bing_and_a_dateless_csv_store_no_date(ws):
    ws.import_files([SAMPLES / "bing-referring-pages.csv"])
    ws.import_bytes("mine.csv", b"source_url,target_url\nhttps://blog.other.test/x,https://example.com/\n", "csv")
    assert {(b["first_seen"], b["last_seen"]) for b in ws.store.all_backlinks()} == {(None, None)}
