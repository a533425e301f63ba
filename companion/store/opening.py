"""Which store a data home works with: the embedded one, or team mode's PostgreSQL.

Apart from both because team mode's module builds on the façade (it opens the same
Store over PostgreSQL): choosing between them inside `Store.open` made the two modules
import each other.
"""

from __future__ import annotations

from pathlib import Path

from companion.core import team
from companion.store.interface import ScorerSource
from companion.store.store import Store


def open_store(home: Path, database: str | None = None, *, scorer: ScorerSource | None = None) -> Store:
    """The store for `home`: with a database URL (`database`, else $TIERLINK_DATABASE) the shared
    data lives in that PostgreSQL database (companion.store.teamstore) and `home` holds what stays
    on each machine; else the embedded store in `home` (Store.open). `scorer`: the verdicts'
    scorer in force, asked before each backlink write (see Store.open)."""
    database = team.resolve_database(database)
    if database is not None:
        from companion.store.teamstore import open_team

        return open_team(home, database, scorer=scorer)
    return Store.open(home, scorer=scorer)
