"""Checking a guest-post draft before it is submitted (docs/DOMAIN.md, CONTRACT "DraftReport").

A guest post is the cheapest place to put a tier-2 link: the author picks the
anchor, and hosts cap how many links to the author's own domain a post may
carry, so a link to a page that already links to me "squeezes out extra value"
(the seed). `check_draft()` lists every link of a draft and what it points at,
counts the links to my site against the host's limit, warns about what would
waste or endanger a link, and suggests tier-1 pages that fit the draft's topic.

Why it is built like this:

* One analysis path. HTML, Markdown and plain text are all turned into HTML and
  run through `companion.analysis.analyze`, the same classifier the extension's page
  analysis uses, so a link is "me", "tier1" or "competitor" by exactly the same
  rules in a draft and on a live page.
* Markdown goes through a real CommonMark parser (markdown-it-py, HTML allowed,
  linkify on), because regexes miss reference-style links, autolinks and HTML
  inside Markdown, and find "links" inside code spans. A Markdown parser never
  fails, so broken Markdown still gives a report.
* Plain text gets its bare URLs from linkify-it-py, the same matcher the
  Markdown parser uses for bare URLs, so a URL is found alike in both forms.
  Fuzzy links (no scheme) are only taken for well-known TLDs: "README.md" or
  "setup.py" in a draft are file names, not links to Moldova or Paraguay.
* A draft has no address until it is published. With `host_url` we resolve
  links against the host's page as the host will; without it we analyse against
  a placeholder and report relative hrefs as written. Either way a relative or
  malformed href gets a warning: the host will resolve it against its own site.
* `follow` in a draft comes from each link's `rel` only: a `<meta robots>` in a
  pasted draft is not the host's, and the host's page decides that.
"""

from __future__ import annotations

import html as html_mod
import re
import unicodedata
from datetime import datetime, timedelta, timezone

from companion.verdicts import competing
from companion.workflow import linkprofile
from companion.analysis import urls
from companion.analysis.analyze import analyze_document, iter_tags
from companion.core.limits import MAX_DRAFT_BYTES, MAX_LINK_LIMIT, MAX_TEXT_DRAFT_BYTES, NOFOLLOW_RELS
from companion.analysis.decode import decode_html
from companion.core.errors import BadInput

# A long guest post is ~5,000 words: ~40 KB of Markdown or text, a few hundred
# KB as HTML pasted from an editor with inline styles. HTML may be 2 MiB (lxml
# parses that in well under a second); Markdown and text 512 KiB (80,000 words),
# because the Markdown parser is pure Python and slow on adversarial input (a million
# '[' or 200,000 autolinks): 512 KiB stays within a few seconds, 2 MiB would not
# (docs/BENCHMARKS.md, "Figures behind code comments"). Same status (413) and code as the API's own body
# limit, so a client handles "too large" one way whichever layer refuses it.
PLACEHOLDER_URL = "https://draft.invalid/"
FORMS = ("html", "markdown", "text")
FOOTPRINT_THRESHOLD = 2   # this many placements already point at a tier-1 page → footprint warning
RECENT_DAYS = 30          # a tier-1 page boosted this recently is not suggested again
SUGGESTIONS = 5
MAX_LIMIT = MAX_LINK_LIMIT  # the profile's guest_post_link_limit has the same bound
MY_TARGETS = ("me", "tier1", "owned")  # links that shape my link profile

