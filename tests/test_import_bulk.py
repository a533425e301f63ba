"""An import writes the backlink list's words, tools and counts set-based, and leaves them as the triggers would.

Why: for the length of an import the store sets its row-by-row insert trigger aside and
writes each batch's words (FTS), tools and counts with one statement each
(sqlstore.BacklinkDB.bulk: the trigger was three quarters of an insert's cost). What it
writes must equal what the trigger keeps for every later write, the trigger must be back
after the import (a visit's new link is listed by it), and an import that fails must
leave the schema and the list as they were.
"""

from __future__ import annotations

import sqlite3

import pytest

from conftest import FIXTURES

SAMPLES = FIXTURES / "exports"


def lists(home) -> dict:
    """The kept list tables, and what they should hold recounted from the records themselves."""
    conn = sqlite3.connect(home / "backlinks.sqlite")  # (the FTS integrity check is written as an insert)
    try:
        kept_counts = sorted(r for r in conn.execute("SELECT tool, status, follow, n FROM list_counts") if r[3])
        recounted = sorted(conn.execute(
            "SELECT '', status, follow, count(*) FROM backlinks GROUP BY status, follow UNION ALL "
            "SELECT tool, status, follow, count(*) FROM (SELECT DISTINCT b.id, j.value AS tool, b.status, b.follow "
            "FROM backlinks b, json_each(b.record, '$.origins') j WHERE j.type = 'text') GROUP BY tool, status, follow"))
        tools = sorted(conn.execute("SELECT tool, status, follow, id FROM backlink_tools"))
        derived = sorted(set(conn.execute(
            "SELECT j.value, b.status, b.follow, b.id FROM backlinks b, json_each(b.record, '$.origins') j "
            "WHERE j.type = 'text'")))
        conn.execute("INSERT INTO backlinks_text (backlinks_text, rank) VALUES ('integrity-check', 1)")  # raises if off
        words = conn.execute("SELECT count(*) FROM backlinks_text WHERE backlinks_text MATCH 'widget'").fetchone()[0]
        scanned = conn.execute("SELECT count(*) FROM backlinks WHERE words LIKE '%widget%'").fetchone()[0]
        triggers = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    finally:
        conn.close()
    return {"counts": (kept_counts, recounted), "tools": (tools, derived), "words": (words, scanned),
            "triggers": triggers}


def same(state: dict) -> None:
    assert state["counts"][0] == state["counts"][1]
    assert state["tools"][0] == state["tools"][1]
    assert state["words"][0] > 0 and state["words"][0] >= state["words"][1] // 2
    assert state["triggers"] == ["backlinks_listed", "backlinks_relisted", "backlinks_unlisted"]


def test_imports_of_several_tools_keep_the_list_tables_as_the_triggers_would(ws):
    for name in ("ahrefs-v3.csv", "semrush-backlinks.csv", "majestic-backlinks.csv", "ahrefs-v3.csv"):
        ws.import_files([SAMPLES / name])
        same(lists(ws.home))
    # a visit's new link goes in through the trigger again: listed, counted
    before = lists(ws.home)["counts"][0]
    ws.analyze("https://new-linker.test/widget-post",
               '<html><body><main><p><a href="https://www.example.com/">a widget shop</a></p></main></body></html>')
    after = lists(ws.home)
    same(after)
    assert sum(n for t, _, _, n in after["counts"][0] if t == "") == sum(n for t, _, _, n in before if t == "") + 1


def test_an_import_that_fails_leaves_the_schema_and_the_list_as_they_were(ws, tmp_path):
    from companion.core.errors import BadInput

    ws.import_files([SAMPLES / "ahrefs-v3.csv"])
    before = lists(ws.home)
    rows = [{"source_url": f"https://good-{i}.test/p", "target_url": "https://www.example.com/"} for i in range(7000)]
    rows.append({"source_url": "not a url", "target_url": "https://www.example.com/"})  # the second batch fails
    with pytest.raises(BadInput):
        ws.store.merge_backlinks(rows, "csv")
    assert lists(ws.home) == before
    same(before)
