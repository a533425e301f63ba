"""The durable store: the backlink list and the small workflow tables (SECURITY.md 13-16).

Why it looks like this:

* Two TinyDB files in the data home. `backlinks.json` is large and rarely written
  (imports, verdicts recording a lost or changed link); `workflow.json` is small
  and written on every one-click save (tables `candidates`, `placements`,
  `settings`). Every write rewrites a whole file, so a save never rewrites the
  backlink list.
* `AtomicJSONStorage` is a TinyDB Storage that never writes the live file in
  place: temp file in the same folder, fsync, rotate backups (the previous file is
  hard-linked to `.bak1`, so the big file is not copied), `os.replace`, fsync the
  folder. It keeps the data in memory, so TinyDB's read-per-operation costs
  nothing and a logical operation is exactly one write.
* At open, a file that does not parse (empty, truncated, garbage) is moved aside
  as `<name>.corrupt-<timestamp>` and the newest good backup restored, loudly (a
  warning on stderr and `Store.restored_from_backup`). With no good backup the
  store refuses to open: it never starts empty over lost data.
* TinyDB is not thread-safe and waitress serves with threads: one `RLock` guards
  every read and every read-modify-write, and a mutating method returns only after
  its data is durable (so the API answers 2xx only then).
* The backlink table is handled as plain dicts (TinyDB's file format, not its
  per-document API): one import of a million rows is one write, and opening
  costs about one `json.loads`. Each record carries its `source_key` and
  `target_key` (`urls.page_key`), so the by-source index is built lazily by a
  plain loop, without re-normalising a million URLs at start-up.
* The big file is encoded with orjson in batches of records (json's C encoder was a
  third of a 100k-row import), falling back to json's strict encoder for a batch
  orjson would write differently (NaN, non-string keys, huge integers).

Records returned by the backlink readers are the stored objects themselves (no
copy, for speed with a million rows): treat them as read-only. The store never
mutates a record in place; every change replaces it with a new dict, so a record
a caller holds never changes under it.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import json
import logging
import os
import re
import secrets
import sys
import threading
import time
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable

import orjson
from tinydb import Query, TinyDB
from tinydb.storages import Storage

from companion import urls
from companion.atomic import file_stamp, fsync_dir
from companion.errors import BadInput, NotFound, StorageError

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


_writes_seen = 0


def _crash_point(name: str) -> None:
    """Die abruptly at a named step of a write (crash-safety tests only).

    TIERLINK_CRASH_AT=after_temp dies in the first write, after_temp:3 in the third;
    enospc:3 makes the third and every later write fail half-way with ENOSPC (a full disk).
    """
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if _writes_seen < int(nth or 1):
        return
    if point == name:
        os._exit(99)
    if point == "enospc" and name == "mid_temp":  # a full disk: this and every later write fails
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


_BATCH = 5000  # records per encoded chunk: bounded memory for the big file
# Where a NaN or Infinity would have gone: orjson writes those as null instead of refusing them.
_NULL_VALUE = (b":null", b",null", b"[null")


_STRICT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def _strict_json(obj) -> bytes:
    return _STRICT(obj).encode("utf-8")


def _encode_batch(batch: dict) -> bytes:
    """UTF-8 JSON of a batch of records: orjson (C, ~8x faster than json on a big import's
    records), or json's strict encoder for anything orjson would write differently or not at
    all: a null that may be a NaN/Infinity (json refuses those: ValueError), non-string keys,
    integers over 64 bits, lone surrogates. Either way the file parses back to the same data.
    """
    try:
        text = orjson.dumps(batch)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _strict_json(batch)
    if b"null" in text and any(p in text for p in _NULL_VALUE):
        return _strict_json(batch)
    return text


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

    def __init__(self, path, *, big: bool = False, backups: int = BACKUPS, data: dict | None = None):
        self.path = Path(path)
        self.big = big
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
        """Serialise strictly (no NaN/Infinity) in bounded chunks, so a big file needs no giant string."""
        if not self.big:
            # No indent: json's C encoder only runs without one. With indent=1 the pure-Python
            # encoder was 97% of a save's time at ~5,000 candidates+placements (tests/test_concurrency.py).
            yield json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")
            return
        yield b"{"
        first_table = True
        for name, table in data.items():
            yield (b"" if first_table else b",\n") + _strict_json(name) + b":{"
            first_table = False
            items = iter(table.items())
            first = True
            while batch := dict(islice(items, _BATCH)):
                text = _encode_batch(batch)
                if not first:
                    yield b",\n"
                yield memoryview(text)[1:-1]
                first = False
            yield b"}"
        yield b"}\n"

    def _write_file(self, data: dict) -> None:
        global _writes_seen
        _writes_seen += 1
        path = self.path
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    spec = os.environ.get(CRASH_ENV, "")
                    half = spec.partition(":")[0] in ("mid_temp", "enospc") and _writes_seen >= int(spec.partition(":")[2] or 1)
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
        """bak2→bak3, bak1→bak2, live→bak1 (a hard link: the big file is never copied)."""
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
        moved = ""
        if path.exists():
            aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(2)}")
            os.replace(path, aside)
            moved = f"; the damaged file was kept as {aside.name}"
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


# --- the cyclic GC during bulk work ----------------------------------------------------

_gc_lock = threading.Lock()
_gc_pauses = 0


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while a million records are built or loaded.

    Building that many dicts triggers full collections that walk every live object
    again and again (measured: about half the import time at 200k rows). Records
    hold no reference cycles, so nothing is lost by collecting afterwards.
    Nested and concurrent pauses are counted; the collector resumes after the last.

    On resuming, everything alive is frozen (`gc.freeze()`): moved out of the
    collector's reach for good, a list splice. What a pause builds is the store's
    records or the verdicts' tier-1 index: long-lived and acyclic, freed by reference
    counting when replaced, frozen or not. Left in the collector's generations, the
    first full collection after a million-backlink load walked all of it with the GIL
    held: a 4.6 s stall of every request in `tierlink serve` (and 0.08 s of a 100k-row
    import for the first young collection). The price: cyclic garbage made by other
    threads during a pause is never collected; measured at ~14 objects a request, a
    few hundred KiB over a minute-long rebuild at a million backlinks.
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


# --- page keys, fast -------------------------------------------------------------------

_SIMPLE_URL = re.compile(r"^https?://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(/[A-Za-z0-9_.\-~/:@!$&'()*+,;=]*)?$")


_HTTP_FAST = re.compile(r"^https?://[A-Za-z0-9.-]*[A-Za-z0-9](?:[/?][^\s#\\]*)?$")


def is_http_url(url: str) -> bool:
    """`urls.is_http_url` with a regex fast path for the plain URLs exports are full of."""
    return _HTTP_FAST.match(url) is not None or urls.is_http_url(url)


def page_key(url: str) -> str:
    """`urls.page_key`, with a string fast path for plain URLs (a million-row import calls this twice a row).

    The fast path only takes URLs where `urls.page_key` provably changes nothing
    but host case, `www.` and a trailing slash (tests compare both on many URLs).
    """
    m = _SIMPLE_URL.match(url)
    if m is None:
        return urls.page_key(url)
    host = m.group(1).lower()
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    path = m.group(2) or "/"
    if len(path) > 1 and path[-1] == "/":
        path = path.rstrip("/") or "/"
    return host + path


# --- the Store ---------------------------------------------------------------------------

_NOFOLLOW = {"nofollow", "ugc", "sponsored"}


class Store:
    """The backlink list and the workflow tables of one data home (see the module docstring)."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.restored_from_backup: list[str] = []
        self.version = 0  # bumped on every change: lets callers cache what they derive
        # per table ("backlinks", "placements", ...): a candidate save must not
        # invalidate what the verdicts derived from a million backlinks
        self.table_versions: dict[str, int] = {}
        self._lock = threading.RLock()
        self._closed = False
        self._by_source: dict[str, list[str]] | None = None
        self._placement_keys: set[str] | None = None
        self._id_index: dict[str, dict[str, int]] = {}
        self._flock_depth = 0
        self._flock_fd: int | None = None

    # -- open / close ---------------------------------------------------------------

    @classmethod
    def open(cls, home: Path) -> "Store":
        """Open (or create) the store in `home`, restoring damaged files from backups, loudly."""
        self = cls(home)
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StorageError(f"cannot create the data home {self.home}: {exc.strerror or exc}") from None
        bl_path = self.home / BACKLINKS_FILE
        wf_path = self.home / WORKFLOW_FILE
        with gc_paused():
            bl = open_document(bl_path, "backlink", self.restored_from_backup)
        wf = open_document(wf_path, "workflow", self.restored_from_backup)
        bl_new = bl is None
        bl, bl_changed = _migrate(bl or {}, "backlinks", bl_path)
        bl.setdefault("backlinks", {})
        wf, wf_changed = _migrate(wf or {}, "workflow", wf_path)
        for name in WORKFLOW_TABLES:
            wf.setdefault(name, {})
        self._bl_storage = AtomicJSONStorage(bl_path, big=True, data=bl)
        self._records: dict[str, dict] = bl["backlinks"]
        meta = bl[META]["1"]
        self._next_id = meta.get("next_id") or (max(map(int, self._records), default=0) + 1)
        self._db = TinyDB(str(wf_path), storage=AtomicJSONStorage, data=wf)
        if bl_changed and not bl_new:
            self._bl_storage.write(bl)
        if wf_changed and wf_path.exists():
            self._db.storage.write(wf)
        return self

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _check_open(self):
        if self._closed:
            raise StorageError("the store is closed")

    # -- several processes on one home (the service and a CLI import) --------------------

    @contextmanager
    def _reading(self):
        """The thread lock, with memory brought up to date if another process wrote a file."""
        with self._lock:
            self._sync()
            yield

    @contextmanager
    def _mutating(self):
        """Thread lock + an exclusive lock file shared with other processes, held over read-modify-write."""
        with self._lock:
            self._check_open()
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
        """Reload a file another process replaced since we read or wrote it (a stat per call)."""
        if self._closed:
            return
        bl = self._bl_storage
        if file_stamp(bl.path) != bl.stamp:
            with gc_paused():
                doc = open_document(bl.path, "backlink", self.restored_from_backup)
            if doc is not None:
                doc, _ = _migrate(doc, "backlinks", bl.path)
                doc.setdefault("backlinks", {})
                bl._data = doc
                bl.stamp = file_stamp(bl.path)
                self._records = doc["backlinks"]
                self._next_id = max(doc[META]["1"].get("next_id") or 0,
                                    max(map(int, self._records), default=0) + 1)
                self._by_source = None
                self.version += 1
                self.table_versions["backlinks"] = self.table_versions.get("backlinks", 0) + 1
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

    def _index(self) -> dict[str, list[str]]:
        index = self._by_source
        if index is None:
            with gc_paused():
                index = self._build_index()
        return index

    def _build_index(self) -> dict[str, list[str]]:
        index = self._by_source
        if index is None:
            index = {}
            get = index.get
            for doc_id, rec in self._records.items():
                ids = get(rec["source_key"])
                if ids is None:
                    index[rec["source_key"]] = [doc_id]
                else:
                    ids.append(doc_id)
            self._by_source = index
        return index

    def backlink_count(self) -> int:
        with self._reading():
            return len(self._records)

    def all_backlinks(self, status: str | None = None) -> list[dict]:
        """CONTRACT Backlink records, oldest first; `status` 'live' or 'lost' filters."""
        if status not in (None, "live", "lost"):
            raise BadInput("status must be 'live' or 'lost'")
        with self._reading():
            if status is None:
                return list(self._records.values())
            return [r for r in self._records.values() if r.get("status") == status]

    def backlinks_from(self, source_key: str) -> list[dict]:
        with self._reading():
            records = self._records
            return [records[i] for i in self._index().get(source_key, ())]

    def _find_id(self, sk: str, tk: str) -> str | None:
        records = self._records
        for doc_id in self._index().get(sk, ()):
            if records[doc_id]["target_key"] == tk:
                return doc_id
        return None

    def get_backlink(self, source_url_or_key: str, target_url_or_key: str) -> dict | None:
        sk = _key_of(source_url_or_key)
        tk = _key_of(target_url_or_key)
        if sk is None or tk is None:
            return None
        with self._reading():
            doc_id = self._find_id(sk, tk)
            return self._records[doc_id] if doc_id else None

    def is_tier1_page(self, key: str) -> bool:
        """True if a live backlink comes from this page (key = urls.page_key)."""
        with self._reading():
            records = self._records
            return any(records[i].get("status") == "live" for i in self._index().get(key, ()))

    def tier1_pages(self) -> list[dict]:
        """One entry per page holding a live backlink: {"url", "key", "backlinks": [its live records]}.

        The lock is held only to take the list of pages (0.4–0.5 s at a million
        backlinks), not while their live records are gathered (2.9–3.5 s held there
        before): the verdicts' index build calls this at start and after each import,
        and every save and analysis waits for the lock. Lookups in the records dict
        while a writer changes it are safe; a write that lands meanwhile may be missed,
        and the caller's index is stamped with the table versions from before the call,
        so it is rebuilt to include it.
        """
        with self._reading():
            records = self._records
            pages_ids = list(self._index().items())
        get = records.get
        pages = []
        for key, ids in pages_ids:
            live = [rec for i in ids if (rec := get(i)) is not None and rec.get("status") == "live"]
            if live:
                pages.append({"url": live[0]["source_url"], "key": key, "backlinks": live})
        return pages

    # -- backlinks: writing ------------------------------------------------------------

    def merge_backlinks(self, rows: list[dict], origin: str, *, fallback_target: str | None = None,
                        _owned: bool = False) -> dict:
        """Merge rows from one export (or another source) into the list: ONE durable write.

        One record per (page_key(source), page_key(target)). Within the batch, the
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
        """
        if not isinstance(origin, str) or not origin:
            raise BadInput("an import needs an origin name")
        if _owned:
            # rows from companion.importers arrive complete and validated: only targetless ones need work
            only = [origin]
            prepared = [row if "target_key" in row and row.get("origins") == only else
                        _prepare(row, origin, fallback_target, copy=False) for row in rows]
        else:
            prepared = [_prepare(row, origin, fallback_target, copy=True) for row in rows]
        with self._mutating():  # checks the store is open
            return self._apply(prepared, origin, batch_rules=True)

    def put_backlinks(self, records: list[dict]) -> None:
        """Replace or insert whole records by (source, target) key, as given: ONE durable write.

        Used by the verdicts to record discovered, lost or changed links (with history).
        """
        prepared = []
        for rec in records:
            rec = dict(rec)
            _validate_urls(rec)
            rec["source_key"] = page_key(rec["source_url"])
            rec["target_key"] = page_key(rec["target_url"])
            rec.setdefault("rel", [])
            rec.setdefault("follow", not (set(rec["rel"]) & _NOFOLLOW))
            rec.setdefault("status", "live")
            rec.setdefault("metrics", {})
            rec.setdefault("origins", [])
            rec.setdefault("history", [])
            prepared.append(rec)
        with self._mutating():  # checks the store is open
            undo: dict[str, dict | None] = {}
            for rec in prepared:
                doc_id = self._find_id(rec["source_key"], rec["target_key"])
                if doc_id is None:
                    doc_id = self._new_id()
                    self._index().setdefault(rec["source_key"], []).append(doc_id)
                    undo.setdefault(doc_id, None)
                else:
                    undo.setdefault(doc_id, self._records[doc_id])
                self._records[doc_id] = rec
            self._commit(undo)

    def _new_id(self) -> str:
        doc_id = str(self._next_id)
        self._next_id += 1
        return doc_id

    def _commit(self, undo: dict[str, dict | None], batch_start: int | None = None) -> None:
        """Write the backlink file once; on failure put memory back as it was.

        `undo` maps ids to their previous record (None: created by this change);
        ids from `batch_start` on were all created by this change.
        """
        created = range(batch_start, self._next_id) if batch_start is not None else range(0)
        if not undo and not created:
            return
        meta = self._bl_storage_doc()[META]["1"]
        old_next = meta.get("next_id")
        meta["next_id"] = self._next_id
        try:
            self._bl_storage.write(self._bl_storage_doc())
        except BaseException:
            for doc_id, old in undo.items():
                if old is None:
                    self._records.pop(doc_id, None)
                else:
                    self._records[doc_id] = old
            for n in created:
                self._records.pop(str(n), None)
            self._next_id = batch_start if batch_start is not None else self._next_id
            meta["next_id"] = old_next
            self._by_source = None
            raise
        self.version += 1
        self.table_versions["backlinks"] = self.table_versions.get("backlinks", 0) + 1

    def _bl_storage_doc(self) -> dict:
        doc = self._bl_storage._data
        if doc is None:  # a failed write dropped the cache; memory is still the truth we roll back to
            doc = {META: {"1": {"schema": SCHEMA_VERSION, "next_id": self._next_id}}, "backlinks": self._records}
            self._bl_storage._data = doc
        return doc

    def _apply(self, rows: list[dict], origin: str, batch_rules: bool) -> dict:
        """Merge prepared rows in memory, then commit once (rolled back in memory if the write fails).

        Memory matters at a million rows: records created by this batch are told
        apart by their id (>= batch_start) instead of a set, and only records that
        existed before go into the undo map.
        """
        records = self._records
        index = self._index()
        undo: dict[str, dict | None] = {}
        touched: set[str] = set()  # pre-existing records already changed by this batch
        batch_start = self._next_id
        added = updated = 0

        def in_batch(doc_id: str) -> bool:
            return doc_id in touched or int(doc_id) >= batch_start

        for row in rows:
            sk = row["source_key"]
            ids = index.get(sk)
            doc_id = None
            absorbed = False
            # A page with no stored link yet (most rows of a first import) skips the
            # matching below and becomes a new record.
            if ids is not None:
                if row.get("target_known") is False and ids:
                    for doc_id in ids:
                        old = records[doc_id]
                        new = _combine_sourceonly(old, row, origin)
                        if new is not old:
                            if not in_batch(doc_id):
                                undo[doc_id] = old
                                touched.add(doc_id)
                                updated += 1
                            records[doc_id] = new
                    continue
                doc_id = self._find_id(sk, row["target_key"])
                if doc_id is None and row.get("target_known") is not False:
                    # an export names the real target: it replaces a placeholder from Search Console
                    for pid in list(ids):
                        if records[pid].get("target_known") is False:
                            row = _absorb_placeholder(row, records[pid])
                            if not in_batch(pid):
                                undo[pid] = records[pid]
                                absorbed = True
                            del records[pid]
                            ids.remove(pid)
                            break
            if doc_id is None:
                doc_id = self._new_id()
                if "history" not in row:
                    row["history"] = []
                records[doc_id] = row
                if ids is None:
                    index[sk] = [doc_id]
                else:
                    ids.append(doc_id)
                if absorbed:
                    updated += 1
                else:
                    added += 1
                continue
            old = records[doc_id]
            batch = in_batch(doc_id)
            new = _combine(old, row, origin, same_batch=batch)
            if new is not old:
                if not batch:
                    undo[doc_id] = old
                    touched.add(doc_id)
                    updated += 1
                records[doc_id] = new
        self._commit(undo, batch_start)  # on failure, deleted placeholders come back from `undo` too
        return {"added": added, "updated": updated, "backlinks_total": len(records)}

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

def _key_of(url_or_key: str) -> str | None:
    if not isinstance(url_or_key, str) or not url_or_key.strip():
        return None
    try:
        return page_key(url_or_key)
    except ValueError:
        return None


def _validate_urls(rec: dict) -> None:
    for field in ("source_url", "target_url"):
        value = rec.get(field)
        if not isinstance(value, str) or not is_http_url(value):
            raise BadInput(f"{field} must be an http(s) URL, got {str(value)[:100]!r}")


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
        rec["follow"] = not any(r in _NOFOLLOW for r in rel)
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
