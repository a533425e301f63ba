"""My guest posts, the internal links seen toward them, and where to ask for one (docs/DOMAIN.md).

Why: the seed's action hint for a new guest post is to ask the editor for internal links to
it: a link from an aged page of the same site gets it crawled, indexed and valued. A new post
has none, and nothing else tells the user which posts still have none or which pages of that
site could link to them; yet every page of that site the user reads passes through here.

* A guest post is a tier-1 page marked as mine (the workflow table `guest_posts`: id, url, key,
  host, title, marked_at, via): from the popup, the dashboard, the CLI, an import's mapping
  column, or on its own when a page holding a placement logged `--via guest_post` is seen
  linking to my site.
* For the hosts holding a guest post only, every page seen there (a visit or a recheck) goes
  into a small local index in the store (URL, title, headings, publication date where the page
  gives one, its internal links out), capped per host (the least recently seen page gives way),
  turned off by the setting `guest_post_index`, forgotten per host on request. A page of any
  other host is never stored.
* Needs internal links: a guest post no indexed page links to, oldest first, with up to three
  suggested source pages on the same host (full-text match of the post's title and headings over
  that host's index; aged pages, and pages already carrying internal links, first) and a note
  for the editor ready to send.
"""

from __future__ import annotations

import re

from companion.analysis import urls
from companion.core.errors import BadInput, NotFound
from companion.core.limits import MAX_TITLE, MAX_URL_LENGTH
from companion.workflow.fields import now

TABLE = "guest_posts"
VIA = ("popup", "dashboard", "cli", "import", "placement")
API_VIA = ("popup", "dashboard")  # what POST /api/guest-posts may say it came from
INDEX_SETTING = "guest_post_index"  # False turns the host page index off
INDEX_STATES = ("on", "off", "status")  # `tierlink guest-posts index`
MAX_PAGES_PER_HOST = 20_000  # pages kept per host in the index (least recently seen first out)
MAX_LINKS_PER_PAGE = 1_000  # internal links kept per indexed page
MAX_HEADINGS = 20
HOST_PATTERN = r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:[0-9]{1,5})?$"  # a host (and port) as `forget` takes it
_DATE_IN_URL = re.compile(r"/(20\d\d|19\d\d)/(0[1-9]|1[0-2])(?:/(0[1-9]|[12]\d|3[01]))?/")
_PUBLISHED_META = ("article:published_time", "datepublished", "date", "dc.date", "pubdate", "publish_date")


# --- marking ---------------------------------------------------------------------------

def _checked_url(url) -> tuple[str, str]:
    if not isinstance(url, str) or not url.strip():
        raise BadInput("'url' is required")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH or not urls.is_http_url(url):
        raise BadInput(f"'url' must be an absolute http(s) URL of at most {MAX_URL_LENGTH} characters")
    key = urls.safe_page_key(url)
    if not key:
        raise BadInput(f"'url' is not a page address: {url[:200]!r}")
    return url, key


def mark(store, url, *, via: str = "cli", title: str | None = None, when: str | None = None) -> tuple[dict, bool]:
    """Mark a page as my guest post: (the guest post, created). Marking it again changes nothing
    but a missing title."""
    url, key = _checked_url(url)
    if via not in VIA:
        raise BadInput(f"'via' must be one of {', '.join(VIA)}")
    if title is not None and not isinstance(title, str):
        raise BadInput("'title' must be a string")
    title = (title or "").strip()[:MAX_TITLE]
    doc = {"url": url, "key": key, "host": urls.strip_www(urls.host_of(url)), "title": title,
           "marked_at": when or now(), "via": via}
    return store.upsert_with(TABLE, {"key": key}, doc,
                             lambda old: {"title": old.get("title") or title})


def unmark(store, id_or_url: str) -> dict:
    """No longer my guest post (the host's index stays until forgotten): the removed entry."""
    found = _find(store, id_or_url)
    store.remove(TABLE, found["id"])
    return found


def _find(store, id_or_url: str) -> dict:
    doc = store.get(TABLE, id_or_url) if isinstance(id_or_url, str) else None
    if doc is None and isinstance(id_or_url, str) and urls.is_http_url(id_or_url.strip()):
        key = urls.safe_page_key(id_or_url.strip())
        doc = next(iter(store.find(TABLE, key=key)), None)
    if doc is None:
        raise NotFound(f"no guest post {str(id_or_url)[:200]!r}")
    return doc


class _Hosts:
    """The hosts holding my guest posts (the only ones indexed), re-read when the table changes."""

    def __init__(self, posts: list[dict]):
        self.hosts = {p["host"] for p in posts if p.get("host")}
        self.keys = {p["key"] for p in posts if p.get("key")}


def _hosts(store) -> _Hosts:
    return store.derived(TABLE, _Hosts)


def is_guest_post(store, key: str | None) -> bool:
    return bool(key) and key in _hosts(store).keys


def index_enabled(store) -> bool:
    return store.get_setting(INDEX_SETTING, True) is not False


def set_index_enabled(store, enabled: bool) -> None:
    if not isinstance(enabled, bool):
        raise BadInput("'enabled' must be true or false")
    store.set_setting(INDEX_SETTING, enabled)


# --- what a visit or a recheck sees ----------------------------------------------------------

