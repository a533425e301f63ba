"""The site's contact routes, read from a page: what outreach needs once a candidate is saved.

`extract(url, doc)` takes the page the extension sent (the live DOM, parsed once by
companion.analysis.analyze.parse) and returns

    {"emails":  [{"address", "found", "page"}],
     "pages":   [{"url", "kind": contact|about|write_for_us|guidelines, "text", "found", "page"}],
     "authors": [{"name", "url"?, "found", "page"}],
     "social":  [{"url", "network", "of": site|author, "found", "page"}]}

each entry saying where it was found (`found`, one short phrase; `page`, the address read).

Rules, and why:

* **Nothing guessed.** An address is one the page shows: a `mailto:` link, an address
  written in the text, a written-out form (`ann [at] site [dot] com`, `(at)`, `{dot}`,
  French `[arobase]`/`[point]`) put back together, or Cloudflare's `data-cfemail`
  (which the site's own script decodes for every visitor). Never `contact@` + the domain.
  `mailto:?subject=...` share links carry no address and give nothing.
* **Pages of this site only**: a "Contact" link to another site is that site's page. The
  kinds are told apart by link text or address, in English and French (the corpus holds
  both): contact / nous contacter, about / à propos / qui sommes-nous, write for us /
  écrire pour nous / proposer un article, guest-post guidelines / charte rédactionnelle.
* **Authors** from what marks an author: `rel=author`, schema.org `author` in JSON-LD and
  microdata, `<meta name=author>`, `article:author`, and a byline element (class `byline`,
  `author-name`, ...) outside comment sections (a commenter is not the author).
* **Social profiles**, not share buttons: a profile's address has the network's profile
  shape (`twitter.com/name`, `linkedin.com/in/name`); `sharer.php`, `intent/tweet` and
  posts are dropped. A profile inside an author box or a JSON-LD author's `sameAs` is the
  author's; any other is the site's.
* **Cheap**: it runs on the document the analysis already parsed, with XPath filters that
  run in libxml2, so only candidate elements reach Python (scripts/bench_contacts.py
  measures the save with and without it).
* Bounded: at most MAX_EACH entries per list, values cut to MAX_VALUE characters.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import lxml.etree

from companion.analysis import urls

MAX_EACH = 20
MAX_VALUE = 300
KINDS = ("contact", "about", "write_for_us", "guidelines")
LISTS = ("emails", "pages", "authors", "social")

# Link words per kind: in the link's text or its address (lower-cased, accents kept and dropped).
_PAGE_WORDS: dict[str, tuple[str, ...]] = {
    "write_for_us": ("write for us", "write-for-us", "writeforus", "write_for_us", "contribute", "contributor",
                     "submit a guest post", "guest post", "guest-post", "guestpost", "become an author",
                     "écrire pour nous", "ecrire-pour-nous", "écrivez pour nous", "proposer un article",
                     "proposez un article", "proposer-un-article", "article invité", "article-invite",
                     "devenir contributeur", "devenir-contributeur", "devenir rédacteur", "contribuer",
                     "rédacteur invité", "redacteur-invite"),
    "guidelines": ("guest post guidelines", "guest-post-guidelines", "submission guidelines",
                   "submission-guidelines", "writers guidelines", "writer guidelines", "contributor guidelines",
                   "editorial guidelines", "charte rédactionnelle", "charte-redactionnelle",
                   "consignes de rédaction", "conditions de publication"),
    "contact": ("contact", "nous contacter", "contactez", "get in touch", "écrivez-nous", "ecrivez-nous"),
    "about": ("about us", "about-us", "/about", "about me", "à propos", "a-propos", "apropos",
              "qui sommes-nous", "qui-sommes-nous", "l'équipe", "our team", "the team", "masthead",
              "mentions légales", "mentions-legales", "impressum"),
}
_KIND_ORDER = ("guidelines", "write_for_us", "contact", "about")  # the more specific word wins


_XP_CFEMAIL = lxml.etree.XPath("//*[@data-cfemail]", smart_strings=False)
# Text nodes holding an address, plain or written out; the node's parent says whether it is a
# script. Run only when the page's text holds one (see _text_addresses_of).
_XP_TEXT_AT = lxml.etree.XPath("//text()[contains(., '@')]")
_MARKS = ("[at]", "(at)", "{at}", "[AT]", "(AT)", "{AT}", "[ at ]", "( at )", "{ at }", "arobase")
_NOT_SHOWN = frozenset({"script", "style", "noscript", "textarea", "template"})
_XP_META_AUTHOR = lxml.etree.XPath(
    "//meta[@name='author' or @name='Author' or @name='AUTHOR' or @property='article:author'"
    " or @name='article:author']", smart_strings=False)
_XP_MICRODATA = lxml.etree.XPath(
    "//*[@itemprop][contains(concat(' ', normalize-space(@itemprop), ' '), ' author ')"
    " or contains(concat(' ', normalize-space(@itemprop), ' '), ' creator ')]", smart_strings=False)
_BYLINE_CLASSES = ("byline", "author-name", "authorname", "entry-author", "post-author", "article-author",
                   "author_name", "auteur", "Byline", "AuthorName", "author__name")
# Cheap tests on the page's raw HTML: a part of the extraction runs only when its marker is
# there, and an XPath names only the markers present (each contains() in a predicate costs a
# string per element: 20-40 ms on a big page when all were named).
# On the page's UTF-8 bytes: a search there runs on single bytes (on a str holding one CJK
# character or emoji, Python searches 2 or 4 bytes a character, 3-5 times slower).
# Fewer searches than words: one search per family of words, a regex led by a literal byte
# (Python's re scans for it quickly; an alternation led by a set of bytes, as in one regex for
# every marker, tries a match at every 'a', 'e', 'p' ... and was 3x slower than the searches
# it replaced), then exact checks at the few hits. Each gives exactly the words the page holds.
_RAW_REL_AUTHOR = re.compile(rb"""rel=["']?[^"'>]{0,40}[aA]uthor""")
_RAW_ITEMPROP = re.compile(rb"""itemprop=["']?[^"'>]{0,40}(?:author|creator)""")
_RAW_MARKS = tuple(re.compile(rb"\%c ?(?:at|AT) ?\%c" % tuple(pair)) for pair in (b"[]", b"()", b"{}"))
_MARK_BYTES = frozenset(m.encode() for m in _MARKS)
# Each byline class holds one of these stems at a known offset.
_CLASS_STEMS = tuple(
    (re.compile(re.escape(stem)), tuple((c, c.encode(), c.encode().index(stem)) for c in _BYLINE_CLASSES
                                        if stem in c.encode()))
    for stem in (b"uthor", b"yline", b"auteur"))
assert sum(len(group) for _, group in _CLASS_STEMS) == len(_BYLINE_CLASSES)


def _marks_in(raw: bytes) -> tuple[str, ...]:
    """The written-out '@' marks (_MARKS) the page holds: three searches instead of ten.

    A match runs from its opening bracket to its closing one with no other opening bracket
    inside, so a non-mark match ('[ at]') never hides a mark."""
    present = {m.group() for pattern in _RAW_MARKS for m in pattern.finditer(raw)} & _MARK_BYTES
    if b"arobase" in raw:
        present.add(b"arobase")
    return tuple(m for m in _MARKS if m.encode() in present)


def _classes_in(raw: bytes) -> tuple[str, ...]:
    """The byline classes (_BYLINE_CLASSES) the page holds: three searches instead of eleven,
    each class checked where its stem was found."""
    present = set()
    for pattern, group in _CLASS_STEMS:
        left = list(group)
        for m in pattern.finditer(raw):
            for item in list(left):
                _name, word, offset = item
                start = m.start() - offset
                if start >= 0 and raw.startswith(word, start):
                    present.add(item[0])
                    left.remove(item)
            if not left:
                break
    return tuple(c for c in _BYLINE_CLASSES if c in present)


@lru_cache(maxsize=256)
def _xpath_any(axis: str, test: str, words: tuple[str, ...]):
    """An XPath selecting `axis` nodes whose `test` contains one of `words` (compiled once)."""
    return lxml.etree.XPath(f"{axis}[" + " or ".join(f"contains({test}, '{w}')" for w in words) + "]")


_SOCIAL_HOSTS = {
    "twitter.com": "x", "x.com": "x", "facebook.com": "facebook", "fb.com": "facebook",
    "linkedin.com": "linkedin", "instagram.com": "instagram", "youtube.com": "youtube",
    "pinterest.com": "pinterest", "github.com": "github", "tiktok.com": "tiktok", "threads.net": "threads",
    "bsky.app": "bluesky", "medium.com": "medium", "mastodon.social": "mastodon", "reddit.com": "reddit",
}
_AUTHOR_BOX = ("author", "byline", "bio", "auteur")
_STRING = lxml.etree.XPath("normalize-space(string())", smart_strings=False)

_EMAIL = re.compile(r"(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63})@([A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24})(?![\w-])")
_AT = r"\s*[\[({<]\s*(?:at|arobase|a)\s*[\])}>]\s*"
_DOT = r"\s*[\[({<]\s*(?:dot|point)\s*[\])}>]\s*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
_OBFUSCATED = re.compile(
    rf"(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]{{0,63}}){_AT}({_LABEL}(?:(?:{_DOT}|\.){_LABEL})*(?:{_DOT}|\.)[A-Za-z]{{2,24}})(?![\w-])",
    re.IGNORECASE)
_DOT_SPLIT = re.compile(_DOT, re.IGNORECASE)
_FILE_ENDINGS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".css", ".js")


