"""A big import builds the backlinks' secondary indexes once, at its end, and leaves what a row-by-row import leaves.

Why: inserted row by row, each secondary index of `backlinks` takes the rows in its own
key order; past the import's page cache every insert reads and writes back a leaf of each,
and the import grew faster than its rows (docs/BENCHMARKS.md, issue 25). So once an import
has written more rows than the table held (sqlstore.DEFER_INDEXES_FROM at least), it drops
the indexes it does not read inside its transaction and makes them again before it commits.
What is stored must be the same as with the indexes kept, the schema the same as a new
store's, other connections must never see the table without its indexes, and an import
that fails must leave the indexes and the rows as they were.

The threshold is lowered here (a module setting, as a 50,000-row floor would make the test
slow); the bench (scripts/bench_import.py) runs the real one.
"""

from __future__ import annotations

import sqlite3

import pytest

from companion.store import sqlstore

from conftest import FIXTURES

SAMPLES = FIXTURES / "exports"


def rows(n: int, start: int = 0) -> list[dict]:
    """`n` links from as many pages, with the fields the deferred indexes are made of."""
    return [{"source_url": f"https://site{i % 997}.test/post/{i}-{'widget' if i % 3 else 'garden'}",
             "target_url": f"https://www.example.com/page-{i % 13}",
             "anchor": ["example shop", "click here", f"widget {i % 7}", ""][i % 4],
             "rel": ["nofollow"] if i % 5 == 0 else [],
             "status": "lost" if i % 11 == 0 else "live",
             "lost_at": "2025-11-02" if i % 11 == 0 else None,
             "first_seen": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:{i % 60:02d}:00",
             "last_seen": f"2025-11-{1 + i % 28:02d}",
             "metrics": {"domain_rating": i % 90}} for i in range(start, start + n)]


def tables(home) -> dict:
    """Every stored row that an import writes, the indexes' definitions, and SQLite's check of them."""
    conn = sqlite3.connect(home / "backlinks.sqlite")
    try:
        out = {name: conn.execute(f"SELECT * FROM {name} ORDER BY 1, 2, 3, 4").fetchall()
               for name in ("backlinks", "tier1", "list_counts", "backlink_tools")}
        out["indexes"] = sorted(conn.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'"))
        out["check"] = conn.execute("PRAGMA integrity_check").fetchall()
        conn.execute("INSERT INTO backlinks_text (backlinks_text, rank) VALUES ('integrity-check', 1)")  # raises if off
        out["words"] = conn.execute("SELECT count(*) FROM backlinks_text WHERE backlinks_text MATCH 'widget'").fetchone()
    finally:
        conn.close()
    return out


def index_names(home) -> list[str]:
    conn = sqlite3.connect(home / "backlinks.sqlite")
    try:
        return sorted(n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'"))
    finally:
        conn.close()


def test_a_deferred_import_stores_what_a_row_by_row_one_does(tmp_path, monkeypatch):
    from companion.workspace import Workspace

    homes = {}
    for name, threshold in (("kept", 10**9), ("deferred", 1000)):
        monkeypatch.setattr(sqlstore, "DEFER_INDEXES_FROM", threshold)
        ws = Workspace(tmp_path / name)
        ws.set_profile({"domains": ["example.com"]})
        ws.import_files([SAMPLES / "ahrefs-v3.csv"])
        seen = []
        # 12,000 rows in batches of 5,000: the first batch is written with the indexes, then they go
        ws.store.merge_backlinks(rows(12_000), "csv", progress=lambda done: seen.append(index_names(ws.home)))
        # a second import over the same pages (updates) and new ones (fewer than the table holds: no deferring)
        ws.store.merge_backlinks(rows(9_000, start=6_000), "majestic")
        ws.close()
        homes[name] = tables(tmp_path / name)
        # another connection reading during the import sees every index (the snapshot before it)
        assert seen and all(names == seen[0] for names in seen)
        assert set(sqlstore._DEFERRED_INDEXES) < set(seen[0])
    kept, deferred = homes["kept"], homes["deferred"]
    assert deferred["check"] == [("ok",)]
    assert kept["backlinks"] and len(kept["backlinks"]) == len(deferred["backlinks"])
    for name in ("backlinks", "tier1", "list_counts", "backlink_tools", "indexes", "words"):
        assert deferred[name] == kept[name], name
    new = tmp_path / "new"
    fresh = Workspace(new)
    fresh.store.backlink_count()  # (the store is made when first used)
    fresh.close()
    assert tables(new)["indexes"] == deferred["indexes"]  # the schema of a new store


def test_a_failed_import_leaves_the_indexes_and_rows_as_they_were(tmp_path, monkeypatch):
    from companion.core.errors import BadInput
    from companion.workspace import Workspace

    monkeypatch.setattr(sqlstore, "DEFER_INDEXES_FROM", 1000)
    ws = Workspace(tmp_path / "home")
    ws.set_profile({"domains": ["example.com"]})
    ws.import_files([SAMPLES / "ahrefs-v3.csv"])
    before = tables(ws.home)
    bad = rows(11_000) + [{"source_url": "not a url", "target_url": "https://www.example.com/"}]  # the third batch
    with pytest.raises(BadInput):
        ws.store.merge_backlinks(bad, "csv")
    assert tables(ws.home) == before
    # and the store goes on: the next import (deferring again) and a visit's write through the kept indexes
    ws.store.merge_backlinks(rows(6_000), "csv")
    ws.analyze("https://new-linker.test/widget-post",
               '<html><body><main><p><a href="https://www.example.com/">a widget shop</a></p></main></body></html>')
    ws.close()
    after = tables(ws.home)
    assert after["check"] == [("ok",)] and after["indexes"] == before["indexes"]
    assert len(after["backlinks"]) == len(before["backlinks"]) + 6_001
