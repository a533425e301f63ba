"""Any CSV with a source and a target column: named as we name them, or mapped with --map.

`--format csv` takes a header with the common names (source/from/linking page,
target/to/destination, ...); `--map source_url=From,target_url=To,anchor=Text,
metric.pa=Page Authority` names the columns of any other file. Recognised without
being chosen only when it has our own `source_url` and `target_url` columns (e.g. a
`tierlink export backlinks` file), so that no tool's file is mistaken for it.
"""

from __future__ import annotations

import csv

from companion.core.errors import BadInput
from companion.importers.formats import Format, norm, spec

FIELDS = spec(
    source=("source_url", "source url", "source", "from", "referring page url", "referring page", "linking page",
            "backlink", "url from"),
    target=("target_url", "target url", "target", "to", "link url", "destination", "url to"),
    anchor=("anchor", "anchor text", "anchor_text", "text"), title=("title", "page title", "source title"),
    rel_text=("rel",), nofollow=("nofollow",), ugc=("ugc",), sponsored=("sponsored",),
    first_seen=("first_seen", "first seen"), last_seen=("last_seen", "last seen"),
    lost_date=("lost", "lost_at", "date lost"), status_text=("status",))
# Field names a --map may set (besides metric.NAME / metrics.NAME).
MAP_FIELDS = {"source_url": "source", "target_url": "target", "anchor": "anchor", "title": "title",
              "rel": "rel_text", "nofollow": "nofollow", "ugc": "ugc", "sponsored": "sponsored",
              "first_seen": "first_seen", "last_seen": "last_seen", "lost": "lost_date", "status": "status_text",
              # a true/false column: the linking page is my guest post (companion.importing marks it)
              "guest_post": "b_guest_post"}


def _metric_name(key: str) -> str | None:
    if key.startswith(("metric.", "metrics.")):
        return key.split(".", 1)[1] or None
    return None


def csv_ok(cols: set[str], mapping: dict | None) -> bool:
    """Whether a header holds what --format csv needs: the mapped columns, else a source and a target."""
    if mapping:
        return all(norm(h) in cols for h in mapping.values())
    return bool(cols & set(FIELDS["source"])) and bool(cols & set(FIELDS["target"]))


def detect(cols: set[str], mapping: dict | None, wanted: str) -> str | None:
    if wanted == "csv" or mapping:
        return ("mapped" if mapping else "named") if csv_ok(cols, mapping) else None
    if wanted == "auto" and {"source_url", "target_url"} <= cols:
        return "named"
    return None


def columns(positions: dict[str, int], mapping: dict | None, ix: dict[str, int]) -> None:
    """metrics.NAME columns, then the --map's columns, into `ix` (field -> column index)."""
    for n, i in positions.items():
        if _metric_name(n):
            ix.setdefault("m_" + _metric_name(n), i)
    for key, column in (mapping or {}).items():
        col = positions[norm(column)]
        ix["m_" + _metric_name(key) if _metric_name(key) else MAP_FIELDS[key]] = col


def parse_mapping(text: str | None) -> dict | None:
    """'source_url=From,target_url=To,anchor=Text' -> {field: column}; BadInput naming what is wrong."""
    if not text:
        return None
    mapping = {}
    for part in next(csv.reader([text])):
        if not part.strip():
            continue
        if "=" not in part:
            raise BadInput(f"--map expects FIELD=COLUMN pairs, got {part!r}")
        key, column = (s.strip() for s in part.split("=", 1))
        if key not in MAP_FIELDS and not _metric_name(key):
            raise BadInput(f"--map: unknown field {key!r} (fields: {', '.join(MAP_FIELDS)}, metric.NAME)")
        if not column:
            raise BadInput(f"--map: no column given for {key}")
        mapping[key] = column
    if "source_url" not in mapping or "target_url" not in mapping:
        raise BadInput("--map needs at least source_url=COLUMN and target_url=COLUMN")
    return mapping


FORMAT = Format(name="csv", label="csv (with --map)", order=90, variants={"named": FIELDS, "mapped": FIELDS},
                detect=detect, alone_when_chosen=True, columns=columns,
                rel_known=lambda ix: "nofollow" in ix or "rel_text" in ix)
