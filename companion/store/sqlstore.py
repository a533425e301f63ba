"""The backlink list in SQLite: every line of SQL the embedded store runs lives here.

Why SQLite (and not the TinyDB file the list lived in before): the list holds up to
millions of rows and a visit needs a handful of them. TinyDB keeps the whole document
in memory and rewrites the file on every write, so memory, start-up and every change
grew with the list (5.4 GiB, 58 s to the first verdict and 2 s a change at a million
backlinks). Here every per-visit question is an index lookup, a change writes the rows
it touches, and nothing is loaded at start-up.

The interface is narrow on purpose (records in, records out, a few queries by key),
so that a PostgreSQL twin can answer the same calls; the SQL is plain where that costs
nothing (`INSERT ... ON CONFLICT`, no SQLite-only types). What is SQLite's own:

* WAL mode with `synchronous=FULL`: readers never wait for the writer (the service
  answers visits while a CLI import runs on the same home), and a commit returns only
  after the WAL is fsynced, so a write the caller acknowledges survives a crash.
* One connection per thread (waitress serves with threads; a sqlite3 connection must
  not be shared while a statement runs), one writer at a time per process (a lock)
  and across processes (SQLite's own lock with a busy timeout).
* FTS5 and its `bm25()` for the topical relevance of tier-1 pages.

Tables: `backlinks` (one row per linking page × target page; the record as JSON with
its indexed fields beside it), `tier1` (one row per page holding a live backlink: what
the boost verdict needs, the stored score and class (ordinary, blocked, spam), the page
and domain authority that break ties, the page's path, site and how many referring sites
of the list share that path; kept current by every write), `tier1_text`
(FTS5 over each tier-1 page's title, anchors and URL words) and `meta`.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import secrets
import shutil
import sqlite3
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from companion.core.atomic import move_aside
from companion.core.errors import StorageError
from companion.store import listing, profilecols, schema
from companion.store.rows import (BALLAST, BALLAST_WORD, BLOCKED, NOT_FOLLOWED, ORDINARY, SPAM,  # noqa: F401  (verdicts)
                                  dumps, loads, source_host, target_code, with_network)

log = logging.getLogger("tierlink.store")
# Where no logging is set up (a CLI command) these lines stay off stderr, which carries the
# command's own one-line message; `tierlink serve` sets up logging and logs them.
log.addHandler(logging.NullHandler())

DB_FILE = "backlinks.sqlite"
BACKUPS = 2
SCHEMA_VERSION = 7
BUSY_TIMEOUT_MS = 60_000
MMAP_SIZE = 1 << 30
# The page cache of an import's connection: enough for the upper levels of every index,
# and little enough that an import through the server stays within issue 18's memory goal
# (figures in docs/BENCHMARKS.md).
IMPORT_CACHE_KIB = 16 * 1024
CRASH_ENV = "TIERLINK_CRASH_AT"  # test hook; see crash_point

# The tables and indexes: companion.store.schema (one description for both stores).
# The backlink list pages (companion.store.listing) keep, beside the record, the columns it
# sorts and filters by (written with it: listing.record_columns); here, triggers keep the
# tools that supplied each row (backlink_tools, list_counts) and the words of its URLs,
# anchor and title (FTS5, external content: the words are stored once, in `backlinks.words`).
_LIST_COLUMNS_ADDED = ("authority", "first_seen", "last_seen", "follow", "words")  # by schema 3


def _add_list_columns(c) -> None:
    """The list's columns, each added unless the table has it already."""
    have = {row[1] for row in c.execute("PRAGMA table_info(backlinks)")}
    for name in _LIST_COLUMNS_ADDED:
        if name not in have:
            c.execute(schema.add_column(schema.SQLITE, "backlinks", name))


def _add_profile_columns(c) -> None:
    """The link profile's columns, each added unless the table has it already."""
    have = {row[1] for row in c.execute("PRAGMA table_info(backlinks)")}
    for name in profilecols.NAMES:
        if name not in have:
            c.execute(schema.add_column(schema.SQLITE, "backlinks", name))


def _fill_profile_columns(c) -> None:
    """Schema 4 -> 5: the link profile's columns of every stored record (a million rows: minutes, once)."""
    after = 0
    while rows := c.execute("SELECT id, record FROM backlinks WHERE id > ? ORDER BY id LIMIT 5000",
                            (after,)).fetchall():
        c.executemany("UPDATE backlinks SET anchor_fold = ?, anchor_shape = ?, lost_on = ? WHERE id = ?",
                      [(*profilecols.values(loads(raw)), i) for i, raw in rows])
        after = rows[-1][0]


_WORDS_INSERT = "INSERT INTO backlinks_text (rowid, words) VALUES (new.id, new.words);"
_WORDS_DELETE = "INSERT INTO backlinks_text (backlinks_text, rowid, words) VALUES ('delete', old.id, old.words);"
_TOOLS_INSERT = ("INSERT OR IGNORE INTO backlink_tools (tool, status, follow, id) "
                 "SELECT value, new.status, new.follow, new.id FROM json_each(new.record, '$.origins') "
                 "WHERE type = 'text'; "
                 "INSERT INTO list_counts (tool, status, follow, n) SELECT DISTINCT value, new.status, new.follow, 1 "
                 "FROM json_each(new.record, '$.origins') WHERE type = 'text' UNION SELECT '', new.status, new.follow, 1 "
                 "ON CONFLICT (tool, status, follow) DO UPDATE SET n = n + 1;")
_TOOLS_DELETE = ("DELETE FROM backlink_tools WHERE tool IN (SELECT value FROM json_each(old.record, '$.origins')) "
                 "AND status = old.status AND follow = old.follow AND id = old.id; "
                 "UPDATE list_counts SET n = n - 1 WHERE status = old.status AND follow = old.follow AND (tool = '' OR "
                 "tool IN (SELECT value FROM json_each(old.record, '$.origins') WHERE type = 'text'));")
# A list page whose filters match at most this many rows reads them through the filters'
# index and sorts them; above, it walks the sort's index (companion.store.listing).
_LIST_FEW = 5000
_LISTED_TRIGGER = (f"CREATE TRIGGER IF NOT EXISTS backlinks_listed AFTER INSERT ON backlinks BEGIN {_WORDS_INSERT} "
                   f"{_TOOLS_INSERT} END")
# What the insert trigger does, for a whole batch of new rows (those from id ? on) at once:
# an import writes these with one statement each per batch instead (BacklinkDB.bulk).
_LISTED_BATCH = [
    "INSERT INTO backlinks_text (rowid, words) SELECT id, words FROM backlinks WHERE id >= ?",
    "INSERT OR IGNORE INTO backlink_tools (tool, status, follow, id) SELECT j.value, b.status, b.follow, b.id "
    "FROM backlinks b, json_each(b.record, '$.origins') j WHERE b.id >= ? AND j.type = 'text'",
    # (the outer SELECT ... WHERE true: SQLite's rule for an upsert whose rows come from a SELECT)
    "INSERT INTO list_counts (tool, status, follow, n) SELECT tool, status, follow, n FROM ("
    "SELECT tool, status, follow, count(*) AS n FROM (SELECT DISTINCT b.id, j.value AS tool, b.status, b.follow "
    "FROM backlinks b, json_each(b.record, '$.origins') j WHERE b.id >= ?1 AND j.type = 'text') "
    "GROUP BY tool, status, follow UNION ALL "
    "SELECT '', status, follow, count(*) FROM backlinks WHERE id >= ?1 GROUP BY status, follow) WHERE true "
    "ON CONFLICT (tool, status, follow) DO UPDATE SET n = n + excluded.n",
]
# The secondary indexes that an import does not read while it runs (the merge finds a page's
# records by the (source_key, target_key) key and changes rows by id; the tier-1 refresh finds
# its rows by key and counts networks by path): a big import drops them inside its transaction
# and builds them again, each by one sort, before it commits (BacklinkDB.bulk). Inserted row by
# row, each of these takes its rows in an order of its own, not the file's: past the page
# cache, every insert reads and writes back a leaf page of each.
_DEFERRED_INDEXES = (*(i.name for i in schema.INDEXES if i.table == "backlinks" and schema.SQLITE in i.only),
                     "tier1_by_host", "tier1_by_score")
