"""CSV exports of the store's tables, written so Excel opens them cleanly.

UTF-8 with a BOM (Excel otherwise guesses the ANSI code page and garbles
non-Latin anchors), CRLF line ends, lists joined by '; ', nested objects
flattened to `metrics.dr`-style columns; a candidate's outreach columns (contacts, last_contacted,
follow_up, pitched_by, and the marks dnc, pitched, due) are text a mail tool takes as it is. The columns are the records' public shape
(companion.store.records, candidates.public, placements.public), as the CLI and the
API show them; `receipts` lists every placement receipt with its placement's URLs. Cells that Excel would run as a formula (=, +, -, @ at the start: anchors and titles are attacker-written text)
get a leading apostrophe. Written atomically: a failed export leaves no half file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from companion.core.atomic import write_bytes_atomic
from companion.core.errors import BadInput
from companion.store.records import BACKLINK_FIELD_NAMES, public_backlink
from companion.analysis import contacts as contacts_mod
from companion.workflow import candidates, guestposts, outreach, placements, receipts

TABLES = ("backlinks", "candidates", "placements", "receipts", "guest_posts")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def _history(entries) -> list[str]:
    """One readable cell entry per change: "2026-11-24T08:00:00Z new→contacted", "… lost: live→lost"."""
    out = []
    for h in entries or []:
        if not isinstance(h, dict):
            continue
        was = h.get("from", h.get("was"))
        now = h.get("to", h.get("now"))
        kind = f"{h['kind']}: " if h.get("kind") else ""
        out.append(f"{h.get('at')} {kind}{was}→{now}" if was is not None else f"{h.get('at')} {kind}{now}")
    return out


def _flat(doc: dict, nested: str | None = None) -> dict:
    """The public record with its one nested object as `nested.key` columns and history as text."""
    flat = {k: v for k, v in doc.items() if k != nested}
    if nested:
        for k, v in (doc.get(nested) or {}).items():
            flat[f"{nested}.{k}"] = v
    flat["history"] = _history(doc.get("history"))
    return flat


def _flat_indexability(doc: dict) -> dict:
    """A placement or guest post with its indexability as two columns: state and reasons."""
    return _flat(dict(doc, indexability={k: doc["indexability"].get(k) for k in ("state", "reasons")}), "indexability")


def _outreach_cells(flat: dict) -> dict:
    """The outreach columns as a mail tool takes them: `contacts` one route per entry (addresses
    first), `dnc` the entry and its reason, `pitched` who pitched the site and when."""
    flat["contacts"] = contacts_mod.summary(flat.get("contacts"))
    dnc = flat.get("dnc")
    flat["dnc"] = f"{dnc['value']}: {dnc['reason']}" if dnc and dnc.get("reason") else (dnc or {}).get("value")
    flat["pitched"] = [f"{p.get('by') or 'someone'} {p.get('at')} {p.get('url')}" for p in flat.get("pitched") or []]
    return flat


def rows_for(store, table: str) -> tuple[list[str], list[dict]]:
    """(columns, rows) of a table: the columns are the record's public shape (the CLI's and the
    API's fields, in their order), its nested object flattened (`metrics.dr`, `verdict.score`)."""
    if table == "backlinks":
        docs = [_flat(public_backlink(r), "metrics") for r in store.all_backlinks()]
        fixed = [f for f in BACKLINK_FIELD_NAMES if f != "metrics"]
        metric_cols = sorted({k for d in docs for k in d if k.startswith("metrics.")})
        extra = sorted({k for d in docs for k in d} - set(fixed) - set(metric_cols))
        return fixed + extra + metric_cols, docs
    if table == "candidates":
        docs = [_outreach_cells(_flat(d, "verdict"))
                for d in outreach.annotate(store, [candidates.public(d) for d in store.all(table)])]
        columns = []
        for name in [n for n, _ in candidates.PUBLIC_FIELDS] + list(outreach.MARKS):
            columns += ["verdict.score", "verdict.reasons", "verdict.labels"] if name == "verdict" else [name]
        return columns, docs
    if table == "placements":  # as listed, with whether the page holding each will be indexed
        docs = [_flat_indexability(d) for d in placements.list_placements(store)]
        return [n for n, _ in placements.PUBLIC_FIELDS] + ["indexability.state", "indexability.reasons"], docs
    if table == "receipts":  # proof of what each placement's page showed (companion.workflow.receipts)
        columns = ["placement_id", "from_url", "to_url", "at", "url", "final_url", "status", "found", "anchor", "rel",
                   "context", "sha256", "via"]
        return columns, receipts.all_receipts(store)
    if table == "guest_posts":
        docs = [_flat_indexability(d) for d in guestposts.list_guest_posts(store)]
        return ([f for f in guestposts.EXPORT_FIELDS if f != "indexability"]
                + ["indexability.state", "indexability.reasons"]), docs
    raise BadInput(f"cannot export {table!r}: choose {', '.join(TABLES)}")


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
