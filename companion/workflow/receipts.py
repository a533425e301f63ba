"""Placement receipts: proof of what a page showed, and when.

Why: a paid placement is a promise, and editors quietly edit, nofollow or remove
links. A receipt is kept when a placement is first found live and at every later
check of its page (a recheck, a check in the browser, a visit): the time, the URL
fetched, the final URL, the HTTP status (null from a browser), the link's anchor and
rel as found (null when the link is gone: a receipt of absence), the text of the
block around the link (CONTEXT_CHARS, centred on the anchor), and the SHA-256 of the
body. With them the user can show the link was there, and see what changed around it
(the dashboard diffs the surrounding text of any two).

Receipts are capped per placement (MAX_PER_PLACEMENT): when one more would pass the cap
the oldest is thinned first, except the very first receipt (the proof the link went
live), which is always kept. They live in the workflow table `receipts`, one document
each, so solo and team mode keep them alike.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urljoin

from companion.analysis import urls
from companion.core.errors import NotFound
from companion.workflow import placements
from companion.workflow.fields import WRITE_LOCK, now

TABLE = "receipts"
MAX_PER_PLACEMENT = 20  # each ~750 bytes in the workflow file, which every workflow write rewrites (docs/BENCHMARKS.md)
CONTEXT_CHARS = 400
FIELDS = ("placement_id", "at", "url", "final_url", "status", "found", "anchor", "rel", "context", "sha256", "via")
_BLOCKS = frozenset({"p", "li", "td", "th", "blockquote", "figcaption", "dd", "dt", "h1", "h2", "h3", "h4", "h5",
                     "h6", "div", "section", "article", "main", "aside", "header", "footer", "body"})


def digest(body: bytes | str) -> str:
    return hashlib.sha256(body.encode("utf-8") if isinstance(body, str) else body).hexdigest()


def find_link(html: str, page_url: str, to_url: str) -> dict | None:
    """The first link to `to_url` on the page: {"anchor", "rel", "context"}, or None."""
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None
    to_key = urls.safe_page_key(to_url)
    for a in doc.iter("a"):
        href = a.get("href")
        if not href:
            continue
        try:
            key = urls.safe_page_key(urljoin(page_url, href.strip()))
        except ValueError:
            continue
        if key != to_key:
            continue
        anchor = " ".join(a.text_content().split())
        rel = sorted({r.lower() for r in (a.get("rel") or "").split()})
        return {"anchor": anchor, "rel": rel, "context": context(a, anchor)}
    return None


def context(a, anchor: str, size: int = CONTEXT_CHARS) -> str:
    """The text of the nearest block around the link, at most `size` characters centred on the anchor."""
    block = a.getparent()
    while block is not None and block.getparent() is not None:
        if block.tag in _BLOCKS and len(" ".join(block.text_content().split())) > len(anchor) + 40:
            break
        block = block.getparent()
    block = a if block is None else block
    text = " ".join(block.text_content().split())
    if len(text) <= size:
        return text
    at = text.find(anchor) if anchor else -1
    start = max(0, min(len(text) - size, (at + len(anchor) // 2 - size // 2) if at >= 0 else 0))
    return ("…" if start else "") + text[start:start + size] + ("…" if start + size < len(text) else "")


def keep_for_page(store, page_key: str, url: str, html: str, body: bytes | str, *, final_url: str | None = None,
                  status: int | None = None, via: str = "crawler") -> list[dict]:
    """A receipt for each placement on the page that has been found live (now or before)."""
    kept = []
    for p in store.find(placements.TABLE, from_key=page_key):
        found = find_link(html, final_url or url, p.get("to_url") or "")
        if found is None and not store.find(TABLE, placement_id=p["id"]):
            continue  # never found live yet: no receipt until it is
        doc = {"placement_id": p["id"], "at": now(), "url": url, "final_url": final_url or url, "status": status,
               "found": found is not None, "anchor": found["anchor"] if found else None,
               "rel": found["rel"] if found else None, "context": found["context"] if found else "",
               "sha256": digest(body), "via": via}
        kept.append(add(store, doc))
    return kept


def add(store, doc: dict) -> dict:
    """Insert one receipt and thin the placement's oldest ones past the cap (the first is kept)."""
    with WRITE_LOCK:
        new = store.insert(TABLE, doc)
        mine = _oldest_first(store.find(TABLE, placement_id=doc["placement_id"]))
        while len(mine) > MAX_PER_PLACEMENT:
            store.remove(TABLE, mine.pop(1)["id"])
    return public(new)


def _oldest_first(docs: list[dict]) -> list[dict]:
    """By time; receipts of the same second stay in the store's insertion order (a stable sort)."""
    return sorted(docs, key=lambda r: r.get("at") or "")


def public(doc: dict) -> dict:
    return {"id": doc["id"], **{k: doc.get(k) for k in FIELDS}}


def list_for(store, placement_id) -> dict:
    """A placement's receipts, newest first (NotFound for an unknown placement)."""
    if not isinstance(placement_id, str) or not placement_id or len(placement_id) > 64 \
            or store.get(placements.TABLE, placement_id) is None:
        raise NotFound(f"no placement with id {str(placement_id)[:64]!r}")
    docs = list(reversed(_oldest_first(store.find(TABLE, placement_id=placement_id))))
    return {"placement_id": placement_id, "receipts": [public(d) for d in docs]}


def all_receipts(store) -> list[dict]:
    """Every receipt, oldest first, with its placement's from/to URLs (the CSV export)."""
    by_id = {p["id"]: p for p in store.all(placements.TABLE)}
    out = []
    for r in sorted(store.all(TABLE), key=lambda r: (r.get("placement_id") or "", r.get("at") or "")):
        p = by_id.get(r.get("placement_id"))
        if p is None:
            continue  # its placement was deleted
        out.append({**public(r), "from_url": p.get("from_url"), "to_url": p.get("to_url")})
    return out
