"""What both backlink databases write beside a record, so the two cannot disagree on it.

The record itself is JSON text (`dumps`/`loads`); beside it, columns derived from it
(`source_host`, `target_code`) and, per tier-1 page, its class in the boost list.
sqlstore and pgstore both import these from here: before, pgstore imported sqlstore's
private helpers, and the two copies of the host rule had drifted from the store's own.
"""

from __future__ import annotations

import json

import orjson

from companion.core.errors import StorageError
from companion.store.keys import host_of_key

# tier1.blocked: the page's class in the boost list (the verdicts' Tier1Scorer decides), listed
# in this order: the link to me is followed / it is not / spam (only when asked for); BLOCKED
# pages (they compete with me, sit on my own site) are never listed.
ORDINARY, NOT_FOLLOWED, SPAM, BLOCKED = 0, 1, 2, 3

# FTS5's bm25() weighs a term by log((N - n + 0.5) / (n + 0.5)), floored at ~0: a term on
# half the pages or more counts for nothing. Right for a big list, wrong for a new user's
# handful of tier-1 pages (with two pages, every term). BALLAST neutral rows (negative
# rowids, a filler word no query has, a typical length so the average length holds) raise
# N the way the classic "+1" idf does: they decide a small list's weights and vanish
# against a big one's. PostgreSQL's ranking adds the same 20 to its page count.
BALLAST = 20
BALLAST_WORD = "zqxballastqz"

_STRICT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
_NULL_VALUE = (b":null", b",null", b"[null")


def dumps(obj) -> str:
    """JSON text of a record: orjson, or json's strict encoder where orjson would write
    something else (a NaN becomes null in orjson; json refuses it: ValueError)."""
    try:
        raw = orjson.dumps(obj)
    except TypeError:
        return _strict(obj)
    if b"null" in raw and any(p in raw for p in _NULL_VALUE):
        return _strict(obj)
    return raw.decode("utf-8")


def _strict(obj) -> str:
    try:
        return _STRICT(obj)
    except ValueError as exc:  # NaN / Infinity: not JSON, would not read back
        raise StorageError(f"refusing to store a value that is not valid JSON: {exc}") from None


loads = orjson.loads


def with_network(features: str, network: int) -> dict:
    """A page's features with `network` (how many referring sites share its path) beside them."""
    feats = loads(features)
    feats["network"] = network
    return feats


def target_code(record: dict) -> int | None:
    """The HTTP code the exporting tool saw at the link's target (Ahrefs' `Target page HTTP code`)."""
    code = (record.get("metrics") or {}).get("target_http_code")
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def source_host(record: dict) -> str:
    """The linking page's host for the list's domain sort and filter: the store's host rule
    (tier1.host_of_key: lower case, `www.` and the port dropped), as tier-1 pages' `host`."""
    return host_of_key(record["source_key"])
