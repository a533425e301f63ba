"""The store in team mode: the same façade, the shared data in PostgreSQL.

`open_team(home, url)` opens the Store façade (companion.store.store) over
companion.store.pgstore's BacklinkDB and `TeamWorkflow`, an adapter giving pgstore's
Workflow the workflow interface the embedded TinyWorkflow has (companion.store.interface).
The merge and scoring rules are the façade's, the same in either mode. What stays in the
data home (the API token, serve.lock, the uploads folder) is not the store's business
and is unchanged.

What differs from the embedded store, and why:

* No file locks and no re-reading of workflow.json: the database serialises writers
  and every read sees what was committed, by this companion or another.
* `table_versions` asks the database (a counter per table, bumped by every change in
  the same transaction), so the caches keyed on it (placement counts, the verdicts'
  placement hosts) see another member's placement at once.
* The site profile is a row of the database (the whole team's), not profile.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from companion.core.errors import BadInput, StorageError
from companion.store import pgstore
from companion.store.interface import ScorerSource
from companion.store.store import Store, make_home
from companion.store.workflow import table_name


def open_team(home: Path, url: str, *, scorer: ScorerSource | None = None) -> Store:
    """The Store of `home` with its shared data in the PostgreSQL database at `url` (schema
    created or migrated first; `schema_created` says whether this open created it)."""
    home = make_home(home)
    db = pgstore.Database(url)
    db.open()
    try:
        created = db.migrate()
    except BaseException:
        db.close()
        raise
    return Store(home, pgstore.BacklinkDB(db), TeamWorkflow(db), scorer=scorer, backend="postgresql",
                 where=db.where, schema_created=created)


class TeamWorkflow:
    """The workflow tables and the profile in the team database (pgstore.Workflow), behind the
    interface of the embedded TinyWorkflow. It owns the connection pool: closing it closes
    the database for the whole store (the backlink half shares the pool)."""

    def __init__(self, db: pgstore.Database):
        self._db = db
        self._wf = pgstore.Workflow(db)
        self.table_versions = pgstore.Versions(db)
        self._closed = False

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._db.close()

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("the store is closed")

    def insert(self, table: str, doc: dict) -> dict:
        if not isinstance(doc, dict):
            raise BadInput("a document must be an object")
        self._check_open()
        return self._wf.insert(table_name(table), doc)

    def get(self, table: str, id) -> dict | None:
        self._check_open()
        return self._wf.get(table_name(table), id)

    def update(self, table: str, id, fields: dict) -> dict:
        if not isinstance(fields, dict):
            raise BadInput("fields must be an object")
        self._check_open()
        return self._wf.update(table_name(table), id, {k: v for k, v in fields.items() if k != "id"})

    def remove(self, table: str, id) -> None:
        self._check_open()
        self._wf.remove(table_name(table), id)

    def all(self, table: str) -> list[dict]:
        self._check_open()
        return self._wf.all(table_name(table))

    def find(self, table: str, **equals) -> list[dict]:
        self._check_open()
        return self._wf.find(table_name(table), equals)

    def upsert_with(self, table: str, match: dict, new_doc: dict, change: Callable[[dict], dict]) -> tuple[dict, bool]:
        self._check_open()
        return self._wf.upsert_with(table_name(table), match, new_doc, change)

    def upsert_many(self, table: str, key: str, docs: list[dict]) -> int:
        """One SQL upsert each (no file to rewrite here): how many were written."""
        for doc in docs:
            fields = {k: v for k, v in doc.items() if k != key}
            self.upsert_with(table, {key: doc[key]}, dict(doc), lambda old, fields=fields: fields)
        return len(docs)

    def insert_new(self, table: str, key: str, docs: list[dict]) -> list[dict]:
        self._check_open()
        return self._wf.insert_new(table_name(table), key, docs)

    def update_with(self, table: str, id, change: Callable[[dict], dict]) -> dict:
        self._check_open()
        return self._wf.update_with(table_name(table), id, change)

    def profile_data(self) -> dict | None:
        """The profile stored in the database (None before anyone set one)."""
        self._check_open()
        return self._wf.profile()

    def set_profile_data(self, data: dict, *, only_if_missing: bool = False) -> bool:
        self._check_open()
        return self._wf.set_profile(data, only_if_missing=only_if_missing)