def empty() -> dict:
    return {name: [] for name in LISTS}


def _cut(value: str) -> str:
    return value[:MAX_VALUE]


class _Found:
    """The lists being filled, each without repeats (by its key), at most MAX_EACH long."""

    def __init__(self, page: str):
        self.page = page
        self.out = empty()
        self.seen: dict[str, set] = {name: set() for name in LISTS}

    def add(self, name: str, key: str, entry: dict) -> None:
        if key in self.seen[name] or len(self.out[name]) >= MAX_EACH:
            return
        self.seen[name].add(key)
        self.out[name].append({**entry, "page": self.page})


# --- addresses -----------------------------------------------------------------------

def clean_address(value: str) -> str | None:
    """`value` if it is one plausible e-mail address (lower-cased domain), else None."""
    value = value.strip().strip(".,;:")
    m = _EMAIL.fullmatch(value)
    if not m or value.lower().endswith(_FILE_ENDINGS) or ".." in value:
        return None
    return _cut(f"{m.group(1)}@{m.group(2).lower()}")


def _mailto_addresses(href: str) -> list[str]:
    """The addresses of a mailto: link (`mailto:a@x.com,b@x.com?subject=`); none for a share link."""
    target = href.strip()[len("mailto:"):].split("?", 1)[0].lstrip("/")
    out = []
    for part in unquote(target).split(","):
        address = clean_address(part)
        if address:
            out.append(address)
    return out