# An import defers them once it has written this many rows, and more than the table held when it
# began: the rebuild then sorts at most twice the rows the import wrote (a small import into a
# big list keeps the indexes and pays per row).
DEFER_INDEXES_FROM = 50_000
_BACKLINK_COLUMNS = ("source_key, target_key, source_host, status, target_code, record, authority, first_seen, "
                     "last_seen, follow, words, anchor_fold, anchor_shape, lost_on")
_PLACES = ", ".join("?" * len(_BACKLINK_COLUMNS.split(", ")))

_TRIGGERS = [
    _LISTED_TRIGGER,
    f"CREATE TRIGGER IF NOT EXISTS backlinks_unlisted AFTER DELETE ON backlinks BEGIN {_WORDS_DELETE} {_TOOLS_DELETE} END",
    f"CREATE TRIGGER IF NOT EXISTS backlinks_relisted AFTER UPDATE OF record, words ON backlinks BEGIN "
    f"{_WORDS_DELETE} {_TOOLS_DELETE} {_WORDS_INSERT} {_TOOLS_INSERT} END",
]
# what schema 3 added for the list pages
_LIST_SCHEMA = [*schema.statements(schema.SQLITE, only={
    "backlinks_by_authority", "backlinks_by_first_seen", "backlinks_by_last_seen", "backlinks_by_host",
    "list_counts", "backlinks_by_status", "backlink_tools", "backlinks_text"}), *_TRIGGERS]


def _fill_list_columns(c) -> None:
    """Schema 2 -> 3: the list columns of every stored record, then its tools and words."""
    after = 0
    while rows := c.execute("SELECT id, record FROM backlinks WHERE id > ? ORDER BY id LIMIT 5000",
                            (after,)).fetchall():
        c.executemany("UPDATE backlinks SET authority = ?, first_seen = ?, last_seen = ?, follow = ?, words = ? "
                      "WHERE id = ?", [(*listing.record_columns(loads(raw)), i) for i, raw in rows])
        after = rows[-1][0]
    c.execute("INSERT INTO backlinks_text (backlinks_text) VALUES ('rebuild')")
    c.execute("INSERT OR IGNORE INTO backlink_tools (tool, status, follow, id) SELECT j.value, b.status, b.follow, "
              "b.id FROM backlinks b, json_each(b.record, '$.origins') j WHERE j.type = 'text'")
    c.execute("DELETE FROM list_counts")
    c.execute("INSERT INTO list_counts (tool, status, follow, n) SELECT '', status, follow, count(*) FROM backlinks "
              "GROUP BY status, follow UNION ALL SELECT tool, status, follow, count(*) FROM backlink_tools "
              "GROUP BY tool, status, follow")


# BALLAST neutral rows in the text index: why, in companion.store.rows
_BALLAST_ROWS = ("INSERT INTO tier1_text (rowid, title, anchors, urlwords) SELECT -value, '', '', ? FROM json_each(?)",
                 (" ".join([BALLAST_WORD] * 8), json.dumps(list(range(1, BALLAST + 1)))))
# A new database: the whole schema, the ballast rows and the triggers.
_SCHEMA = [*schema.statements(schema.SQLITE), _BALLAST_ROWS, *_TRIGGERS]

# The path of a page key (`host/path?query`) in SQL, for rows written before schema 2.
_KEY_PATH = "substr(key, instr(key, '/'))"
_NETWORK = ("UPDATE tier1 SET network = (SELECT count(DISTINCT t.site) FROM tier1 t WHERE t.path = tier1.path) "
            "WHERE path NOT IN ('', '/')")
# MIGRATIONS[n]: the statements that turn schema n into n + 1.
MIGRATIONS: dict[int, list[str]] = {
    # 1 -> 2: path, site and network (generated-page networks), the authority tie-break; every
    # score is redone (the site of a migrated row is its host until the page is written again).
    1: [*(schema.add_column(schema.SQLITE, "tier1", name)
          for name in ("path", "site", "network", "page_authority", "domain_authority")),
        "DROP INDEX IF EXISTS tier1_by_score",
        *schema.statements(schema.SQLITE, only={"tier1_by_score", "tier1_by_path"}),
        f"UPDATE tier1 SET site = host, score = NULL, path = CASE WHEN instr({_KEY_PATH}, '?') > 0 "
        f"THEN substr({_KEY_PATH}, 1, instr({_KEY_PATH}, '?') - 1) ELSE {_KEY_PATH} END",
        "UPDATE tier1 SET blocked = 3 WHERE blocked = 1",  # BLOCKED was 1 in schema 1
        _NETWORK],
    # 2 -> 3: the backlink list pages in the database (companion.store.listing)
    2: [_add_list_columns, *_LIST_SCHEMA, _fill_list_columns],
    # 3 -> 4: source_host follows the store's host rule (no port), as tier1.host does
    3: [lambda c: _fix_source_hosts(c)],
    # 4 -> 5: the link profile's columns, indexes and disavow marks (companion.store.profilecols)
    # (each step a no-op where done already: a store told it is older than it is still opens)
    4: [lambda c: _add_profile_columns(c),
        lambda c: _fill_profile_columns(c),
        *schema.statements(schema.SQLITE, only={*profilecols.INDEXES, *profilecols.TABLES})],
    # 5 -> 6: each row's brand test kept (profilecols.BRAND), NULL until the next anchor report
    5: [lambda c: _add_brand_column(c),
        *schema.statements(schema.SQLITE, only=set(profilecols.BRAND_INDEXES))],
    # 6 -> 7: the velocity's days of first_seen indexed (profilecols.DAY_INDEX)
    6: [*schema.statements(schema.SQLITE, only={profilecols.DAY_INDEX})],
}


def _add_brand_column(c) -> None:
    """Schema 5 -> 6: the anchor_brand column, unless the table has it already."""
    if profilecols.BRAND not in {row[1] for row in c.execute("PRAGMA table_info(backlinks)")}:
        c.execute(schema.add_column(schema.SQLITE, "backlinks", profilecols.BRAND))


def _fix_source_hosts(c) -> None:
    """Schema 3 -> 4: the rows whose source_host kept a port (`blog.test:8080`) get the host alone."""
    rows = c.execute("SELECT id, record FROM backlinks WHERE source_host LIKE '%:%'").fetchall()
    c.executemany("UPDATE backlinks SET source_host = ? WHERE id = ?", [(source_host(loads(raw)), i) for i, raw in rows])

_writes_seen = 0


def crash_point(name: str) -> None:
    """Die abruptly at a named step of a write (crash-safety tests only).

    TIERLINK_CRASH_AT=<step>:<n> dies at that step of the n-th durable write of the
    process (both engines count). Steps here: `before_commit` (rows written, not
    committed) and `after_commit` (durable, not yet acknowledged); `enospc:<n>` makes
    the n-th and every later write fail before its commit as a full disk would.
    """
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if _writes_seen < int(nth or 1):
        return
    if point == name:
        os._exit(99)
    if point == "enospc" and name == "before_commit":
        raise sqlite3.OperationalError("database or disk is full")


def count_write() -> None:
    global _writes_seen
    _writes_seen += 1


def writes_seen() -> int:
    """How many durable writes this process made, both engines counted (the crash tests' hook)."""
    return _writes_seen


