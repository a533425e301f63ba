"""Team mode's shared store in PostgreSQL: every line of SQL the team store runs lives here.

The twin of companion.store.sqlstore: `BacklinkDB` answers the same calls as the SQLite
one (records in, records out, a few queries by key, the tier-1 rows and their text
search): the interface of companion.store.interface, so the façade's merge rules run
unchanged on either. `Workflow` holds what TinyDB holds in the embedded store
(candidates, placements, settings) and the site profile. The tables come from
companion.store.schema, the description both stores are made from. Both share one `Database`: a psycopg 3 connection pool.

Why it is built this way:

* **Many companions, one database.** Every write is a transaction. Backlink writes
  (imports, links a visit saw change, rescoring) take one transaction-scoped advisory
  lock, as SQLite has one writer: they touch many tier-1 rows, and two of them
  interleaving could deadlock. Workflow writes do not: a save is a row.
* **No start-up caches.** Nothing read from the database is kept unless the database
  can say it changed: `versions` holds a counter per workflow table (and the
  profile), bumped in the same transaction as the change, so a companion's caches
  (placement counts, placement hosts, the profile and its scorer) are checked against
  it on use and another member's change is seen at once.
* **Two members save the same page at once** and end with one candidate: a unique
  index on (page key, kind) and `INSERT ... ON CONFLICT DO NOTHING`, then the existing
  row is locked (`FOR UPDATE`) and updated: an upsert, not a read-then-write race.
  Placements are unique the same way per (from page, to page).
* **Relevance** is PostgreSQL's full-text search: a `tsvector` per tier-1 page
  (English stemming, as FTS5's porter), a GIN index, and `ts_rank_cd` counting each
  term's occurrences, combined in the same BM25 formula FTS5's `bm25()` uses (with the
  same 20 neutral pages of ballast in the idf), so both stores rank alike.
* **Big imports** write new backlinks with `COPY` and tier-1 rows through a staging
  table and one merge per batch, all inside the import's one transaction:
  all-or-nothing, as in SQLite.
* **The database goes away.** Every call that cannot reach it raises StorageError
  `database_unavailable` (503) naming `host:port/dbname`, never the password; the pool
  checks a connection before handing it out and makes new ones in the background, so
  the companion works again as soon as the database is back, without a restart.
* **Schema** changes are versioned migrations run under an advisory lock: two members
  running `tierlink init` at once both succeed, once.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from companion.core import team
from companion.core.errors import BadInput, Conflict, NotFound, StorageError
from companion.store import listing, profilecols, schema
from companion.store.rows import BALLAST, BLOCKED, NOT_FOLLOWED, ORDINARY, SPAM, dumps, loads, source_host, target_code, with_network

log = logging.getLogger("tierlink.store")

SCHEMA_VERSION = 6
POOL_MAX = 10
# A request fails within ~2 s when the server is down (issue 22): libpq's connect_timeout
# (2 s is its smallest) bounds reaching it, and a request waits WAIT_TIMEOUT for a pooled
# connection; if none comes, one direct connection decides: refused → 503 at once, else the
# server is only busy (every connection in use) and the request waits up to BUSY_WAIT.
CONNECT_TIMEOUT = 2
WAIT_TIMEOUT = 2
BUSY_WAIT = 30
MIGRATE_LOCK = 0x7469_6572_6C01  # advisory lock ids ("tierl" + n)
BACKLINKS_LOCK = 0x7469_6572_6C02
TS_CONFIG = schema.TS_CONFIG
K1, B = 1.2, 0.75  # BM25's constants, as FTS5's bm25()

# A new database gets the whole schema at once (companion.store.schema, the description both
# stores are made from); MIGRATIONS[n]: the statements that turn an older schema n into n + 1.
MIGRATIONS: dict[int, list] = {
    # 1 -> 2: the backlink list pages in the database (companion.store.listing; sqlstore's schema 3):
    # its columns beside the record, one index per sort (ASC NULLS FIRST, walked backwards for
    # descending: SQLite's NULL order, so both stores list alike; texts sort byte-wise as
    # SQLite's do), the tools that supplied each row and the words it is searched by.
    1: [
        *(schema.add_column(schema.POSTGRES, "backlinks", name)
          for name in ("authority", "first_seen", "last_seen", "follow", "words", "tools")),
        lambda c: _fill_list_columns(c),
        schema.add_column(schema.POSTGRES, "backlinks", "tsv"),
        *schema.statements(schema.POSTGRES, only={
            "backlinks_by_authority", "backlinks_by_first_seen", "backlinks_by_last_seen", "backlinks_by_host",
            "backlinks_by_status", "backlinks_tools", "backlinks_text"}),
    ],
    # 2 -> 3: source_host follows the store's host rule (no port), as tier1.host does
    2: [lambda c: _fix_source_hosts(c)],
    # 3 -> 4: the link profile's columns, indexes and disavow marks (companion.store.profilecols;
    # sqlstore's schema 5)
    # (each step a no-op where done already: a database told it is older than it is still opens)
    3: [*(schema.add_column(schema.POSTGRES, "backlinks", name).replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS")
          for name in profilecols.NAMES),
        lambda c: _fill_profile_columns(c),
        *(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS").replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")
          for sql in schema.statements(schema.POSTGRES, only={*profilecols.INDEXES, *profilecols.TABLES}))],
    # 4 -> 5: each row's brand test kept (profilecols.BRAND), NULL until the next anchor report
    4: [schema.add_column(schema.POSTGRES, "backlinks", profilecols.BRAND).replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS"),
        *(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS")
          for sql in schema.statements(schema.POSTGRES, only=set(profilecols.BRAND_INDEXES)))],
    # 5 -> 6: one claim per alert key (companion.alerts.records: an alert made once across companions)
    5: [sql.replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX IF NOT EXISTS")
        for sql in schema.statements(schema.POSTGRES, only={"workflow_alert_claim_once"})],
}


def _fix_source_hosts(c) -> None:
    """Schema 2 -> 3: the rows whose source_host kept a port (`blog.test:8080`) get the host alone."""
    rows = c.execute("SELECT id, record FROM backlinks WHERE source_host LIKE '%%:%%'").fetchall()
    if rows:
        with c.cursor() as cur:
            cur.executemany("UPDATE backlinks SET source_host = %s WHERE id = %s",
                            [(source_host(loads(raw)), i) for i, raw in rows])

# The list's sort columns in SQL (the domain sort byte-wise, as its index).
_LIST_ORDER = {"authority": "authority", "first_seen": "first_seen", "last_seen": "last_seen",
               "source_host": 'source_host COLLATE "C"'}


def _list_values(r: dict) -> tuple:
    """The list's columns of a record (listing.record_columns), the tools that supplied it, and
    the link profile's columns (profilecols.values)."""
    return (*listing.record_columns(r), listing.tools_of(r), *profilecols.values(r))


