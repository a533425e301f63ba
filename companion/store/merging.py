"""The merge rules: how rows from exports become stored backlink records.

One record per (page_key(source), page_key(target)); what a newer, an older or the
same export changes in a stored record; Search Console's target-less rows and the
placeholders they leave. Apart from the façade (companion.store.store) because the
rules are the store's policy, the same on either backlink database (they only call the
BacklinkDB interface).
"""

from __future__ import annotations

import itertools
from typing import Callable, Iterable

from companion.core.limits import NOFOLLOW_RELS
from companion.analysis import urls
from companion.core.errors import BadInput

MERGE_BATCH = 5000  # rows merged per step of an import (bounded memory, one transaction for all)

page_key = urls.page_key
is_http_url = urls.is_http_url

# refresh_tier1(c, source_keys, stored): recompute the tier-1 rows of these pages (the façade's)
Refresh = Callable[..., None]


def merge_backlinks(bl, refresh_tier1: Refresh, rows: Iterable[dict], origin: str, *,
                    fallback_target: str | None = None,
                    _owned: bool = False, progress: Callable[[int], None] | None = None,
                    produce: Callable[[Callable[[list[dict]], None]], None] | None = None,
                    brands: list[str] | None = None) -> dict:
    """Merge rows from one export (or another source) into the list: ONE durable transaction.

    One record per (page_key(source), page_key(target)). Within the import, the
    first followed link's anchor and rel win. Against a stored record: re-importing
    changes nothing; a newer export (last_seen not older) updates last_seen,
    status and metrics (and anchor/rel when the same tool says so, or when it
    reports a followed link where only a nofollow one was known); an older export
    only fills gaps. Origins accumulate. Each change is added to the record's
    `history`.

    Rows whose `target_url` is None (Search Console: "links to your site", no
    target page) attach to the records already stored from that page; a page
    with none gets a record to `fallback_target` marked `target_known: false`,
    replaced once an export names the real target.

    Rows are merged in batches, all inside one transaction: a failure anywhere
    (a full disk, a file that stops reading) changes nothing. `produce`, if given,
    is called with a function to hand batches of rows to as they are read (a big
    export streams through without being held in memory). A backup of the
    database is taken afterwards. `brands`: the profile's brand words, to mark each
    written row's anchor with (the database's `bulk`).

    Counts, one per row: `added` (a new link), `updated` (a stored link it changed),
    `merged` (a link this import already holds, or a stored one it changes nothing in).
    """
    if not isinstance(origin, str) or not origin:
        raise BadInput("an import needs an origin name")
    only = [origin]
    counts = {"added": 0, "updated": 0, "merged": 0, "done": 0}
    with bl.write() as c, bl.big_cache(c), bl.bulk(c, brands):
        batch_start = bl.next_backlink_id(c)
        touched: set[int] = set()  # records that existed before and were changed by this import

        def add(batch: Iterable[dict]) -> None:
            for chunk in _chunks(batch, MERGE_BATCH):
                if _owned:
                    # rows from companion.importers arrive complete and validated: only targetless ones need work
                    prepared = [row if "target_key" in row and row.get("origins") == only else
                                _prepare(row, origin, fallback_target, copy=False) for row in chunk]
                else:
                    prepared = [_prepare(row, origin, fallback_target, copy=True) for row in chunk]
                a, u = _merge_chunk(bl, refresh_tier1, c, prepared, origin, batch_start, touched)
                counts["added"] += a
                counts["updated"] += u
                counts["merged"] += len(prepared) - a - u  # each row is one of the three
                counts["done"] += len(prepared)
                if progress:
                    progress(counts["done"])

        add(rows)
        if produce is not None:
            produce(add)
        total = bl.count(c)
    if counts["added"] or counts["updated"]:
        bl.backup()
    return {"added": counts["added"], "updated": counts["updated"], "merged": counts["merged"],
            "backlinks_total": total}

