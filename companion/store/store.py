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

Records returned by the backlink readers are fresh dicts; the workflow readers
return copies too.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import itertools
import json
import logging
import os
import re
import secrets
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import unquote

from tinydb import Query, TinyDB
from tinydb.storages import Storage

from companion.core.limits import NOFOLLOW_RELS
from companion.core import authority
from companion.store import listing, sqlstore
from companion.store.records import public_backlink
from companion.analysis import urls
from companion.core.atomic import file_stamp, fsync_dir, move_aside
from companion.core.errors import BadInput, NotFound, StorageError

log = logging.getLogger("tierlink.store")

BACKLINKS_FILE = "backlinks.json"
WORKFLOW_FILE = "workflow.json"
LOCK_FILE = ".store.lock"
BACKUPS = 3
SCHEMA_VERSION = 1
WORKFLOW_TABLES = ("candidates", "placements", "settings")
META = "meta"
CRASH_ENV = "TIERLINK_CRASH_AT"  # test hook: mid_temp|after_temp|mid_rotate|before_replace|after_replace|enospc
_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# Migrations: MIGRATIONS[file_kind][n] turns a schema-n document into schema n+1.
MIGRATIONS: dict[str, dict[int, Callable[[dict], dict]]] = {"backlinks": {}, "workflow": {}}



def _crash_point(name: str) -> None:
    """Die abruptly at a named step of a write (crash-safety tests only).

    TIERLINK_CRASH_AT=after_temp dies in the first write, after_temp:3 in the third (writes of
    both engines count: see companion.store.sqlstore.crash_point for the database's steps);
    enospc:3 makes the third and every later write fail half-way with ENOSPC (a full disk).
    """
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if sqlstore._writes_seen < int(nth or 1):
        return
    if point == name:
        os._exit(99)
    if point == "enospc" and name == "mid_temp":  # a full disk: this and every later write fails
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


_STRICT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def _backup_path(path: Path, n: int) -> Path:
    return path.with_name(f"{path.name}.bak{n}")


class Corrupt(Exception):
    """A file that exists but is not a readable store document."""


def _check_document(data: Any, tables: Iterable[str]) -> dict:
    if not isinstance(data, dict):
        raise Corrupt("the top level is not an object")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise Corrupt(f"table {name!r} is not an object")
    meta = data.get(META)
    if meta is not None:
        doc = meta.get("1")
        if not isinstance(doc, dict) or not isinstance(doc.get("schema"), int):
            raise Corrupt("the meta table has no schema version")
    return data


def load_document(path: Path, tables: Iterable[str] = ()) -> dict:
    """Parse a store file strictly. Raises Corrupt for empty, truncated or garbage content."""
    raw = path.read_bytes()
    if not raw.strip():
        raise Corrupt("the file is empty")
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise Corrupt(f"it does not parse as JSON ({str(exc)[:80]})") from None
    return _check_document(data, tables)


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