def _fill_profile_columns(c) -> None:
    """Schema 3 -> 4: the link profile's columns of every stored record."""
    after = 0
    while rows := c.execute("SELECT id, record FROM backlinks WHERE id > %s ORDER BY id LIMIT 5000",
                            (after,)).fetchall():
        with c.cursor() as cur:
            cur.executemany("UPDATE backlinks SET anchor_fold = %s, anchor_shape = %s, lost_on = %s WHERE id = %s",
                            [(*profilecols.values(loads(raw)), i) for i, raw in rows])
        after = rows[-1][0]


def _fill_list_columns(c) -> None:
    """Schema 1 -> 2: the list columns of every stored record."""
    after = 0
    while rows := c.execute("SELECT id, record FROM backlinks WHERE id > %s ORDER BY id LIMIT 5000",
                            (after,)).fetchall():
        with c.cursor() as cur:
            cur.executemany("UPDATE backlinks SET authority = %s, first_seen = %s, last_seen = %s, follow = %s, "
                            "words = %s, tools = %s WHERE id = %s",
                            [(*_list_values(loads(raw))[:6], i) for i, raw in rows])
        after = rows[-1][0]

# The workflow tables whose documents are unique by these fields (see the indexes above).
UNIQUE_BY = {"candidates": ("key", "kind"), "settings": ("name",), "placements": ("from_key", "to_key"),
             "alert_claims": ("key",)}
PROFILE = "profile"  # the site profile: a meta row, versioned like a table

_NON_WORD = re.compile(r"[\W_]+")


def text_words(text: str) -> str:
    """Words split on anything not a letter or digit, as FTS5's unicode61 does (PostgreSQL's
    parser would keep `blog.test/seo-tools` or an e-mail address as one token)."""
    return _NON_WORD.sub(" ", text).strip()


class Database:
    """A pool of connections to one PostgreSQL database, and its transactions."""

    def __init__(self, url: str, *, max_size: int = POOL_MAX):
        self.url = url
        self.where = team.where(url)
        try:  # the driver's own reading of the URL: a misspelt option is refused here, by name
            conninfo_to_dict(url)
        except psycopg.Error as exc:
            detail = team.scrub(" ".join(str(exc).split()), url)[:300]
            raise BadInput(f"the team database address {self.where} is not valid: {detail}",
                           code="bad_database_url") from None
        self._local = threading.local()
        self.pool = ConnectionPool(
            url, min_size=1, max_size=max_size, open=False, timeout=WAIT_TIMEOUT, reconnect_timeout=3600,
            check=self._check, name="tierlink",
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT, "application_name": "tierlink"})
        self.closed = False
        self._down = False
        self._used: dict[int, float] = {}  # id(connection) -> when it was last given back

    IDLE_CHECK = 1.0  # seconds: a connection idle longer is checked before use

    def _check(self, conn: psycopg.Connection) -> None:
        """Check a connection before handing it out (a restarted server leaves the pool's
        connections dead), unless it was in use a moment ago: a visit asks many small
        questions in a row, and a round trip each to check would double their cost."""
        used = self._used.get(id(conn))
        if used is None or time.monotonic() - used > self.IDLE_CHECK:
            ConnectionPool.check_connection(conn)

    def open(self) -> None:
        """Connect once directly (the server's own reason when it refuses: a wrong database
        name, a bad password), then start the pool."""
        _quiet_pool_log(self.url)
        try:
            self._connect_once()
            self.pool.open(wait=True, timeout=CONNECT_TIMEOUT + 2)
        except (psycopg.Error, PoolTimeout) as exc:
            self.pool.close()
            raise self.error(exc) from None

    def close(self) -> None:
        self.closed = True
        self.pool.close()

    def error(self, exc: BaseException) -> StorageError:
        """A driver error as the one error the API and CLI report (never the password)."""
        if isinstance(exc, StorageError):
            return exc
        detail = team.scrub(" ".join(str(exc).split()), self.url)[:300]
        if isinstance(exc, psycopg.errors.InsufficientPrivilege):
            return StorageError(f"the team database {self.where} refused: {detail} (the role needs to own the "
                                "database, or be granted its tables)", code="database_error")
        if _is_ssl(detail) and isinstance(exc, psycopg.OperationalError):
            return StorageError(f"the team database {self.where} refused the connection's SSL settings ({detail}); "
                                "check sslmode in the address: verify-full needs a server with SSL and its root "
                                "certificate (~/.postgresql/root.crt); a server on this machine needs none",
                                code="database_ssl", status=503)
        if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout)) \
                and not isinstance(exc, psycopg.errors.QueryCanceled):
            return StorageError(f"the team database {self.where} is unavailable ({detail or type(exc).__name__}); "
                                "nothing was changed: try again when it is back", code="database_unavailable",
                                status=503)
        if isinstance(exc, psycopg.errors.UniqueViolation):
            return Conflict(f"that entry already exists in the team database ({detail})")
        if isinstance(exc, psycopg.DataError):
            return BadInput(f"the team database cannot store this value: {detail}")
        return StorageError(f"could not write to the team database {self.where}: {detail}; nothing was changed",
                            code="database_error")

    def _connect_once(self) -> None:
        """One direct connection, closed at once: the server's own answer, within CONNECT_TIMEOUT."""
        psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT, application_name="tierlink").close()

    def problem(self) -> dict | None:
        """Why the database cannot be used right now ({"code", "message"}: unavailable, SSL), or
        None: a `SELECT 1` through the pool (a direct connection while it is known down)."""
        try:
            with self.connection() as c:
                c.execute("SELECT 1")
        except StorageError as exc:
            return {"code": exc.code, "message": exc.message}
        return None

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A connection to read with: this thread's open transaction, else its request's session
        (`session`), else one from the pool."""
        if self.closed:
            raise StorageError("the store is closed")
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        conn = getattr(self._local, "session", None)
        if conn is not None:
            with self._errors():
                yield conn
            return
        with self._pooled() as conn:
            yield conn

    @contextmanager
    def session(self) -> Iterator[None]:
        """One connection for a whole request: checked out of the pool once, every read and
        write of this thread in the block runs on it, and the workflow versions are read once
        (`read_versions`, again only after a write of the block). Why: a visit asks a dozen
        small questions, and a checkout (with its bookkeeping, and a check after an idle
        second) cost more than most of them. Nested sessions join the outer one."""
        if getattr(self._local, "session", None) is not None or getattr(self._local, "conn", None) is not None:
            yield
            return
        if self.closed:
            raise StorageError("the store is closed")
        with self._pooled() as conn:
            self._local.session = conn
            self._local.versions = None
            try:
                yield
            finally:
                self._local.session = None
                self._local.versions = None

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver errors of a session's statement as StorageError, as `_pooled` gives them."""
        try:
            yield
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            error = self.error(exc)
            if error.code == "database_unavailable":
                self._down = True
                self._used.clear()
            raise error from None
        except psycopg.Error as exc:
            raise self.error(exc) from None

    @contextmanager
    def _pooled(self) -> Iterator[psycopg.Connection]:
        """A connection from the pool; driver errors become StorageError.

        Once the server was found unreachable, each call first tries one direct
        connection: refused at once while the server is down (a 503 without waiting for
        the pool's timeout), and the pool is used again as soon as it answers.
        """
        if self._down:
            try:
                self._connect_once()
            except psycopg.Error as exc:
                raise self.error(exc) from None
            # Back: the pool's idle connections died with the old server process. Check them
            # all now (a recently used one would otherwise be handed out unchecked).
            self._used.clear()
            try:
                self.pool.check()
            except (psycopg.Error, PoolTimeout):
                pass
            self._down = False
        try:
            try:
                conn = self.pool.getconn()
            except PoolTimeout:
                # None came within WAIT_TIMEOUT: a server that is down refuses this at once
                # (503 now); one that answers is busy, and the request waits its turn.
                self._connect_once()
                conn = self.pool.getconn(timeout=BUSY_WAIT)
            try:
                with conn:  # as the pool's own connection(): commit or roll back, never close
                    yield conn
            finally:
                self._used[id(conn)] = time.monotonic()
                self.pool.putconn(conn)
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
            error = self.error(exc)
            if error.code == "database_unavailable":
                self._down = True
                self._used.clear()  # check every connection before it is used again
            raise error from None
        except psycopg.Error as exc:
            raise self.error(exc) from None

    @contextmanager
    def transaction(self, lock: int | None = None) -> Iterator[psycopg.Connection]:
        """One transaction (nested calls join the outer one); `lock` takes that advisory lock
        for its length. Committed when the block ends; any error rolls it all back."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            if lock is not None:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
            yield conn
            return
        if self.closed:
            raise StorageError("the store is closed")
        session = getattr(self._local, "session", None)
        with (self._errors() if session is not None else self._pooled()) as pooled:
            conn = session if session is not None else pooled
            with conn.transaction():
                self._local.conn = conn
                try:
                    if lock is not None:
                        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
                    yield conn
                finally:
                    self._local.conn = None
                    self._local.versions = None  # the write may have bumped one: read them again
    # -- schema and versions --------------------------------------------------------------

    def migrate(self) -> bool:
        """Create or upgrade the schema (idempotent; serialised by an advisory lock). True if created."""
        with self.transaction(lock=MIGRATE_LOCK) as c:
            exists = c.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]
            version = 0
            if exists:
                row = c.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
                version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StorageError(f"the team database {self.where} was written by a newer Tierlink (schema {version}); "
                                   "upgrade Tierlink to use it")
            created = version == 0
            if created:
                for statement in schema.statements(schema.POSTGRES):
                    c.execute(statement)
                version = SCHEMA_VERSION
                c.execute("INSERT INTO meta (name, value) VALUES ('schema', %s)", (str(version),))
            while version < SCHEMA_VERSION:
                for statement in MIGRATIONS[version]:
                    statement(c) if callable(statement) else c.execute(statement)
                version += 1
                c.execute("INSERT INTO meta (name, value) VALUES ('schema', %s) "
                          "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (str(version),))
            return created

    def version(self, name: str) -> int:
        """A workflow table's version (0 before its first change)."""
        return self.read_versions().get(name, 0)

    def read_versions(self) -> dict[str, int]:
        """Every table's version in one query (a handful of rows); in a session, once for the
        session (until a write of it), so a request sees one consistent set."""
        cached = getattr(self._local, "versions", None)
        if cached is not None:
            return cached
        versions, unscored = self.versions_from_database()
        if getattr(self._local, "session", None) is not None and getattr(self._local, "conn", None) is None:
            self._local.versions = versions
            self._local.unscored = unscored
        return versions

    def unscored_in_session(self) -> bool | None:
        """Whether a tier-1 page waits for its score, as read with this session's versions (the
        versions read first if not yet); None outside a session or inside a transaction, where
        the caller asks the database itself. Why: every verdict asks both at its start
        (`Store.ensure_scored`), and one round trip answers the two."""
        if getattr(self._local, "session", None) is None or getattr(self._local, "conn", None) is not None:
            return None
        self.read_versions()
        return self._local.unscored

    def versions_from_database(self) -> tuple[dict[str, int], bool]:
        """Every table's version, and whether any tier-1 page is unscored (the partial index
        `tier1_unscored`), asked of the database now: one statement."""
        with self.connection() as c:
            rows = c.execute("SELECT name, n FROM versions UNION ALL "
                             "SELECT NULL, count(*) FROM (SELECT 1 FROM tier1 WHERE score IS NULL LIMIT 1) s").fetchall()
        return {name: n for name, n in rows if name is not None}, any(n for name, n in rows if name is None)

    @staticmethod
    def bump(c, name: str) -> None:
        c.execute("INSERT INTO versions (name, n) VALUES (%s, 1) ON CONFLICT (name) DO UPDATE SET n = versions.n + 1",
                  (name,))