# Fuzzy (scheme-less) links are only recognised for these TLDs; see the module docstring.
FUZZY_TLDS = ("com|net|org|edu|gov|info|biz|io|co|ai|app|dev|blog|shop|store|online|site|tech|me|tv|uk|"
              "de|fr|es|it|nl|eu|ca|au|us|in|jp|br|ru|ch|se|no|dk|fi|pl|be|at|ie|nz|pro|name|aero|"
              "asia|coop|museum|рф").split("|")

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_LOOKS_LIKE_DOMAIN = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:[/?#:]|$)", re.I)
_MD_HINTS = re.compile(r"\]\(|\]\[|^\s{0,3}#{1,6}\s|^\s{0,3}\[[^\]]+\]:\s|<https?://|^\s{0,3}[*+-]\s|\*\*", re.M)
_WS = re.compile(r"\s+")


# --- input ----------------------------------------------------------------------

def _max_bytes(form: str) -> int:
    return MAX_DRAFT_BYTES if form == "html" else MAX_TEXT_DRAFT_BYTES


def _size_words(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def _too_large(size: int, form: str = "html") -> BadInput:
    return BadInput(f"the draft is {_size_words(size)}; a draft may be at most {_size_words(_max_bytes(form))} "
                    f"as {'HTML' if form == 'html' else 'Markdown or text'}", code="too_large", status=413)


def _not_text(why: str) -> BadInput:
    return BadInput(f"not a text draft ({why}): send HTML, Markdown or plain text", code="not_text")


def _check_text(text: str) -> str:
    """The draft as text, or BadInput for binary data dressed up as text."""
    if "\x00" in text:
        raise _not_text("it contains NUL bytes")
    sample = text[:65536]
    controls = sum(1 for ch in sample if ch not in "\t\n\r\f\v" and unicodedata.category(ch) == "Cc")
    if controls >= 8 and controls > len(sample) * 0.02:
        raise _not_text(f"{controls} control characters in the first {len(sample)} characters")
    return text


def decode_draft(data: bytes, form: str) -> str:
    """Text of a draft's raw bytes (CLI, uploads), or BadInput for binary files.

    HTML goes through the page decoder (BOM, UTF-8, declared charset, detection),
    since saved HTML carries its charset. Markdown and text carry none: UTF-8 (or a
    BOM) first, then Windows-1252, which is what a legacy Windows editor writes;
    bytes that are neither are not a text draft.
    """
    if len(data) > _max_bytes(form):
        raise _too_large(len(data), form)
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _not_text("it contains NUL bytes")
    if form == "html":
        return decode_html(data)[0]
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise _not_text(f"it starts with a {encoding} byte-order mark but is not {encoding}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise _not_text("its bytes are neither UTF-8 nor Windows-1252 text") from None


def sniff_form(text: str) -> str:
    """html, markdown or text for a draft of unknown form (stdin, other extensions).

    HTML when it starts with '<' (after whitespace and a BOM) and has a tag;
    Markdown when it uses Markdown's link, heading, list or emphasis syntax;
    text otherwise. Markdown is a superset of text for links, so a wrong guess
    between those two never loses a link.
    """
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if head.startswith("<") and re.match(r"<(?:!doctype|!--|[a-zA-Z][a-zA-Z0-9-]*[\s/>])", head, re.I):
        if not head.lower().startswith(("<http://", "<https://")):
            return "html"
    return "markdown" if _MD_HINTS.search(text[:200000]) else "text"


def form_of_path(path: str) -> str | None:
    """The draft form a file name announces, or None (then the content decides)."""
    lower = path.lower()
    if lower.endswith((".html", ".htm", ".xhtml")):
        return "html"
    if lower.endswith((".md", ".markdown", ".mdown", ".mkd")):
        return "markdown"
    if lower.endswith(".txt"):
        return "text"
    return None


# --- to HTML --------------------------------------------------------------------

_MD = None
_LINKIFY = None


def _configure_linkify(linkify):
    linkify.set({"fuzzy_email": False})
    linkify.tlds(FUZZY_TLDS, keep_old=False)
    return linkify


def _markdown():
    global _MD
    if _MD is None:
        from markdown_it import MarkdownIt

        md = MarkdownIt("commonmark", {"html": True, "linkify": True}).enable("linkify")
        _configure_linkify(md.linkify)
        _MD = md
    return _MD


def _linkify():
    global _LINKIFY
    if _LINKIFY is None:
        from linkify_it import LinkifyIt

        _LINKIFY = _configure_linkify(LinkifyIt())
    return _LINKIFY


def markdown_to_html(markdown: str) -> str:
    """CommonMark + raw HTML + bare URLs, as most blog engines render Markdown."""
    return _markdown().render(markdown)


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs, bare URLs as links (the URL is its own anchor)."""
    finder = _linkify()
    out = []
    for para in re.split(r"\n\s*\n", text):
        if not para.strip():
            continue
        parts = []
        pos = 0
        for m in finder.match(para) or []:
            parts.append(html_mod.escape(para[pos:m.index]))
            parts.append(f'<a href="{html_mod.escape(m.url, quote=True)}">{html_mod.escape(m.text)}</a>')
            pos = m.last_index
        parts.append(html_mod.escape(para[pos:]))
        out.append("<p>" + "".join(parts) + "</p>")
    return "\n".join(out)


# --- the check --------------------------------------------------------------------

def _one_form(html, markdown, text) -> tuple[str, str | bytes]:
    given = [(name, value) for name, value in (("html", html), ("markdown", markdown), ("text", text))
             if value is not None]
    if len(given) != 1:
        raise BadInput("send exactly one of 'html', 'markdown' or 'text'")
    name, value = given[0]
    if not isinstance(value, (str, bytes)):
        raise BadInput(f"'{name}' must be a string")
    return name, value


def _limit(limit, profile) -> int:
    if limit is None:
        return profile.guest_post_link_limit
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise BadInput(f"'limit' must be a whole number from 0 to {MAX_LIMIT}")
    return limit


def _host(host_url) -> str | None:
    if host_url is None:
        return None
    if not isinstance(host_url, str) or not host_url.strip():
        raise BadInput("'host_url' must be the address the post will have (or be left out)")
    return urls.check_url(host_url, "host_url")


def _norm_anchor(text: str) -> str:
    return _WS.sub(" ", text or "").strip().casefold()


def _relative_problem(raw: str, valid: bool) -> str | None:
    """Why an href will not point where the author meant, or None when it is absolute and sound."""
    value = urls.clean_href(raw)
    if not valid:
        return "is malformed: browsers cannot open it"
    scheme = _SCHEME.match(value)
    if scheme:
        name = scheme.group(1).lower()
        if name in urls.HTTP_SCHEMES:
            return None
        return f"uses the scheme '{name}:', which is not a web page address"
    if value.startswith("//"):
        return None  # protocol-relative: absolute host, the host page's scheme
    if value.startswith("#"):
        return None  # an in-page anchor (table of contents): meant to stay on the post
    if _LOOKS_LIKE_DOMAIN.match(value):
        return "looks like a domain without https://: the host will treat it as a path on its own site"
    return "is relative: the host will resolve it against its own site"


def _placement_stats(store) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """(placements per tier-1 page key, uses per anchor (normalised), latest placement date per tier-1 key)."""
    from companion.workflow import placements

    by_target = placements.placement_count_by_target(store)
    anchors: dict[str, int] = {}
    for anchor, n in placements.anchor_counts(store).items():
        key = _norm_anchor(anchor)
        anchors[key] = anchors.get(key, 0) + n
    latest: dict[str, str] = {}
    for p in store.all("placements"):
        key = p.get("to_key") or urls.safe_page_key(p.get("to_url") or "")
        date = str(p.get("date") or "")
        if key and date > latest.get(key, ""):
            latest[key] = date
    return by_target, anchors, latest


def _recent(date: str, now: datetime) -> bool:
    try:
        when = datetime.fromisoformat(date[:10])
    except ValueError:
        return False
    return now.replace(tzinfo=None) - when < timedelta(days=RECENT_DAYS)


def check_draft(store, profile, *, html=None, markdown=None, text=None, host_url=None, limit=None) -> dict:
    """The DraftReport of docs/CONTRACT.md for one draft: exactly one of html, markdown, text.

    Strings or bytes; bytes are decoded as `decode_draft` says. Raises BadInput
    for an empty draft, a draft over MAX_DRAFT_BYTES as HTML or MAX_TEXT_DRAFT_BYTES as
    Markdown or text (status 413), binary data,
    a bad `host_url` or `limit`.
    """
    from companion.verdicts import verdicts

    form, value = _one_form(html, markdown, text)
    host_url = _host(host_url)
    limit = _limit(limit, profile)
    if isinstance(value, bytes):
        value = decode_draft(value, form)
    else:
        limit_bytes = _max_bytes(form)
        size = len(value) if len(value) * 4 <= limit_bytes else len(value.encode("utf-8", "replace"))
        if size > limit_bytes:
            raise _too_large(size, form)
    value = _check_text(value)
    if not value.strip().strip("\ufeff"):
        raise BadInput("the draft is empty", code="empty_draft")

    source = {"html": lambda v: v, "markdown": markdown_to_html, "text": text_to_html}[form](value)
    page_url = host_url or PLACEHOLDER_URL
    know = verdicts.knowledge(store, profile)
    result, doc = analyze_document(page_url, source, profile, know)
    feats = verdicts.page_features(result, doc)
    if doc is None or (not result["links"] and not feats.text.strip() and not result["title"]):
        raise BadInput(f"the draft is empty: no text or links in it as {form}", code="empty_draft")

    raws = [el.get("href") for el in iter_tags(doc, "a", "area")
            if el.get("href") is not None and urls.is_followable(el.get("href"))]
    if len(raws) != len(result["links"]):  # cannot happen (same walk, same skip rule); stay safe
        raws = [link["href"] for link in result["links"]]

    by_target, anchor_uses, latest = _placement_stats(store)
    money = {_norm_anchor(k): k for k in profile.money_keywords()}
    host_key = urls.safe_page_key(host_url) if host_url else None

    links: list[dict] = []
    warnings: list[dict] = []

    def warn(code: str, message: str, href: str | None = None) -> None:
        item = {"code": code, "message": message}
        if href is not None:
            item["href"] = href
        warnings.append(item)

    drafted_anchors: dict[str, int] = {}
    linked_tier1: set[str] = set()
    for link, raw in zip(result["links"], raws):
        problem = _relative_problem(raw, link["valid"])
        cleaned = urls.clean_href(raw)
        scheme = _SCHEME.match(cleaned)
        unusable = not link["valid"] or (scheme is not None and scheme.group(1).lower() not in urls.HTTP_SCHEMES)
        # Without the host's address a relative href (even '#toc') has no real URL: show it as written.
        relative = not host_url and not unusable and scheme is None and not cleaned.startswith("//")
        href = cleaned if relative or unusable else link["href"]
        # 'htps://example.com/' is not a link to my site, whatever its host part says
        target = "internal" if relative else "other" if unusable else link["target"]
        follow = NOFOLLOW_RELS.isdisjoint(link["rel"])
        links.append({"href": href, "text": link["text"], "rel": list(link["rel"]), "follow": follow,
                      "target": target})
        if problem:
            warn("relative_link", f"the link '{_short(raw)}' {problem}; write the full https:// address", href)
        if unusable or relative:
            continue
        key = urls.safe_page_key(href)
        if target in MY_TARGETS and not follow:
            flags = ", ".join(r for r in link["rel"] if r in NOFOLLOW_RELS)
            warn("nofollow_link", f"this link to {_what(target)} is rel={flags}: it passes little or no equity "
                 "(the host may strip the rel or keep it; check the published post)", href)
        if target == "competitor":
            warn("competitor_link", f"this link points at the competitor {urls.site_of(href)}: it sends equity "
                 "and readers to a site that ranks for my keywords", href)
        if key and key != host_key and store.is_placement_page(key):
            warn("tier3_link", "this page holds one of my tier-2 links, so a link to it is a tier-3 link: "
                 "the seed advises against them (typical of grey-hat networks) unless they cost nothing", href)
        if target == "tier1" and key:
            linked_tier1.add(key)
            page = store.tier1_page(key)
            title, url = (page["features"]["title"], page["url"]) if page else ("", href)
            rival = verdicts.competition(profile, competing.stored_text(title, url))
            if rival:
                warn("competing_tier1", f"this tier-1 {rival.describe()[4:]}: every link "
                     "built to it makes my own ranking for that keyword harder", href)
            placed = by_target.get(key, 0)
            if placed >= FOOTPRINT_THRESHOLD:
                warn("footprint", f"this tier-1 page is already boosted from {placed} of my placements: another "
                     "link to it from a guest post adds to a footprint", href)
        if target in ("me", "tier1") and key:  # the link profile: same numbers as the placement form
            for item in linkprofile.planned_anchor_warnings(store, profile, href, link["text"],
                                                            tier="tier1" if target == "me" else "tier2"):
                warn(item["code"], item["message"], href)
        if target in MY_TARGETS:
            anchor = _norm_anchor(link["text"])
            if anchor:
                drafted_anchors[anchor] = drafted_anchors.get(anchor, 0) + 1
                used = anchor_uses.get(anchor, 0)
                if drafted_anchors[anchor] == 2:
                    warn("repeated_anchor", f"the anchor '{link['text']}' is used more than once in this draft: "
                         "vary anchors so the links do not look built", href)
                if used and drafted_anchors[anchor] == 1:
                    warn("repeated_anchor", f"the anchor '{link['text']}' is already used in {used} of my "
                         "placements: vary it", href)
                if anchor in money and drafted_anchors[anchor] == 1 and target in ("me", "tier1"):
                    warn("repeated_anchor", f"the anchor '{link['text']}' is an exact match for my money keyword "
                         f"'{money[anchor]}': exact-match anchors repeated across posts look built; "
                         "prefer a branded or descriptive anchor", href)

    own = sum(1 for link in links if link["target"] == "me")
    if own > limit:
        over = own - limit
        warnings.insert(0, {"code": "too_many_own_links",
                            "message": f"the draft links to my site {own} times and the host allows {limit}: "
                                       f"remove {over} (or point {'it' if over == 1 else 'them'} at tier-1 pages "
                                       "that link to me instead)"})

    topic = " ".join([feats.title, *feats.headings])
    query = " ".join([topic, topic, topic, feats.description, feats.text[:50000]])
    now = datetime.now(timezone.utc)
    exclude = set(linked_tier1)
    exclude |= {k for k, n in by_target.items() if n >= FOOTPRINT_THRESHOLD}
    exclude |= {k for k, date in latest.items() if _recent(date, now)}
    if host_key:
        exclude.add(host_key)
    used_anchors = set(anchor_uses) | set(drafted_anchors)
    suggestions = [
        {"tier1_url": s["tier1_url"], "anchor": s["anchor"], "why": s["why"]}
        for s in verdicts.suggest_tier1(store, query, exclude_keys=exclude, used_anchors=used_anchors,
                                        limit=SUGGESTIONS)
    ]
    return {"links": links, "own_links": own, "limit": limit, "warnings": warnings,
            "suggestions": suggestions, "form": form}


def _what(target: str) -> str:
    return {"me": "my site", "tier1": "a tier-1 page (it links to me)", "owned": "a site I own"}[target]


def _short(raw: str) -> str:
    value = urls.clean_href(raw) or raw
    return value if len(value) <= 80 else value[:77] + "..."