def _cfemail(encoded: str) -> str | None:
    """Cloudflare's email protection: hex bytes XOR the first byte (its page script does the same)."""
    try:
        raw = bytes.fromhex(encoded.strip())
    except ValueError:
        return None
    if len(raw) < 2:
        return None
    return clean_address(bytes(b ^ raw[0] for b in raw[1:]).decode("utf-8", "replace"))


def text_addresses(text: str) -> list[tuple[str, str]]:
    """(address, how it was written) for each address in a text: plain or written out.

    The address pattern is tried only around each '@' (over a whole long text it cost
    milliseconds), the written-out one only when a text holds an '(at)'-like mark."""
    out = []
    pos, last = text.find("@"), 0
    while pos != -1:
        m = _EMAIL.search(text, max(last, pos - 65), pos + 260)
        if m and m.start() <= pos < m.end():
            address = clean_address(m.group(0))
            if address:
                out.append((address, "written in the page"))
            last = m.end()
        pos = text.find("@", max(pos + 1, last))
    if any(mark in text for mark in _MARKS) or "arobase" in text.lower():
        for m in _OBFUSCATED.finditer(text):
            domain = ".".join(part for part in re.split(r"\.", _DOT_SPLIT.sub(".", m.group(2))) if part)
            address = clean_address(f"{m.group(1)}@{domain}")
            if address:
                out.append((address, f"written as {_cut(m.group(0).strip())!r}"))
    return out


