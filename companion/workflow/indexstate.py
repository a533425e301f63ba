"""The last indexability verdict of each tier-1 page and placement page, kept by page key.

Why kept: the boost list is ranked from stored data alone (no fetch), and a page that search
engines will not index must leave it (`not_indexable`); a visit or a recheck is what finds
out, so each writes the verdict it reached here. A visit reads no robots.txt nor sitemap: it
keeps what the last recheck learnt of those (`merge_visit`).

Stored as the workflow table `indexability` (one small document per page: key, state,
reasons, codes, sitemap, robots_txt, checked_at), shared by a team like the other workflow
tables, written only when the verdict changed, a recheck's verdicts all at once.
"""

from __future__ import annotations

from companion.analysis import indexability
from companion.workflow.fields import now

TABLE = "indexability"
_FIELDS = ("state", "reasons", "codes", "sitemap", "robots_txt")


def _same(a: dict | None, b: dict) -> bool:
    return a is not None and all(a.get(f) == b.get(f) for f in _FIELDS)


def record(store, verdicts: dict[str, dict]) -> int:
    """Store each page's verdict ({page key: verdict}); how many changed."""
    if not verdicts:
        return 0
    known = lookup(store, list(verdicts))
    stamp = now()
    docs = [{"key": key, **{f: v.get(f) for f in _FIELDS}, "checked_at": stamp}
            for key, v in verdicts.items() if not _same(known.get(key), v)]
    return store.upsert_many(TABLE, "key", docs)  # a whole recheck's verdicts at once


def _by_key(docs: list[dict]) -> dict[str, dict]:
    return {d["key"]: d for d in docs if d.get("key")}


def _kept(store) -> dict[str, dict]:
    """Every stored verdict by page key, read once per version of the table (a visit asks
    twice: its own page's, then the boost verdict's list of pages left out)."""
    return store.derived(TABLE, _by_key)


def lookup(store, keys: list[str]) -> dict[str, dict]:
    """{page key: stored verdict} for those of `keys` that have one."""
    kept = _kept(store)
    return {key: kept[key] for key in set(keys) if key in kept}


def not_indexable(store) -> dict[str, dict]:
    """{page key: stored verdict} of every page found not indexable."""
    return {key: d for key, d in _kept(store).items() if d.get("state") == indexability.NOT_INDEXABLE}


def merge_visit(store, key: str | None, visit: dict) -> dict:
    """A visit's verdict with what the last recheck learnt of the host (robots.txt, sitemap)."""
    if not key:
        return visit
    stored = lookup(store, [key]).get(key)
    if not stored or (stored.get("robots_txt") is None and stored.get("sitemap") is None):
        return visit
    robots = {"allowed": True, "disallowed": False}.get(stored.get("robots_txt"))
    return indexability.with_host_evidence(visit, robots_allows_google=robots, sitemap=stored.get("sitemap"))


def public(stored: dict | None) -> dict:
    """The Indexability shape of a stored verdict (unknown when there is none)."""
    if not stored:
        return indexability.unknown()
    return {k: stored.get(k) for k in (*_FIELDS, "checked_at")}
