"""A home written before SQLite (`backlinks.json`): its backlink list moved into the database.

Done once, in one transaction, when the database holds no backlink yet; the old file
stays where it is as a backup until the user deletes it. Apart because it runs once per
old home and never again: the façade only calls it on opening.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Callable

from companion.core.errors import BadInput
from companion.store import sqlstore
from companion.store.backups import BACKLINKS_FILE, BACKUPS, migrate, open_document
from companion.store.interface import BacklinkStore
from companion.store.merging import MERGE_BATCH, normalized

log = logging.getLogger("tierlink.store")


def import_backlinks(home: Path, bl: BacklinkStore, refresh_tier1: Callable[..., None], notices: list[str]) -> None:
    """Move the records of `home`/backlinks.json into `bl` (the embedded database), if there
    is such a file and the database is still empty; `refresh_tier1(c, keys)` keeps the
    tier-1 rows current as they go in. A damaged old file restored from its backup is
    reported in `notices`."""
    path = Path(home) / BACKLINKS_FILE
    if bl.get_meta("legacy_json") is not None:
        return
    if not path.exists() and not any(path.with_name(f"{path.name}.bak{n}").exists() for n in range(1, BACKUPS + 1)):
        return
    if bl.count():
        return
    doc = open_document(path, "backlink (old format)", notices)
    if doc is None:
        return
    doc, _ = migrate(doc, "backlinks", path)
    table = doc.get("backlinks") or {}
    records = [table[k] for k in sorted(table, key=lambda k: int(k) if str(k).isdigit() else 0)]
    skipped = 0
    with bl.write() as c:
        for start in range(0, len(records), MERGE_BATCH):
            chunk = []
            for r in records[start:start + MERGE_BATCH]:
                try:
                    chunk.append(normalized(dict(r)))
                except BadInput:
                    skipped += 1
            bl.insert_records(c, chunk)
            refresh_tier1(c, {r["source_key"] for r in chunk})
        bl.set_meta(c, "legacy_json", str(len(records)))
    message = (f"moved {len(records) - skipped:,} backlinks from {path.name} into {sqlstore.DB_FILE}"
               + (f" ({skipped} unreadable records left out)" if skipped else "") + "; "
               f"{path.name} is kept as a backup: delete it once you are happy with the new store")
    log.warning(message)
    print(f"tierlink: {message}", file=sys.stderr)
