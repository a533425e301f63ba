"""Each fact read once per request: the store calls one analysis of a tier-1 page makes.

Measured, not mocked: the real store (a SQLite home, and a real PostgreSQL database from
tests/pgutil.py) answers every call; the test only wraps the methods of the backlink
database and the workflow store, and in team mode the pool's `getconn` and the database's
version query, with counters (`Counting`). What it holds the analysis to (issue 25):

* every backlink-database question is asked at most once per request: the page's
  records and its tier-1 row once (together), the tier-1 hosts and pages among its
  links once each (one batch each, whatever the number of hosts);
* team mode: one connection checked out of the pool for the whole request, and the
  workflow tables' versions read once; and the SQL statements PostgreSQL runs (psycopg's
  `Cursor.execute`/`executemany`, counted the same way): no statement twice, and no more
  than one per kind of fact (STATEMENTS): each round trip costs more than most answers.
"""

from __future__ import annotations

from collections import Counter

import pytest

import psycopg

from companion.workspace import Workspace
from pgutil import pg_cluster, pg_url  # noqa: F401  (fixtures)

# The kinds of fact this visit of the tier-1 page asks PostgreSQL for, one statement each: the
# workflow versions (with whether a tier-1 page waits for its score), the page's records (with
# its own tier-1 row), the hosts among its links holding a tier-1 page, the tier-1 pages among
# those links, the kept indexability verdicts (read again once: the first visit recorded the
# page's), the relevance search (with the suggested pages' rows). (On main, 17 here: the
# search alone was six, the placements two, the unscored check and the page's row one more each.)
STATEMENTS = 6

PROFILE = {"domains": ["example.com"], "competitors": ["rival.test"]}
PAGE_URL = "https://blog.test/posts/garden-tools"
OTHER_TIER1 = ["https://news.test/a", "https://forum.test/t/1", "https://wiki.test/Garden"]


class Counting:
    """A measuring instrument around a real object: every method call is counted by name (and,
    for the workflow tables, the table it reads: two tables are two facts) and passed on
    unchanged to the object, which answers it."""

    def __init__(self, target, calls: Counter, prefix: str = ""):
        self._target = target
        self._calls = calls
        self._prefix = prefix

    def __getattr__(self, name):
        value = getattr(self._target, name)
        if not callable(value):
            return value
        calls, label = self._calls, self._prefix + name

        def counted(*args, **kwargs):
            table = args[0] if self._prefix == "workflow." and name in _TABLE_METHODS and args else None
            calls[f"{label}({table})" if table else label] += 1
            return value(*args, **kwargs)
        return counted


_TABLE_METHODS = {"all", "find", "get", "insert", "update", "remove", "upsert", "upsert_with", "update_with",
                  "upsert_many"}


def _counted(method, calls: Counter, name: str):
    def counted(*args, **kwargs):
        calls[name] += 1
        return method(*args, **kwargs)
    return counted


def _backlink(source: str, target: str = "https://example.com/pricing") -> dict:
    return {"source_url": source, "target_url": target, "anchor": "garden tools", "rel": [], "follow": True,
            "status": "live", "first_seen": "2026-01-01", "last_seen": "2026-11-01", "metrics": {"domain_rating": 40}}


def _page() -> str:
    """A tier-1 page: my link in the content, links to three other tier-1 pages on three hosts,
    their sites' home pages, its own navigation, and hosts the store knows nothing of."""
    links = "".join(f'<p><a href="{u}">a tier-1 page</a> and <a href="{u.split("/")[0]}//{u.split("/")[2]}/">its site</a></p>'
                    for u in OTHER_TIER1)
    links += "".join(f'<p><a href="https://unknown{i}.test/x">elsewhere {i}</a></p>' for i in range(10))
    nav = "".join(f'<a href="/posts/{i}">post {i}</a>' for i in range(10))
    return (f"<html><head><title>Garden tools we love</title></head><body><nav>{nav}</nav><main><article>"
            + "<p>Words about garden tools and soil. </p>" * 20
            + f'<p>See <a href="https://example.com/pricing">garden tools</a>.</p>{links}</article></main></body></html>')


