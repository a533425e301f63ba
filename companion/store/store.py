"""The durable store of a data home: the backlink list in SQLite, the workflow in TinyDB.

Two engines, each holding the data it suits (the README says the same):

* **The backlink list** (`backlinks.sqlite`, all its SQL in companion.store.sqlstore) is
  big (up to millions of rows), read a few rows at a time by every visit, and
  written by imports and by visits that see a link change. An embedded database
  answers each of those with an index lookup and writes only the rows touched, so
  a million backlinks cost what a thousand cost. It also keeps, per tier-1 page
  (a page holding a live backlink), what the boost verdict needs and the stored
  boost score, so the boost list is an indexed `ORDER BY ... LIMIT` and nothing is
  rebuilt at start-up.
* **The workflow** (`workflow.json`: tables `candidates`, `placements`,
  `settings`) is small, human-readable and written on every one-click save: what
  TinyDB is for. `AtomicJSONStorage` never writes the live file in place (temp
  file, fsync, rotate three backups, `os.replace`, fsync the folder); a damaged
  file is restored from its newest good backup, loudly, and with none the store
  refuses to open rather than start empty.

A write returns only once it is durable (SQLite's COMMIT with `synchronous=FULL`;
the JSON file's fsync+rename), so the API answers 2xx only then. TinyDB is not
thread-safe and waitress serves with threads: one `RLock` guards the workflow, and
a lock file serialises its read-modify-writes with other processes on the same home
(the CLI while `tierlink serve` runs). SQLite does both on its own (WAL readers,
one writer, a busy timeout).

A home written by an older Tierlink (`backlinks.json`) opens into the new store on
first use; the old file is left in place as a backup until the user deletes it.

The parts, by idea: companion.store.workflow (the TinyDB tables), companion.store.backups
(durable JSON writes, backups, recovery, migrations), companion.store.merging (the merge
rules of an import), companion.store.tier1 (page keys, tier-1 features), and this façade.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote

from tinydb import TinyDB

from companion.core import authority
from companion.store import listing, merging, sqlstore
from companion.store.records import public_backlink
from companion.analysis import urls
from companion.core.errors import BadInput, StorageError
from companion.store.backups import (BACKLINKS_FILE, BACKUPS, META, WORKFLOW_FILE, AtomicJSONStorage,  # noqa: F401
                                     migrate, open_document, repair)
from companion.store.gcpause import gc_paused  # noqa: F401  (companion.importing)
from companion.store.merging import MERGE_BATCH, normalized
from companion.store.tier1 import host_of_key, key_of, path_of_key, tier1_features
from companion.store.workflow import WORKFLOW_TABLES, WorkflowTables

log = logging.getLogger("tierlink.store")

_SCORE_BATCH = 5000


class Store(WorkflowTables):
    """The backlink list and the workflow tables of one data home (see the module docstring)."""

    backend = "embedded"

    def __init__(self, home: Path):
        self.home = Path(home)
        self.restored_from_backup: list[str] = []
        self.version = 0  # bumped on every workflow change: lets callers cache what they derive
        self.table_versions: dict[str, int] = {}  # per workflow table ("placements", ...)
        self.scorer = None  # set by the verdicts (ensure_scored): scores tier-1 pages as they are written
        self._lock = threading.RLock()
        self._closed = False
        self._placement_keys: set[str] | None = None
        self._placement_counts: tuple[int, dict[str, int]] | None = None
        self._id_index: dict[str, dict[str, int]] = {}
        self._flock_depth = 0
        self._flock_fd: int | None = None
        self._reconciled: tuple | None = None

    # -- open / close ---------------------------------------------------------------

    @classmethod
    def open(cls, home: Path) -> "Store":
        """Open (or create) the embedded store in `home`, restoring damaged files from backups,
        loudly. companion.store.opening.open_store picks this or team mode's TeamStore."""
        self = cls(home)
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StorageError(f"cannot create the data home {self.home}: {exc.strerror or exc}") from None
        wf_path = self.home / WORKFLOW_FILE
        wf = open_document(wf_path, "workflow", self.restored_from_backup)
        wf, wf_changed = migrate(wf or {}, "workflow", wf_path)
        for name in WORKFLOW_TABLES:
            wf.setdefault(name, {})
        self._bl = sqlstore.BacklinkDB(self.home / sqlstore.DB_FILE, self.restored_from_backup)
        try:
            self._db = TinyDB(str(wf_path), storage=AtomicJSONStorage, data=wf)
            if wf_changed and wf_path.exists():
                self._db.storage.write(wf)
            self._import_legacy()
        except BaseException:
            self._bl.close()
            raise
        return self

    def _import_legacy(self) -> None:
        """Move the backlink list of a home written before SQLite (backlinks.json) into the database.

        Done once, in one transaction, when the database holds no backlink yet; the old
        file stays where it is as a backup until the user deletes it.
        """
        path = self.home / BACKLINKS_FILE
        if self._bl.get_meta("legacy_json") is not None:
            return
        if not path.exists() and not any(path.with_name(f"{path.name}.bak{n}").exists() for n in range(1, BACKUPS + 1)):
            return
        if self._bl.count():
            return
        doc = open_document(path, "backlink (old format)", self.restored_from_backup)
        if doc is None:
            return
        doc, _ = migrate(doc, "backlinks", path)
        table = doc.get("backlinks") or {}
        records = [table[k] for k in sorted(table, key=lambda k: int(k) if str(k).isdigit() else 0)]
        skipped = 0
        with self._bl.write() as c:
            for start in range(0, len(records), MERGE_BATCH):
                chunk = []
                for r in records[start:start + MERGE_BATCH]:
                    try:
                        chunk.append(normalized(dict(r)))
                    except BadInput:
                        skipped += 1
                self._bl.insert_records(c, chunk)
                self._refresh_tier1(c, {r["source_key"] for r in chunk})
            self._bl.set_meta(c, "legacy_json", str(len(records)))
        message = (f"moved {len(records) - skipped:,} backlinks from {path.name} into {sqlstore.DB_FILE}"
                   + (f" ({skipped} unreadable records left out)" if skipped else "") + "; "
                   f"{path.name} is kept as a backup: delete it once you are happy with the new store")
        log.warning(message)
        print(f"tierlink: {message}", file=sys.stderr)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()
                self._bl.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _check_open(self):
        if self._closed:
            raise StorageError("the store is closed")

    # -- damage found while running, and what /api/health says -----------------------------

    def check_in_background(self) -> None:
        """The full integrity check of the backlink database, in a thread (`tierlink serve`
        starts it once the store is open: the first verdict does not wait for it)."""
        self._bl.check_in_background()

    def problem(self) -> dict | None:
        """What stops this store from working, for /api/health: {"code", "message"}, or None."""
        if self._bl.damage:
            error = sqlstore.damaged_error(self._bl.path, self._bl.damage)
            return {"code": error.code, "message": error.message}
        return None

    def explain(self, exc: BaseException) -> StorageError | None:
        """The error to answer for an unexpected exception that came from this store (a damaged
        page met while reading rows one by one), or None: never a 500 for a damaged file."""
        if sqlstore.is_damage(exc):
            return self._bl._on_damage(exc)
        return None

    def _check_writable(self) -> None:
        if self._bl.damage:
            raise sqlstore.damaged_error(self._bl.path, self._bl.damage)
    # -- backlinks: reading ------------------------------------------------------------

    def backlink_count(self) -> int:
        return self._bl.count()

    def all_backlinks(self, status: str | None = None) -> list[dict]:
        """CONTRACT Backlink records, oldest first; `status` 'live' or 'lost' filters."""
        if status not in (None, "live", "lost"):
            raise BadInput("status must be 'live' or 'lost'")
        return list(self._bl.all_records(status))

    def backlinks_page(self, page: "listing.Page") -> dict:
        """One page of the list in its public shape, each row with its `authority` (the tools'
        values, the tool, the common value it sorts by), and the total its filters match:
        GET /api/backlinks and `tierlink backlinks` (companion.store.listing)."""
        records, total, more = self._bl.list_page(page)
        return page.answer([{**public_backlink(r), "authority": authority.listing(r.get("metrics") or {})}
                            for r in records], total, more)

    def backlinks_from(self, source_key: str) -> list[dict]:
        """The stored records of one linking page (an index lookup)."""
        return [rec for _, rec in self._bl.from_source(source_key)]

    def get_backlink(self, source_url_or_key: str, target_url_or_key: str) -> dict | None:
        sk = key_of(source_url_or_key)
        tk = key_of(target_url_or_key)
        if sk is None or tk is None:
            return None
        return next((rec for rec in self.backlinks_from(sk) if rec["target_key"] == tk), None)

    def broken_backlinks(self) -> list[dict]:
        """Live records whose target page answered an error code when the tool checked it (indexed)."""
        return self._bl.broken_records()

    def is_tier1_page(self, key: str) -> bool:
        """True if a live backlink comes from this page (key = urls.page_key)."""
        return self._bl.is_tier1(key)

    def has_tier1_host(self, host: str) -> bool:
        """True if some tier-1 page sits on this host (`www.` stripped)."""
        return self._bl.has_tier1_host(host)

    def tier1_keys_on_host(self, host: str, limit: int = 2000) -> set[str] | None:
        """The keys of the tier-1 pages on a host (`www.` stripped), or None if more than `limit`."""
        keys = self._bl.tier1_keys_on_host(host, limit + 1)
        return set(keys) if len(keys) <= limit else None

    def tier1_page(self, key: str) -> dict | None:
        """A tier-1 page: {"key", "host", "url", "features", "score", "blocked", "spam", "placements"}, or None
        (features["network"]: how many referring sites of the list have a page at its path)."""
        return self._bl.tier1(key)

    def tier1_pages(self, keys: list[str]) -> dict[str, dict]:
        return self._bl.tier1_many(keys)

    def tier1_count(self) -> int:
        return self._bl.tier1_count()

    def top_tier1(self, limit: int, *, spam: str = "hide") -> list[dict]:
        """The best-scored tier-1 pages that are not blocked (an index walk); spam pages left
        out ("hide"), interleaved in score order ("show") or alone ("only")."""
        return self._bl.top_tier1(limit, spam=spam)

    def search_tier1(self, terms: list[str], limit: int, max_pages_per_term: int = 1000) -> list[tuple[str, float]]:
        """Tier-1 pages by BM25 relevance to query terms, best first (see sqlstore.BacklinkDB.search)."""
        return self._bl.search(terms, max_pages_per_term, limit)

    # -- tier-1 pages: what the boost verdict needs, kept current by every write ---------

    def _refresh_tier1(self, c, source_keys, stored: dict[str, list[tuple[int, dict]]] | None = None) -> None:
        """Recompute the tier-1 rows of these pages from their records (`stored`, else read)."""
        keys = list(source_keys)
        if not keys:
            return
        if stored is None:
            stored = self._bl.from_sources(c, keys)
        counts = self._placements_by_target()
        scorer = self.scorer
        put, gone = [], []
        paths = self._bl.paths_of(c, keys)  # a path a page leaves has one site fewer
        for key in keys:
            live = [rec for _, rec in stored.get(key, ()) if rec.get("status") == "live"]
            if not live:
                gone.append(key)
                continue
            feats = tier1_features(live)
            host = host_of_key(key)
            placements = counts.get(key, 0)
            score, blocked, pa, da = (scorer.score(key, host, feats, placements) if scorer is not None
                                      else (None, False, None, None))
            path = path_of_key(key)
            paths.add(path)
            # the text index tokenises (and stems) these itself: the key's host and path words
            put.append((key, host, feats["url"], feats, score, blocked, placements,
                        feats["title"], " ".join(feats["anchors"]), unquote(key),
                        path, urls.registrable_domain(host), pa, da))
        self._bl.delete_tier1(c, gone)
        self._bl.put_tier1(c, put)
        self._bl.refresh_network(c, paths)
    def ensure_scored(self, scorer) -> None:
        """Make every tier-1 page's stored score current for `scorer` (the verdicts' rules).

        `scorer.signature` names the profile and weights it scores with; when it differs
        from the one the scores were made with, every page is rescored in one pass (a
        profile change). Placements that changed since are rescored page by page, and so
        is any page written while no scorer was set. Cheap when nothing changed: the
        verdicts call this before every answer.
        """
        self.scorer = scorer
        counts = self._placements_by_target()
        memo = (scorer.signature, id(counts))
        if self._reconciled == memo and not self._bl.any_unscored():
            return
        stored_sig = self._bl.get_meta("scorer")
        stored_counts = sqlstore.loads(self._bl.get_meta("placements") or "{}")
        if stored_sig == scorer.signature and stored_counts == counts and self._reconciled is not None \
                and not self._bl.any_unscored():
            self._reconciled = memo
            return
        with self._bl.write(count=False) as c:  # derived data: not a write the crash tests count
            stored_sig = self._bl.get_meta("scorer")
            stored_counts = sqlstore.loads(self._bl.get_meta("placements") or "{}")
            if stored_sig != scorer.signature:
                after = 0
                while batch := self._bl.tier1_batch(c, after, _SCORE_BATCH):
                    self._bl.set_scores(c, [(*scorer.score(k, h, f, counts.get(k, 0)), counts.get(k, 0), i)
                                            for i, k, h, f, _ in batch])
                    after = batch[-1][0]
            elif stored_counts != counts:
                changed = {k: counts.get(k, 0) for k in set(stored_counts) | set(counts)
                           if stored_counts.get(k, 0) != counts.get(k, 0)}
                self._bl.set_placements(c, changed)
            while batch := self._bl.unscored(c, _SCORE_BATCH):
                self._bl.set_scores(c, [(*scorer.score(k, h, f, n), n, i) for i, k, h, f, n in batch])
            self._bl.set_meta(c, "scorer", scorer.signature)
            self._bl.set_meta(c, "placements", sqlstore.dumps(counts))
        self._reconciled = memo

    # -- backlinks: writing ------------------------------------------------------------

    def merge_backlinks(self, rows: Iterable[dict], origin: str, *, fallback_target: str | None = None,
                        _owned: bool = False, progress: Callable[[int], None] | None = None,
                        produce: Callable[[Callable[[list[dict]], None]], None] | None = None) -> dict:
        """Merge rows from one export (or another source) into the list: ONE durable transaction
        (the rules: companion.store.merging.merge_backlinks)."""
        self._check_open()
        return merging.merge_backlinks(self._bl, self._refresh_tier1, rows, origin, fallback_target=fallback_target,
                                       _owned=_owned, progress=progress, produce=produce)

    def put_backlinks(self, records: list[dict]) -> None:
        """Replace or insert whole records by (source, target) key, as given: ONE durable write.

        Used by the verdicts to record discovered, lost or changed links (with history).
        """
        by_pair = {}
        for rec in records:  # the same link twice: the last one given wins
            rec = normalized(dict(rec))
            by_pair[(rec["source_key"], rec["target_key"])] = rec
        prepared = list(by_pair.values())
        if not prepared:
            return
        self._check_open()
        with self._bl.write() as c:
            keys = list(dict.fromkeys(rec["source_key"] for rec in prepared))
            stored = self._bl.from_sources(c, keys)
            changed, created = [], []
            for rec in prepared:
                entries = stored.setdefault(rec["source_key"], [])
                n = next((n for n, (_, old) in enumerate(entries) if old["target_key"] == rec["target_key"]), None)
                if n is None:
                    created.append(rec)
                    entries.append((0, rec))
                else:
                    changed.append((entries[n][0], rec))
                    entries[n] = (entries[n][0], rec)
            self._bl.update_records(c, changed)
            self._bl.insert_records(c, created)
            self._refresh_tier1(c, keys, stored)