def _merge_chunk(bl, refresh_tier1: Refresh, c, rows: list[dict], origin: str, batch_start: int, touched: set[int]) -> tuple[int, int]:
    keys = list(dict.fromkeys(row["source_key"] for row in rows))
    stored = bl.from_sources(c, keys)
    created: dict[int, dict] = {}  # pseudo id (< 0) -> record new in this chunk, in row order
    fresh = itertools.count(-1, -1)
    changed: dict[int, dict] = {}
    deleted: list[int] = []
    added = updated = 0

    def in_batch(i: int) -> bool:
        return i < 0 or i >= batch_start or i in touched

    def put(i: int, rec: dict) -> None:
        if i < 0:
            created[i] = rec
        else:
            changed[i] = rec

    for row in rows:
        sk = row["source_key"]
        entries = stored.get(sk)
        found = None
        absorbed = False
        # A page with no stored link yet (most rows of a first import) skips the
        # matching below and becomes a new record.
        if entries:
            if row.get("target_known") is False:
                changed_stored = False
                for n, (i, old) in enumerate(entries):
                    new = _combine_sourceonly(old, row, origin)
                    if new is not old:
                        if not in_batch(i):
                            touched.add(i)
                            changed_stored = True
                        entries[n] = (i, new)
                        put(i, new)
                updated += changed_stored  # one row, however many of the page's links it touched
                continue
            tk = row["target_key"]
            found = next((n for n, (_, rec) in enumerate(entries) if rec["target_key"] == tk), None)
            if found is None and row.get("target_known") is not False:
                # an export names the real target: it replaces a placeholder from Search Console
                for n, (pid, rec) in enumerate(entries):
                    if rec.get("target_known") is False:
                        row = _absorb_placeholder(row, rec)
                        absorbed = "stored" if not in_batch(pid) else "this import"
                        if pid < 0:
                            created.pop(pid)
                        else:
                            changed.pop(pid, None)
                            deleted.append(pid)
                        del entries[n]
                        break
        if found is None:
            if "history" not in row:
                row["history"] = []
            pseudo = next(fresh)
            created[pseudo] = row
            if entries is None:
                stored[sk] = [(pseudo, row)]
            else:
                entries.append((pseudo, row))
            if absorbed == "stored":
                updated += 1  # a stored placeholder now names its real target
            elif not absorbed:
                added += 1
            continue  # (a placeholder of this same import replaced: the row is merged)
        i, old = entries[found]
        batch = in_batch(i)
        new = _combine(old, row, origin, same_batch=batch)
        if new is not old:
            if not batch:
                touched.add(i)
                updated += 1
            entries[found] = (i, new)
            put(i, new)
    if deleted:
        bl.delete_records(c, deleted)
    if changed:
        bl.update_records(c, list(changed.items()))
    if created:
        bl.insert_records(c, list(created.values()))
    refresh_tier1(c, [k for k in keys if k in stored], stored)
    return added, updated


def _chunks(rows: Iterable[dict], size: int):
    """Lists of at most `size` rows from any iterable (a list or a parser's generator)."""
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk



def _validate_urls(rec: dict) -> None:
    for field in ("source_url", "target_url"):
        value = rec.get(field)
        if not isinstance(value, str) or not is_http_url(value):
            raise BadInput(f"{field} must be an http(s) URL, got {str(value)[:100]!r}")


def normalized(rec: dict) -> dict:
    """A whole record as given, with its keys computed and missing fields defaulted."""
    _validate_urls(rec)
    rec["source_key"] = page_key(rec["source_url"])
    rec["target_key"] = page_key(rec["target_url"])
    rec.setdefault("rel", [])
    rec.setdefault("follow", not (set(rec["rel"]) & NOFOLLOW_RELS))
    rec.setdefault("status", "live")
    rec.setdefault("metrics", {})
    rec.setdefault("origins", [])
    rec.setdefault("history", [])
    return rec


def _prepare(row: dict, origin: str, fallback_target: str | None, copy: bool) -> dict:
    """A row as a full stored record (keys computed, defaults filled)."""
    rec = dict(row) if copy else row
    src = rec.get("source_url")
    if not isinstance(src, str) or not is_http_url(src):
        raise BadInput(f"source_url must be an http(s) URL, got {str(src)[:100]!r}")
    if rec.get("target_url") is None:
        if not fallback_target:
            raise BadInput("these rows do not name the page they link to; set your domain first "
                           "(`tierlink init --domain example.com`)")
        rec["target_url"] = fallback_target
        rec["target_known"] = False
    elif not isinstance(rec["target_url"], str) or not is_http_url(rec["target_url"]):
        raise BadInput(f"target_url must be an http(s) URL, got {str(rec['target_url'])[:100]!r}")
    if "source_key" not in rec:
        rec["source_key"] = page_key(src)
    if "target_key" not in rec:
        rec["target_key"] = page_key(rec["target_url"])
    rel = rec.get("rel")
    if rel is None:
        rel = rec["rel"] = []
    if "follow" not in rec:
        rec["follow"] = not any(r in NOFOLLOW_RELS for r in rel)
    rec.setdefault("anchor", "")
    if rec.get("status") not in ("live", "lost"):
        rec["status"] = "live"
    if not isinstance(rec.get("metrics"), dict):
        rec["metrics"] = {}
    rec["origins"] = [origin]
    if rec.get("first_seen") is None:
        rec["first_seen"] = rec.get("last_seen")
    if rec.get("last_seen") is None:
        rec["last_seen"] = rec.get("first_seen")
    return rec


def _later(a: str | None, b: str | None) -> bool:
    """True when date b is strictly later than date a, compared at their common precision.

    ISO strings compare as text; '2025-11-30' and '2025-11-30T22:04:51' count as
    the same day, so two tools exporting on the same day never overrule each other
    back and forth.
    """
    if not b:
        return False
    if not a:
        return True
    n = min(len(a), len(b))
    return b[:n] > a[:n]