def _published(doc, url: str) -> str | None:
    """The page's publication date where it says one (a meta tag of its head, a dated URL, its
    first `<time datetime>`), YYYY-MM-DD: what makes a page "aged". Cheapest sources first: the
    whole-tree walk for `<time>` only when neither says."""
    head = doc.find("head") if doc is not None else None
    for meta in (head.iter("meta") if head is not None else ()):
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if name in _PUBLISHED_META:
            day = _day(meta.get("content"))
            if day:
                return day
    match = _DATE_IN_URL.search(url)
    if match:
        return f"{match.group(1)}-{match.group(2)}-{match.group(3) or '01'}"
    first = next(doc.iter("time"), None) if doc is not None else None
    return _day(first.get("datetime")) if first is not None else None


def _day(value) -> str | None:
    match = re.match(r"\s*((?:19|20)\d\d-[01]\d-[0-3]\d)", value or "")
    return match.group(1) if match else None


def observe(store, result: dict, feats, doc) -> dict | None:
    """A page seen (a visit or a recheck): on a host holding one of my guest posts, put it in that
    host's index, auto-mark it when it is a placement `--via guest_post` now linking to my site,
    and answer what the popup tells on this host (`guest_posts` of the Analysis). Elsewhere: None,
    and nothing of the page is stored."""
    host = urls.strip_www(urls.host_of(result["url"]))
    key = urls.safe_page_key(result["url"])
    if key and "tier1" in result["labels"] and not is_guest_post(store, key) and _placed_as_guest_post(store, key):
        mark(store, result["url"], via="placement", title=result.get("title") or None)
    known = _hosts(store)
    if not key or host not in known.hosts:
        return None
    links = list(dict.fromkeys(k for l in result["links"] if l["valid"] and l["internal"]
                               and urls.strip_www(urls.host_of(l["href"])) == host
                               and (k := urls.safe_page_key(l["href"])) and k != key))[:MAX_LINKS_PER_PAGE]
    # The notice first, from what was seen before this page (and this page's own links): the
    # page is then queued for the index's writer, off the visit's path.
    posts = oldest_first(store.find(TABLE, host=host))
    seen = store.site_links_count([p["key"] for p in posts])
    notice = {"is_guest_post": key in known.keys, "host": host,
              "needs_links": [entry(store, p) for p in posts if not seen.get(p["key"]) and p["key"] not in links]}
    if index_enabled(store):
        store.site_page_put(host, key, result["url"], (result.get("title") or "")[:MAX_TITLE],
                            [h[:200] for h in feats.headings[:MAX_HEADINGS]], links, _published(doc, result["url"]),
                            now(), MAX_PAGES_PER_HOST)
    return notice


def _placed_as_guest_post(store, key: str) -> bool:
    return store.is_placement_page(key) and any(p.get("via") == "guest_post"
                                                for p in store.find("placements", from_key=key))


def forget_host(store, host: str) -> int:
    """Drop every indexed page of a host: how many."""
    if not isinstance(host, str) or not re.match(HOST_PATTERN, host.strip()):
        raise BadInput("give a host name, e.g. blog.example.org")
    return store.site_forget(urls.strip_www(host.strip().lower()))


# --- needs internal links ----------------------------------------------------------------

def oldest_first(posts: list[dict]) -> list[dict]:
    return sorted(posts, key=lambda p: (p.get("marked_at") or "", p["url"]))


def entry(store, post: dict, *, verdicts: dict | None = None) -> dict:
    """The public shape of a guest post (GuestPost of docs/CONTRACT.md)."""
    from companion.workflow import indexstate

    count = store.site_links_count([post["key"]]).get(post["key"], 0)
    linking = store.site_pages_linking(post["key"])[:5]
    stored = (verdicts if verdicts is not None else indexstate.lookup(store, [post["key"]])).get(post["key"])
    verdict = indexstate.public(stored)
    title = post.get("title") or ((store.site_page(post["key"]) or {}).get("title")) or next(
        (r.get("title") for r in store.backlinks_from(post["key"]) if r.get("title")), "")
    out = {"id": post["id"], "url": post["url"], "host": post["host"], "title": title,
           "marked_at": post.get("marked_at"), "via": post.get("via"), "internal_links": count,
           "linking_pages": linking, "needs_links": count == 0, "indexability": verdict,
           "indexed_pages": store.site_pages_count(post["host"]), "key": post["key"]}
    return out


def list_guest_posts(store, *, needs_links: bool = False, host: str | None = None) -> list[dict]:
    """My guest posts, oldest first, each with its internal links seen and its indexability
    (companion.verdicts.guestlinks adds the suggested pages and the editor's note)."""
    from companion.workflow import indexstate

    posts = oldest_first(store.find(TABLE, host=urls.strip_www(host.lower())) if host else store.all(TABLE))
    known = indexstate.lookup(store, [p["key"] for p in posts])
    out = [entry(store, p, verdicts=known) for p in posts]
    return [p for p in out if p["needs_links"]] if needs_links else out


# The CSV export's columns (companion.workflow.export): the entry without the suggestions.
EXPORT_FIELDS = ("url", "host", "title", "marked_at", "via", "internal_links", "needs_links", "linking_pages",
                 "indexed_pages", "indexability")
