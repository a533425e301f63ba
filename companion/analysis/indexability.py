"""Can search engines index this page? One verdict, with its evidence (docs/DOMAIN.md).

Why the page's own signals: Google's index cannot be asked about other people's pages (the
URL Inspection API covers only properties you own), so the honest answer is what the page,
its response headers, its host's robots.txt and its sitemaps say, each quoted as evidence.

    {"state": "indexable" | "not_indexable" | "unknown",
     "reasons": ["..."],            # in words, the blocking ones first
     "codes": ["noindex_meta", ...],  # one per reason, same order (what a program tests)
     "sitemap": "listed" | "not listed" | "no sitemap" | None,   # None: not checked
     "robots_txt": "allowed" | "disallowed" | None}            # None: not checked

Rules:

* `noindex` (or `none`) in `<meta name=robots|googlebot>` or in `X-Robots-Tag` (no agent, or
  `googlebot:` / `robots:`) blocks. Another crawler's noindex (`bingbot`, `otherbot: noindex`)
  does not: it is quoted as a note, never a verdict.
* A canonical that resolves to another page (compared by `urls.page_key`) blocks; one to the
  page itself or an equivalent URL (tracking parameters, `www.`, a trailing slash) is fine.
* robots.txt disallowing Googlebot blocks (only known where robots.txt was read: a recheck).
* A soft-404 (a 200 page that says it is not found) blocks.
* The sitemap is a reason, never a verdict: "not listed" is evidence, not a block.
* Nothing blocks but nothing was read either (a stored page never visited nor fetched) →
  `unknown`, neither a bonus nor a penalty for the boost list.
"""

from __future__ import annotations

import re

from companion.analysis import urls

INDEXABLE, NOT_INDEXABLE, UNKNOWN = "indexable", "not_indexable", "unknown"
STATES = (INDEXABLE, NOT_INDEXABLE, UNKNOWN)
SITEMAP_STATES = ("listed", "not listed", "no sitemap")
GOOGLE_AGENTS = frozenset({"robots", "googlebot"})
# The codes that make a page not indexable, in the order their reasons are given.
BLOCKING = ("noindex_meta", "noindex_header", "canonical_elsewhere", "robots_txt_disallow", "soft_404")
GOOGLEBOT = "Googlebot"

_TOKENS = re.compile(r"[\s,]+")
_HEADER_AGENT = re.compile(r"^\s*([a-z0-9_.-]+)\s*:\s*(.*)$", re.S)
# X-Robots-Tag directives that take a value after a colon: not user agents.
_VALUED = frozenset({"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"})
# The words of a page that says it is not there: one pattern for the indexability verdict's
# soft 404 and the recheck's `not_found_title` outcome (companion/monitor/outcomes.py reads it).
NOT_FOUND = (r"\b(404|page not found|not found|page (does not|doesn'?t|cannot be|could not be) (exist|found)"
             r"|no longer (exists|available)|nothing (was )?found|page introuvable|seite nicht gefunden"
             r"|p[aá]gina no encontrada|pagina non trovata)\b")
_NOT_FOUND = re.compile(NOT_FOUND, re.I)


def _noindex(content: str) -> bool:
    return any(t in ("noindex", "none") for t in _TOKENS.split((content or "").lower()))


def meta_evidence(metas) -> tuple[list[str], list[str]]:
    """(blocking reasons, notes) from the page's `<meta>` elements."""
    blocking, notes = [], []
    for meta in metas:
        name = (meta.get("name") or "").strip().lower()
        # The name first: only a robot's meta says anything here, and splitting every
        # description's content into words cost more than the rest of the verdict.
        if not (name in GOOGLE_AGENTS or _other_crawler(name)):
            continue
        content = (meta.get("content") or "").strip()
        if not _noindex(content):
            continue
        said = f'<meta name="{name}" content="{content[:80]}">'
        if name in GOOGLE_AGENTS:
            blocking.append(f"the page is noindex: {said}")
        else:
            notes.append(f"{said} applies to another crawler only, not Google")
    return blocking, notes


def _other_crawler(name: str) -> bool:
    """A meta name that addresses a crawler other than Google's (`bingbot`, `slurp`)."""
    return name.endswith("bot") or name in ("slurp", "teoma")


def header_evidence(values: list[str]) -> tuple[list[str], list[str]]:
    """(blocking reasons, notes) from `X-Robots-Tag` values."""
    blocking, notes = [], []
    for value in values:
        lowered = value.lower()
        match = _HEADER_AGENT.match(lowered)
        agent = None
        if match and match.group(1) not in _VALUED:
            agent, lowered = match.group(1), match.group(2)
        if not _noindex(lowered):
            continue
        said = f"X-Robots-Tag: {value.strip()[:120]}"
        if agent is None or agent in GOOGLE_AGENTS:
            blocking.append(f"the response is noindex: {said}")
        else:
            notes.append(f"{said} applies to {agent} only, not Google")
    return blocking, notes


def canonical_evidence(url: str, canonical: str | None) -> tuple[str | None, str]:
    """(blocking reason or None, what the canonical says)."""
    if canonical is None:
        return None, "it names no canonical, so it stands for itself"
    own, theirs = urls.safe_page_key(url), urls.safe_page_key(canonical)
    if theirs is not None and theirs == own:
        if canonical.rstrip("/") == url.rstrip("/"):
            return None, "its canonical is itself"
        return None, f"its canonical is an equivalent address of itself ({canonical[:300]})"
    return f"its canonical points to another page ({canonical[:300]})", ""