_SSL_WORDS = ("ssl", "root certificate", "certificate verify", "sslmode")


def _is_ssl(detail: str) -> bool:
    """True if libpq's words say the connection failed on its SSL settings (`sslmode=verify-full`
    against a server without SSL, a missing root certificate, a name that does not match)."""
    text = detail.lower()
    return any(word in text for word in _SSL_WORDS)


class _Scrub(logging.Filter):
    """Takes database passwords out of psycopg_pool's own log lines (it logs failed connection
    attempts while it reconnects): they reach the companion's log, never the password."""

    urls: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        for url in self.urls:
            text = team.scrub(text, url)
        record.msg, record.args = team.scrub(text, None), None
        return True


_SCRUB = _Scrub()


def _quiet_pool_log(url: str) -> None:
    """Scrub the pool's log lines; with no logging set up (the CLI) keep them off stderr, where
    the command's one-line error already says what failed."""
    _SCRUB.urls.add(url)
    logger = logging.getLogger("psycopg.pool")
    if _SCRUB not in logger.filters:
        logger.addFilter(_SCRUB)
    if not logging.getLogger().handlers and not logger.handlers:
        logger.addHandler(logging.NullHandler())


class Versions:
    """`store.table_versions` in team mode: each read asks the database (a primary-key lookup)."""

    def __init__(self, db: Database):
        self._db = db

    def get(self, name: str, default: int = 0) -> int:
        return self._db.version(name) or default

    def __getitem__(self, name: str) -> int:
        return self.get(name)


