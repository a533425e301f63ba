"""CSV exports of the store's tables, written so Excel opens them cleanly.

UTF-8 with a BOM (Excel otherwise guesses the ANSI code page and garbles
non-Latin anchors), CRLF line ends, lists joined by '; ', nested objects
flattened to `metrics.dr`-style columns. Cells that Excel would run as a
formula (=, +, -, @ at the start: anchors and titles are attacker-written text)
get a leading apostrophe. Written atomically: a failed export leaves no half file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from companion.atomic import write_bytes_atomic
from companion.errors import BadInput

BACKLINK_COLUMNS = ["source_url", "target_url", "anchor", "rel", "follow", "status", "first_seen", "last_seen",
                    "lost_at", "title", "type", "origins"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Candidates and placements: fixed, readable columns (every file has the same header,
# whichever fields the first records happen to carry); the page keys are internal.
CANDIDATE_COLUMNS = ["id", "kind", "status", "url", "title", "domain", "tags", "note", "verdict.score",
                     "verdict.reasons", "verdict.labels", "created_at", "updated_at", "history", "placement_id"]
PLACEMENT_COLUMNS = ["id", "date", "from_url", "to_url", "anchor", "via", "note", "candidate_id",
                     "created_at", "updated_at", "status", "checked_at"]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "; ".join(str(_cell(v)) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_cell(v)}" for k, v in value.items())
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _flatten(doc: dict, skip=()) -> dict:
    flat = {}
    for key, value in doc.items():
        if key in skip:
            continue
        if isinstance(value, dict):
            for k, v in value.items():
                flat[f"{key}.{k}"] = v
        else:
            flat[key] = value
    return flat


def rows_for(store, table: str) -> tuple[list[str], list[dict]]:
    if table == "backlinks":
        docs = [_flatten(r, skip=("source_key", "target_key", "history")) for r in store.all_backlinks()]
        metric_cols = sorted({k for d in docs for k in d if k.startswith("metrics.")})
        extra = sorted({k for d in docs for k in d} - set(BACKLINK_COLUMNS) - set(metric_cols))
        return BACKLINK_COLUMNS + extra + metric_cols, docs
    if table == "candidates":
        docs = []
        for d in store.all(table):
            flat = _flatten({**d, "verdict": d.get("verdict") or {}})
            # "2026-11-24T08:00:00Z new→contacted": one readable entry per status change
            flat["history"] = [f"{h.get('at')} {h['from']}→{h.get('to')}" if h.get("from")
                               else f"{h.get('at')} {h.get('to')}"
                               for h in d.get("history") or [] if isinstance(h, dict)]
            docs.append(flat)
        return CANDIDATE_COLUMNS, docs
    if table == "placements":
        from companion.placements import with_status

        return PLACEMENT_COLUMNS, [with_status(dict(d)) for d in store.all(table)]
    raise BadInput(f"cannot export {table!r}: choose backlinks, candidates or placements")


def export_table(store, table: str, out: Path) -> int:
    columns, docs = rows_for(store, table)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for d in docs:
        writer.writerow([_cell(d.get(c)) for c in columns])
    out = Path(out)
    if out.is_dir():
        raise BadInput(f"{out} is a folder; give a file name such as {out / (table + '.csv')}")
    if not out.parent.exists():
        raise BadInput(f"cannot write {out}: folder {out.parent} does not exist")
    write_bytes_atomic(out, buf.getvalue().encode("utf-8-sig"), mode=0o644)
    return len(docs)
