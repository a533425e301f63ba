"""Page analysis: what every link on a page is, and what the page says about itself.

`analyze(url, html, profile, knowledge)` returns the Analysis of docs/CONTRACT.md. It
parses once with lxml's HTML parser (never an XML parser: real pages are not XML)
and walks only the `<a>`/`<area>` elements and their ancestors, which keeps the
whole analysis close to the cost of the bare parse (see scripts/bench_analyze.py).

`knowledge` is what the store knows (tier-1 pages, pages holding my placements);
without it, targets are decided from the profile alone. The verdict fields
(`boost`, `tier2`, `changes` and the labels that need the store) are filled by
`companion.verdicts.verdicts`, which calls this first.
"""

from __future__ import annotations

import re
from itertools import chain
from typing import Protocol

import lxml.etree

from companion.core.limits import MAX_HEADER_VALUE, MAX_HEADERS, MAX_HTML_BYTES, MAX_URL_LENGTH, NOFOLLOW_RELS
from companion.analysis import indexability, urls
from companion.analysis.decode import decode_html
from companion.core.errors import BadInput
from companion.analysis.positions import PositionFinder
from companion.analysis.profile import Profile

ROBOTS_META_NAMES = frozenset({"robots", "googlebot"})
# Anchor text is the link's textContent (as the browser's `a.text`) with ASCII whitespace
# stripped and collapsed, the HTML standard's "strip and collapse ASCII whitespace": a
# non-breaking space is text, not whitespace, and stays, as it does in Chromium's DOM.
# One rule for every link, text-only or holding elements (tests/test_analyze.py).
_WS = re.compile(r"[ \t\n\f\r]+")
# Plain str results: lxml's default "smart" strings are a subclass holding a reference
# to their element (so a kept Analysis would keep the whole tree alive), and cost
# ~100 ns more a call.
# normalize-space() collapses XML's whitespace (space, tab, CR, LF) in C and leaves a no-break
# space alone, as the anchor rule wants; only a form feed (ASCII whitespace to HTML, not to
# XML) is left for _text to collapse.
# regexp=False: lxml otherwise registers the EXSLT regular-expression functions on every
# call, which this expression never uses; that was a fifth of each call (docs/BENCHMARKS.md).
_STRING = lxml.etree.XPath("normalize-space(string())", smart_strings=False, regexp=False)
# rel is a list of tokens split on whitespace or commas: Google reads
# rel="nofollow,noindex" as nofollow (a browser's relList would not split it). Robots
# directives (meta and X-Robots-Tag) are split the same way.
_TOKEN_SPLIT = re.compile(r"[\s,]+")
_MISSING = object()


class Knowledge(Protocol):
    """What the analysis may ask the store; all lookups by `urls.page_key`."""

    def tier1_links(self, candidates: dict[str, str]) -> set[str]:
        """Which of these links (absolute href -> its host) point at a tier-1 page. Asked once,
        after the walk, with every candidate of the page: the store answers a page's links in
        a query or two, not one per host or link."""

    def is_placement_page(self, key: str) -> bool: ...


# Characters str.split() takes for whitespace in ASCII text that HTML does not.
_SPLIT_NOT_HTML_WS = re.compile("[\x0b\x1c-\x1f]").search


def _collapse(text: str | None) -> str:
    """ASCII whitespace stripped and collapsed (_WS); str.strip() would strip a no-break space too.

    On ASCII text with none of the few characters str.split() alone counts as whitespace,
    split/join gives the same and costs a third of the regex (it runs once per link)."""
    if not text:
        return ""
    if text.isascii() and _SPLIT_NOT_HTML_WS(text) is None:
        return " ".join(text.split())
    return _WS.sub(" ", text).strip(" ")


def _text(el) -> str:
    """The anchor rule (_WS) on an element's whole text."""
    text = _STRING(el)
    return _collapse(text) if "\f" in text else text


def _fallback_text(el) -> str:
    """Text of a link with no text of its own: an area's or image's alt."""
    if el.tag == "area":
        return _collapse(el.get("alt"))
    alts = [_collapse(img.get("alt")) for img in el.iter("img")]
    return " ".join(a for a in alts if a)


def _rel_tokens(value: str | None) -> list[str]:
    if not value:
        return []
    tokens: list[str] = []
    for token in _TOKEN_SPLIT.split(value.lower()):
        if token and token not in tokens:
            tokens.append(token)
    return tokens


