"""Where to ask for an internal link to my guest post, and the note to the editor (docs/DOMAIN.md).

The guest posts and the index of their hosts' pages are kept by companion.workflow.guestposts;
this module ranks the pages of a host that could link to a post that has no internal link yet.
Only pages whose words match the post's title and headings are candidates (the store's full-text
search over that host's index); among them aged pages come first (published, else first seen, at
least AGED_DAYS before the post: an aged page is crawled often and passes more), pages that
already carry internal links next (an editor adds one more link there readily), the closer match
(BM25) deciding within each group; never the post itself nor a page linking to it already. The note names the post, the suggested pages and an anchor for each.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from companion.analysis import urls
from companion.verdicts import relevance
from companion.workflow import guestposts

SUGGESTIONS = 3
AGED_DAYS = 180
MAX_TERMS = 32


def _words(store, post: dict) -> tuple[str, list[str]]:
    """(title, headings) of a guest post: its indexed page, else the title it was marked with or
    the backlink list's, else its URL words."""
    seen = store.site_page(post["key"])
    title = (seen or {}).get("title") or post.get("title") or ""
    if not title:
        record = next(iter(store.backlinks_from(post["key"])), None)
        title = (record or {}).get("title") or ""
    return title, list((seen or {}).get("headings") or [])


def _age_days(older: str | None, newer: str | None) -> float | None:
    try:
        a = datetime.fromisoformat((older or "")[:10]).replace(tzinfo=timezone.utc)
        b = datetime.fromisoformat((newer or "")[:10]).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return (b - a).days


def suggestions(store, post: dict, limit: int = SUGGESTIONS) -> list[dict]:
    """Up to `limit` pages of the post's host to ask for an internal link from: pages whose words
    match the post's title and headings (FTS over the host's index), aged pages (published, else
    first seen, at least AGED_DAYS before the post) and pages already carrying internal links
    first; never the post itself nor a page that links to it already."""
    title, headings = _words(store, post)
    text = " ".join([title, *headings]).strip() or relevance.url_words(post["url"])
    terms = list(dict.fromkeys(relevance.tokens(text)))[:MAX_TERMS]
    if not terms:
        return []
    linking = set(store.site_pages_linking(post["key"]))
    ranked = []
    for page in store.site_search(post["host"], terms, limit * 10 + len(linking) + 1):
        if page["key"] == post["key"] or page["key"] in linking:
            continue
        bm25 = page["relevance"]
        born = page.get("published") or page.get("first_seen")
        age = _age_days(born, post.get("published") or post.get("marked_at"))
        aged = age is not None and age >= AGED_DAYS
        carries = page["links_out"] > 0
        # aged and carrying links first, then one of the two, then neither; the match within each
        weight = (2 if aged else 0) + (1 if carries else 0) + bm25 / (bm25 + 1)
        why = [f"its words match the post ({', '.join(page['matched'][:4])})"] if page.get("matched") else []
        if aged:
            why.append(f"an aged page ({'published' if page.get('published') else 'first seen'} {born[:10]})")
        if carries:
            why.append(f"already carries {page['links_out']} internal link(s)")
        ranked.append((weight, page, why))
    ranked.sort(key=lambda t: (-t[0], t[1]["url"]))
    anchor = _anchor(title, post["url"])
    return [{"url": p["url"], "title": p["title"], "anchor": anchor, "why": "; ".join(why), "weight": round(w, 3)}
            for w, p, why in ranked[:limit]]


def _anchor(title: str, url: str) -> str:
    if title:
        short = re.split(r"\s[|–—-]\s|:\s", title)[0].strip()
        return " ".join(short.split()[:8])
    words = [w for w in relevance.url_words(url).split()[1:] if not w.isdigit()]
    return " ".join(words[-6:])


def editor_note(post: dict, suggested: list[dict]) -> str:
    """A note for the editor, ready to send: the post, the pages that could link to it, an anchor each."""
    title = post.get("title") or post["url"]
    lines = [f"Hello,", "",
             f"Thank you again for publishing my article \u201c{title}\u201d ({post['url']}).",
             "A link to it from a related article on your site would help your readers find it. "
             "These pages seem a natural fit:" if suggested else
             "A link to it from a related article on your site would help your readers find it.", ""]
    for s in suggested:
        lines.append(f"- {s['url']} \u2014 for example with the words \u201c{s['anchor']}\u201d")
    lines += ["", "Thank you for considering it.", ""]
    return "\n".join(lines)




def with_suggestions(store, entry: dict) -> dict:
    """A guest post's public entry with its suggested pages and the note (those with no internal link)."""
    post = store.get(guestposts.TABLE, entry["id"]) or entry
    suggested = suggestions(store, post) if entry["needs_links"] else []
    return dict(entry, suggestions=suggested, note=editor_note(entry, suggested) if entry["needs_links"] else "")


def guest_posts(store, *, needs_links: bool = False, host: str | None = None) -> list[dict]:
    """GET /api/guest-posts and `tierlink guest-posts`: my guest posts, oldest first, each with its
    internal links seen and indexability; those with none with suggestions and a note. `host`:
    only the guest posts on that host (the popup's notice asks so when it opens)."""
    return [with_suggestions(store, e) for e in guestposts.list_guest_posts(store, needs_links=needs_links, host=host)]