def soft_404(title: str, headings: list[str] | None = None) -> str | None:
    """Why a 200 page reads as not found, or None (its title or first heading says so)."""
    for where, text in (("title", title), ("heading", (headings or [""])[0] if headings else "")):
        if text and len(text) <= 200 and _NOT_FOUND.search(text):
            return f"it answers like a missing page (its {where} says '{text[:100]}'): a soft 404"
    return None


def verdict(*, page_read: bool, blocking: list[tuple[str, str]], notes: list[tuple[str, str]],
            sitemap: str | None = None, robots_txt: str | None = None) -> dict:
    """The verdict from evidence already gathered: `blocking` and `notes` are (code, reason) pairs.

    `page_read`: the page itself was read (a visit or a fetch); without it and with nothing
    blocking, the answer is unknown."""
    order = {code: i for i, code in enumerate(BLOCKING)}
    blocking = sorted(blocking, key=lambda cr: order.get(cr[0], len(order)))
    state = NOT_INDEXABLE if blocking else INDEXABLE if page_read else UNKNOWN
    pairs = list(blocking) + list(notes)
    if sitemap == "listed":
        pairs.append(("sitemap_listed", "its host's sitemap lists it"))
    elif sitemap == "not listed":
        pairs.append(("sitemap_not_listed", "its host's sitemap does not list it (a hint, not a block)"))
    elif sitemap == "no sitemap":
        pairs.append(("no_sitemap", "its host has no sitemap"))
    return {"state": state, "reasons": [r for _, r in pairs], "codes": [c for c, _ in pairs],
            "sitemap": sitemap, "robots_txt": robots_txt}


def of_page(url: str, *, canonical: str | None, metas=(), header_values: list[str] = (), title: str = "",
            headings: list[str] | None = None) -> dict:
    """The verdict of a page that was read (visited or fetched), from the page itself: meta robots,
    X-Robots-Tag, the canonical, a soft 404. What its host says (robots.txt, sitemaps) is added by
    `with_host_evidence` where it was read (a recheck)."""
    blocking: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    meta_block, meta_notes = meta_evidence(metas)
    header_block, header_notes = header_evidence(list(header_values))
    blocking += [("noindex_meta", r) for r in meta_block] + [("noindex_header", r) for r in header_block]
    notes += [("other_bot_noindex", r) for r in meta_notes + header_notes]
    elsewhere, said = canonical_evidence(url, canonical)
    if elsewhere:
        blocking.append(("canonical_elsewhere", elsewhere))
    else:
        notes.insert(0, ("self_canonical" if canonical else "no_canonical", said))
    soft = soft_404(title, headings)
    if soft:
        blocking.append(("soft_404", soft))
    if not meta_block and not header_block:
        notes.insert(0, ("no_noindex", "no noindex for Google (meta robots, X-Robots-Tag)"))
    return verdict(page_read=True, blocking=blocking, notes=notes)


def from_robots_only(robots_allows_google: bool | None) -> dict:
    """The verdict of a page never read because robots.txt keeps our crawler out: not indexable
    when it disallows Googlebot too, else unknown."""
    return with_host_evidence(unknown("robots.txt keeps our crawler out: the page was not read"),
                              robots_allows_google=robots_allows_google)


def unknown(reason: str = "not visited nor rechecked yet") -> dict:
    return verdict(page_read=False, blocking=[], notes=[("unchecked", reason)])


def first_blocking_reason(v: dict) -> str | None:
    """The reason that makes the page not indexable (the first), or None."""
    if v.get("state") != NOT_INDEXABLE:
        return None
    return next((r for r, c in zip(v["reasons"], v["codes"]) if c in BLOCKING), None)


def canonical_phrase(v: dict) -> str:
    """What the verdict says of the canonical, for the boost reasons: never claims one that is not there."""
    codes = v.get("codes") or []
    if "self_canonical" in codes:
        return "with a self canonical"
    if "no_canonical" in codes:
        return "(it names no canonical, so it stands for itself)"
    return ""


def redirect_soft_404(url: str, final_url: str) -> str | None:
    """A deep page redirected to its site's home page: the usual soft 404 of a removed post."""
    if not final_url or final_url == url:
        return None
    from urllib.parse import urlsplit

    was, now = urlsplit(url), urlsplit(final_url)
    if now.path in ("", "/") and not now.query and was.path not in ("", "/") \
            and urls.site_of(url) == urls.site_of(final_url):
        return f"it redirects to its site's home page ({final_url[:300]}): a soft 404"
    return None


def with_host_evidence(v: dict, *, robots_allows_google: bool | None = None, sitemap: str | None = None,
                       sitemap_note: str = "", soft_404_reason: str | None = None) -> dict:
    """The page's verdict (of_page, from a visit or a fetch) with what its host says: robots.txt
    for Googlebot, the sitemaps, a redirect that reads as a soft 404."""
    blocking = [(c, r) for c, r in zip(v["codes"], v["reasons"]) if c in BLOCKING]
    notes = [(c, r) for c, r in zip(v["codes"], v["reasons"])
             if c not in BLOCKING and not c.startswith("sitemap") and c != "no_sitemap"]
    if robots_allows_google is False:
        blocking.append(("robots_txt_disallow", f"robots.txt disallows it for {GOOGLEBOT}"))
        notes = [(c, r) for c, r in notes if c != "unchecked"]
    if soft_404_reason:
        blocking.append(("soft_404", soft_404_reason))
    robots_txt = v.get("robots_txt")
    if robots_allows_google is not None:
        robots_txt = "allowed" if robots_allows_google else "disallowed"
    out = verdict(page_read=v["state"] != UNKNOWN, blocking=blocking, notes=notes,
                  sitemap=sitemap if sitemap in SITEMAP_STATES else None, robots_txt=robots_txt)
    if sitemap_note:
        out["reasons"].append(sitemap_note)
        out["codes"].append("sitemap_unread")
    return out
