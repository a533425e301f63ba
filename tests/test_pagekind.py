"""Search-result pages told from the URL (companion.verdicts.pagekind), on shapes seen in real exports.

The bug: `p.eurekster.com/?…&search=Insulin%20Syringe` search pages ranked #2 and #3 of the boost
list of the mdsupplies Ahrefs file (the test of that list is in tests/test_boost_real_exports.py).
The cases below copy the shapes of real URLs on invented hosts; the last test runs the rules over
every URL of ../shared/exports/real and checks what they flag against the shapes checked by eye.
"""

from __future__ import annotations

import re

import pytest

from companion.verdicts.pagekind import page_kind
from conftest import SHARED

REAL = SHARED / "exports" / "real"


@pytest.mark.parametrize("url, why", [
    ("https://p.portal.test/?id=&apdiv=Submit&search=Medical%20Product", "a search-result page (?search=)"),
    ("http://www.shop.test/high_heels/shop?query=high+heels", "a search-result page (?query=)"),
    ("https://blog.test/?s=widgets", "a site search (?s=)"),
    ("https://engine.test/?q=widgets", "a search-result page (?q=)"),
    ("https://de.search.engine.test/mobile/s?ei=UTF-8&p=Widgets", "a search-result page (?p=)"),
    ("https://www.engine.test/images/results.aspx?q=widgets", "a search-result page (?q=)"),
    ("http://www.store.test/jsp/search/results.jsp?fromSearch=true&Ntt=burr+grinder", "a search-result page (?ntt=)"),
    ("https://video.test/results?search_query=widgets", "a search-result page (?search_query=)"),
    ("https://pics.test/search/%23widgets", "a search-result page (/search/…)"),
])
def test_search_result_pages_are_flagged_with_a_true_reason(url, why):
    assert page_kind(url) == ("search", why)


@pytest.mark.parametrize("url", [
    # a product page that carries the search it was found by
    "http://www.store.test/women/coats/wool-coat/prod.jump?ppId=pp5003520078&searchTerm=wool+coat&catId=SearchResults",
    "http://www.store.test/jcp/X6.aspx?GrpTyp=PRD&ItemID=176456c&Ntt=kitchen+islands&SearchString=kitchen+islands",
    "https://shop.test/products/blue-widget?s=blue",          # ?s= on a product: a size or a colour
    "https://news.test/globe-investor/markets/stocks/summary/?q=ACME-N",  # a stock quote
    "http://finance.portal.test/q/pr?s=ACME+Profile",
    "https://blog.test/?p=92608",                              # a WordPress post by number
    "https://shop.test/?keyword=running+shoes&gclid=abc",      # an ad landing page
    "https://shop.test/catalog?search=1",                      # a switch, not a search
    "https://shop.test/search",                                # the search form itself
    "https://forum.test/threads/in-search-of-plastic-bags.731787/",
    "https://www.search-hotels.test/domain-list-171",
])
def test_ordinary_pages_are_not_search_pages(url):
    kind = page_kind(url)
    assert kind is None or kind[0] != "search", kind


# The shapes every flagged URL of the real exports has, each checked by eye to be a search page:
# a search engine's result pages, a shop's search results, a site search on the home page.
SEARCH_SHAPES = re.compile(
    r"^https?://[a-z]+\.search\.yahoo\.com/(mobile/s|mobile/sapp|yp/search)\?"
    r"|^https?://www\.jcpenney\.com/(dotcom/)?jsp/search/results\.jsp\?.*\bNtt="
    r"|^https?://(rewards|www)\.bing\.com/(search|images/results\.aspx)\?.*\bq="
    r"|^http://www\.polyvore\.com/\w+/shop\?query="
    r"|^https://p\.eurekster\.com/\?.*&search="
    r"|^https://(piclur\.com|askai\.glarity\.app/fr)/search/."
    r"|^https://[a-z.-]+/\?s=\d+$")


def test_what_the_rules_flag_in_the_real_exports():
    files = sorted(REAL.glob("*.csv"))
    if not files:
        pytest.skip(f"real exports not found in {REAL} (third-party data, only in the team's checkout)")
    found = set()
    for path in files:
        found.update(re.findall(r"https?://[^\s,\"]+", path.read_text(encoding="utf-8-sig", errors="replace")))
    flagged = sorted(u for u in found if (page_kind(u) or ("",))[0] == "search")
    assert [u for u in flagged if not SEARCH_SHAPES.search(u)] == []
    assert sum("p.eurekster.com/" in u for u in flagged) == 4
    products = [u for u in found if "/prod.jump?" in u and "searchTerm=" in u]  # product pages found by a search
    assert products and not set(products) & set(flagged)
    assert not [u for u in flagged if re.search(r"[?&]p=\d+$", u)]


def _urls_to_try() -> list[str]:
    """URLs of every shape the rules read: the real exports' (where present), and made-up ones that put
    each word of the tables in the host, the path, an escape, a tab, upper case, a query or a fragment."""
    found = set()
    for path in sorted(REAL.glob("*.csv")):
        found.update(re.findall(r"https?://[^\s,\"]+", path.read_text(encoding="utf-8-sig", errors="replace")))
    words = ["search", "Search", "tag", "tags", "category", "Categories", "archive", "author", "label", "topics",
             "etiqueta", "schlagwort", "page", "2", "2019", "1999", "20", "s", "results.aspx", "%74ag", "t%61g",
             "ta\tg", "ta\ng", "café", "x", ""]
    hosts = ["blog.test", "search.engine.test", "www.tag.test", "pages.test"]
    queries = ["", "?q=widgets", "?s=1", "?search=blue", "?tag=a", "?paged=2", "#tag", "?"]
    for host in hosts:
        for a in words:
            for b in words[::3]:
                for q in queries[::2] if b else queries:
                    found.add(f"https://{host}/{a}/{b}{q}")
                    found.add(f"HTTP://{host.upper()}/{a.upper()}/{b}/{q}")
    return sorted(found)


def test_the_short_cut_for_plain_urls_answers_as_the_split_does():
    """page_kind tells most URLs "no kind" without splitting them (the import scores every page it
    writes); every URL must get the same answer as from its split parts."""
    from companion.verdicts import pagekind

    urls_ = _urls_to_try()
    assert len(urls_) > 3000
    assert [u for u in urls_ if page_kind(u) != pagekind._split_kind(u)] == []
    assert sum(page_kind(u) is not None for u in urls_) > 1000  # the cases do reach the rules