class Damaged(Exception):
    """The database file exists but is not a sound SQLite database."""


# SQLite's result codes for a damaged file: SQLITE_CORRUPT ("database disk image is
# malformed") and SQLITE_NOTADB ("file is not a database").
_DAMAGE_CODES = (11, 26)


def is_damage(exc: BaseException) -> bool:
    """True if a sqlite3 error says the file itself is damaged (not busy, full or misused)."""
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(
            exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _DAMAGE_CODES:
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def damaged_error(path: Path, detail: str) -> StorageError:
    """What every request that needs a damaged database answers (503), and the CLI prints."""
    return StorageError(f"the backlink store {path.name} is damaged ({detail}); Tierlink stopped writing to it. "
                        "Stop the companion and run `tierlink repair` to restore its newest good backup "
                        "(the damaged file is kept aside)", code="store_damaged", status=503)


class _Connection(sqlite3.Connection):
    """A connection that reports a damaged file to its BacklinkDB the moment a statement meets
    it, whatever the statement: the one place every query of the embedded store passes, so
    damage found by a visit, an import or the boost list is handled the same way (writes stop,
    /api/health says so, the request answers 503 store_damaged, never a 500)."""

    on_damage: "Callable[[BaseException], StorageError] | None" = None

    def execute(self, *args):
        try:
            return self.cursor(_Cursor).execute(*args)
        except sqlite3.DatabaseError as exc:
            raise self._damage(exc)

    def executemany(self, *args):
        try:
            return super().executemany(*args)
        except sqlite3.DatabaseError as exc:
            raise self._damage(exc)

    def _damage(self, exc: sqlite3.DatabaseError) -> BaseException:
        if self.on_damage is not None and is_damage(exc):
            return self.on_damage(exc)
        return exc


def _backup_path(path: Path, n: int) -> Path:
    return path.with_name(f"{path.name}.bak{n}")


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _clean_path(path: Path) -> Path:
    return path.with_name(path.name + ".clean")


def _closed_cleanly(path: Path) -> bool:
    """True if the file is exactly as our last clean close left it (inode, size, mtime).

    Then `quick_check`, which reads the whole file (2 s at a million backlinks), is
    skipped: SQLite survives crashes by itself, so damage comes from outside (a bad
    disk, a copy cut short, another program), and that changes the file's stamp. The
    stamp is removed at open, so after a crash the next open checks in full.
    """
    marker = _clean_path(path)
    try:
        recorded = json.loads(marker.read_text())
        marker.unlink()
    except (OSError, ValueError):
        return False
    return recorded == _stamp(path)


def _check(path: Path, *, full: bool = False) -> None:
    """Raise Damaged unless `path` is a Tierlink database that passes `PRAGMA quick_check`
    (skipped when the file is as our last clean close left it, unless `full`)."""
    if path.stat().st_size == 0:
        raise Damaged("the file is empty")  # SQLite would take it for a new, empty database
    if not full and _closed_cleanly(path):
        return
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise Damaged(str(exc)) from None
    try:
        row = conn.execute("PRAGMA quick_check").fetchone()
        if not row or row[0] != "ok":
            raise Damaged(f"quick_check: {row[0] if row else 'no answer'}")
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() is None:
            raise Damaged("it holds no Tierlink tables")
    except sqlite3.DatabaseError as exc:
        raise Damaged(str(exc)) from None
    finally:
        conn.close()


def _lowest_priority() -> None:
    """The calling thread at the lowest CPU priority (nice 19), where a thread has its own (Linux).

    For the full `quick_check` the server runs in the background: it reads the whole file (2.6
    GiB, seconds of a core at a million backlinks) while the first requests are answered, on a
    machine with few cores. It holds no lock and not the GIL (SQLite runs it in C), so taking
    only the CPU nobody else wants costs it time, never a request's. Elsewhere nothing is done.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass


def backups_of(path: Path) -> list[Path]:
    """The backups that exist, newest first."""
    return [b for b in (_backup_path(path, n) for n in range(1, BACKUPS + 1)) if b.exists()]


def restore_from_backup(path: Path, problem: str, backups: list[Path]) -> str:
    """Put the newest backup that passes the check in place of `path` (kept aside as
    `<name>.corrupt-<time>`); the words that say so. StorageError when no backup is good:
    then nothing is changed."""
    for backup in backups:
        try:
            _check(backup, full=True)
        except Damaged:
            continue
        moved = move_aside(path)
        for side in _sidecars(path):
            if side.exists():
                side.unlink()
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        shutil.copyfile(backup, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return (f"{problem}. Restored the backlink store from backup {backup.name}{moved}. "
                "Changes after that backup may be missing.")
    raise StorageError(
        f"{problem}, and no good backup ({path.name}.bak1-{BACKUPS}) exists. Refusing to start empty over it: "
        "restore the file from your own backup, or move it away to start with an empty backlink store")


def repair(path: Path) -> dict:
    """`tierlink repair` for the database: check it in full and, if it is damaged (or missing
    while backups exist), restore the newest good backup. {"file", "status": "sound" |
    "restored" | "new", "message"}; StorageError when it is damaged and no backup is good."""
    backups = backups_of(path)
    if not path.exists():
        if not backups:
            return {"file": path.name, "status": "new", "message": f"{path.name} does not exist yet: nothing to repair"}
        problem = f"{path} is missing but backups exist"
    else:
        try:
            _check(path, full=True)
            return {"file": path.name, "status": "sound",
                    "message": f"{path.name} passes the integrity check: nothing to repair"}
        except Damaged as exc:
            problem = f"{path} is damaged ({exc})"
    return {"file": path.name, "status": "restored", "message": restore_from_backup(path, problem, backups)}


class _Cursor(sqlite3.Cursor):
    """Rows read one by one (a scan of the whole list) meet damage too: reported the same way."""

    def __next__(self):
        try:
            return super().__next__()
        except sqlite3.DatabaseError as exc:
            raise self.connection._damage(exc)

    def fetchone(self):
        try:
            return super().fetchone()
        except sqlite3.DatabaseError as exc:
            raise self.connection._damage(exc)

    def fetchall(self):
        try:
            return super().fetchall()
        except sqlite3.DatabaseError as exc:
            raise self.connection._damage(exc)


def _connect(path: Path, on_damage=None) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False,
                           factory=_Connection)
    conn.on_damage = on_damage
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = FULL")
    # Reads through a memory map: a lookup in a big database touches pages the OS already
    # caches, without a read() call each (a visit asks a few hundred questions).
    conn.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class BacklinkDB:
    """One SQLite database file: the backlink list, the tier-1 pages, their text index."""

    def __init__(self, path: Path, notices: list[str]):
        self.path = Path(path)
        self._local = threading.local()
        self._conns: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._conns_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._depth = 0
        self.closed = False
        self.damage: str | None = None  # why the file is known to be damaged: writes stop (see _damaged)
        self._checker: threading.Thread | None = None
        self.created: bool | None = None
        self.created = self._open(notices)

    # -- opening, damage, backups -----------------------------------------------------

    def _open(self, notices: list[str]) -> bool:
        """Check (or restore) the file and bring its schema up to date; True if it was created."""
        path = self.path
        for stale in path.parent.glob(f".{path.name}.*.tmp"):
            try:
                stale.unlink()  # a backup or restore copy left by a crash; the database is intact
            except OSError:
                pass
        existed = path.exists()
        backups = backups_of(path)
        problem = None
        if existed:
            try:
                _check(path)
            except Damaged as exc:
                problem = f"{path} could not be read ({exc})"
        elif backups:
            problem = f"{path} is missing but backups exist"
        if problem:
            self._restore(problem, backups, notices)
        try:
            return self._prepare(existed, problem)
        except StorageError as exc:
            if problem or exc.code != "store_damaged":
                raise
            # The clean-close stamp matched, yet the first pages are damaged (the check was
            # skipped): restore from the backup as a damage found by the check would be.
            self._drop_connections()
            self.damage = None
            problem = f"{path} could not be read ({self._last_damage})"
            self._restore(problem, backups, notices)
            return self._prepare(existed, problem)

    def _prepare(self, existed: bool, problem: str | None) -> bool:
        """WAL mode and the schema, created or brought up to date; True if it was created."""
        path = self.path
        conn = self.conn()
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"cannot open {path}: {exc}") from None
        if mode.lower() != "wal":
            raise StorageError(f"cannot put {path} in WAL mode (got {mode})")
        with self.write(count=False) as c:  # opening is not a write the crash tests count
            version = self._schema_version(c)
            if version is None:
                for statement in _SCHEMA:
                    if callable(statement):
                        statement(c)
                    else:
                        c.execute(*statement) if isinstance(statement, tuple) else c.execute(statement)
                c.execute("INSERT INTO meta (name, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                return not existed or problem is not None
            if version > SCHEMA_VERSION:
                raise StorageError(f"{path} was written by a newer Tierlink (schema {version}); upgrade Tierlink to open it")
            while version < SCHEMA_VERSION:
                for statement in MIGRATIONS[version]:
                    statement(c) if callable(statement) else c.execute(statement)
                version += 1
                c.execute("UPDATE meta SET value = ? WHERE name = 'schema'", (str(version),))
        return False

    @staticmethod
    def _schema_version(c) -> int | None:
        if c.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() is None:
            return None
        row = c.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        return int(row[0]) if row else None

    def _restore(self, problem: str, backups: list[Path], notices: list[str]) -> None:
        message = restore_from_backup(self.path, problem, backups)
        notices.append(message)
        log.warning(message)
        print(f"tierlink: WARNING: {message}", file=sys.stderr)

    def backup(self) -> None:
        """Copy the database with SQLite's online backup API into `.bak1` (older ones rotate).

        Taken after each import: the restore point if the file is ever damaged. The copy is
        checked (`quick_check`) before it replaces a backup: a damaged database must never
        push the good backups out of the rotation.
        """
        if self.damage:
            return
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.bak.tmp")
        try:
            dst = sqlite3.connect(tmp)
            src = _connect(self.path)
            src.execute("PRAGMA mmap_size = 0")  # a backup reads every page once: not worth mapping
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            try:
                _check(tmp, full=True)
            except Damaged as exc:
                self._damaged(f"its backup copy failed the integrity check: {exc}")
                raise sqlite3.DatabaseError(f"the copy is damaged ({exc}): the older backups were kept") from None
            for n in range(BACKUPS, 1, -1):
                older = _backup_path(self.path, n - 1)
                if older.exists():
                    os.replace(older, _backup_path(self.path, n))
            os.replace(tmp, _backup_path(self.path, 1))
        except (OSError, sqlite3.Error) as exc:
            log.warning("could not back up %s: %s", self.path, exc)
            print(f"tierlink: WARNING: could not back up {self.path.name}: {exc}", file=sys.stderr)
        finally:
            if tmp.exists():
                tmp.unlink()

    # -- connections and transactions --------------------------------------------------

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.closed:
                raise StorageError("the store is closed")
            try:
                conn = _connect(self.path, self._on_damage)
            except sqlite3.Error as exc:
                raise StorageError(f"cannot open {self.path}: {exc}") from None
            self._local.conn = conn
            with self._conns_lock:
                self._conns.append((threading.current_thread(), conn))
        return conn

    def close(self) -> None:
        """Close this thread's connection and those of threads that ended.

        A connection another live thread holds is left to that thread (closing it under
        a running statement crashes the process); it closes when the thread ends.
        """
        self.closed = True
        self._drop_connections()
        if self.damage:
            return  # no clean-close stamp: the next start checks the file in full (and restores it)
        if not self._conns and self.path.exists() and not any(s.exists() for s in _sidecars(self.path)):
            try:  # the last connection checkpointed and removed the WAL: the file is whole
                _clean_path(self.path).write_text(json.dumps(_stamp(self.path)))
            except OSError:
                pass

    def _drop_connections(self) -> None:
        me = threading.current_thread()
        with self._conns_lock:
            mine = [(t, c) for t, c in self._conns if t is me or not t.is_alive()]
            self._conns = [(t, c) for t, c in self._conns if not (t is me or not t.is_alive())]
        for _, conn in mine:
            try:
                conn.close()
            except sqlite3.Error:
                pass
        self._local = threading.local()

    # -- damage found while running ------------------------------------------------------

    _last_damage = ""

    def problem(self) -> dict | None:
        """What stops this database from working ({"code", "message"}: a damaged file), or None."""
        if self.damage:
            error = damaged_error(self.path, self.damage)
            return {"code": error.code, "message": error.message}
        return None

    def explain(self, exc: BaseException) -> StorageError | None:
        """The error for an exception a read met (a damaged page: store_damaged), or None."""
        return self._on_damage(exc) if is_damage(exc) else None

    def check_writable(self) -> None:
        """StorageError once the file is known to be damaged: every write of the store stops."""
        if self.damage:
            raise damaged_error(self.path, self.damage)

    def _on_damage(self, exc: BaseException) -> StorageError:
        """A statement met a damaged page: stop writing, say so (the error every caller gets)."""
        self._last_damage = " ".join(str(exc).split())
        self._damaged(self._last_damage)
        return damaged_error(self.path, self.damage or self._last_damage)

    def _damaged(self, detail: str) -> None:
        if self.damage is None:
            self.damage = detail
            if self.created is None:
                return  # still opening: _open restores the file, or says why it cannot
            log.error("the backlink store %s is damaged (%s): writes stopped; run `tierlink repair`",
                      self.path, detail)

    def check_in_background(self) -> threading.Thread | None:
        """Run the full `quick_check` in a thread (the service calls this once started): damage
        the clean-close stamp could not see (the file changed in place, size and time kept) is
        found without delaying the first answer. A damaged file stops writes, as above.
        The thread runs at the lowest CPU priority (`_lowest_priority`): the requests first."""

        def run() -> None:
            _lowest_priority()
            try:
                _check(self.path, full=True)
            except Damaged as exc:
                self._damaged(str(exc))
            except (OSError, sqlite3.Error) as exc:
                log.warning("could not check %s: %s", self.path, exc)

        thread = threading.Thread(target=run, name="store-check", daemon=True)
        self._checker = thread
        thread.start()
        return thread

    @contextmanager
    def write(self, *, count: bool = True) -> Iterator[Any]:
        """One durable transaction (nested calls join the outer one).

        Returns only after COMMIT, which with `synchronous=FULL` has fsynced the WAL:
        the caller may acknowledge the write then. Any error rolls everything back.
        """
        if self.damage and not self._depth:
            raise damaged_error(self.path, self.damage)
        with self._write_lock:
            conn = self.conn()
            if self._depth:
                self._depth += 1
                try:
                    yield conn
                finally:
                    self._depth -= 1
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _storage_error(self.path, exc) from None
            self._depth = 1
            try:
                yield conn
                if count:
                    count_write()
                    crash_point("before_commit")
                conn.execute("COMMIT")
            except BaseException as exc:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                if isinstance(exc, sqlite3.Error):
                    raise _storage_error(self.path, exc) from None
                raise
            finally:
                self._depth = 0
            if count:
                crash_point("after_commit")

    @contextmanager
    def big_cache(self, c):
        """A bigger page cache for the length of an import (SQLite's default is 2 MiB).

        An import inserts into several indexes in key order, not file order: once the
        upper levels of the indexes outgrow the cache, inserts read pages back from disk
        (docs/BENCHMARKS.md). Visits need a few pages and keep the default.
        """
        c.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        c.execute("PRAGMA mmap_size = 0")  # an import reads most pages: through the cache, not mapped
        try:
            yield
        finally:
            c.execute("PRAGMA cache_size = -2000")
            c.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")
            c.execute("PRAGMA shrink_memory")

    # -- meta ----------------------------------------------------------------------------

    def get_meta(self, name: str) -> str | None:
        row = self.conn().execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, c, name: str, value: str) -> None:
        c.execute("INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                  (name, value))

    # -- backlinks -----------------------------------------------------------------------

    def count(self, c=None) -> int:
        return (c or self.conn()).execute("SELECT count(*) FROM backlinks").fetchone()[0]

    def next_backlink_id(self, c) -> int:
        """The id the next record will get (records with an id from here on are new in this transaction)."""
        return c.execute("SELECT coalesce(max(id), 0) + 1 FROM backlinks").fetchone()[0]

    def all_records(self, status: str | None = None) -> Iterator[dict]:
        conn = self.conn()
        if status is None:
            cursor = conn.execute("SELECT record FROM backlinks ORDER BY id")
        else:
            cursor = conn.execute("SELECT record FROM backlinks WHERE status = ? ORDER BY id", (status,))
        for (raw,) in cursor:
            yield loads(raw)

    def page(self, source_key: str) -> tuple[list[tuple[int, dict]], dict | None]:
        """The stored records of one linking page, oldest first, and its tier-1 row (or None)
        (pgstore's twin asks both in one statement; here two index lookups cost less than
        gluing them)."""
        rows = self.conn().execute("SELECT id, record FROM backlinks WHERE source_key = ? ORDER BY id", (source_key,))
        return [(i, loads(raw)) for i, raw in rows], self.tier1(source_key)

    def from_sources(self, c, source_keys: Iterable[str]) -> dict[str, list[tuple[int, dict]]]:
        """The stored records of many pages at once (one query per 500 keys)."""
        keys = list(source_keys)
        out: dict[str, list[tuple[int, dict]]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for i, sk, raw in c.execute(
                    f"SELECT id, source_key, record FROM backlinks WHERE source_key IN ({marks}) ORDER BY id", chunk):
                out.setdefault(sk, []).append((i, loads(raw)))
        return out

    def any_source(self, c, source_keys: list[str]) -> bool:
        """True if any of these pages already has a stored record."""
        for start in range(0, len(source_keys), 500):
            chunk = source_keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            if c.execute(f"SELECT 1 FROM backlinks WHERE source_key IN ({marks}) LIMIT 1", chunk).fetchone():
                return True
        return False

    def insert_records(self, c, records: list[dict]) -> None:
        rows = [(r["source_key"], r["target_key"], source_host(r), r["status"], target_code(r), dumps(r),
                 *listing.record_columns(r), *profilecols.values(r)) for r in records]
        if not getattr(self._local, "bulk", False):
            c.executemany(f"INSERT INTO backlinks ({_BACKLINK_COLUMNS}) VALUES ({_PLACES})", rows)
            return
        # an import (bulk): staged with one executemany into a table with no index, moved with
        # one statement, then the list's words, tools and counts of the new rows, one each
        first = c.execute("SELECT coalesce(max(id), 0) + 1 FROM backlinks").fetchone()[0]
        c.execute("DELETE FROM temp.staged")
        c.executemany(f"INSERT INTO temp.staged ({_BACKLINK_COLUMNS}) VALUES ({_PLACES})", rows)
        brand, brand_params = self._local.brand  # each row's brand mark, in the same move (bulk)
        c.execute(f"INSERT INTO backlinks ({_BACKLINK_COLUMNS}, anchor_brand) SELECT {_BACKLINK_COLUMNS}, {brand} "
                  "FROM temp.staged ORDER BY rowid", brand_params)
        for statement in _LISTED_BATCH:
            c.execute(statement, (first,))
        self._local.written += len(rows)
        if self._local.deferred is None and self._local.written >= max(DEFER_INDEXES_FROM, self._local.held):
            have = {name for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
            self._local.deferred = [name for name in _DEFERRED_INDEXES if name in have]
            for name in self._local.deferred:
                c.execute(f"DROP INDEX {name}")

    @contextmanager
    def bulk(self, c, brands: list[str] | None = None):
        """An import's inserts, set-based (inside the import's write `c`).

        Row by row, the insert trigger wrote each new row's words, tools and counts: three
        quarters of the cost of inserting it (docs/BENCHMARKS.md, issue 25). For the length
        of an import the trigger is dropped and insert_records writes the same, batch by
        batch, with one statement each (_LISTED_BATCH). Both happen inside the import's
        transaction: the trigger is made again before it commits, and a rollback brings it
        back, so no other connection ever sees the table without it. Updates and deletes
        keep their triggers (a re-import changes few rows).

        The same way, once an import has written more rows than the table held when it began
        (and at least DEFER_INDEXES_FROM), the secondary indexes it does not read
        (_DEFERRED_INDEXES) are dropped, and made again, each by one sort of the rows, before
        it commits: other connections read the snapshot from before the import (WAL), with
        every index, and a rollback brings them back.

        `brands`: the profile's brand words. The rows written get their `anchor_brand` mark in
        the statement that writes them (profilecols.import_brands says with which words), so
        the next anchor report does not work out a million rows' brand test (30 s) first.
        """
        if getattr(self._local, "bulk", False):
            yield
            return
        words = profilecols.import_brands(self, c, brands)
        self._local.brand = ("NULL", []) if words is None else profilecols.brand_test({"brands": words})
        c.execute("DROP TRIGGER IF EXISTS backlinks_listed")
        c.execute(f"CREATE TEMP TABLE IF NOT EXISTS staged ({_BACKLINK_COLUMNS})")
        self._local.bulk = True
        self._local.held = self.next_backlink_id(c) - 1  # about the rows stored (ids are not reused)
        self._local.written = 0
        self._local.deferred = None  # the indexes dropped for the rest of the import (insert_records)
        try:
            yield
            deferred = self._local.deferred or []
        finally:
            self._local.bulk = False
            self._local.brand = ("NULL", [])
            self._local.deferred = None
        c.execute("DROP TABLE temp.staged")
        for statement in schema.statements(schema.SQLITE, only=set(deferred)):
            c.execute(statement)
        c.execute(_LISTED_TRIGGER)

    def update_records(self, c, records: list[tuple[int, dict]]) -> None:
        # the brand mark: NULL (the next report works it out), or in an import the brand test of
        # the new folded anchor (the same test, on a one-row table of it: bulk)
        brand, brand_params = getattr(self._local, "brand", ("NULL", []))
        rows = []
        for i, r in records:
            columns = profilecols.values(r)  # (anchor_fold, anchor_shape, lost_on)
            mark = (*brand_params, columns[0]) if brand != "NULL" else ()
            rows.append((r["target_key"], r["status"], target_code(r), dumps(r), *listing.record_columns(r),
                         *columns, *mark, i))
        if brand != "NULL":
            brand = f"(SELECT {brand} FROM (SELECT ? AS anchor_fold))"
        c.executemany("UPDATE backlinks SET target_key = ?, status = ?, target_code = ?, record = ?, authority = ?, "
                      "first_seen = ?, last_seen = ?, follow = ?, words = ?, anchor_fold = ?, anchor_shape = ?, "
                      f"lost_on = ?, anchor_brand = {brand} WHERE id = ?", rows)

    # --- the link profile's reports (issue 28: companion.workflow.linkprofile), in SQL ---------

    def brand_marks(self, rules: dict) -> bool:
        """Bring each row's `anchor_brand` up to date with the rules' brand words (profilecols):
        all rows when the words changed, else the rows written since (NULL, a partial index).
        False if the store cannot be written (damaged): the caller tests the anchors itself."""
        stamp = profilecols.brand_stamp(rules)
        conn = self.conn()
        if self.get_meta(profilecols.BRAND_META) == stamp and conn.execute(
                "SELECT 1 FROM backlinks WHERE anchor_brand IS NULL LIMIT 1").fetchone() is None:
            return True
        test, params = profilecols.brand_test(rules)
        try:
            with self.write(count=False) as c:
                where = "" if self.get_meta(profilecols.BRAND_META) != stamp else " WHERE anchor_brand IS NULL"
                c.execute(f"UPDATE backlinks SET anchor_brand = {test}{where}", params)
                self.set_meta(c, profilecols.BRAND_META, stamp)
        except StorageError:
            return False
        return True

    def anchor_class_counts(self, rules: dict, money_keys: list[str], *, only: bool = False) -> list[tuple]:
        """(money page key or '', class, links) of the live links: the class of each row by
        `profilecols.class_case`, summed over the anchor index alone (no record is read); each
        money page one range of the target index, the whole site a count per (shape, brand) of
        the `backlinks_anchor_brand` index (the brand test kept per row: `brand_marks`)."""
        case, params = profilecols.class_case(rules)
        brand, brand_params = profilecols.brand_test(rules)
        conn = self.conn()
        per_page: dict[tuple[str, str], int] = {}
        simple = []
        for key in money_keys:  # a money page: every rule, on its rows (the target index)
            for name, shape_, branded, n in conn.execute(
                    f"SELECT {case}, anchor_shape, {brand}, count(*) FROM backlinks INDEXED BY "
                    "backlinks_anchor_by_target WHERE target_key = ? AND status = 'live' GROUP BY 1, 2, 3",
                    (*params, *brand_params, key)):
                per_page[(key, name)] = per_page.get((key, name), 0) + n
                simple.append((shape_, n, n if branded else 0))
        pages = [(key, name, n) for (key, name), n in per_page.items()]
        if only:
            return pages
        # the rest of the site: no money keyword applies, so its class is its shape and whether it
        # names a brand: counted per (shape, brand) from the kept column, else tested here
        if self.brand_marks(rules):
            rows = conn.execute("SELECT anchor_shape, count(*), coalesce(sum(anchor_brand), 0) FROM backlinks "
                                "INDEXED BY backlinks_anchor_brand WHERE status = 'live' GROUP BY anchor_shape"
                                ).fetchall()
        else:
            rows = conn.execute(f"SELECT anchor_shape, count(*), coalesce(sum({brand}), 0) FROM backlinks "
                                "INDEXED BY backlinks_by_anchor WHERE status = 'live' GROUP BY anchor_shape",
                                brand_params).fetchall()
        rest = profilecols.site_classes(rows)
        for name, n in profilecols.site_classes(simple).items():  # the money pages' rows, counted above
            rest[name] -= n
        return pages + [("", name, n) for name, n in rest.items() if n]

    def link_days(self, money_keys: list[str]) -> list[tuple]:
        """('' for the site or a money page's key, day, new, lost): new links per first_seen day
        (the day index), lost ones per lost_on day (the lost_on index), and each money
        page's from its (target_key, first_seen) and (lost_on, target_key) ranges."""
        conn = self.conn()
        days: dict[tuple[str, str], list[int]] = {}
        # grouped by day in the order of the day index (DAY_INDEX), no sort; a money page's few
        # rows are grouped by day from its (target_key, first_seen) range
        for day, n in conn.execute("SELECT substr(first_seen, 1, 10), count(*) FROM backlinks "
                                   "WHERE first_seen IS NOT NULL GROUP BY substr(first_seen, 1, 10)"):
            days.setdefault(("", day), [0, 0])[0] += n
        for day, n in conn.execute("SELECT lost_on, count(*) FROM backlinks WHERE lost_on IS NOT NULL GROUP BY lost_on"):
            days.setdefault(("", day), [0, 0])[1] += n
        for key in money_keys:
            for day, n in conn.execute("SELECT substr(first_seen, 1, 10), count(*) FROM backlinks WHERE target_key = ? "
                                       "AND first_seen IS NOT NULL GROUP BY 1", (key,)):
                days.setdefault((key, day), [0, 0])[0] += n
            for day, n in conn.execute("SELECT lost_on, count(*) FROM backlinks WHERE lost_on IS NOT NULL "
                                       "AND target_key = ? GROUP BY lost_on", (key,)):
                days.setdefault((key, day), [0, 0])[1] += n
        return [(scope, day, new, lost) for (scope, day), (new, lost) in days.items()]

    def anchor_groups(self, targets: list[str] | None) -> list[tuple]:
        """(target key, anchor shape, folded anchor, links) of the live links to `targets`: a range
        of the (target, status, shape, fold) index each, for the money pages' examples."""
        out = []
        for key in targets or []:
            out += self.conn().execute(
                "SELECT target_key, anchor_shape, anchor_fold, count(*) FROM backlinks INDEXED BY "
                "backlinks_anchor_by_target WHERE target_key = ? AND status = 'live' GROUP BY 2, 3", (key,)).fetchall()
        return [tuple(r) for r in out]

    def disavow_marks(self) -> list[dict]:
        """Every disavow mark: {kind, value, reason, source, at}, domains first."""
        rows = self.conn().execute(f"SELECT {', '.join(profilecols.DISAVOW_FIELDS)} FROM disavowed "
                                   "ORDER BY kind, value").fetchall()
        return [dict(zip(profilecols.DISAVOW_FIELDS, r)) for r in rows]

    def add_disavow_marks(self, marks: list[dict]) -> int:
        """Add marks (one transaction); those already there are kept as they are. The number added."""
        with self.write() as c:
            before = c.execute("SELECT count(*) FROM disavowed").fetchone()[0]
            c.executemany("INSERT OR IGNORE INTO disavowed (kind, value, reason, source, at) VALUES (?, ?, ?, ?, ?)",
                          [tuple(m.get(f) for f in profilecols.DISAVOW_FIELDS) for m in marks])
            return c.execute("SELECT count(*) FROM disavowed").fetchone()[0] - before

    def remove_disavow_mark(self, kind: str, value: str) -> bool:
        with self.write() as c:
            return c.execute("DELETE FROM disavowed WHERE kind = ? AND value = ?", (kind, value)).rowcount > 0

    def list_page(self, page: listing.Page) -> tuple[list[dict], int, bool]:
        """One page of the list and the number of rows its filters match (companion.store.listing).

        The total first (`_list_total`). Then the page's row ids, from an index alone: when
        the filters match many rows, the sort's own index is walked (backwards for
        descending, the row id breaking ties) with status and follow checked in it, a tool
        by a key lookup and a search by a probe of its matches, so a page costs about
        limit × (rows / matches) index steps, and an offset skips index entries, not
        records; when they match few (or a domain narrows them), those rows are found
        through their own index and sorted. Only then are the page's records read.
        """
        terms = " AND ".join('"' + t + '"' for t in page.terms) if page.q is not None else None
        conn = self.conn()
        total = self._list_total(conn, page, terms)
        exact = not page.capped or total <= listing.COUNT_UP_TO
        if total == 0 or (exact and page.offset >= total):
            return [], total, False
        few = total <= _LIST_FEW
        # `+`: a filter SQLite must not answer through its own index: with many matches it walks
        # the sort's index; a search or a domain, when there is one, finds the rows instead
        off = "" if few and page.q is None and page.domain is None else "+"
        where, params = [], []
        for column, value in (("status", page.status), ("follow", None if page.follow is None else int(page.follow))):
            if value is not None:
                where.append(f"{off}{column} = ?")
                params.append(value)
        if page.domain is not None:
            where.append("source_host = ?")
            params.append(page.domain)
        if page.tool is not None:
            where.append("EXISTS (SELECT 1 FROM backlink_tools t WHERE t.tool = ? AND t.status = backlinks.status "
                         "AND t.follow = backlinks.follow AND t.id = backlinks.id)")
            params.append(page.tool)
        if terms is not None:
            # (a probe of the search per row the walk meets, instead of this list of matches,
            # cost 25 µs a probe: 1.3 s for a page at offset 5,000 of a word on a quarter of the rows)
            where.append(f"{'' if few else '+'}id IN (SELECT rowid FROM backlinks_text WHERE backlinks_text MATCH ?)")
            params.append(terms)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        way = "DESC" if page.descending else "ASC"
        ids = [i for (i,) in conn.execute(f"SELECT id FROM backlinks{clause} ORDER BY {page.column} {way}, id {way} "
                                          "LIMIT ? OFFSET ?", (*params, page.limit + 1, page.offset))]
        more, ids = len(ids) > page.limit, ids[:page.limit]
        marks = ",".join("?" * len(ids))
        records = dict(conn.execute(f"SELECT id, record FROM backlinks WHERE id IN ({marks})", ids).fetchall())
        return [loads(records[i]) for i in ids], total, more

    @staticmethod
    def _list_total(conn, page: listing.Page, terms: str | None) -> int:
        """How many rows the page's filters match: status, follow and tool alone from the
        kept counts (`list_counts`); with a search or a domain, driven by its index (the
        search's matches, the domain's rows), the other filters checked on those rows. A
        search is counted up to COUNT_UP_TO + 1 only (listing.COUNT_UP_TO)."""
        status, follow = page.status, None if page.follow is None else int(page.follow)
        if terms is None and page.domain is None:
            where, params = ["tool = ?"], [page.tool or ""]
            for column, value in (("status", status), ("follow", follow)):
                if value is not None:
                    where.append(f"{column} = ?")
                    params.append(value)
            return conn.execute(f"SELECT coalesce(sum(n), 0) FROM list_counts WHERE {' AND '.join(where)}",
                                params).fetchone()[0]
        if terms is not None and (status, follow, page.domain, page.tool) == (None, None, None, None):
            return conn.execute("SELECT count(*) FROM (SELECT rowid FROM backlinks_text WHERE backlinks_text MATCH ? "
                                "LIMIT ?)", (terms, listing.COUNT_UP_TO + 1)).fetchone()[0]
        narrow = terms is not None or page.domain is not None
        where, params, source = [], [], "backlinks"
        if terms is not None:
            # the search's matches drive, one at a time (a join, not `IN`, which would first
            # copy every match), so that the count stops at COUNT_UP_TO + 1
            source = "backlinks_text CROSS JOIN backlinks ON backlinks.id = backlinks_text.rowid"
            where.append("backlinks_text MATCH ?")
            params.append(terms)
        if page.domain is not None:
            where.append(f"{'+' if terms is not None else ''}source_host = ?")
            params.append(page.domain)
        for column, value in (("status", status), ("follow", follow)):
            if value is not None:
                where.append(f"{'+' if narrow else ''}{column} = ?")
                params.append(value)
        if page.tool is not None:
            where.append("EXISTS (SELECT 1 FROM backlink_tools t WHERE t.tool = ? AND t.status = backlinks.status "
                         "AND t.follow = backlinks.follow AND t.id = backlinks.id)")
            params.append(page.tool)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        if terms is not None:
            return conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {source}{clause} LIMIT ?)",
                                (*params, listing.COUNT_UP_TO + 1)).fetchone()[0]
        return conn.execute(f"SELECT count(*) FROM {source}{clause}", params).fetchone()[0]

    def broken_records(self) -> list[dict]:
        """Live records whose target answered an error code (the partial index holds only those)."""
        rows = self.conn().execute(
            "SELECT record FROM backlinks WHERE status = 'live' AND target_code >= 400 ORDER BY id")
        return [loads(raw) for (raw,) in rows]

    def delete_records(self, c, ids: list[int]) -> None:
        c.executemany("DELETE FROM backlinks WHERE id = ?", [(i,) for i in ids])

    def has_live_from(self, source_key: str) -> bool:
        return self.conn().execute("SELECT 1 FROM backlinks WHERE source_key = ? AND status = 'live' LIMIT 1",
                                   (source_key,)).fetchone() is not None

    # -- tier-1 pages ----------------------------------------------------------------------

    def put_tier1(self, c, pages: list[tuple]) -> None:
        """Insert or replace tier-1 rows and their text: (key, host, url, features, score,
        blocked, placements, title, anchors, urlwords, path, site, page_authority, domain_authority).

        A page keeps its row id (the text index is keyed by it); new pages get the next
        ids, assigned here (the caller holds the write transaction), so nothing is read
        back after the insert. Each row is written with `network` 1 (its own site):
        refresh_network then recounts the paths written and marks for rescoring the pages
        whose count differs.
        """
        if not pages:
            return
        ids = self._tier1_ids(c, [p[0] for p in pages])
        if ids:
            c.executemany("DELETE FROM tier1_text WHERE rowid = ?", [(i,) for i in ids.values()])
        next_id = c.execute("SELECT coalesce(max(id), 0) + 1 FROM tier1").fetchone()[0]
        rows = []
        for k, h, u, f, s, b, n, _title, _anchors, _words, path, site, pa, da in pages:
            i = ids.get(k)
            if i is None:
                i = ids[k] = next_id
                next_id += 1
            rows.append((i, k, h, u, dumps(f), s, int(b), n, path, site, pa, da))
        c.executemany(
            "INSERT INTO tier1 (id, key, host, url, features, score, blocked, placements, path, site, page_authority, "
            "domain_authority, network) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) "
            "ON CONFLICT (key) DO UPDATE SET host = excluded.host, url = excluded.url, features = excluded.features, "
            "score = excluded.score, blocked = excluded.blocked, placements = excluded.placements, path = excluded.path, "
            "site = excluded.site, page_authority = excluded.page_authority, "
            "domain_authority = excluded.domain_authority, network = excluded.network", rows)
        c.executemany("INSERT INTO tier1_text (rowid, title, anchors, urlwords) VALUES (?, ?, ?, ?)",
                      [(ids[p[0]], p[7], p[8], p[9]) for p in pages])

    def delete_tier1(self, c, keys: list[str]) -> None:
        ids = self._tier1_ids(c, keys)
        if ids:
            rows = [(i,) for i in ids.values()]
            c.executemany("DELETE FROM tier1_text WHERE rowid = ?", rows)
            c.executemany("DELETE FROM tier1 WHERE id = ?", rows)

    def paths_of(self, c, keys: list[str]) -> set[str]:
        """The paths of these tier-1 pages (before they are rewritten or deleted)."""
        out: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            out.update(p for (p,) in c.execute(f"SELECT path FROM tier1 WHERE key IN ({marks})", chunk))
        return out

    def refresh_network(self, c, paths) -> None:
        """Recount, for each path, the referring sites of the list with a page at it (index
        lookups, 500 paths a query); the pages whose count changed are marked for rescoring.
        A home page (`/`) is on every site and is never counted."""
        wanted = [p for p in paths if p not in ("", "/")]
        rows = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows.extend((count, path, count) for path, count in c.execute(
                f"SELECT path, count(DISTINCT site) FROM tier1 WHERE path IN ({marks}) GROUP BY path", chunk))
        c.executemany("UPDATE tier1 SET network = ?, score = NULL WHERE path = ? AND network <> ?", rows)

    @staticmethod
    def _tier1_ids(c, keys: list[str]) -> dict[str, int]:
        out = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            out.update(c.execute(f"SELECT key, id FROM tier1 WHERE key IN ({marks})", chunk).fetchall())
        return out

    def tier1(self, key: str) -> dict | None:
        row = self.conn().execute(
            f"SELECT {_ROW} FROM tier1 WHERE key = ?", (key,)).fetchone()
        return _tier1_row(row) if row else None

    def tier1_many(self, keys: list[str]) -> dict[str, dict]:
        out = {}
        conn = self.conn()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(f"SELECT {_ROW} FROM tier1 WHERE key IN ({marks})", chunk):
                out[row[0]] = _tier1_row(row)
        return out

    def is_tier1(self, key: str) -> bool:
        return self.conn().execute("SELECT 1 FROM tier1 WHERE key = ?", (key,)).fetchone() is not None

    def has_tier1_host(self, host: str) -> bool:
        return self.conn().execute("SELECT 1 FROM tier1 WHERE host = ? LIMIT 1", (host,)).fetchone() is not None

    def tier1_keys_on_host(self, host: str, limit: int) -> list[str]:
        return [k for (k,) in self.conn().execute("SELECT key FROM tier1 WHERE host = ? LIMIT ?", (host, limit))]

    def tier1_hosts_among(self, hosts: list[str]) -> set[str]:
        """The hosts of `hosts` with at least one tier-1 page: one statement for a page's hosts."""
        if not hosts:
            return set()
        return {h for (h,) in self.conn().execute(
            "SELECT value FROM json_each(?) WHERE EXISTS (SELECT 1 FROM tier1 WHERE host = value)",
            (json.dumps(list(hosts)),))}

    def tier1_among(self, keys: list[str]) -> set[str]:
        """The keys of `keys` that are tier-1 pages: one statement for a page's links."""
        if not keys:
            return set()
        return {k for (k,) in self.conn().execute(
            "SELECT key FROM tier1 WHERE key IN (SELECT value FROM json_each(?))", (json.dumps(list(keys)),))}

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Nothing to hold: each thread keeps its one connection open already (pgstore's
        twin checks one out of the pool for the request)."""
        yield

    def tier1_count(self) -> int:
        return self.conn().execute("SELECT count(*) FROM tier1").fetchone()[0]

    def top_tier1(self, limit: int, *, spam: str = "hide") -> list[dict]:
        """The best-scored tier-1 pages not blocked: followed links first, then the others; spam
        pages left out ("hide"), interleaved with the followed ones in score order ("show"), or
        alone ("only": what the dashboard's "Show spam pages" lists beside the boost list, since
        the signals that make a page spam take enough points off to sink it below hundreds of
        others). Index walks, whatever the list's size: the followed and spam classes are each
        walked for `limit` rows and merged."""
        order = "score DESC, page_authority DESC, domain_authority DESC, placements, url"
        walk = f"SELECT * FROM tier1 WHERE blocked = {{}} AND score IS NOT NULL ORDER BY blocked, {order} LIMIT ?"
        conn = self.conn()
        if spam == "only":
            return [_tier1_row(r) for r in conn.execute(f"SELECT {_ROW} FROM ({walk.format(SPAM)})", (limit,))]
        if spam == "show":
            rows = conn.execute(f"SELECT {_ROW} FROM (SELECT * FROM ({walk.format(ORDINARY)}) UNION ALL "
                                f"SELECT * FROM ({walk.format(SPAM)})) ORDER BY {order} LIMIT ?",
                                (limit, limit, limit)).fetchall()
        else:
            rows = conn.execute(f"SELECT {_ROW} FROM ({walk.format(ORDINARY)})", (limit,)).fetchall()
        if len(rows) < limit:
            rows += conn.execute(f"SELECT {_ROW} FROM ({walk.format(NOT_FOLLOWED)})", (limit - len(rows),)).fetchall()
        return [_tier1_row(r) for r in rows]

    def any_unscored(self) -> bool:
        return self.conn().execute("SELECT 1 FROM tier1 WHERE score IS NULL LIMIT 1").fetchone() is not None

    def unscored(self, c, limit: int) -> list[tuple[int, str, str, dict, int]]:
        return [(i, k, h, with_network(f, w), n) for i, k, h, f, n, w in c.execute(
            "SELECT id, key, host, features, placements, network FROM tier1 WHERE score IS NULL LIMIT ?", (limit,))]

    def tier1_batch(self, c, after_id: int, limit: int) -> list[tuple[int, str, str, dict, int]]:
        return [(i, k, h, with_network(f, w), n) for i, k, h, f, n, w in c.execute(
            "SELECT id, key, host, features, placements, network FROM tier1 WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, limit))]

    def set_scores(self, c, scores: list[tuple]) -> None:
        """(score, blocked, page_authority, domain_authority, placements, id) for each row."""
        c.executemany("UPDATE tier1 SET score = ?, blocked = ?, page_authority = ?, domain_authority = ?, "
                      "placements = ? WHERE id = ?",
                      [(s, int(b), pa, da, n, i) for s, b, pa, da, n, i in scores])

    def set_placements(self, c, counts: dict[str, int]) -> None:
        """Change the placement counts of these tier-1 pages; their scores are redone."""
        c.executemany("UPDATE tier1 SET placements = ?, score = NULL WHERE key = ?",
                      [(n, k) for k, n in counts.items()])

    def search(self, terms: list[str], max_pages_per_term: int, limit: int) -> list[tuple[dict, float]]:
        """The tier-1 pages most relevant to the terms by FTS5's bm25(): [(page, score)], best
        first, each page as `tier1` gives it.

        bm25() weighs each term by how many pages hold it, which FTS5 counts by walking
        the term's whole posting list: a word on half a million pages would cost a visit
        what the list's size costs. So each term is first probed with a LIMIT (cheap,
        whatever the size) and only terms on at most `max_pages_per_term` pages are
        ranked: a word that common tells little about which page fits (the old in-memory
        index dropped terms on more than half the pages for the same reason). Two
        statements whatever the terms (every term probed in the first), as pgstore's one.
        """
        if not terms:
            return []
        conn = self.conn()
        phrases = ['"' + term.replace('"', '""') + '"' for term in terms]
        rare = [phrase for phrase, n in conn.execute(
            "SELECT value, (SELECT count(*) FROM (SELECT rowid FROM tier1_text WHERE tier1_text MATCH value LIMIT ?)) "
            "FROM json_each(?) ORDER BY key", (max_pages_per_term + 1, json.dumps(phrases))) if 0 < n <= max_pages_per_term]
        if not rare:
            return []
        rows = conn.execute(f"SELECT {', '.join('t.' + c for c in _ROW.split(', '))}, -bm25(tier1_text) FROM tier1_text "
                            "JOIN tier1 t ON t.id = tier1_text.rowid WHERE tier1_text MATCH ? ORDER BY bm25(tier1_text) "
                            "LIMIT ?", (" OR ".join(rare), limit))
        return [(_tier1_row(row[:-1]), row[-1]) for row in rows]


_ROW = "key, host, url, features, score, blocked, placements, network"


def _tier1_row(row) -> dict:
    key, host, url, features, score, blocked, placements, network = row
    return {"key": key, "host": host, "url": url, "features": with_network(features, network), "score": score,
            "blocked": blocked in (BLOCKED, SPAM), "spam": blocked == SPAM, "placements": placements}


def _storage_error(path: Path, exc: sqlite3.Error) -> StorageError:
    text = str(exc)
    if "disk is full" in text or "disk I/O" in text:
        return StorageError(f"could not write {path}: {os.strerror(errno.ENOSPC)} ({text}); nothing was changed")
    if "locked" in text or "busy" in text:
        return StorageError(f"{path} is busy (another Tierlink is writing to it); nothing was changed; try again",
                            code="busy", status=503)
    return StorageError(f"could not write {path}: {text}; nothing was changed")
