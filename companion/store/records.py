"""The public shape of a stored backlink: what the CLI, the API and the CSV export all show.

Why one function: the three had drifted (the CLI hid the page keys, the API showed
them, the export also dropped `history`). A record as stored carries internal
fields (`source_key`, `target_key`: the page identities the indexes match on) and
only the fields some writer set; the public shape drops the internal ones and
always has every field below, in this order (absent → its default), so a reader
never has to guess whether a missing key means "no" or "unknown". Fields a future
writer adds and this list does not know yet still show, after these.
"""

from __future__ import annotations

import copy

BACKLINK_STATUSES = ("live", "lost")
INTERNAL_FIELDS = frozenset({"source_key", "target_key"})

# (field, default) in the order every front end shows them.
BACKLINK_FIELDS: tuple[tuple[str, object], ...] = (
    ("source_url", None), ("target_url", None), ("anchor", ""), ("rel", []), ("follow", True),
    ("status", "live"), ("first_seen", None), ("last_seen", None), ("lost_at", None), ("title", ""),
    ("type", None), ("origins", []), ("metrics", {}), ("history", []), ("target_known", True),
    ("checked_at", None), ("check_failures", 0), ("check_error", None), ("final_url", None),
)
BACKLINK_FIELD_NAMES = tuple(name for name, _ in BACKLINK_FIELDS)


def shape(record: dict, fields: tuple[tuple[str, object], ...], internal: frozenset) -> dict:
    """`record` in a public shape: every field of `fields` in order (absent or null → a copy
    of its default), then any other field a later writer added, never the `internal` ones.
    The workflow tables (candidates, placements) use it too, each with its own fields."""
    out = {name: copy.copy(default) if record.get(name) is None else record[name] for name, default in fields}
    out.update({k: v for k, v in record.items() if k not in out and k not in internal})
    return out


def public_backlink(record: dict) -> dict:
    """The record as every front end shows it: internal keys dropped, every field present."""
    return shape(record, BACKLINK_FIELDS, INTERNAL_FIELDS)
