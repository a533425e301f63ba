"""Pages that compete with me (issue 16 §3): shared content words, stemmed, stop words out.

A tier-1 page competes with my money keyword when it shares at least two of the keyword's
content words and at least half of them; the strength (share matched) is in the reason.
One rule for the visit's boost verdict (visited title and headings), the stored boost
score and the suggestions (the export's title and URL words), and the draft check.
"""

from __future__ import annotations

import pytest

from companion import competing, drafts, verdicts
from companion.workspace import Workspace

ME = "example.com"
KEYWORD = "trail running shoes for women"
PROFILE = {"domains": [ME], "money_pages": [{"url": "https://example.com/trail", "keywords": [KEYWORD]}]}
SHOES = "https://shoeblog.test/reviews/2025-picks"  # titled "Best running shoes 2025, tested"
MARATHON = "https://runner.test/diary/week-12"  # titled "Running a marathon in the rain"


def kws(*words):
    return competing.keywords(list(words))


def test_the_running_shoes_page_competes_partially():
    """Two of four content words (run, shoe) is at least two and at least half: a competitor."""
    found = competing.competes(kws(KEYWORD), "Best running shoes 2025, tested")
    assert found is not None and found.shared == ("run", "shoe") and found.total == 4
    assert found.strength == 0.5 and not found.full
    assert "2 of its 4 content words: run, shoe; partial match" in found.describe()


def test_a_single_shared_word_does_not_make_a_competitor():
    assert competing.competes(kws(KEYWORD), "Running a marathon in the rain") is None
    assert competing.competes(kws("running shoes"), "Running a marathon") is None


def test_a_full_match_weighs_more_than_a_partial_one():
    full = competing.competes(kws(KEYWORD), "Women's trail-running shoes: our picks")
    assert full is not None and full.full and full.strength == 1.0


def test_half_of_a_long_keyword_is_needed():
    """Two words of a six-word keyword are not enough; three are."""
    six = kws("best waterproof trail running shoes women")
    assert competing.competes(six, "waterproof jackets and shoes") is None
    assert competing.competes(six, "waterproof trail shoes") is not None


@pytest.fixture
def ws(home):
    w = Workspace(home)
    w.set_profile(PROFILE)
    w.store.merge_backlinks([
        {"source_url": SHOES, "target_url": "https://example.com/blog", "anchor": "a shop", "rel": [], "follow": True,
         "status": "live", "title": "Best running shoes 2025, tested", "metrics": {"dr": 70, "ur": 5}},
        {"source_url": MARATHON, "target_url": "https://example.com/blog", "anchor": "a shop", "rel": [],
         "follow": True, "status": "live", "title": "Running a marathon in the rain", "metrics": {"dr": 70, "ur": 5}},
    ], origin="ahrefs")
    yield w
    w.close()


def test_the_stored_score_leaves_the_competitor_out_of_the_boost_list(ws):
    assert [i["url"] for i in ws.boost_list(10)] == [MARATHON]


def test_suggestions_never_offer_the_competitor(ws):
    verdicts.ensure_scored(ws)  # as every caller does (the analysis, the draft check)
    urls = [s["tier1_url"] for s in verdicts.suggest_tier1(ws, "running shoes marathon rain tested picks")]
    assert MARATHON in urls and SHOES not in urls


def page(title, h1=""):
    body = f"<h1>{h1}</h1>" if h1 else ""
    return (f"<html><head><title>{title}</title></head><body><main><article>{body}<p>"
            + "Words about running. " * 30 + '<a href="https://example.com/blog">a shop</a></p></article></main></body></html>')


def test_the_visit_judges_the_visited_title_and_headings(ws):
    """On a visit the page's own title and headings decide, with the strength in the reason."""
    seen = ws.analyze(SHOES, page("Gear", h1="Best running shoes 2025, tested"))
    reasons = " | ".join(seen["boost"]["reasons"])
    assert "targets my money keyword 'trail running shoes for women' (2 of its 4 content words" in reasons
    assert "[boost.competes -30]" in reasons and "worth_boosting" not in seen["labels"]
    renamed = ws.analyze(MARATHON, page("Running a marathon in the rain"))
    assert "[boost.competes" not in " | ".join(renamed["boost"]["reasons"])


def test_the_draft_check_warns_about_the_competitor_only(ws):
    html = f'<p><a href="{SHOES}">shoe picks</a> and <a href="{MARATHON}">a marathon diary</a></p>'
    warned = [w for w in drafts.check_draft(ws, html=html)["warnings"] if w["code"] == "competing_tier1"]
    assert len(warned) == 1 and "2 of its 4 content words" in warned[0]["message"]
    assert SHOES in str(warned[0])


def test_the_first_letter_prefilter_loses_no_match():
    """competes() stems only words whose first letter begins a keyword stem: that is safe only
    if stemming keeps a word's first letter. Checked over every word of 30 corpus pages."""
    import re

    from conftest import CORPUS, corpus_pages

    pages = corpus_pages()
    if not pages:
        pytest.skip(f"corpus not found at {CORPUS} (only in the team's checkout)")
    words = set()
    for path in pages[:30]:
        words.update(re.findall(r"[^\W\d_]{2,}", path.read_text("utf-8", errors="ignore").lower()))
    assert len(words) > 10_000
    assert [w for w in words if competing._stem(w)[:1] != w[:1]] == []