def _workspace(home, database=None) -> Workspace:
    ws = Workspace(home, database=database)
    ws.set_profile(PROFILE)
    ws.store.merge_backlinks([_backlink(PAGE_URL)] + [_backlink(u) for u in OTHER_TIER1], origin="ahrefs")
    return ws


def _measure(ws: Workspace, instrument=None) -> tuple[Counter, dict]:
    """The calls of one analysis of the tier-1 page, after a first one (caches warm, the
    page's links recorded): a visit with no change, the common case. `instrument()`: more
    counters to set just before it, giving a function that takes them off."""
    ws.analyze(PAGE_URL, _page())
    calls: Counter = Counter()
    store = ws.store
    store._bl = Counting(store._bl, calls)
    store._wf = Counting(store._wf, calls, "workflow.")
    undo = instrument() if instrument else None
    try:
        result = ws.analyze(PAGE_URL, _page())
    finally:
        store._bl = store._bl._target
        store._wf = store._wf._target
        if undo:
            undo()
    return calls, result


def _check_result(result: dict) -> None:
    assert "tier1" in result["labels"] and result["changes"] == []
    tier1_targets = {l["href"] for l in result["links"] if l["target"] == "tier1"}
    assert tier1_targets == set(OTHER_TIER1)  # the batch answers what the page-by-page questions did
    assert result["boost"] is not None


def _check_each_fact_once(calls: Counter) -> None:
    repeated = {name: n for name, n in calls.items() if n > 1}
    assert not repeated, f"read more than once in one request: {repeated} (all calls: {dict(calls)})"
    assert calls["page"] == 1, dict(calls)  # the page's records and tier-1 row: read once, kept after any write
    assert "tier1" not in calls, dict(calls)  # ... so its boost verdict asks nothing more


def test_solo_reads_each_fact_once(home):
    ws = _workspace(home)
    try:
        calls, result = _measure(ws)
    finally:
        ws.close()
    _check_result(result)
    _check_each_fact_once(calls)


def test_team_reads_each_fact_once_on_one_connection(tmp_path, pg_url):
    ws = _workspace(tmp_path / "home", pg_url)
    try:
        db = ws.store._wf._db
        pool_calls: Counter = Counter()
        versions: Counter = Counter()
        real_pool = db.pool
        # the version reads, by the name of the method that asks the database for them
        name = "versions_from_database" if hasattr(type(db), "versions_from_database") else "version"
        real_method = getattr(type(db), name)

        statements: Counter = Counter()
        real_execute = {m: getattr(psycopg.Cursor, m) for m in ("execute", "executemany")}

        def instrument():
            db.pool = Counting(real_pool, pool_calls)
            setattr(type(db), name, _counted(real_method, versions, name))
            for m, real in real_execute.items():
                setattr(psycopg.Cursor, m, _statement_counter(real, statements))

            def undo():
                db.pool = real_pool
                setattr(type(db), name, real_method)
                for m, real in real_execute.items():
                    setattr(psycopg.Cursor, m, real)
            return undo
        calls, result = _measure(ws, instrument)
    finally:
        ws.close()
    _check_result(result)
    _check_each_fact_once(calls)
    assert pool_calls["getconn"] == 1, f"{pool_calls['getconn']} connections checked out for one request"
    assert sum(versions.values()) == 1, f"the workflow versions read {dict(versions)} in one request"
    repeated = {sql: n for sql, n in statements.items() if n > 1}
    assert not repeated, f"the same statement run more than once in one request: {repeated}"
    assert sum(statements.values()) <= STATEMENTS, \
        f"{sum(statements.values())} statements for one verdict (at most {STATEMENTS}): {list(statements)}"


def _statement_counter(real, statements: Counter):
    """psycopg's Cursor.execute (or executemany), counting each SQL text it is given."""
    def counted(cursor, query, *args, **kwargs):
        statements[" ".join(str(query).split())[:120]] += 1
        return real(cursor, query, *args, **kwargs)
    return counted