def _inert_links(doc) -> frozenset:
    """Links inside `<template>`: its content is no part of the document in a browser (an
    inert DocumentFragment), so neither users nor crawlers see them; libxml2 keeps them in
    the tree like any other element."""
    inert = [link for template in iter_tags(doc, "template") for link in template.iter("a", "area")]
    return frozenset(inert)


def _robots(metas) -> dict:
    """Page-level robots from <meta name=robots|googlebot>; the most restrictive wins."""
    noindex = nofollow = False
    for meta in metas:
        name = (meta.get("name") or "").strip().lower()
        if name not in ROBOTS_META_NAMES:
            continue
        for token in _TOKEN_SPLIT.split((meta.get("content") or "").lower()):
            if token in ("noindex", "none"):
                noindex = True
            if token in ("nofollow", "none"):
                nofollow = True
    return {"noindex": noindex, "nofollow": nofollow}


# X-Robots-Tag directives that take a value after a colon: "unavailable_after: <date>" is
# not a user agent named "unavailable_after".
_VALUED_DIRECTIVES = frozenset({"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"})
_HEADER_AGENT = re.compile(r"^\s*([a-z0-9_.-]+)\s*:\s*(.*)$", re.S)


def header_values(headers, name: str) -> list[str]:
    """Every value of one response header, by case-insensitive name.

    `headers` is what a caller passes with a page (`"headers"` of POST /api/analyze,
    or the fetcher's response headers): {name: value or [values]}; None is no headers.
    Bad shapes raise BadInput, so the API answers 400 rather than guessing.
    """
    if headers is None:
        return []
    if not isinstance(headers, dict) or len(headers) > MAX_HEADERS:
        raise BadInput(f"'headers' must be an object of at most {MAX_HEADERS} header name → value")
    wanted = name.lower()
    out: list[str] = []
    for key, value in headers.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) and len(v) <= MAX_HEADER_VALUE for v in values):
            raise BadInput(f"'headers': the value of {str(key)[:100]!r} must be a string or a list of strings "
                           f"of at most {MAX_HEADER_VALUE} characters")
        if isinstance(key, str) and key.lower() == wanted:
            out.extend(values)
    return out


def header_robots(headers) -> dict:
    """Page-level robots from `X-Robots-Tag` response headers.

    A value may name a user agent (`googlebot: nofollow`): only those for every
    robot (no name) or for the robots the meta tags count (robots, googlebot) apply.
    """
    noindex = nofollow = False
    for value in header_values(headers, "x-robots-tag"):
        match = _HEADER_AGENT.match(value.lower())
        if match and match.group(1) not in _VALUED_DIRECTIVES:
            if match.group(1) not in ROBOTS_META_NAMES:
                continue
            value = match.group(2)
        for token in _TOKEN_SPLIT.split(value.lower()):
            if token in ("noindex", "none"):
                noindex = True
            if token in ("nofollow", "none"):
                nofollow = True
    return {"noindex": noindex, "nofollow": nofollow}


def _tops(doc) -> list:
    """The document's top-level elements.

    libxml2 puts content after `</html>` into a second top-level element beside
    the root, where `root.iter()` never looks; browsers put it in the body.
    """
    before = [el for el in doc.itersiblings(preceding=True) if isinstance(el.tag, str)]
    after = [el for el in doc.itersiblings() if isinstance(el.tag, str)]
    return before[::-1] + [doc] + after


def iter_tags(doc, *tags):
    """Elements with these tags in document order, content after `</html>` included.

    On the usual page (one top-level element) this is lxml's own iterator, with no
    Python generator frame per element in between.
    """
    tops = _tops(doc)
    if len(tops) == 1:
        return doc.iter(*tags)
    return chain.from_iterable(top.iter(*tags) for top in tops)


def _head(doc):
    """(first <base href>, first <title>, first <link rel=canonical href>, every <meta>)
    in document order, from one pass over the tree instead of one per tag."""
    base = title = canonical = None
    metas = []
    for el in iter_tags(doc, "base", "title", "link", "meta"):
        tag = el.tag
        if tag == "meta":
            metas.append(el)
        elif tag == "link":
            if canonical is None and el.get("href") is not None and "canonical" in _rel_tokens(el.get("rel")):
                canonical = el
        elif tag == "title":
            if title is None:
                title = el
        elif base is None and el.get("href") is not None:
            base = el
    return base, title, canonical, metas


