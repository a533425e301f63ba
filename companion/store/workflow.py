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
from contextlib import contextmanager
from typing import Callable

from tinydb import Query

from companion.core.atomic import file_stamp
from companion.core.errors import BadInput, NotFound
from companion.store.backups import META, migrate, open_document
from companion.store.tier1 import key_of

LOCK_FILE = ".store.lock"
WORKFLOW_TABLES = ("candidates", "placements", "settings")
TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class WorkflowTables:
    """The workflow half of the embedded Store (its state is set up by Store.__init__/open)."""

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
                doc, _ = migrate(doc, "workflow", wf.path)
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

    def _placements_by_target(self) -> dict[str, int]:
        """How many of my placements point at each tier-1 page (cached per version of the table)."""
        with self._reading():
            version = self.table_versions.get("placements", 0)
            cached = self._placement_counts
            if cached is not None and cached[0] == version:
                return cached[1]
            counts: dict[str, int] = {}
            for doc in self.all("placements"):
                key = doc.get("to_key") or key_of(doc.get("to_url") or "")
                if key:
                    counts[key] = counts.get(key, 0) + 1
            self._placement_counts = (version, counts)
            return counts

    # -- workflow tables ---------------------------------------------------------------

    def _table(self, name: str):
        if not isinstance(name, str) or not TABLE_NAME.match(name) or name == META:
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
                    k = doc.get("from_key") or key_of(doc.get("from_url") or "")
                    if k:
                        keys.add(k)
                self._placement_keys = keys
            return key in keys

