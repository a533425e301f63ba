"""Which store a data home works with: the embedded one, or team mode's PostgreSQL.

Apart from both stores because the team store is a subclass of the embedded one
(it keeps its merge and scoring rules): choosing between them inside `Store.open`
made the two modules import each other.
"""

from __future__ import annotations

from pathlib import Path

from companion.core import team
from companion.store.store import Store


def open_store(home: Path, database: str | None = None) -> Store:
    """The store for `home`: with a database URL (`database`, else $TIERLINK_DATABASE) the shared
    data lives in that PostgreSQL database (companion.store.teamstore) and `home` holds what stays
    on each machine; else the embedded store in `home` (Store.open)."""
    database = team.resolve_database(database)
    if database is not None:
        from companion.store.teamstore import TeamStore

        return TeamStore.open_database(home, database)
    return Store.open(home)