class BacklinkDB:
    """The backlink list, the tier-1 pages and their text search: sqlstore.BacklinkDB's calls."""

    def __init__(self, db: Database):
        self.db = db
        self._pending = threading.local()  # .paths: the paths to recount when this thread's write commits

    def close(self) -> None:
        pass  # the Database (shared with the workflow) is closed by the workflow's adapter (teamstore)

    def check_in_background(self) -> threading.Thread | None:
        """No file to check: the database server keeps its own pages sound."""
        return None

    def problem(self) -> dict | None:
        """Why the database cannot be used right now (unavailable, SSL), or None."""
        return self.db.problem()

    def explain(self, exc: BaseException) -> StorageError | None:
        """None: the driver's errors are turned into StorageError where they happen."""
        return None

    def check_writable(self) -> None:
        """Nothing: the server refuses what it cannot write, in the transaction."""

    def backup(self) -> None:
        """Called after an import: refresh the planner's statistics of the two big tables
        (the page total `search` reads, and plans over a grown table). Backups of a server
        database are its own tools' job (pg_dump, WAL archiving)."""
        try:
            with self.db.connection() as c:
                c.execute("ANALYZE backlinks, tier1")
        except StorageError as exc:  # the import is committed; stale statistics only cost precision
            log.warning("could not refresh the statistics after an import: %s", exc.message)

    @contextmanager
    def write(self, *, count: bool = True) -> Iterator[Any]:
        """One transaction, one backlink writer at a time across every companion.

        The network counts of the paths the transaction wrote are recounted once, just
        before it commits (refresh_network collects them): per batch of an import, the
        same busy paths were recounted again and again.
        """
        outer = getattr(self.db._local, "conn", None) is None
        with self.db.transaction(lock=BACKLINKS_LOCK) as c:
            if not outer:
                yield c
                return
            self._pending.paths = set()
            try:
                yield c
                if self._pending.paths:
                    self._recount(c, self._pending.paths)
            finally:
                self._pending.paths = None

    # -- meta ----------------------------------------------------------------------------

    def get_meta(self, name: str) -> str | None:
        with self.db.connection() as c:
            row = c.execute("SELECT value FROM meta WHERE name = %s", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, c, name: str, value: str) -> None:
        c.execute("INSERT INTO meta (name, value) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                  (name, value))

    @contextmanager
    def big_cache(self, c):
        """SQLite's import-sized page cache has no twin here: the server sizes its own buffers."""
        yield

    @contextmanager
    def bulk(self, c, brands: list[str] | None = None):
        """SQLite's set-based import (its insert trigger set aside) has no twin here: COPY already is.
        What it shares: the rows an import writes come with their `anchor_brand` mark, so the next
        report does not work out a million rows first (profilecols.import_brands: which words).
        COPY carries values, so the mark is made here (profilecols.names_brand, the report's test);
        an UPDATE of the new rows after it would write each of them twice."""
        self._pending.brands = profilecols.import_brands(self, c, brands)
        try:
            yield
        finally:
            self._pending.brands = None

    # -- backlinks -----------------------------------------------------------------------

    def count(self, c=None) -> int:
        if c is not None:
            return c.execute("SELECT count(*) FROM backlinks").fetchone()[0]
        with self.db.connection() as c:
            return c.execute("SELECT count(*) FROM backlinks").fetchone()[0]

    def next_backlink_id(self, c) -> int:
        """The id the next record will get (the caller holds the backlink writers' lock, so
        records with an id from here on are new in this transaction)."""
        return c.execute("SELECT coalesce(max(id), 0) + 1 FROM backlinks").fetchone()[0]

    def all_records(self, status: str | None = None) -> Iterator[dict]:
        with self.db.connection() as c:
            if status is None:
                rows = c.execute("SELECT record FROM backlinks ORDER BY id").fetchall()
            else:
                rows = c.execute("SELECT record FROM backlinks WHERE status = %s ORDER BY id", (status,)).fetchall()
        for (raw,) in rows:
            yield loads(raw)

    def page(self, source_key: str) -> tuple[list[tuple[int, dict]], dict | None]:
        """The stored records of one linking page, oldest first, and its tier-1 row (or None): one
        statement, as a visit asks for both (its changes, then its boost verdict)."""
        with self.db.connection() as c:
            rows = c.execute(f"SELECT id, record, NULL, NULL, NULL, NULL, NULL::integer, NULL::integer, NULL::integer, "
                             f"NULL::integer FROM backlinks WHERE source_key = %(k)s UNION ALL "
                             f"SELECT NULL, NULL, {self._COLS} FROM tier1 WHERE key = %(k)s ORDER BY 1",
                             {"k": source_key}).fetchall()
        records = [(row[0], loads(row[1])) for row in rows if row[0] is not None]
        tier1 = next((_tier1_row(row[2:]) for row in rows if row[0] is None), None)
        return records, tier1

    def from_sources(self, c, source_keys: Iterable[str]) -> dict[str, list[tuple[int, dict]]]:
        out: dict[str, list[tuple[int, dict]]] = {}
        keys = list(source_keys)
        if not keys:
            return out
        for i, sk, raw in c.execute("SELECT id, source_key, record FROM backlinks WHERE source_key = ANY(%s) "
                                    "ORDER BY id", (keys,)):
            out.setdefault(sk, []).append((i, loads(raw)))
        return out

    def any_source(self, c, source_keys: list[str]) -> bool:
        return c.execute("SELECT 1 FROM backlinks WHERE source_key = ANY(%s) LIMIT 1", (list(source_keys),)).fetchone() \
            is not None

    def insert_records(self, c, records: list[dict]) -> None:
        """New records: COPY (the fast path of a big import), inside the caller's transaction."""
        if not records:
            return
        with c.cursor() as cur:
            with cur.copy("COPY backlinks (source_key, target_key, source_host, status, target_code, record, "
                          "authority, first_seen, last_seen, follow, words, tools, anchor_fold, anchor_shape, "
                          "lost_on, anchor_brand) FROM STDIN") as copy:
                for r in records:
                    values = _list_values(r)
                    copy.write_row((r["source_key"], r["target_key"], source_host(r), r["status"],
                                    target_code(r), dumps(r), *values, self._brand_mark(values)))

    def _brand_mark(self, values: tuple) -> int | None:
        """A written row's `anchor_brand` from its _list_values (which end with profilecols.values:
        anchor_fold, anchor_shape, lost_on): marked in an import (bulk), else NULL."""
        brands = getattr(self._pending, "brands", None)
        return None if brands is None else profilecols.names_brand(values[-3], brands)

    def update_records(self, c, records: list[tuple[int, dict]]) -> None:
        rows = []
        for i, r in records:
            values = _list_values(r)
            rows.append((r["target_key"], r["status"], target_code(r), dumps(r), *values, self._brand_mark(values), i))
        if rows:
            with c.cursor() as cur:
                cur.executemany("UPDATE backlinks SET target_key = %s, status = %s, target_code = %s, record = %s, "
                                "authority = %s, first_seen = %s, last_seen = %s, follow = %s, words = %s, tools = %s, "
                                "anchor_fold = %s, anchor_shape = %s, lost_on = %s, anchor_brand = %s "
                                "WHERE id = %s", rows)

    def list_page(self, page: listing.Page) -> tuple[list[dict], int, bool]:
        """sqlstore.BacklinkDB.list_page's twin: the same rows in the same order, a search's
        total likewise counted up to COUNT_UP_TO + 1 only."""
        filters = (("status = %s", page.status), ("follow = %s", page.follow),
                   ('source_host COLLATE "C" = %s', page.domain), ("tools @> ARRAY[%s]::text[]", page.tool),
                   (f"tsv @@ plainto_tsquery('{TS_CONFIG}', %s)", None if page.q is None else " ".join(page.terms)))
        where = [sql for sql, value in filters if value is not None]
        params = [value for sql, value in filters if value is not None]
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        way = "DESC NULLS LAST" if page.descending else "ASC NULLS FIRST"
        column = _LIST_ORDER[page.column]
        with self.db.connection() as c:
            if page.capped:
                total = c.execute(f"SELECT count(*) FROM (SELECT 1 FROM backlinks{clause} LIMIT %s) s",
                                  (*params, listing.COUNT_UP_TO + 1)).fetchone()[0]
            else:
                total = c.execute(f"SELECT count(*) FROM backlinks{clause}", params).fetchone()[0]
            exact = not page.capped or total <= listing.COUNT_UP_TO
            if total == 0 or (exact and page.offset >= total):
                return [], total, False
            # the page's ids first (an offset skips index entries), then only their records
            ids = [i for (i,) in c.execute(f"SELECT id FROM backlinks{clause} ORDER BY {column} {way}, id "
                                           f"{'DESC' if page.descending else 'ASC'} LIMIT %s OFFSET %s",
                                           (*params, page.limit + 1, page.offset))]
            more, ids = len(ids) > page.limit, ids[:page.limit]
            records = dict(c.execute("SELECT id, record FROM backlinks WHERE id = ANY(%s)", (ids,)).fetchall())
        return [loads(records[i]) for i in ids], total, more

    # -- the link profile's reports (sqlstore.BacklinkDB's twins, same rules: profilecols) --------

    def brand_marks(self, rules: dict) -> bool:
        """sqlstore.BacklinkDB.brand_marks's twin: each row's `anchor_brand` current for the
        rules' brand words (all rows when they changed, else the rows written since)."""
        stamp = profilecols.brand_stamp(rules)
        with self.db.connection() as c:
            if self.get_meta(profilecols.BRAND_META) == stamp and c.execute(
                    "SELECT 1 FROM backlinks WHERE anchor_brand IS NULL LIMIT 1").fetchone() is None:
                return True
        test, params = profilecols.brand_test(rules, contains="strpos({hay}, {needle}) > 0", mark="%s")
        with self.write(count=False) as c:  # one writer at a time (the backlinks lock)
            where = "" if self.get_meta(profilecols.BRAND_META) != stamp else " WHERE anchor_brand IS NULL"
            c.execute(f"UPDATE backlinks SET anchor_brand = CASE WHEN {test} THEN 1 ELSE 0 END{where}", params)
            self.set_meta(c, profilecols.BRAND_META, stamp)
        return True

    def anchor_class_counts(self, rules: dict, money_keys: list[str], *, only: bool = False) -> list[tuple]:
        """sqlstore.BacklinkDB.anchor_class_counts's twin: the money pages by every rule, the rest
        of the site a count per (shape, kept brand test)."""
        case, params = profilecols.class_case(rules, contains="strpos({hay}, {needle}) > 0", mark="%s")
        brand, brand_params = profilecols.brand_test(rules, contains="strpos({hay}, {needle}) > 0", mark="%s")
        per_page: dict[tuple[str, str], int] = {}
        simple = []
        with self.db.connection() as c:
            for key in money_keys:
                for name, shape_, branded, n in c.execute(
                        f"SELECT {case}, anchor_shape, {brand}, count(*) FROM backlinks "
                        "WHERE target_key = %s AND status = 'live' GROUP BY 1, 2, 3",
                        (*params, *brand_params, key)).fetchall():
                    per_page[(key, name)] = per_page.get((key, name), 0) + n
                    simple.append((shape_, n, n if branded else 0))
        pages = [(key, name, n) for (key, name), n in per_page.items()]
        if only:
            return pages
        self.brand_marks(rules)
        with self.db.connection() as c:
            rows = c.execute("SELECT anchor_shape, count(*), coalesce(sum(anchor_brand), 0) FROM backlinks "
                             "WHERE status = 'live' GROUP BY anchor_shape").fetchall()
        rest = profilecols.site_classes(rows)
        for name, n in profilecols.site_classes(simple).items():
            rest[name] -= n
        return pages + [("", name, n) for name, n in rest.items() if n]

    def link_days(self, money_keys: list[str]) -> list[tuple]:
        days: dict[tuple[str, str], list[int]] = {}
        with self.db.connection() as c:
            queries = [("", "SELECT substr(first_seen, 1, 10) AS d, count(*) FROM backlinks "
                            "WHERE first_seen IS NOT NULL GROUP BY d", (), 0),
                       ("", "SELECT lost_on, count(*) FROM backlinks WHERE lost_on IS NOT NULL GROUP BY lost_on", (), 1)]
            for key in money_keys:
                queries += [(key, "SELECT substr(first_seen, 1, 10) AS d, count(*) FROM backlinks "
                                  "WHERE target_key = %s AND first_seen IS NOT NULL GROUP BY d", (key,), 0),
                            (key, "SELECT lost_on, count(*) FROM backlinks WHERE lost_on IS NOT NULL "
                                  "AND target_key = %s GROUP BY lost_on", (key,), 1)]
            for scope, sql, args, column in queries:
                for day, n in c.execute(sql, args).fetchall():
                    days.setdefault((scope, day), [0, 0])[column] += n
        return [(scope, day, new, lost) for (scope, day), (new, lost) in days.items()]

    def anchor_groups(self, targets: list[str] | None) -> list[tuple]:
        with self.db.connection() as c:
            return [tuple(r) for key in targets or [] for r in c.execute(
                "SELECT target_key, anchor_shape, anchor_fold, count(*) "
                "FROM backlinks WHERE target_key = %s AND status = 'live' GROUP BY 1, 2, 3", (key,)).fetchall()]

    def disavow_marks(self) -> list[dict]:
        with self.db.connection() as c:
            rows = c.execute(f"SELECT {', '.join(profilecols.DISAVOW_FIELDS)} FROM disavowed "
                             "ORDER BY kind COLLATE \"C\", value COLLATE \"C\"").fetchall()
        return [dict(zip(profilecols.DISAVOW_FIELDS, r)) for r in rows]

    def add_disavow_marks(self, marks: list[dict]) -> int:
        added = 0
        with self.write() as c:
            with c.cursor() as cur:
                for m in marks:
                    cur.execute("INSERT INTO disavowed (kind, value, reason, source, at) VALUES (%s, %s, %s, %s, %s) "
                                "ON CONFLICT DO NOTHING", tuple(m.get(f) for f in profilecols.DISAVOW_FIELDS))
                    added += cur.rowcount
        return added

    def remove_disavow_mark(self, kind: str, value: str) -> bool:
        with self.write() as c:
            return c.execute("DELETE FROM disavowed WHERE kind = %s AND value = %s", (kind, value)).rowcount > 0

    def broken_records(self) -> list[dict]:
        with self.db.connection() as c:
            rows = c.execute("SELECT record FROM backlinks WHERE status = 'live' AND target_code >= 400 "
                             "ORDER BY id").fetchall()
        return [loads(raw) for (raw,) in rows]

    def delete_records(self, c, ids: list[int]) -> None:
        if ids:
            c.execute("DELETE FROM backlinks WHERE id = ANY(%s)", (list(ids),))

    def has_live_from(self, source_key: str) -> bool:
        with self.db.connection() as c:
            return c.execute("SELECT 1 FROM backlinks WHERE source_key = %s AND status = 'live' LIMIT 1",
                             (source_key,)).fetchone() is not None

    # -- tier-1 pages ----------------------------------------------------------------------

    _STAGE_AT = 200  # from this many rows, COPY into a staging table and merge once

    def put_tier1(self, c, pages: list[tuple]) -> None:
        """Insert or replace tier-1 rows and their text: (key, host, url, features, score, blocked,
        placements, title, anchors, urlwords, path, site, page_authority, domain_authority).
        Each row is written with `network` 1 (its own site): refresh_network recounts."""
        if not pages:
            return
        by_key = {p[0]: p for p in pages}  # one row per key (ON CONFLICT may touch a row once)
        rows = []
        for k, h, u, f, s, b, n, title, anchors, urlwords, path, site, pa, da in by_key.values():
            text = text_words(f"{title} {anchors} {urlwords}")
            rows.append((k, h, u, dumps(f), s, int(b), n, path, site, pa, da, len(text.split()), text))
        cols = "key, host, url, features, score, blocked, placements, path, site, page_authority, domain_authority, words"
        merge = ("ON CONFLICT (key) DO UPDATE SET host = excluded.host, url = excluded.url, "
                 "features = excluded.features, score = excluded.score, blocked = excluded.blocked, "
                 "placements = excluded.placements, path = excluded.path, site = excluded.site, "
                 "page_authority = excluded.page_authority, domain_authority = excluded.domain_authority, "
                 "network = 1, words = excluded.words, tsv = excluded.tsv")
        with c.cursor() as cur:
            if len(rows) < self._STAGE_AT:
                cur.executemany(
                    f"INSERT INTO tier1 ({cols}, network, tsv) VALUES ({', '.join(['%s'] * 12)}, 1, "
                    f"to_tsvector('{TS_CONFIG}', %s)) " + merge, rows)
                return
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS tier1_stage (key TEXT, host TEXT, url TEXT, features TEXT, "
                        "score INTEGER, blocked INTEGER, placements INTEGER, path TEXT, site TEXT, page_authority REAL, "
                        "domain_authority REAL, words INTEGER, body TEXT) ON COMMIT DROP")
            cur.execute("TRUNCATE tier1_stage")
            with cur.copy("COPY tier1_stage FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(f"INSERT INTO tier1 ({cols}, network, tsv) SELECT {cols}, 1, "
                        f"to_tsvector('{TS_CONFIG}', body) FROM tier1_stage " + merge)

    def paths_of(self, c, keys: list[str]) -> set[str]:
        """The paths of these tier-1 pages (before they are rewritten or deleted)."""
        if not keys:
            return set()
        return {p for (p,) in c.execute("SELECT path FROM tier1 WHERE key = ANY(%s)", (list(keys),))}

    def refresh_network(self, c, paths) -> None:
        """Recount, for each path, the referring sites of the list with a page at it; the pages
        whose count changed are marked for rescoring. A home page (`/`) is on every site and
        is never counted. Inside a write, done once for all its paths before it commits."""
        pending = getattr(self._pending, "paths", None)
        if pending is not None:
            pending.update(paths)
        else:
            self._recount(c, set(paths))

    RECOUNT_ALL_FROM = 20_000  # paths: from this many, one pass over the table beats a lookup each

    def _recount(self, c, paths: set[str]) -> None:
        wanted = [p for p in paths if p not in ("", "/")]
        if not wanted:
            return
        if len(wanted) >= self.RECOUNT_ALL_FROM:
            where, args = "path NOT IN ('', '/')", ()
        else:
            where, args = "path = ANY(%s)", (wanted,)
        c.execute("UPDATE tier1 t SET network = n.sites, score = NULL FROM (SELECT path, count(DISTINCT site) AS sites "
                  f"FROM tier1 WHERE {where} GROUP BY path) n WHERE t.path = n.path AND t.network <> n.sites", args)

    def delete_tier1(self, c, keys: list[str]) -> None:
        if keys:
            c.execute("DELETE FROM tier1 WHERE key = ANY(%s)", (list(keys),))

    _COLS = "key, host, url, features, score, blocked, placements, network"

    def tier1(self, key: str) -> dict | None:
        with self.db.connection() as c:
            row = c.execute(f"SELECT {self._COLS} FROM tier1 WHERE key = %s", (key,)).fetchone()
        return _tier1_row(row) if row else None

    def tier1_many(self, keys: list[str]) -> dict[str, dict]:
        if not keys:
            return {}
        with self.db.connection() as c:
            rows = c.execute(f"SELECT {self._COLS} FROM tier1 WHERE key = ANY(%s)", (list(keys),)).fetchall()
        return {r[0]: _tier1_row(r) for r in rows}

    def is_tier1(self, key: str) -> bool:
        with self.db.connection() as c:
            return c.execute("SELECT 1 FROM tier1 WHERE key = %s", (key,)).fetchone() is not None

    def has_tier1_host(self, host: str) -> bool:
        with self.db.connection() as c:
            return c.execute("SELECT 1 FROM tier1 WHERE host = %s LIMIT 1", (host,)).fetchone() is not None

    def tier1_hosts_among(self, hosts: list[str]) -> set[str]:
        """The hosts of `hosts` with at least one tier-1 page: one query for a whole page's hosts."""
        if not hosts:
            return set()
        with self.db.connection() as c:
            return {h for (h,) in c.execute(
                "SELECT h FROM unnest(%s::text[]) AS h WHERE EXISTS (SELECT 1 FROM tier1 WHERE host = h)",
                (list(hosts),))}

    def tier1_among(self, keys: list[str]) -> set[str]:
        """The keys of `keys` that are tier-1 pages: one query for a whole page's links."""
        if not keys:
            return set()
        with self.db.connection() as c:
            return {k for (k,) in c.execute("SELECT key FROM tier1 WHERE key = ANY(%s)", (list(keys),))}

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A request's reads and writes on one pooled connection, versions read once (Database.session)."""
        with self.db.session():
            yield

    def tier1_count(self) -> int:
        with self.db.connection() as c:
            return c.execute("SELECT count(*) FROM tier1").fetchone()[0]

    def tier1_keys_on_host(self, host: str, limit: int) -> list[str]:
        with self.db.connection() as c:
            return [k for (k,) in c.execute("SELECT key FROM tier1 WHERE host = %s LIMIT %s", (host, limit))]

    def any_unscored(self) -> bool:
        known = self.db.unscored_in_session()  # read with the request's versions
        if known is not None:
            return known
        with self.db.connection() as c:
            return c.execute("SELECT 1 FROM tier1 WHERE score IS NULL LIMIT 1").fetchone() is not None

    def top_tier1(self, limit: int, *, spam: str = "hide") -> list[dict]:
        """sqlstore.BacklinkDB.top_tier1's twin: followed links first (spam interleaved with them
        in score order with "show"; spam pages alone with "only"), then the others; never blocked ones."""
        order = "score DESC, page_authority DESC NULLS LAST, domain_authority DESC NULLS LAST, placements, url"
        walk = (f"SELECT * FROM tier1 WHERE blocked = {{}} AND score IS NOT NULL ORDER BY blocked, {order} "
                "LIMIT %s")
        with self.db.connection() as c:
            if spam == "only":
                return [_tier1_row(r) for r in c.execute(
                    walk.format(SPAM).replace("SELECT *", f"SELECT {self._COLS}", 1), (limit,)).fetchall()]
            if spam == "show":
                rows = c.execute(f"SELECT {self._COLS} FROM (({walk.format(ORDINARY)}) UNION ALL "
                                 f"({walk.format(SPAM)})) AS t ORDER BY {order} LIMIT %s",
                                 (limit, limit, limit)).fetchall()
            else:
                rows = c.execute(walk.format(ORDINARY).replace("SELECT *", f"SELECT {self._COLS}", 1),
                                 (limit,)).fetchall()
            if len(rows) < limit:
                rows += c.execute(walk.format(NOT_FOLLOWED).replace("SELECT *", f"SELECT {self._COLS}", 1),
                                  (limit - len(rows),)).fetchall()
        return [_tier1_row(r) for r in rows]

    def unscored(self, c, limit: int) -> list[tuple[int, str, str, dict, int]]:
        return [(i, k, h, with_network(f, w), n) for i, k, h, f, n, w in c.execute(
            "SELECT id, key, host, features, placements, network FROM tier1 WHERE score IS NULL LIMIT %s", (limit,))]

    def tier1_batch(self, c, after_id: int, limit: int) -> list[tuple[int, str, str, dict, int]]:
        return [(i, k, h, with_network(f, w), n) for i, k, h, f, n, w in c.execute(
            "SELECT id, key, host, features, placements, network FROM tier1 WHERE id > %s ORDER BY id LIMIT %s",
            (after_id, limit))]

    def set_scores(self, c, scores: list[tuple]) -> None:
        """(score, blocked, page_authority, domain_authority, placements, id) for each row."""
        if scores:
            with c.cursor() as cur:
                cur.executemany("UPDATE tier1 SET score = %s, blocked = %s, page_authority = %s, domain_authority = %s, "
                                "placements = %s WHERE id = %s", [(s, int(b), pa, da, n, i) for s, b, pa, da, n, i in scores])

    def set_placements(self, c, counts: dict[str, int]) -> None:
        if counts:
            with c.cursor() as cur:
                cur.executemany("UPDATE tier1 SET placements = %s, score = NULL WHERE key = %s",
                                [(n, k) for k, n in sorted(counts.items())])

    def search(self, terms: list[str], max_pages_per_term: int, limit: int) -> list[tuple[dict, float]]:
        """The tier-1 pages most relevant to the terms: [(page, score)], best first, each page as
        `tier1` gives it (sqlstore's twin).

        As in SQLite, only terms on at most `max_pages_per_term` pages are ranked (a word that
        common tells little), and every page holding a ranked term is scored with FTS5's bm25
        formula: `ts_rank_cd` with every weight 1 counts the term's occurrences in the page
        (its tf), the page's word count and the list's average give the length part, and
        the exact page count of each term its idf (with the same ballast as SQLite's).

        One statement (SEARCH), whatever the terms: a visit's search was seven round trips
        (the page total, the statistics, the lexemes, the probes, the average length, the
        ranking, the ranked pages' rows), each costing more than its work. Its steps, as CTEs:

        * `total`: how many tier-1 pages: the planner's figure when large (a count(*) of
          millions costs a scan; ANALYZE after each import and autovacuum keep it close),
          else exact;
        * `common`: the terms known to be on more than `max_pages_per_term` pages, from the
          statistics ANALYZE keeps of the text column (its most common lexemes and their
          frequencies). A GIN index answers "pages holding this word" with the whole
          posting list before any LIMIT applies: probing a word on half a million pages
          costs what the list's size costs; the statistics name such words for free;
        * `probed`: each other term's page count, probed with a LIMIT;
        * `rare`: the terms on 1 to `max_pages_per_term` pages, with their idf;
        * `ranked`: the ranking, over the pages holding a rare term; then their rows.
        """
        if not terms:
            return []
        with self.db.connection() as c:
            rows = c.execute(SEARCH, {"terms": list(terms), "max": max_pages_per_term,
                                      "probe": max_pages_per_term + 1, "limit": limit}).fetchall()
        return [(_tier1_row(row[:-1]), float(row[-1])) for row in rows]


EXACT_UP_TO = 10_000
SEARCH = f"""
WITH total AS (
    SELECT CASE WHEN reltuples > {EXACT_UP_TO} THEN reltuples::bigint
                ELSE (SELECT count(*) FROM (SELECT 1 FROM tier1 LIMIT {10 * EXACT_UP_TO}) s) END AS n
    FROM pg_class WHERE oid = 'tier1'::regclass),
terms AS (SELECT term, n AS ord FROM unnest(%(terms)s::text[]) WITH ORDINALITY AS q(term, n)),
stats AS (
    SELECT most_common_elems::text::text[] AS elems, most_common_elem_freqs AS freqs FROM pg_stats
    WHERE tablename = 'tier1' AND attname = 'tsv' AND schemaname = current_schema()),
common AS (
    SELECT DISTINCT q.term FROM terms q, stats, total,
        unnest(tsvector_to_array(to_tsvector('{TS_CONFIG}', q.term))) AS lex,
        unnest(stats.elems, stats.freqs) AS f(elem, freq)
    WHERE f.elem = lex AND f.freq * total.n > %(max)s * 2),
probed AS MATERIALIZED (
    SELECT q.term, (SELECT count(*) FROM (SELECT 1 FROM tier1 WHERE tsv @@ plainto_tsquery('{TS_CONFIG}', q.term)
                                          LIMIT %(probe)s) s) AS pages
    FROM terms q WHERE q.term NOT IN (SELECT term FROM common)),
rare AS MATERIALIZED (
    SELECT p.term, greatest(1e-6, ln((total.n + {BALLAST} - p.pages + 0.5)::float8 / (p.pages + 0.5)::float8)) AS idf
    FROM probed p, total WHERE p.pages BETWEEN 1 AND %(max)s),
avglen AS (  -- asked only when a page is ranked (an InitPlan runs on first use)
    SELECT coalesce(nullif(avg(words), 0), 1)::float8 AS n FROM (SELECT words FROM tier1 LIMIT 2000) s),
ranked AS (
    SELECT t.key, sum(q.idf * r.tf * {K1 + 1} / (r.tf + {K1} * (1 - {B} + {B} * greatest(t.words, 1) / (SELECT n FROM avglen))))
        AS score
    FROM rare q JOIN tier1 t ON t.tsv @@ plainto_tsquery('{TS_CONFIG}', q.term),
        LATERAL (SELECT ts_rank_cd('{{1,1,1,1}}', t.tsv, plainto_tsquery('{TS_CONFIG}', q.term)) AS tf) r
    GROUP BY t.key ORDER BY score DESC, t.key LIMIT %(limit)s)
SELECT {', '.join('p.' + c for c in BacklinkDB._COLS.split(', '))}, ranked.score
FROM ranked JOIN tier1 p ON p.key = ranked.key ORDER BY ranked.score DESC, ranked.key"""


def _tier1_row(row) -> dict:
    key, host, url, features, score, blocked, placements, network = row
    return {"key": key, "host": host, "url": url, "features": with_network(features, network), "score": score,
            "blocked": blocked in (BLOCKED, SPAM), "spam": blocked == SPAM, "placements": placements}


class Workflow:
    """Candidates, placements, settings (any workflow table) and the profile, as JSON documents.

    One table `workflow (tbl, id, seq, doc)` holds every document: `seq` keeps insertion
    order (what TinyDB returns), `doc @> {...}` answers `find`, and partial unique
    indexes make a candidate unique per (page key, kind) and a setting per name.
    """

    def __init__(self, db: Database):
        self.db = db

    def _one(self, c, table: str, id: str, lock: bool = False) -> dict | None:
        row = c.execute("SELECT doc FROM workflow WHERE tbl = %s AND id = %s" + (" FOR UPDATE" if lock else ""),
                        (table, id)).fetchone()
        return row[0] if row else None

    def insert(self, table: str, doc: dict) -> dict:
        new = dict(doc)
        new["id"] = secrets.token_hex(6)
        with self.db.transaction() as c:
            c.execute("INSERT INTO workflow (tbl, id, doc) VALUES (%s, %s, %s)", (table, new["id"], _json(new)))
            self.db.bump(c, table)
        return new

    def get(self, table: str, id) -> dict | None:
        with self.db.connection() as c:
            return self._one(c, table, str(id))

    def update(self, table: str, id, fields: dict) -> dict:
        with self.db.transaction() as c:
            row = c.execute("UPDATE workflow SET doc = doc || %s WHERE tbl = %s AND id = %s RETURNING doc",
                            (_json(fields), table, str(id))).fetchone()
            if row is None:
                raise NotFound(f"no {table} entry with id {id}")
            self.db.bump(c, table)
        return row[0]

    def update_with(self, table: str, id, change: Callable[[dict], dict]) -> dict:
        """Read (locking the row) and update in one transaction: a concurrent change waits."""
        with self.db.transaction() as c:
            old = self._one(c, table, str(id), lock=True)
            if old is None:
                raise NotFound(f"no {table} entry with id {id}")
            fields = {k: v for k, v in change(old).items() if k != "id"}
            doc = c.execute("UPDATE workflow SET doc = doc || %s WHERE tbl = %s AND id = %s RETURNING doc",
                            (_json(fields), table, str(id))).fetchone()[0]
            self.db.bump(c, table)
        return doc

    def remove(self, table: str, id) -> None:
        with self.db.transaction() as c:
            if c.execute("DELETE FROM workflow WHERE tbl = %s AND id = %s RETURNING id", (table, str(id))).fetchone() is None:
                raise NotFound(f"no {table} entry with id {id}")
            self.db.bump(c, table)

    def all(self, table: str) -> list[dict]:
        with self.db.connection() as c:
            return [r[0] for r in c.execute("SELECT doc FROM workflow WHERE tbl = %s ORDER BY seq", (table,))]

    def find(self, table: str, equals: dict) -> list[dict]:
        with self.db.connection() as c:
            return [r[0] for r in c.execute("SELECT doc FROM workflow WHERE tbl = %s AND doc @> %s ORDER BY seq",
                                            (table, _json(equals)))]

    def upsert_with(self, table: str, match: dict, new_doc: dict, change: Callable[[dict], dict]) -> tuple[dict, bool]:
        """Insert `new_doc`, or when a document matches `match`, update it with `change(old)`:
        one transaction, race-free across companions. (doc, created)."""
        new = dict(new_doc)
        new["id"] = secrets.token_hex(6)
        unique = UNIQUE_BY.get(table)
        with self.db.transaction() as c:
            if unique and set(unique) == set(match):
                row = c.execute("INSERT INTO workflow (tbl, id, doc) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING "
                                "RETURNING doc", (table, new["id"], _json(new))).fetchone()
                if row is not None:
                    self.db.bump(c, table)
                    return row[0], True
            else:  # no unique index to lean on: serialise upserts of this match instead
                ident = json.dumps([table, match], sort_keys=True, default=str)
                c.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (ident,))
            row = c.execute("SELECT id, doc FROM workflow WHERE tbl = %s AND doc @> %s ORDER BY seq LIMIT 1 FOR UPDATE",
                            (table, _json(match))).fetchone()
            if row is None:
                c.execute("INSERT INTO workflow (tbl, id, doc) VALUES (%s, %s, %s)", (table, new["id"], _json(new)))
                self.db.bump(c, table)
                return new, True
            fields = {k: v for k, v in change(row[1]).items() if k != "id"}
            doc = c.execute("UPDATE workflow SET doc = doc || %s WHERE tbl = %s AND id = %s RETURNING doc",
                            (_json(fields), table, row[0])).fetchone()[0]
            self.db.bump(c, table)
            return doc, False

    def insert_new(self, table: str, key: str, docs: list[dict]) -> list[dict]:
        """Insert the documents whose `key` no document of the table holds: one statement, the
        table's unique index deciding (INSERT ... ON CONFLICT DO NOTHING), so two companions
        inserting the same key at once insert it once. The documents inserted."""
        if UNIQUE_BY.get(table) != (key,):
            raise StorageError(f"no unique index on {table}.{key}: insert_new needs one")
        new = [dict(d, id=secrets.token_hex(6)) for d in docs]
        if not new:
            return []
        with self.db.transaction() as c:
            rows = c.execute("INSERT INTO workflow (tbl, id, doc) SELECT %s, d->>'id', d "
                             "FROM jsonb_array_elements(%s) WITH ORDINALITY AS e(d, n) ORDER BY n "
                             "ON CONFLICT DO NOTHING RETURNING doc", (table, Jsonb(new, dumps=dumps))).fetchall()
            if rows:
                self.db.bump(c, table)
        return [r[0] for r in rows]

    # -- the site profile ------------------------------------------------------------------

    def profile(self) -> dict | None:
        with self.db.connection() as c:
            row = c.execute("SELECT value FROM meta WHERE name = %s", (PROFILE,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_profile(self, data: dict, *, only_if_missing: bool = False) -> bool:
        """Store the team's profile; with `only_if_missing`, keep one already there. True if written."""
        with self.db.transaction() as c:
            if only_if_missing:
                c.execute("SELECT pg_advisory_xact_lock(hashtextextended('tierlink profile', 0))")
                if c.execute("SELECT 1 FROM meta WHERE name = %s", (PROFILE,)).fetchone():
                    return False
            c.execute("INSERT INTO meta (name, value) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                      (PROFILE, json.dumps(data, ensure_ascii=False)))
            self.db.bump(c, PROFILE)
        return True


def _json(doc: dict) -> Jsonb:
    return Jsonb(doc, dumps=dumps)