def prepare_html(html: str | bytes) -> tuple[bytes, list[str], bool]:
    """UTF-8 bytes ready for lxml, notes for the user, and whether the page was cut."""
    notes: list[str] = []
    if isinstance(html, bytes):
        text, encoding = decode_html(html)
        if encoding not in ("utf-8", "ascii", "utf-8-sig"):
            notes.append(f"decoded as {encoding}")
    else:
        text = html
    data = text.encode("utf-8", "replace")
    truncated = False
    if len(data) > MAX_HTML_BYTES:
        total = len(data)
        data = data[:MAX_HTML_BYTES]
        truncated = True
        notes.append(
            f"page cut at {MAX_HTML_BYTES // (1024 * 1024)} MiB of {total / (1024 * 1024):.1f} MiB: "
            "links after that point are not listed"
        )
    return data, notes, truncated


def parse(data: bytes):
    """(document or None, parser messages worth telling the user)."""
    # libxml2's HTML parser (the one lxml.html uses), with plain elements: lxml.html's
    # Python-level element class lookup cost more than the rest of the analysis.
    # collect_ids=False: nothing here looks elements up by id, and the id table (with
    # an error log entry, a Python object, per duplicate id) costs parse time.
    parser = lxml.etree.HTMLParser(encoding="utf-8", recover=True, huge_tree=True, no_network=True,
                                   collect_ids=False)
    try:
        doc = lxml.etree.fromstring(data, parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        doc = None
    if doc is None:
        return None, ["the page is empty"]
    notes = []
    for entry in parser.error_log:
        if "Excessive depth" in entry.message:
            notes.append("elements nested deeper than the HTML parser allows were cut: some links may be missing")
            break
    return doc, notes


def _page_url(url: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise BadInput("url is required")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise BadInput(f"url is longer than {MAX_URL_LENGTH} characters")
    if not urls.is_http_url(url):
        raise BadInput(f"url must be an absolute http(s) URL, got {url[:200]!r}")
    return url


def analyze(url: str, html: str | bytes, profile: Profile | None = None,
            knowledge: Knowledge | None = None, headers: dict | None = None) -> dict:
    """The Analysis of one page (docs/CONTRACT.md, "Analysis")."""
    return analyze_document(url, html, profile, knowledge, headers)[0]


def analyze_document(url: str, html: str | bytes, profile: Profile | None = None,
                     knowledge: Knowledge | None = None, headers: dict | None = None):
    """(Analysis, parsed document or None): the verdicts read more from the document.

    `headers`: the page's HTTP response headers where known; `X-Robots-Tag` counts
    in `robots`, `indexable` and every link's `follow`, as the meta tags do.
    """
    url = _page_url(url)
    profile = profile or Profile()
    from_header = header_robots(headers)
    data, notes, truncated = prepare_html(html)
    doc, parse_notes = parse(data)
    notes.extend(parse_notes)
    if parse_notes and doc is not None:
        truncated = True

    page_host = urls.host_of(url)
    page_site = urls.registrable_domain(page_host)
    page_is_me = profile.is_me(page_host)
    result: dict = {
        "url": url,
        "canonical": None,
        "title": "",
        "lang": None,
        "robots": dict(from_header),
        "indexable": not from_header["noindex"],
        "links": [],
        "counts": {"links": 0, "internal": 0, "external": 0, "external_follow": 0},
        "labels": [],
        "boost": None,
        "tier2": None,
        "changes": [],
        "site": page_site,
        "truncated": truncated,
        "notes": notes,
    }
    robots_headers = header_values(headers, "x-robots-tag")
    if doc is None:
        result["indexability"] = indexability.of_page(url, canonical=None, header_values=robots_headers)
        result["indexable"] = result["indexability"]["state"] != indexability.NOT_INDEXABLE
        return result, None

    base_el, title_el, canonical_el, metas = _head(doc)
    base = url
    if base_el is not None:
        base = urls.resolve(url, base_el.get("href")) or url
    robots = _robots(metas)
    robots = {k: robots[k] or from_header[k] for k in robots}
    canonical = urls.resolve(base, canonical_el.get("href")) if canonical_el is not None else None
    html_el = doc
    result["title"] = _text(title_el) if title_el is not None else ""
    result["lang"] = (html_el.get("lang") or html_el.get("xml:lang") or "").strip() or None
    result["robots"] = robots
    result["canonical"] = canonical
    self_key = urls.safe_page_key(url)
    canonical_ok = canonical is None or urls.safe_page_key(canonical) == self_key
    result["indexable"] = not robots["noindex"] and canonical_ok
    first_h1 = next(iter_tags(doc, "h1"), None)
    result["indexability"] = indexability.of_page(
        url, canonical=canonical, metas=metas, header_values=robots_headers, title=result["title"],
        headings=[_text(first_h1)] if first_h1 is not None else None)
    # One verdict: `indexable` is the indexability verdict's (a soft 404 is not indexable either).
    result["indexable"] = result["indexability"]["state"] != indexability.NOT_INDEXABLE

    # One pass: resolve, classify and place each link. Everything per link is a
    # dict or memo lookup where it can be: this loop is most of the analysis' cost.
    # Menus, footers and cards repeat their hrefs, so resolving an href and deciding
    # its target is done once per distinct attribute value (`targets`), and a rel
    # value's tokens and follow once per distinct value (`rels`).
    links = result["links"]
    append = links.append
    resolve = urls.Resolver(base).resolve
    position_of = PositionFinder().position
    page_nofollow = robots["nofollow"]
    host_info: dict[str, tuple[bool, str]] = {}
    targets: dict[str, tuple[str, bool, bool, str] | None] = {}  # raw href -> (href, valid, internal, target)
    rels: dict[str | None, tuple[list[str], bool]] = {}  # rel attribute -> (tokens, follow)
    candidates: dict[str, str] = {}  # href -> host: the links that may point at a tier-1 page
    n_internal = n_external_follow = 0
    inert = _inert_links(doc)
    for el in iter_tags(doc, "a", "area"):
        raw = el.get("href")
        if raw is None or (inert and el in inert):
            continue
        hit = targets.get(raw, _MISSING)
        if hit is _MISSING:
            hit = resolve(raw)
            if hit is not None:
                href, host, valid = hit
                info = host_info.get(host)
                if info is None:
                    info = host_info[host] = _host_target(host, page_site, page_is_me, profile)
                internal, target = info
                if valid and target != "me":
                    candidates[href] = host  # tier1 or not: asked after the walk, for them all
                hit = (href, valid, internal, target)
            targets[raw] = hit
        if hit is None:
            continue
        href, valid, internal, target = hit
        rel_attr = el.get("rel")
        rel_hit = rels.get(rel_attr)
        if rel_hit is None:
            rel = _rel_tokens(rel_attr)
            rel_hit = rels[rel_attr] = (rel, NOFOLLOW_RELS.isdisjoint(rel) and not page_nofollow)
        rel, follow = rel_hit
        if len(el):
            text = _text(el) or _fallback_text(el)
        else:  # a text-only link (most of them): no XPath call needed
            text = el.text
            text = _collapse(text) if text else ""
            if not text and el.tag == "area":  # a childless <a> holds no image to take an alt from
                text = _collapse(el.get("alt"))
        append({
            "href": href,
            "valid": valid,
            "text": text,
            "rel": list(rel),
            "follow": follow,
            "position": position_of(el),
            "internal": internal,
            "target": target,
        })
        if internal:
            n_internal += 1
        elif follow:
            n_external_follow += 1
    if knowledge is not None and candidates:
        tier1 = knowledge.tier1_links(candidates)
        if tier1:  # rare enough to pay a second pass over the links when it happens
            for link in links:
                if link["href"] in tier1:
                    link["target"] = "tier1"
            for raw, hit in targets.items():
                if hit is not None and hit[0] in tier1:
                    targets[raw] = (*hit[:3], "tier1")
    n = len(links)
    result["counts"] = {"links": n, "internal": n_internal, "external": n - n_internal,
                        "external_follow": n_external_follow}

    labels = result["labels"]
    seen = {hit[3] for hit in targets.values() if hit is not None}  # every one of them is on the list
    if "me" in seen:
        labels.append("tier1")
    elif "competitor" in seen:
        labels.append("competitor_linker")
    if profile.is_owned(page_host):
        labels.append("owned_site")
    return result, doc


def _host_target(host: str, page_site: str, page_is_me: bool, profile: Profile) -> tuple[bool, str]:
    """(internal, target) for a link host: me, competitor, owned, internal or other.

    The first match wins. On my own site, links to my site are internal
    navigation, not tier-1 links. `tier1` is decided per URL afterwards, and wins
    over `internal`: an internal link to a page that links to me powers it up too
    (the seed's "ask the editor to add internal links").
    """
    if not host:
        return False, "other"
    site = urls.registrable_domain(host)
    internal = site == page_site
    if profile.is_me(host):
        return internal, "internal" if page_is_me else "me"
    if internal:
        return True, "internal"
    if profile.is_competitor(host):
        return False, "competitor"
    if profile.is_owned(host):
        return False, "owned"
    return False, "other"