class AtomicJSONStorage(Storage):
    """TinyDB storage: whole-file atomic, durable writes with rotated backups, data kept in memory.

    `read()` returns the in-memory document (TinyDB mutates it, then calls
    `write()`); if a write fails, the cache is dropped so the next read comes
    from disk again and memory never claims what the disk does not hold.
    """

    def __init__(self, path, *, backups: int = BACKUPS, data: dict | None = None):
        self.path = Path(path)
        self.backups = backups
        self._data = data
        self.stamp = file_stamp(self.path)  # (inode, mtime, size) of the file our memory matches

    def read(self):
        if self._data is None:
            if not self.path.exists():
                return None
            try:
                self._data = load_document(self.path)
            except Corrupt as exc:
                raise StorageError(f"{self.path} became unreadable ({exc}); restart Tierlink to restore its backup") from None
        return self._data

    def write(self, data) -> None:
        try:
            self._write_file(data)
        except BaseException:
            self._data = None  # memory may hold a change the disk does not: re-read next time
            self.stamp = None
            raise
        self._data = data
        self.stamp = file_stamp(self.path)

    def close(self) -> None:
        self._data = None

    # -- the durable write -----------------------------------------------------------

    def _chunks(self, data: dict):
        # No indent: json's C encoder only runs without one (the pure-Python one dominated a save).
        yield json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")

    def _write_file(self, data: dict) -> None:
        sqlstore.count_write()
        path = self.path
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    spec = os.environ.get(CRASH_ENV, "")
                    half = spec.partition(":")[0] in ("mid_temp", "enospc") and sqlstore._writes_seen >= int(spec.partition(":")[2] or 1)
                    for chunk in self._chunks(data):
                        view = memoryview(chunk)
                        if half:
                            view = view[: max(1, len(view) // 2)]
                            os.write(fd, view)
                            _crash_point("mid_temp")
                        while view:
                            view = view[os.write(fd, view):]
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except ValueError as exc:  # NaN / Infinity: not JSON, would not parse back
                raise StorageError(f"refusing to store a value that is not valid JSON: {exc}") from None
            _crash_point("after_temp")
            if path.exists():
                self._rotate()
            _crash_point("before_replace")
            os.replace(tmp, path)
            tmp = None
            _crash_point("after_replace")
            fsync_dir(path.parent)
        except OSError as exc:
            raise StorageError(f"could not write {path}: {exc.strerror or exc}; nothing was changed") from None
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def _rotate(self) -> None:
        """bak2→bak3, bak1→bak2, live→bak1 (a hard link: the live file is never copied)."""
        for n in range(self.backups, 1, -1):
            older = _backup_path(self.path, n - 1)
            if older.exists():
                os.replace(older, _backup_path(self.path, n))
        _crash_point("mid_rotate")
        bak1 = _backup_path(self.path, 1)
        try:
            if bak1.exists():
                bak1.unlink()
            os.link(self.path, bak1)
        except OSError:
            _copy_file(self.path, bak1)


def _copy_file(src: Path, dst: Path) -> None:
    tmp = dst.with_name(f".{dst.name}.{secrets.token_hex(4)}.tmp")
    with open(src, "rb") as fin, open(tmp, "wb") as fout:
        while chunk := fin.read(1 << 20):
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    os.replace(tmp, dst)


def open_document(path: Path, kind: str, notices: list[str]) -> dict | None:
    """Load a store file, restoring the newest good backup if it is damaged.

    Returns the parsed document, or None when neither the file nor any backup
    exists (a fresh home). Raises StorageError when the file is damaged and no
    backup is good: the damaged file stays where it is, untouched.
    """
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            stale.unlink()  # a temp file left by a crash mid-write; the live file is intact
        except OSError:
            pass
    problem = None
    if path.exists():
        try:
            return load_document(path)
        except Corrupt as exc:
            problem = f"{path} could not be read: {exc}"
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from None
    backups = [_backup_path(path, n) for n in range(1, BACKUPS + 1)]
    existing = [b for b in backups if b.exists()]
    if problem is None:
        if not existing:
            return None
        problem = f"{path} is missing but backups exist"
    for backup in existing:
        try:
            data = load_document(backup)
        except (Corrupt, OSError):
            continue
        moved = move_aside(path)
        _copy_file(backup, path)
        fsync_dir(path.parent)
        message = f"{problem}. Restored the {kind} store from backup {backup.name}{moved}. Changes after that backup may be missing."
        notices.append(message)
        log.warning(message)
        print(f"tierlink: WARNING: {message}", file=sys.stderr)
        return data
    raise StorageError(
        f"{problem}, and no good backup ({path.name}.bak1-{BACKUPS}) exists. Refusing to start empty over it: "
        f"restore the file from your own backup, or move it away to start with an empty {kind} store")


def _migrate(data: dict, kind: str, path: Path) -> tuple[dict, bool]:
    meta = data.setdefault(META, {})
    doc = meta.get("1") or {"schema": SCHEMA_VERSION}
    version = doc.get("schema", SCHEMA_VERSION)
    if version > SCHEMA_VERSION:
        raise StorageError(f"{path} was written by a newer Tierlink (schema {version}); upgrade Tierlink to open it")
    changed = "1" not in meta
    while version < SCHEMA_VERSION:
        step = MIGRATIONS[kind].get(version)
        if step is None:
            raise StorageError(f"{path} has schema {version} and no migration to {SCHEMA_VERSION} exists")
        data = step(data)
        version += 1
        changed = True
    data.setdefault(META, {})["1"] = dict(doc, schema=version)
    return data, changed


def repair(home: Path) -> list[dict]:
    """`tierlink repair`: check the data home's store files in full and restore each damaged one
    from its newest good backup, keeping the damaged file aside. One {"file", "status",
    "message"} per file; StorageError (nothing changed) when a damaged file has no good backup.
    The caller makes sure no `tierlink serve` has the files open."""
    home = Path(home)
    results = [sqlstore.repair(home / sqlstore.DB_FILE)]
    wf_path = home / WORKFLOW_FILE
    notices: list[str] = []
    found = open_document(wf_path, "workflow", notices)  # restores a damaged file, loudly
    if notices:
        results.append({"file": WORKFLOW_FILE, "status": "restored", "message": " ".join(notices)})
    else:
        results.append({"file": WORKFLOW_FILE, "status": "sound" if found is not None else "new",
                        "message": f"{WORKFLOW_FILE} " + ("reads correctly: nothing to repair" if found is not None
                                                          else "does not exist yet: nothing to repair")})
    return results


# --- the cyclic GC during bulk work ----------------------------------------------------

_gc_lock = threading.Lock()
_gc_pauses = 0


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while a million records are built or loaded.

    Building that many dicts triggers full collections that walk every live object
    again and again (a large share of an import's time: docs/BENCHMARKS.md). Records
    hold no reference cycles, so nothing is lost by collecting afterwards.
    Nested and concurrent pauses are counted; the collector resumes after the last.

    On resuming, everything alive is frozen (`gc.freeze()`): moved out of the
    collector's reach for good, a list splice. What a pause builds is the store's
    records or the verdicts' tier-1 index: long-lived and acyclic, freed by reference
    counting when replaced, frozen or not. Left in the collector's generations, the
    first full collection after a million-backlink load walked all of it with the GIL
    held, stalling every request in `tierlink serve`. The price: cyclic garbage made by
    other threads during a pause is never collected, a few objects a request (the
    figures of both: docs/BENCHMARKS.md, "Figures behind code comments").
    """
    global _gc_pauses
    with _gc_lock:
        _gc_pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0:
                gc.freeze()
                gc.enable()


# --- the Store ---------------------------------------------------------------------------

_MERGE_BATCH = 5000  # rows merged per step of an import (bounded memory, one transaction for all)
_SCORE_BATCH = 5000


class Store:
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
        wf, wf_changed = _migrate(wf or {}, "workflow", wf_path)
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
        doc, _ = _migrate(doc, "backlinks", path)
        table = doc.get("backlinks") or {}
        records = [table[k] for k in sorted(table, key=lambda k: int(k) if str(k).isdigit() else 0)]
        skipped = 0
        with self._bl.write() as c:
            for start in range(0, len(records), _MERGE_BATCH):
                chunk = []
                for r in records[start:start + _MERGE_BATCH]:
                    try:
                        chunk.append(_normalized(dict(r)))
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

    # -- several processes on one home (the service and a CLI command) --------------------

    @contextmanager
    def _reading(self):
        """The thread lock, with the workflow brought up to date if another process wrote it."""
        with self._lock:
            self._sync()
            yield

    @contextmanager
    def _mutating(self):
        """Thread lock + an exclusive lock file shared with other processes, held over read-modify-write."""
        with self._lock:
            self._check_open()
            self._check_writable()  # a damaged backlink database stops every write, the workflow's too
            if self._flock_depth == 0:
                self._flock_fd = os.open(self.home / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(self._flock_fd, fcntl.LOCK_EX)
                except OSError:
                    os.close(self._flock_fd)
                    raise
            self._flock_depth += 1
            try:
                self._sync()
                yield
            finally:
                self._flock_depth -= 1
                if self._flock_depth == 0:
                    os.close(self._flock_fd)  # closing releases the flock
                    self._flock_fd = None

    def _sync(self) -> None:
        """Reload workflow.json if another process replaced it since we read or wrote it (a stat per call)."""
        if self._closed:
            return
        wf = self._db.storage
        if file_stamp(wf.path) != wf.stamp:
            doc = open_document(wf.path, "workflow", self.restored_from_backup)
            if doc is not None:
                doc, _ = _migrate(doc, "workflow", wf.path)
                for name in WORKFLOW_TABLES:
                    doc.setdefault(name, {})
                wf._data = doc
                wf.stamp = file_stamp(wf.path)
                for table in self._db.tables():
                    t = self._db.table(table)
                    t.clear_cache()
                    # TinyDB caches the next document id per table: after another
                    # process inserted, the cached id is taken ("already exists").
                    t._next_id = None
                self._id_index.clear()
                self._placement_keys = None
                self.version += 1
                for name in WORKFLOW_TABLES:
                    self.table_versions[name] = self.table_versions.get(name, 0) + 1

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
        sk = _key_of(source_url_or_key)
        tk = _key_of(target_url_or_key)
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

    def _placements_by_target(self) -> dict[str, int]:
        """How many of my placements point at each tier-1 page (cached per version of the table)."""
        with self._reading():
            version = self.table_versions.get("placements", 0)
            cached = self._placement_counts
            if cached is not None and cached[0] == version:
                return cached[1]
            counts: dict[str, int] = {}
            for doc in self.all("placements"):
                key = doc.get("to_key") or _key_of(doc.get("to_url") or "")
                if key:
                    counts[key] = counts.get(key, 0) + 1
            self._placement_counts = (version, counts)
            return counts

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
        database is taken afterwards.

        Counts, one per row: `added` (a new link), `updated` (a stored link it changed),
        `merged` (a link this import already holds, or a stored one it changes nothing in).
        """
        if not isinstance(origin, str) or not origin:
            raise BadInput("an import needs an origin name")
        only = [origin]
        counts = {"added": 0, "updated": 0, "merged": 0, "done": 0}
        self._check_open()
        with self._bl.write() as c, self._bl.big_cache(c):
            batch_start = self._bl.next_backlink_id(c)
            touched: set[int] = set()  # records that existed before and were changed by this import

            def add(batch: Iterable[dict]) -> None:
                for chunk in _chunks(batch, _MERGE_BATCH):
                    if _owned:
                        # rows from companion.importers arrive complete and validated: only targetless ones need work
                        prepared = [row if "target_key" in row and row.get("origins") == only else
                                    _prepare(row, origin, fallback_target, copy=False) for row in chunk]
                    else:
                        prepared = [_prepare(row, origin, fallback_target, copy=True) for row in chunk]
                    a, u = self._merge_chunk(c, prepared, origin, batch_start, touched)
                    counts["added"] += a
                    counts["updated"] += u
                    counts["merged"] += len(prepared) - a - u  # each row is one of the three
                    counts["done"] += len(prepared)
                    if progress:
                        progress(counts["done"])

            add(rows)
            if produce is not None:
                produce(add)
            total = self._bl.count(c)
        if counts["added"] or counts["updated"]:
            self._bl.backup()
        return {"added": counts["added"], "updated": counts["updated"], "merged": counts["merged"],
                "backlinks_total": total}

    def _merge_chunk(self, c, rows: list[dict], origin: str, batch_start: int, touched: set[int]) -> tuple[int, int]:
        keys = list(dict.fromkeys(row["source_key"] for row in rows))
        stored = self._bl.from_sources(c, keys)
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
            self._bl.delete_records(c, deleted)
        if changed:
            self._bl.update_records(c, list(changed.items()))
        if created:
            self._bl.insert_records(c, list(created.values()))
        self._refresh_tier1(c, [k for k in keys if k in stored], stored)
        return added, updated

    def put_backlinks(self, records: list[dict]) -> None:
        """Replace or insert whole records by (source, target) key, as given: ONE durable write.

        Used by the verdicts to record discovered, lost or changed links (with history).
        """
        by_pair = {}
        for rec in records:  # the same link twice: the last one given wins
            rec = _normalized(dict(rec))
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

    # -- workflow tables ---------------------------------------------------------------

    def _table(self, name: str):
        if not isinstance(name, str) or not _TABLE_NAME.match(name) or name == META:
            raise BadInput(f"no table named {name!r}")
        return self._db.table(name)

    def _doc_id(self, table: str, id) -> int | None:
        index = self._id_index.get(table)
        if index is None:
            index = {doc.get("id"): doc.doc_id for doc in self._table(table).all()}
            self._id_index[table] = index
        return index.get(str(id))

    def _changed(self, table: str) -> None:
        self._id_index.pop(table, None)
        if table == "placements":
            self._placement_keys = None
        self.version += 1
        self.table_versions[table] = self.table_versions.get(table, 0) + 1

    def _write(self, table: str, action: Callable):
        """Run one TinyDB write; whatever happens, drop what was derived from the table."""
        try:
            return action()
        finally:
            self._changed(table)

    def insert(self, table: str, doc: dict) -> dict:
        if not isinstance(doc, dict):
            raise BadInput("a document must be an object")
        with self._mutating():  # checks the store is open
            t = self._table(table)
            new = dict(doc)
            new["id"] = secrets.token_hex(6)
            self._write(table, lambda: t.insert(new))
            return dict(new)

    def get(self, table: str, id) -> dict | None:
        with self._reading():
            doc_id = self._doc_id(table, id)
            if doc_id is None:
                return None
            doc = self._table(table).get(doc_id=doc_id)
            return dict(doc) if doc is not None else None

    def _existing_doc_id(self, table: str, id) -> int:
        doc_id = self._doc_id(table, id)
        if doc_id is None:
            raise NotFound(f"no {table} entry with id {id}")
        return doc_id

    def update(self, table: str, id, fields: dict) -> dict:
        if not isinstance(fields, dict):
            raise BadInput("fields must be an object")
        fields = {k: v for k, v in fields.items() if k != "id"}
        with self._mutating():
            doc_id = self._existing_doc_id(table, id)
            t = self._table(table)
            self._write(table, lambda: t.update(fields, doc_ids=[doc_id]))
            return dict(t.get(doc_id=doc_id))

    def remove(self, table: str, id) -> None:
        with self._mutating():
            doc_id = self._existing_doc_id(table, id)
            t = self._table(table)
            self._write(table, lambda: t.remove(doc_ids=[doc_id]))

    def all(self, table: str) -> list[dict]:
        with self._reading():
            return [dict(doc) for doc in self._table(table).all()]

    def find(self, table: str, **equals) -> list[dict]:
        with self._reading():
            if not equals:
                return self.all(table)
            return [dict(doc) for doc in self._table(table).search(Query().fragment(equals))]

    def upsert(self, table: str, match: dict, doc: dict) -> tuple[dict, bool]:
        """Update the first document matching `match` with `doc`, or insert `match | doc`: (doc, created)."""
        with self._mutating():
            found = self.find(table, **match)
            if found:
                return self.update(table, found[0]["id"], doc), False
            return self.insert(table, {**match, **doc}), True

    def upsert_with(self, table: str, match: dict, new_doc: dict, change: Callable[[dict], dict]) -> tuple[dict, bool]:
        """Insert `new_doc`, or update the first document matching `match` with `change(old)`,
        as one step no other writer can come between: (doc, created)."""
        with self._mutating():
            found = self.find(table, **match)
            if found:
                return self.update(table, found[0]["id"], change(found[0])), False
            return self.insert(table, new_doc), True

    def update_with(self, table: str, id, change: Callable[[dict], dict]) -> dict:
        """Update a document with `change(current)`, read and written as one step (NotFound if absent)."""
        with self._mutating():
            current = self.get(table, id)
            if current is None:
                raise NotFound(f"no {table} entry with id {id}")
            return self.update(table, id, change(current))

    def get_setting(self, name: str, default=None):
        with self._reading():
            found = self.find("settings", name=name)
            return found[0].get("value", default) if found else default

    def set_setting(self, name: str, value) -> None:
        self.upsert("settings", {"name": name}, {"value": value})

    def is_placement_page(self, key: str) -> bool:
        """True if one of my tier-2 placements sits on this page (key = urls.page_key of its from_url)."""
        with self._reading():
            keys = self._placement_keys
            if keys is None:
                keys = set()
                for doc in self._table("placements").all():
                    k = doc.get("from_key") or _key_of(doc.get("from_url") or "")
                    if k:
                        keys.add(k)
                self._placement_keys = keys
            return key in keys


# --- record helpers ------------------------------------------------------------------------

page_key = urls.page_key
is_http_url = urls.is_http_url


def _chunks(rows: Iterable[dict], size: int):
    """Lists of at most `size` rows from any iterable (a list or a parser's generator)."""
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def path_of_key(key: str) -> str:
    """The path of a page key (`host[:port]/path?query`), without the query: `/` for a home page."""
    rest = key.split("/", 1)
    return "/" + rest[1].split("?", 1)[0] if len(rest) > 1 else "/"


def host_of_key(key: str) -> str:
    """The host of a page key (`host[:port]/path`, urls.page_key: lower-case, `www.` stripped)."""
    host = key.split("/", 1)[0]
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def tier1_features(live: list[dict]) -> dict:
    """What the boost verdict needs of a tier-1 page, from its live records (oldest first).

    The strongest link stands for the page (the first followed one, else the first);
    metrics merge with the oldest record's value first; `targets` are the page keys
    of my pages it links to (for money-page matching).
    """
    best = next((r for r in live if r.get("follow", True)), live[0])
    metrics: dict = {}
    for r in live:
        for k, v in (r.get("metrics") or {}).items():
            metrics.setdefault(k, v)
    return {"url": live[0]["source_url"],
            "title": next((r["title"] for r in live if r.get("title")), "") or "",
            "anchors": [r.get("anchor") or "" for r in live],
            "follow": bool(best.get("follow", True)), "rel": list(best.get("rel") or []),
            "target": best.get("target_url"),
            "targets": list(dict.fromkeys(r["target_key"] for r in live)),
            "metrics": metrics}


def _key_of(url_or_key: str) -> str | None:
    if not isinstance(url_or_key, str) or not url_or_key.strip():
        return None
    if "://" not in url_or_key:
        return url_or_key
    try:
        return page_key(url_or_key)
    except ValueError:
        return None


def _validate_urls(rec: dict) -> None:
    for field in ("source_url", "target_url"):
        value = rec.get(field)
        if not isinstance(value, str) or not is_http_url(value):
            raise BadInput(f"{field} must be an http(s) URL, got {str(value)[:100]!r}")


def _normalized(rec: dict) -> dict:
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
