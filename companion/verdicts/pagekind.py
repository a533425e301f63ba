"""What kind of page a URL names: a search-result page, an archive listing, or neither.

Why from the URL alone: the boost list ranks pages nobody has visited yet, from an
export's rows, and a search-result page (docs/DOMAIN.md: nobody links to it, it passes
nothing) or a tag archive (its links rotate out) must be told before any visit.

Search-result pages are decided by the table `SEARCH_RULES`: a query parameter that
carries a search, read only where it can mean nothing else. `search` and `query` name a
search on any page (`p.eurekster.com/?search=Insulin%20Syringe`, `/shop?query=high+heels`)
when their value holds a letter (`?search=1` is a switch); `q` and `s` do on a site's home
page (`/?s=` is WordPress's search, `/?q=` a search box's); the other names (`p`, `k`,
`keyword`, `searchTerm`, ...) only on a search path (`/search`, `results.aspx`) or a search
host (`search.yahoo.com`). A `/search/` segment with more path after it is a search too
(`/search/widgets`).

What must not be flagged, seen in the real exports: a product page that carries the search
it was found by (`prod.jump?ppId=…&searchTerm=lamp`, `X6.aspx?ItemID=…&SearchString=…`), a
stock quote (`/stocks/summary/?q=JCP-N`, `/q/pr?s=JCP`), a post by number (`/?p=92608`), an
ad landing page (`?keyword=`). tests/test_pagekind.py lists what the rules flag on every
URL of ../shared/exports/real and holds these cases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

SEARCH_SEGMENTS = frozenset({"search", "s", "results", "results.aspx", "results.jsp", "search.php", "search.html",
                             "search.aspx", "find", "searchresults", "search-results", "suche", "buscar", "recherche"})


@dataclass(frozen=True)
class SearchRule:
    """A search-result page: one of `params` carries a value, on a page `where` says."""

    where: str  # "any": any page; "home": the site's home page; "search": a search path or host
    params: tuple[str, ...]  # in the order they are tried: the reason names the first found
    words: bool  # the value must hold a letter (a number alone is likely an id)


SEARCH_RULES: tuple[SearchRule, ...] = (
    SearchRule("any", ("search", "query"), True),
    SearchRule("home", ("s", "q"), False),
    SearchRule("search", ("q", "p", "s", "k", "query", "search", "search_query", "searchterm", "searchstring",
                          "keyword", "keywords", "term", "text", "ntt", "wd"), False),
)
_LETTER = re.compile(r"[^\W\d_]")
_ARCHIVE_SEGMENTS = frozenset({"tag", "tags", "category", "categories", "archive", "archives", "author", "label",
                               "topics", "etiqueta", "schlagwort"})
_YEAR = re.compile(r"(?:19|20)\d\d$")


def _search(host: str, segments: list[str], params: dict[str, str]) -> str | None:
    """The reason a URL is a search-result page, or None."""
    on_search_page = (host.startswith("search.") or ".search." in host
                      or any(s in SEARCH_SEGMENTS for s in segments))
    for rule in SEARCH_RULES:
        if rule.where == "home" and segments or rule.where == "search" and not on_search_page:
            continue
        for name in rule.params:
            value = params.get(name)
            if value and (not rule.words or _LETTER.search(value)):
                if rule.where == "home" and name == "s":
                    return "a site search (?s=)"
                return f"a search-result page (?{name}=)"
    if "search" in segments[:-1]:
        return "a search-result page (/search/…)"
    return None


# Every rule needs a query, a word of the tables above in the path, or a year: an ASCII URL with
# none of these (nor a percent-escape, tab or line break, which urlsplit reads into the path) is no
# kind of page, told without splitting it (most linking pages; an import scores every page it writes).
_MAYBE_KIND = re.compile(r"[?%\t\r\n]|search|tag|categor|archive|author|label|topics|etiqueta|schlagwort|page|"
                         r"/(?:19|20)\d\d")


def page_kind(url: str) -> tuple[str, str] | None:
    """('search', why) for a search-result page, ('archive', why) for a tag, category,
    author, date or paginated archive, else None: from the URL alone."""
    if url.isascii() and not _MAYBE_KIND.search(url.lower()):
        return None
    return _split_kind(url)


def _split_kind(url: str) -> tuple[str, str] | None:
    """page_kind from the URL split into host, path segments and query (every URL's answer)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    segments = [s for s in unquote(parts.path).lower().split("/") if s]
    params: dict[str, str] = {}
    for k, v in parse_qsl(parts.query, keep_blank_values=True):
        if v:
            params.setdefault(k.lower(), v)
    why = _search(host, segments, params)
    if why:
        return "search", why
    for seg in segments[:-1]:
        if seg in _ARCHIVE_SEGMENTS:
            return "archive", f"a {seg} archive page"
    if segments and segments[-1] in ("tag", "tags", "archive", "archives"):
        return "archive", f"a {segments[-1]} page"
    if len(segments) >= 2 and segments[-2] == "page" and segments[-1].isdigit():
        return "archive", "a paginated listing"
    if segments and _YEAR.match(segments[0]) and all(s.isdigit() and len(s) <= 4 for s in segments):
        return "archive", "a date archive"
    if params.keys() & {"tag", "cat", "paged"}:
        return "archive", "a tag or category listing"
    return None
