"""The workflow tables of the embedded store (TinyDB, `workflow.json`): candidates,
placements, settings and any table a feature adds, through one generic API.

Small, human-readable and written on every one-click save: what TinyDB is for. TinyDB
is not thread-safe and waitress serves with threads: one `RLock` guards the workflow,
and a lock file serialises its read-modify-writes with other processes on the same
home (the CLI while `tierlink serve` runs); a file another process replaced is read
again before the next read or write.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from tinydb import Query, TinyDB

from companion.core.atomic import file_stamp
from companion.core.errors import BadInput, NotFound, StorageError
from companion.store.backups import META, WORKFLOW_FILE, AtomicJSONStorage, migrate, open_document

LOCK_FILE = ".store.lock"
WORKFLOW_TABLES = ("candidates", "placements", "settings")
TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def table_name(name: str) -> str:
    """`name` if it can name a workflow table (both stores' rule), else BadInput."""
    if not isinstance(name, str) or not TABLE_NAME.match(name) or name == META:
        raise BadInput(f"no table named {name!r}")
    return name


class TinyWorkflow:
    """The workflow tables of one data home in `workflow.json` (see the module docstring).

    `check_writable` is called before every write: the façade stops the workflow's writes
    too while the backlink database is damaged. Damaged files restored from a backup on
    opening or re-reading are reported in `notices` (the store's restored_from_backup).
    """

    def __init__(self, home: Path, notices: list[str], check_writable: Callable[[], None] = lambda: None):
        self.home = Path(home)
        self.notices = notices
        self.check_writable = check_writable
        self._versions: dict[str, int] = {}  # per workflow table ("placements", ...)
        self._lock = threading.RLock()
        self._closed = False
        self._id_index: dict[str, dict[str, int]] = {}
        self._flock_depth = 0
        self._flock_fd: int | None = None
        path = self.home / WORKFLOW_FILE
        doc = open_document(path, "workflow", notices)
        doc, changed = migrate(doc or {}, "workflow", path)
        for name in WORKFLOW_TABLES:
            doc.setdefault(name, {})
        self._db = TinyDB(str(path), storage=AtomicJSONStorage, data=doc)
        if changed and path.exists():
            self._db.storage.write(doc)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def _check_open(self):
        if self._closed:
            raise StorageError("the store is closed")

    @property
    def table_versions(self) -> dict[str, int]:
        """A counter per table, bumped by every change (another process's too: read after a sync)."""
        with self._reading():
            return self._versions

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
            self.check_writable()  # a damaged backlink database stops every write, the workflow's too
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
        """Reload workflow.json if another process replaced it since we read or wrote it (a stat per call).

        A fresh TinyDB over the document read: TinyDB caches each table's documents and its
        next document id, and after another process inserted, the cached id is taken
        ("already exists"); a new instance starts with no cache, through TinyDB's public API.
        """
        if self._closed:
            return
        storage = self._db.storage
        if file_stamp(storage.path) != storage.stamp:
            doc = open_document(storage.path, "workflow", self.notices)
            if doc is not None:
                doc, _ = migrate(doc, "workflow", storage.path)
                for name in WORKFLOW_TABLES:
                    doc.setdefault(name, {})
                self._db = TinyDB(str(storage.path), storage=AtomicJSONStorage, data=doc)
                self._id_index.clear()
                for name in WORKFLOW_TABLES:
                    self._versions[name] = self._versions.get(name, 0) + 1

    # -- workflow tables ---------------------------------------------------------------

    def _table(self, name: str):
        return self._db.table(table_name(name))

    def _doc_id(self, table: str, id) -> int | None:
        index = self._id_index.get(table)
        if index is None:
            index = {doc.get("id"): doc.doc_id for doc in self._table(table).all()}
            self._id_index[table] = index
        return index.get(str(id))

    def _changed(self, table: str) -> None:
        self._id_index.pop(table, None)
        self._versions[table] = self._versions.get(table, 0) + 1

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

    def upsert_with(self, table: str, match: dict, new_doc: dict, change: Callable[[dict], dict]) -> tuple[dict, bool]:
        """Insert `new_doc`, or update the first document matching `match` with `change(old)`,
        as one step no other writer can come between: (doc, created)."""
        with self._mutating():
            found = self.find(table, **match)
            if found:
                return self.update(table, found[0]["id"], change(found[0])), False
            return self.insert(table, new_doc), True

    def upsert_many(self, table: str, key: str, docs: list[dict]) -> int:
        """Insert or update (by the field `key`) many documents at once: one file write for the
        updates and one for the new documents, where a run that keeps hundreds of small documents
        (the recheck's indexability verdicts) would otherwise rewrite the whole file once per
        document. How many were written."""
        if not all(isinstance(d, dict) and d.get(key) is not None for d in docs):
            raise BadInput(f"every document must be an object with '{key}'")
        if not docs:
            return 0
        with self._mutating():
            t = self._table(table)
            existing = {doc.get(key) for doc in t.all()}
            changed = {d[key]: {k: v for k, v in d.items() if k != "id"} for d in docs if d[key] in existing}
            new = [dict(d, id=secrets.token_hex(6)) for d in docs if d[key] not in existing]

            def write():  # one pass over the table for the updates, one append for the new ones
                if changed:
                    t.update(lambda doc: doc.update(changed[doc[key]]), lambda doc: doc.get(key) in changed)
                if new:
                    t.insert_multiple(new)

            self._write(table, write)
            return len(docs)

    def insert_new(self, table: str, key: str, docs: list[dict]) -> list[dict]:
        """Insert the documents whose `key` no document of the table holds (nor an earlier one of
        `docs`), as one step no other writer (thread or process: the lock file) can come between.
        The documents inserted."""
        if not all(isinstance(d, dict) and d.get(key) is not None for d in docs):
            raise BadInput(f"every document must be an object with '{key}'")
        with self._mutating():
            t = self._table(table)
            taken = {doc.get(key) for doc in t.all()}
            new = []
            for d in docs:
                if d[key] not in taken:
                    taken.add(d[key])
                    new.append(dict(d, id=secrets.token_hex(6)))
            if new:
                self._write(table, lambda: t.insert_multiple(new))
            return [dict(d) for d in new]

    def update_with(self, table: str, id, change: Callable[[dict], dict]) -> dict:
        """Update a document with `change(current)`, read and written as one step (NotFound if absent)."""
        with self._mutating():
            current = self.get(table, id)
            if current is None:
                raise NotFound(f"no {table} entry with id {id}")
            return self.update(table, id, change(current))

    # -- the profile: a file of the data home in solo mode, not the store's -------------------

    def profile_data(self) -> dict | None:
        """None: a solo home keeps its profile in profile.json (companion.analysis.profile)."""
        return None

    def set_profile_data(self, data: dict, *, only_if_missing: bool = False) -> bool:
        raise StorageError("a solo data home keeps its profile in profile.json, not in the store")
