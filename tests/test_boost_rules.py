"""The boost rules are written once: a page's visit verdict and its boost-list entry give the same reasons.

Why: the verdict of a visit (`boost_verdict`) and the stored score the boost list ranks by
(`Tier1Scorer.explain`) used to write the rules out twice, and their words drifted: a link
under the page's robots nofollow read "page-level robots nofollow" on the visit and
"nofollow" in the boost list; a `rel="nofollow noopener"` link read "(nofollow)" and
"(nofollow, noopener)". Both now evaluate companion.verdicts.boostrules' one table. For
every rule both can judge, the two give the same reason; the rules only a visit can judge
(indexing, the link's position) and the outbound count (measured on the page, or the
export's) are the visit's own.
"""

from __future__ import annotations

import pytest

VISIT_ONLY = {"boost.noindex", "boost.canonical_elsewhere", "boost.indexable", "boost.in_content",
              "boost.boilerplate", "boost.few_outbound", "boost.diluted"}
MONEY = "https://www.example.com/shop/blue-widget"


def signal(reason: str) -> str:
    return reason.rsplit("[", 1)[1].split()[0]


def shared(reasons: list[str]) -> list[str]:
    return [r for r in reasons if signal(r) not in VISIT_ONLY]


def page(title: str, link: str, *, robots: str = "", body: str = "") -> str:
    meta = f'<meta name="robots" content="{robots}">' if robots else ""
    return (f"<html><head><title>{title}</title>{meta}</head><body><main><h1>{title}</h1>"
            f"<p>Some words about gardens and the tools they need. {link}</p>{body}</main></body></html>")


CASES = {
    # name: (url, html): each page links to my site once
    "followed, money page": ("https://garden-blog.test/tools", page("Garden tools", f'<a href="{MONEY}">widgets</a>')),
    "rel nofollow noopener": ("https://forum.test/t/1", page("A thread", f'<a rel="nofollow noopener" '
                                                                        f'href="https://www.example.com/">us</a>')),
    "ugc sponsored": ("https://forum.test/t/2", page("Another thread", f'<a rel="ugc sponsored" href="{MONEY}">it</a>')),
    "page-level robots nofollow": ("https://news.test/story",
                                   page("A story", '<a href="https://www.example.com/about">about</a>',
                                        robots="nofollow")),
    "competes with a money keyword": ("https://rival.test/blue-widget-guide",
                                      page("Blue widget buying guide", f'<a href="{MONEY}">shop</a>')),
    "search results": ("https://engine.test/search?q=widgets",
                       page("Results for widgets", '<a href="https://www.example.com/">r</a>')),
}


@pytest.fixture
def visited(ws):
    ws.set_profile({"domains": ["example.com"], "owned_sites": ["mine.test"],
                    "money_pages": [{"url": MONEY, "keywords": ["blue widget guide"]}]})
    return ws


@pytest.mark.parametrize("case", list(CASES))
def test_a_visit_and_the_boost_list_give_the_same_reasons(visited, case):
    from companion.analysis import urls
    from companion.verdicts import verdicts

    url, html = CASES[case]
    ws = visited
    ws.analyze(url, html)  # the first visit records the link (a new tier-1 page)
    from companion.workflow import placements
    placements.add(ws.store, ws.profile, "https://tier2.test/post", url, anchor="a post")
    result = ws.analyze(url, html)  # the page as it stands, with its placement counted
    assert "tier1" in result["labels"], result["labels"]
    visit = result["boost"]["reasons"]
    key = urls.page_key(url)
    stored = ws.store.tier1_page(key)
    scorer = verdicts.ensure_scored(ws.store, ws.profile)
    entry = scorer.explain(stored["host"], stored["features"], stored["placements"], key)
    assert shared(visit) == shared(entry["reasons"]) == [r for r in entry["reasons"] if signal(r) not in VISIT_ONLY]
    assert "boost.already_boosted" in {signal(r) for r in visit}
    listed = {item["url"]: item for item in ws.boost_list(50, spam="show")}
    if not entry["blocked"]:
        assert listed[stored["url"]]["reasons"] == entry["reasons"]  # the boost list gives the stored reasons
    else:
        assert stored["url"] not in listed


def test_the_two_ways_a_link_is_not_followed_read_the_same_everywhere(visited):
    ws = visited
    words = {}
    for case in ("rel nofollow noopener", "ugc sponsored", "page-level robots nofollow"):
        url, html = CASES[case]
        ws.analyze(url, html)
        words[case] = [r for r in ws.analyze(url, html)["boost"]["reasons"] if "[boost.nofollow" in r]
    assert words == {"rel nofollow noopener": ["the link to me is not followed (nofollow) [boost.nofollow -30]"],
                     "ugc sponsored": ["the link to me is not followed (ugc, sponsored) [boost.nofollow -30]"],
                     "page-level robots nofollow":
                         ["the link to me is not followed (page-level robots nofollow) [boost.nofollow -30]"]}
    items = ws.boost_list(50)
    assert {r for i in items for r in i["reasons"] if "[boost.nofollow" in r} == {w[0] for w in words.values()}


def test_every_boost_weight_is_a_rule_of_the_table_or_of_authority():
    """The table names each boost signal of the weights table (authority.py gives the rest)."""
    from pathlib import Path

    from companion.core.weights import DEFAULTS
    from companion.verdicts import authority, boostrules

    given_by_authority = {name for name in DEFAULTS if f'"{name}"' in Path(authority.__file__).read_text()}
    boost = {name for name in DEFAULTS if name.startswith("boost.") and name != "boost.base"}
    assert boost == boostrules.signal_names() | given_by_authority