def _observed(rec: dict) -> str | None:
    """When a tool last observed the link: its last_seen, or the day it saw it gone."""
    last, lost = rec.get("last_seen"), rec.get("lost_at")
    if lost and _later(last, lost):
        return lost
    return last


def _stronger(old: dict, new: dict) -> bool:
    return new.get("rel_known", True) is not False and new["follow"] and not old.get("follow", True)


def _combine(old: dict, new: dict, origin: str, same_batch: bool) -> dict:
    """The stored record after seeing `new` (returns `old` itself when nothing changes)."""
    rec = None
    events = []

    def put(field, value):
        nonlocal rec
        if rec is None:
            rec = dict(old)
        rec[field] = value

    if origin not in old.get("origins", ()):
        put("origins", list(old.get("origins", ())) + [origin])
    fs_new, fs_old = new.get("first_seen"), old.get("first_seen")
    if fs_new and (not fs_old or fs_new < fs_old):
        put("first_seen", fs_new)
    if not old.get("title") and new.get("title"):
        put("title", new["title"])
    newer = _later(_observed(old), _observed(new))
    link_known = new.get("rel_known", True) is not False
    if same_batch:
        if new["status"] == "live" and old.get("status") == "lost":
            put("status", "live")
            put("lost_at", None)
        if new.get("last_seen") and (not old.get("last_seen") or new["last_seen"] > old["last_seen"]):
            put("last_seen", new["last_seen"])
        if _stronger(old, new):
            for f in ("anchor", "rel", "follow"):
                put(f, new[f])
        metrics = new.get("metrics") or {}
        if any(k not in old.get("metrics", {}) for k in metrics):
            put("metrics", {**metrics, **old.get("metrics", {})})
        return rec if rec is not None else old
    if newer:
        if new.get("last_seen") and _later(old.get("last_seen"), new["last_seen"]):
            put("last_seen", new["last_seen"])
        if new["status"] != old.get("status"):
            events.append(("lost" if new["status"] == "lost" else "restored", old.get("status"), new["status"]))
            put("status", new["status"])
        if new.get("lost_at") != old.get("lost_at") and (new.get("lost_at") or new["status"] == "live"):
            put("lost_at", new.get("lost_at"))
        metrics = new.get("metrics") or {}
        if metrics and any(old.get("metrics", {}).get(k) != v for k, v in metrics.items()):
            put("metrics", {**old.get("metrics", {}), **metrics})
        same_tool = origin in old.get("origins", ())
        if link_known and (same_tool or _stronger(old, new) or old.get("rel_known") is False):
            if sorted(new["rel"]) != sorted(old.get("rel") or []) or new["follow"] != old.get("follow"):
                events.append(("rel_changed", ",".join(old.get("rel") or []) or "follow",
                               ",".join(new["rel"]) or "follow"))
                put("rel", new["rel"])
                put("follow", new["follow"])
            if new.get("anchor") and new["anchor"] != old.get("anchor"):
                events.append(("anchor_changed", old.get("anchor"), new["anchor"]))
                put("anchor", new["anchor"])
            if old.get("rel_known") is False:
                put("rel_known", True)
    else:
        metrics = new.get("metrics") or {}
        if any(k not in old.get("metrics", {}) for k in metrics):
            put("metrics", {**metrics, **old.get("metrics", {})})
        if link_known and old.get("rel_known") is False:
            for f in ("anchor", "rel", "follow"):
                put(f, new[f])
            put("rel_known", True)
    if rec is not None and rec.get("lost_at") is None:
        rec.pop("lost_at", None)
    if events:
        stamp = new.get("last_seen") or old.get("last_seen")
        put("history", list(old.get("history") or []) + [
            {"at": stamp, "kind": kind, "was": was, "now": now, "origin": origin} for kind, was, now in events])
    return rec if rec is not None else old


def _combine_sourceonly(old: dict, row: dict, origin: str) -> dict:
    """A "links to my site" row (no target) confirms the page still links: dates and origins only."""
    rec = None
    if origin not in old.get("origins", ()):
        rec = dict(old)
        rec["origins"] = list(old.get("origins", ())) + [origin]
    if row.get("last_seen") and _later(old.get("last_seen"), row["last_seen"]):
        rec = rec or dict(old)
        rec["last_seen"] = row["last_seen"]
    if row.get("first_seen") and not old.get("first_seen"):  # a dateless export came first
        rec = rec or dict(old)
        rec["first_seen"] = row["first_seen"]
    return rec if rec is not None else old


def _absorb_placeholder(row: dict, placeholder: dict) -> dict:
    origins = list(row["origins"])
    for o in placeholder.get("origins", ()):
        if o not in origins:
            origins.append(o)
    row["origins"] = origins
    if placeholder.get("first_seen") and (not row.get("first_seen") or placeholder["first_seen"] < row["first_seen"]):
        row["first_seen"] = placeholder["first_seen"]
    return row