# --- pages, authors, social -------------------------------------------------------------

def page_kind(href: str, text: str) -> str | None:
    """Which contact route a link is (KINDS), from its text or its address; None for none."""
    low_text = text.lower()
    low_href = unquote(urlsplit(href).path).lower()
    for kind, words, href_words, paths in _KIND_TESTS:
        if any(w in low_text for w in words) or any(w in low_href for w in href_words) or \
                any(low_href.startswith(w) or f"{w}/" in low_href or low_href.endswith(w) for w in paths):
            return kind
    return None


# Per kind, in _KIND_ORDER: its words (for the link's text), the same with dashes for spaces
# (for its address), and the '/about'-like words that must be a whole path segment, made
# once (a page of 2,000 links has hundreds whose text holds a stem).
_KIND_TESTS = tuple(
    (kind, _PAGE_WORDS[kind], tuple(w.replace(" ", "-") for w in _PAGE_WORDS[kind] if not w.startswith("/")),
     tuple(w for w in _PAGE_WORDS[kind] if w.startswith("/")))
    for kind in _KIND_ORDER)


def social_profile(url: str) -> str | None:
    """The network of a social profile's address, or None (share buttons, posts, home pages)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = urls.strip_www(urls.normalize_host(parts.hostname or ""))
    host = host[2:] if host.startswith("m.") else host
    network = _SOCIAL_HOSTS.get(host) or _SOCIAL_HOSTS.get(urls.registrable_domain(host))
    if network is None:
        return None
    segs = [s for s in parts.path.split("/") if s]
    if not segs or parts.scheme not in ("http", "https"):
        return None
    first = segs[0].lower()
    if first in ("share", "sharer", "sharer.php", "intent", "share.php", "home", "login", "search", "hashtag",
                 "shareArticle", "sharearticle", "dialog", "pin", "watch", "embed", "explore", "p", "r",
                 "status", "i", "about", "legal", "privacy", "terms", "help", "policies", "plugins", "tr"):
        if not (network == "reddit" and first in ("r", "user") and len(segs) == 2):
            return None
    if network == "linkedin":
        return network if first in ("in", "company", "school") and len(segs) >= 2 else None
    if network == "youtube":
        return network if first.startswith("@") or (first in ("channel", "c", "user") and len(segs) >= 2) else None
    if network == "reddit":
        return network if first in ("user", "u", "r") and len(segs) == 2 else None
    if network == "facebook" and first in ("groups", "pages", "people") and len(segs) >= 2:
        return network
    if network == "mastodon" and not first.startswith("@"):
        return None
    if network == "bluesky":
        return network if first == "profile" and len(segs) == 2 else None
    if network == "medium":
        return network if first.startswith("@") and len(segs) == 1 else None
    return network if len(segs) == 1 and not first.endswith((".php", ".html")) else None


def _in_author_box(el) -> bool:
    for anc in el.iterancestors():
        cls = f"{anc.get('class') or ''} {anc.get('id') or ''} {anc.get('itemprop') or ''}".lower()
        if any(w in cls for w in _AUTHOR_BOX) and "comment" not in cls:
            return True
    return False


def _name(value) -> str:
    return _cut(" ".join(str(value).split())) if isinstance(value, (str, int)) else ""


def _ld_nodes(data, depth: int = 0):
    """Every object of a JSON-LD document (@graph and nested values), depth-bounded."""
    if depth > 8:
        return
    if isinstance(data, list):
        for item in data[:200]:
            yield from _ld_nodes(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key, value in list(data.items())[:200]:
            if isinstance(value, (dict, list)) and key not in ("author", "creator"):
                yield from _ld_nodes(value, depth + 1)


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _jsonld(found: _Found, doc, base: str) -> None:
    for script in doc.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue  # a broken block on a real page: the others still count
        for node in _ld_nodes(data):
            for key in ("author", "creator"):
                for author in _as_list(node.get(key))[:MAX_EACH]:
                    if isinstance(author, str) and author.strip() and not author.startswith(("http", "/")):
                        found.add("authors", author.strip().lower(), {"name": _name(author), "found": "JSON-LD author"})
                    elif isinstance(author, dict):
                        name = _name(author.get("name"))
                        link = urls.resolve(base, author.get("url")) if isinstance(author.get("url"), str) else None
                        if name:
                            entry = {"name": name, "found": "JSON-LD author"}
                            if link:
                                entry["url"] = _cut(link)
                            found.add("authors", name.lower(), entry)
                        _ld_profiles(found, author, "author", "JSON-LD author")
            types = {str(t).lower() for t in _as_list(node.get("@type"))}
            if types & {"organization", "newsmediaorganization", "corporation", "website", "localbusiness"}:
                _ld_profiles(found, node, "site", "JSON-LD")


def _ld_profiles(found: _Found, node: dict, whose: str, how: str) -> None:
    """A JSON-LD person's or organisation's `sameAs` profiles and `email`."""
    for same in _as_list(node.get("sameAs"))[:MAX_EACH]:
        _social(found, same, whose, f"{how} sameAs")
    email = node.get("email")
    if isinstance(email, str):
        address = clean_address(email.removeprefix("mailto:"))
        if address:
            found.add("emails", address, {"address": address, "found": f"{how} email"})


def _social(found: _Found, href, whose: str, how: str) -> None:
    if not isinstance(href, str):
        return
    link = urls.resolve(found.page, href)
    network = social_profile(link) if link else None
    if network:
        key = link.rstrip("/").lower().replace("://www.", "://")
        found.add("social", key, {"url": _cut(link), "network": network, "of": whose, "found": how})


def _base(doc, url: str) -> str:
    for el in doc.iter("base"):
        href = el.get("href")
        if href:
            return urls.resolve(url, href) or url
        break
    return url


def _page_links(doc, base: str) -> list[dict]:
    """{href, text, internal} of every link, as the analysis lists them (for a page parsed here)."""
    site = urls.site_of(base)
    out = []
    for a in doc.iter("a", "area"):
        href = urls.resolve(base, a.get("href"))
        if href:
            out.append({"href": href, "text": _STRING(a), "valid": True, "internal": urls.site_of(href) == site})
    return out


def _raw_bytes(raw, doc) -> bytes:
    """The page as UTF-8 bytes, for the cheap marker tests (serialised from the tree without it)."""
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, str):
        return raw.encode("utf-8", "replace")
    return lxml.etree.tostring(doc, encoding="utf-8")


_DOMAIN_AFTER_AT = re.compile(rb"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}"
                              rb"[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-])")


def _has_address(text: bytes, tries: int = 5000) -> bool:
    """Whether a text holds an address: tried only at each '@' with a local-part character
    before it and a domain anchored right after it (searching the whole text with the
    address pattern took 120 ms on a 1.6 MB page)."""
    pos = text.find(b"@", 1)
    while pos != -1 and tries:
        before = text[pos - 1:pos]
        if (before.isalnum() or before in b"._%+-") and _DOMAIN_AFTER_AT.match(text, pos + 1):
            return True
        pos = text.find(b"@", pos + 1)
        tries -= 1
    return False


# Stems of every link word (_PAGE_WORDS): a link holding none is no contact route.
_STEMS = ("contact", "about", "propos", "write", "guest", "contrib", "crire", "rivez", "article", "guideline",
          "submi", "charte", "consigne", "sommes", "quipe", "team", "masthead", "mentions", "impressum", "touch",
          "dact", "author")


def _route_links(links: list[dict]) -> list[dict]:
    """The page's own links whose text or address holds a stem, found with one substring
    search per stem over all of them joined (a regex per link cost 20 µs × 4,000 links)."""
    own = [link for link in links if link.get("internal") and link.get("valid", True)]
    if not own:
        return []
    lowered = [f"{link.get('text') or ''} {link.get('href') or ''}".lower() for link in own]
    starts, at = [], 0
    for part in lowered:
        starts.append(at)
        at += len(part) + 1
    blob = "\n".join(lowered)
    hits: set[int] = set()
    for stem in _STEMS:
        pos = blob.find(stem)
        while pos != -1:
            i = bisect_right(starts, pos) - 1
            hits.add(i)
            pos = blob.find(stem, starts[i + 1] if i + 1 < len(starts) else len(blob))
    return [own[i] for i in sorted(hits)]


def _shown_texts(nodes):
    for node in nodes:
        parent = node.getparent()
        if parent is not None and parent.tag not in _NOT_SHOWN:
            yield str(node)


def _anchors(doc, mailto: bool, social: bool) -> tuple[list[str], list]:
    """(the mailto: hrefs, the (<a>, href) pairs whose href has a social host's shape), in page
    order, from one walk over the page's <a> elements (each one a Python object: the walk
    costs a millisecond per few thousand links, and there were two)."""
    mailtos, socials = [], []
    if mailto or social:
        for a in doc.iter("a"):
            href = a.get("href")
            if not href:
                continue
            if mailto and href.strip()[:7].lower() == "mailto:":
                mailtos.append(href.strip())
            if social and _SOCIAL_LINK(href):
                socials.append((a, href))
    return mailtos, socials


def _emails(found: _Found, doc, raw, mailtos: list[str]) -> None:
    for href in mailtos:
        for address in _mailto_addresses(href):
            found.add("emails", address, {"address": address, "found": "mailto: link"})
    if b"data-cfemail" in raw:
        for el in _XP_CFEMAIL(doc):
            address = _cfemail(el.get("data-cfemail") or "")
            if address:
                found.add("emails", address, {"address": address, "found": "protected address (data-cfemail)"})
    nodes = []
    if _has_address(raw):  # a quick look first: is there anything to read?
        nodes += _XP_TEXT_AT(doc)
    marks = _marks_in(raw)
    if marks:
        nodes += _xpath_any("//text()", ".", marks)(doc)
    for node_text in _shown_texts(nodes):
        for address, how in text_addresses(node_text):
            found.add("emails", address, {"address": address, "found": how})


def extract(url: str, doc, links: list[dict] | None = None, raw: str | bytes | None = None) -> dict:
    """The contact routes on one parsed page (see the module docstring); `doc` None gives none.

    `links`: the analysis's link list of this page ({href, text, internal, valid}), so link
    texts are not read twice; left out, they are read here. `raw`: the page's HTML as sent, so
    the parts whose marker (`mailto:`, `rel=author`, ...) it lacks are skipped at the cost of a
    substring search."""
    found = _Found(url)
    if doc is None:
        return found.out
    raw = _raw_bytes(raw, doc)
    base = _base(doc, url)
    site = urls.site_of(url)
    links = links if links is not None else _page_links(doc, base)
    mailtos, socials = _anchors(
        doc, b"mailto:" in raw or b"MAILTO:" in raw or b"Mailto:" in raw,
        any(_SOCIAL_LINK(link.get("href") or "") for link in links if not link.get("internal")))
    _emails(found, doc, raw, mailtos)

    for link in _route_links(links):
        text, href = link.get("text") or "", link.get("href") or ""
        if urls.site_of(href) != site:
            continue
        kind = page_kind(href, text)
        if kind:
            key = urls.safe_page_key(href) or href
            found.add("pages", key, {"url": _cut(href), "kind": kind, "text": _cut(text),
                                     "found": f"link {_cut(text)!r}" if text else "link"})

    if _RAW_REL_AUTHOR.search(raw):
        for el in doc.iter("a", "link"):
            if "author" not in (el.get("rel") or "").lower().replace(",", " ").split():
                continue
            name = _STRING(el) if el.tag == "a" else ""
            link = urls.resolve(base, el.get("href"))
            if name:
                entry = {"name": _cut(name), "found": "rel=author link"}
                if link:
                    entry["url"] = _cut(link)
                found.add("authors", name.lower(), entry)
            if link:
                _social(found, link, "author", "rel=author link")
    for el in doc.iter("meta"):
        name = (el.get("name") or el.get("property") or "").lower()
        if name not in ("author", "article:author"):
            continue
        content = (el.get("content") or "").strip()
        if content.startswith(("http://", "https://")):
            _social(found, content, "author", "meta article:author")
        elif content:
            found.add("authors", content.lower(), {"name": _cut(" ".join(content.split())),
                                                   "found": f"meta {el.get('name') or el.get('property')}"})
    _jsonld(found, doc, base)
    if _RAW_ITEMPROP.search(raw):
        for el in _XP_MICRODATA(doc):
            names = el.xpath(".//*[@itemprop='name']")
            name = (names[0].get("content") or _STRING(names[0])) if names else (el.get("content") or _STRING(el))
            if name and len(name) <= 100:
                found.add("authors", name.lower(), {"name": _cut(name), "found": "microdata author"})
    classes = _classes_in(raw)
    if classes:
        for el in _xpath_any("//*[@class]", "@class", classes)(doc):
            if _in_comments(el):
                continue
            name = _BY.sub("", _STRING(el))
            if name and len(name) <= 60 and not any(ch in name for ch in "@|") and not any(c.isdigit() for c in name):
                found.add("authors", name.lower(), {"name": _cut(name), "found": "byline"})

    for a, href in socials:
        in_box = _in_author_box(a)
        _social(found, href, "author" if in_box else "site",
                "link in the author box" if in_box else "link on the page")
    return found.out


_BY = re.compile(r"^(by|par|written by|posted by|publié par|écrit par|von|por)\s+", re.IGNORECASE)
_SOCIAL_LINK = re.compile(r"(?:^|[/.])(?:" + "|".join(re.escape(h) for h in _SOCIAL_HOSTS) + r")/", re.IGNORECASE).search


def _in_comments(el) -> bool:
    for anc in el.iterancestors():
        if "comment" in f"{anc.get('class') or ''} {anc.get('id') or ''}".lower():
            return True
    return False


def extract_html(url: str, html: str | bytes) -> dict:
    """`extract` on HTML text (the CLI's `save --html FILE`, a fetched contact page)."""
    from companion.analysis.analyze import parse, prepare_html

    data, _notes, _cut_short = prepare_html(html)
    doc, _ = parse(data)
    return extract(url, doc, raw=data)


def is_empty(contacts: dict | None) -> bool:
    return not contacts or not any(contacts.get(name) for name in LISTS)


def merge(old: dict | None, new: dict | None) -> dict:
    """`old` with `new`'s entries it lacks appended (same key rules as extraction), each list capped."""
    keys = {"emails": lambda e: e.get("address", "").lower(), "pages": lambda e: e.get("url"),
            "authors": lambda e: e.get("name", "").lower(), "social": lambda e: str(e.get("url", "")).rstrip("/").lower()}
    out = {}
    for name in LISTS:
        items = [dict(e) for e in (old or {}).get(name) or [] if isinstance(e, dict)]
        seen = {keys[name](e) for e in items}
        for e in (new or {}).get(name) or []:
            if isinstance(e, dict) and keys[name](e) not in seen and len(items) < MAX_EACH * 2:
                seen.add(keys[name](e))
                items.append(dict(e))
        out[name] = items
    return out


def summary(contacts: dict | None) -> list[str]:
    """One text per route (the CSV's `contacts` cell): addresses, pages, authors, profiles."""
    c = contacts or {}
    return ([e["address"] for e in c.get("emails") or []] + [f"{e['kind']}: {e['url']}" for e in c.get("pages") or []]
            + [f"author: {e['name']}" for e in c.get("authors") or []]
            + [f"{e['network']} ({e['of']}): {e['url']}" for e in c.get("social") or []])
