"""The Store in team mode: the same public interface, the shared data in PostgreSQL.

`Store.open(home, database=URL)` returns a TeamStore. It keeps every public method of
the embedded Store and its merge and scoring rules (inherited: they only talk to
`self._bl`, which here is companion.store.pgstore's BacklinkDB), and replaces what was
TinyDB's: the workflow tables go to companion.store.pgstore's Workflow, the profile too.
What stays in the data home (the API token, serve.lock, the uploads folder) is not
the store's business and is unchanged.

What differs from the embedded store, and why:

* No file locks and no re-reading of workflow.json: the database serialises writers
  and every read sees what was committed, by this companion or another.
* `table_versions` asks the database (a counter per table, bumped by every change in
  the same transaction), so the caches keyed on it (placement counts here, the
  verdicts' placement hosts) see another member's placement at once.
* `is_placement_page` is an indexed query instead of a set built once.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from companion.store import pgstore
from companion.core.errors import BadInput, StorageError
from companion.store.backups import META
from companion.store.store import Store
from companion.store.tier1 import key_of
from companion.store.workflow import TABLE_NAME


class TeamStore(Store):
    backend = "postgresql"

    @classmethod
    def open_database(cls, home: Path, url: str) -> "TeamStore":
        self = cls(home)
        try:
            self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StorageError(f"cannot create the data home {self.home}: {exc.strerror or exc}") from None
        db = pgstore.Database(url)
        db.open()
        try:
            self.schema_created = db.migrate()
        except BaseException:
            db.close()
            raise
        self._pg = db
        self._bl = pgstore.BacklinkDB(db)
        self._wf = pgstore.Workflow(db)
        self.table_versions = pgstore.Versions(db)
        self.where = db.where
        return self

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._pg.close()

    def check_in_background(self) -> None:
        """No file to check: the database server keeps its own pages sound."""

    def problem(self) -> dict | None:
        return self._pg.problem()

    def explain(self, exc: BaseException) -> StorageError | None:
        return None

    # the database does what the embedded store's locks and file checks do
    @contextmanager
    def _reading(self):
        self._check_open()
        yield

    @contextmanager
    def _mutating(self):
        self._check_open()
        yield

    def _sync(self) -> None:
        pass

    # -- workflow tables ---------------------------------------------------------------------

    @staticmethod
    def _name(table: str) -> str:
        if not isinstance(table, str) or not TABLE_NAME.match(table) or table == META:
            raise BadInput(f"no table named {table!r}")
        return table

    def insert(self, table: str, doc: dict) -> dict:
        if not isinstance(doc, dict):
            raise BadInput("a document must be an object")
        self._check_open()
        return self._wf.insert(self._name(table), doc)

    def get(self, table: str, id) -> dict | None:
        self._check_open()
        return self._wf.get(self._name(table), id)

    def update(self, table: str, id, fields: dict) -> dict:
        if not isinstance(fields, dict):
            raise BadInput("fields must be an object")
        self._check_open()
        return self._wf.update(self._name(table), id, {k: v for k, v in fields.items() if k != "id"})

    def remove(self, table: str, id) -> None:
        self._check_open()
        self._wf.remove(self._name(table), id)

    def all(self, table: str) -> list[dict]:
        self._check_open()
        return self._wf.all(self._name(table))

    def find(self, table: str, **equals) -> list[dict]:
        self._check_open()
        return self._wf.find(self._name(table), equals)

    def upsert(self, table: str, match: dict, doc: dict) -> tuple[dict, bool]:
        return self.upsert_with(table, match, {**match, **doc}, lambda old: doc)

    def upsert_with(self, table: str, match: dict, new_doc: dict, change: Callable[[dict], dict]) -> tuple[dict, bool]:
        self._check_open()
        return self._wf.upsert_with(self._name(table), match, new_doc, change)

    def update_with(self, table: str, id, change: Callable[[dict], dict]) -> dict:
        self._check_open()
        return self._wf.update_with(self._name(table), id, change)

    def is_placement_page(self, key: str) -> bool:
        """An indexed lookup of `from_key` (placements.add always sets it); documents
        inserted without one are matched by their `from_url`, as the embedded store does."""
        self._check_open()
        if self._wf.is_placement_page(key):
            return True
        return any(key_of(url) == key for url in self._wf.placement_urls_without_key())

    # -- the team's profile ----------------------------------------------------------------

    def profile_data(self) -> dict | None:
        """The profile stored in the database (None before anyone set one)."""
        self._check_open()
        return self._wf.profile()

    def set_profile_data(self, data: dict, *, only_if_missing: bool = False) -> bool:
        self._check_open()
        return self._wf.set_profile(data, only_if_missing=only_if_missing)
