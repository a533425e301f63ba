"""Both backlink databases hold the schema companion.store.schema describes, and agree.

Why: sqlstore's and pgstore's DDL were two sets of strings kept equal by hand, with nothing
comparing them. Now both are generated from one description; these tests open both stores
for real (a SQLite file in a temp home, a throwaway PostgreSQL: tests/pgutil.py) and read
back what each catalog holds (sqlite_master, PRAGMA table_info / index_list / index_info;
information_schema.tables / columns, pg_indexes): every table, column (its type mapped to
the description's neutral type, whether it may be null) and index, against the description
and against each other. What one engine has alone is declared so in the description.

And the drift it found: `source_host` kept the port (`blog.test:8080`) where the store's host
rule drops it, so the list's domain filter missed those rows; a store written before is
migrated.
"""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from companion.store import schema, sqlstore
from companion.store.listing import Page
from companion.store.opening import open_store

# A catalog's type of a column -> the description's neutral type (PostgreSQL: with its collation).
SQLITE_TYPES = {"INTEGER": {"id", "serial", "integer", "bigint", "flag"}, "TEXT": {"text", "sorted_text"},
                "REAL": {"real"}}
POSTGRES_TYPES = {("bigint", None): {"id", "serial", "bigint"}, ("text", None): {"text"}, ("text", "C"): {"sorted_text"},
                  ("integer", None): {"integer"}, ("real", None): {"real"}, ("boolean", None): {"flag"},
                  ("ARRAY", None): {"tags"}, ("tsvector", None): {"tsvector"}, ("jsonb", None): {"json"}}
# the neutral types two engines store alike (the rest differ by design: declared per engine)
SAME_FAMILY = [{"id", "serial", "integer", "bigint"}, {"text", "sorted_text"}, {"real"}, {"flag"}]


def sqlite_catalog(path) -> dict:
    """{"tables": {name: {column: (type, notnull, pk)}}, "indexes": {name: (table, unique, partial)},
    "text": {names of FTS5 tables}} of a SQLite file."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchall()
        text = {name for name, sql in rows if sql.upper().startswith("CREATE VIRTUAL TABLE")}
        shadows = {f"{t}_{s}" for t in text for s in ("data", "idx", "content", "docsize", "config")}
        tables = {}
        indexes = {}
        for name, _ in rows:
            if name in text or name in shadows:
                continue
            tables[name] = {col: (kind, bool(notnull), bool(pk))
                            for _, col, kind, notnull, _, pk in db.execute(f"PRAGMA table_info({name})")}
            for _, index, unique, origin, partial in db.execute(f"PRAGMA index_list({name})"):
                if origin == "c":  # made by CREATE INDEX (not a key's own index)
                    indexes[index] = (name, bool(unique), bool(partial))
        return {"tables": tables, "indexes": indexes, "text": text}
    finally:
        db.close()


def postgres_catalog(url: str) -> dict:
    with psycopg.connect(url) as db:
        tables = {}
        for (name,) in db.execute("SELECT table_name FROM information_schema.tables "
                                  "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"):
            pk = {c for (c,) in db.execute(
                "SELECT k.column_name FROM information_schema.table_constraints t JOIN "
                "information_schema.key_column_usage k USING (constraint_name, table_schema, table_name) "
                "WHERE t.table_schema = 'public' AND t.table_name = %s AND t.constraint_type = 'PRIMARY KEY'", (name,))}
            tables[name] = {col: ((kind, collation), nullable == "NO", col in pk) for col, kind, collation, nullable in db.execute(
                "SELECT column_name, data_type, collation_name, is_nullable FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = %s", (name,))}
        indexes = {}
        for index, table, definition in db.execute(
                "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)"):
            indexes[index] = (table, definition.startswith("CREATE UNIQUE"), " WHERE " in definition)
        return {"tables": tables, "indexes": indexes, "text": set()}


@pytest.fixture
def catalogs(home, pg_url) -> dict:
    """Both stores opened for real (schema created as a new home / database gets it), then read."""
    for database in (None, pg_url):
        open_store(home, database=database).close()
    return {schema.SQLITE: sqlite_catalog(home / sqlstore.DB_FILE), schema.POSTGRES: postgres_catalog(pg_url)}


def expected(dialect: str) -> dict:
    """What the description says `dialect`'s catalog holds."""
    indexes = {i.name: (i.table, i.unique, i.where is not None) for i in schema.INDEXES if dialect in i.only}
    text = set()
    for s in schema.TEXT_SEARCH:
        if dialect == schema.POSTGRES:
            indexes[s.name] = (s.table, False, False)
        else:
            text.add(s.name)
    return {"tables": {t.name: {c.name: (c.type, not c.null, c.type == "id" or t.primary_key == (c.name,)
                                         or c.name in t.primary_key)
                                for c in t.columns if dialect in c.only} for t in schema.tables(dialect)},
            "indexes": indexes, "text": text}


def mismatches(dialect: str, catalog: dict) -> list[str]:
    """Where `catalog` differs from the description (one line each)."""
    want = expected(dialect)
    types = SQLITE_TYPES if dialect == schema.SQLITE else POSTGRES_TYPES
    out = []
    if set(catalog["tables"]) != set(want["tables"]):
        out.append(f"tables: {sorted(catalog['tables'])} != {sorted(want['tables'])}")
    for table in set(catalog["tables"]) & set(want["tables"]):
        have, should = catalog["tables"][table], want["tables"][table]
        if set(have) != set(should):
            out.append(f"{table} columns: {sorted(have)} != {sorted(should)}")
        for col in set(have) & set(should):
            kind, notnull, pk = have[col]
            neutral, want_notnull, want_pk = should[col]
            if neutral not in types.get(kind, ()):
                out.append(f"{table}.{col}: {kind} is not {neutral}")
            if pk != want_pk:
                out.append(f"{table}.{col}: primary key {pk} != {want_pk}")
            # a key's column: SQLite lets a non-integer primary key hold NULL, PostgreSQL does not
            if not pk and notnull != want_notnull:
                out.append(f"{table}.{col}: not null {notnull} != {want_notnull}")
    if catalog["indexes"] != want["indexes"]:
        out.append(f"indexes: {sorted(set(catalog['indexes'].items()) ^ set(want['indexes'].items()))}")
    if catalog["text"] != want["text"]:
        out.append(f"text search tables: {sorted(catalog['text'])} != {sorted(want['text'])}")
    return out


@pytest.mark.parametrize("dialect", schema.BOTH)
def test_each_store_holds_the_schema_the_description_says(catalogs, dialect):
    assert not mismatches(dialect, catalogs[dialect])


def test_the_two_stores_agree_on_every_table_they_share(catalogs):
    """From the catalogs alone: the tables both have carry the same columns, of the same kind,
    null or not alike, and the same indexes, except what the description gives one engine."""
    lite, pg = catalogs[schema.SQLITE], catalogs[schema.POSTGRES]
    shared = set(lite["tables"]) & set(pg["tables"])
    assert shared == {"meta", "backlinks", "tier1", "disavowed"}
    for table in sorted(shared):
        alone = {c.name for c in schema.table(table).columns if c.only != schema.BOTH}
        lite_cols = {c: v for c, v in lite["tables"][table].items() if c not in alone}
        pg_cols = {c: v for c, v in pg["tables"][table].items() if c not in alone}
        assert set(lite_cols) == set(pg_cols), table
        for col in lite_cols:
            (lite_kind, lite_nn, lite_pk), (pg_kind, pg_nn, pg_pk) = lite_cols[col], pg_cols[col]
            assert any(SQLITE_TYPES[lite_kind] & family and POSTGRES_TYPES[pg_kind] & family for family in SAME_FAMILY), \
                f"{table}.{col}: {lite_kind} ~ {pg_kind}"
            assert lite_pk == pg_pk and (lite_pk or lite_nn == pg_nn), f"{table}.{col}"
        engine_only = {i.name for i in schema.INDEXES if i.only != schema.BOTH}
        lite_idx = {i for i, (t, *_) in lite["indexes"].items() if t == table} - engine_only
        pg_idx = {i for i, (t, *_) in pg["indexes"].items() if t == table} - engine_only
        text = {s.name for s in schema.TEXT_SEARCH}  # an index in PostgreSQL, an FTS5 table in SQLite
        assert lite_idx == pg_idx - text, table
        assert {s.name for s in schema.TEXT_SEARCH if s.table == table} <= lite["text"]


def test_the_comparison_sees_a_column_a_type_and_an_index_that_drifted(catalogs):
    """The check itself: a catalog with one column gone, one type changed and one index more."""
    drifted = {"tables": {t: dict(cols) for t, cols in catalogs[schema.SQLITE]["tables"].items()},
               "indexes": dict(catalogs[schema.SQLITE]["indexes"]), "text": set(catalogs[schema.SQLITE]["text"])}
    del drifted["tables"]["backlinks"]["source_host"]
    drifted["tables"]["tier1"]["score"] = ("TEXT", False, False)
    drifted["indexes"]["backlinks_by_anything"] = ("backlinks", False, False)
    found = mismatches(schema.SQLITE, drifted)
    assert len(found) == 3
    assert "backlinks columns" in found[0] or any("source_host" in line for line in found)
    assert any("tier1.score: TEXT is not integer" in line for line in found)
    assert any("backlinks_by_anything" in line for line in found)


# --- source_host: the store's host rule ---------------------------------------------------

ROWS = [{"source_url": f"http://{host}/post", "target_url": "https://example.com/", "anchor": "a",
         "first_seen": "2026-01-01", "last_seen": "2026-02-01"}
        for host in ("blog.test:8080", "blog.test", "www.Blog.test:8443", "other.test")]


@pytest.fixture(params=["embedded", "postgresql"])
def database(request):
    return request.getfixturevalue("pg_url") if request.param == "postgresql" else None


def listed_urls(store, **filters) -> list[str]:
    return sorted(r["source_url"] for r in store.backlinks_page(Page(**filters))["backlinks"])


def test_the_domain_filter_finds_a_site_on_every_port(home, database):
    """source_host is the host alone, as tier-1 pages' `host`: the domain filter lists a site's
    pages whatever port they were served on (it kept the port, so `blog.test` missed two)."""
    store = open_store(home, database=database)
    try:
        store.merge_backlinks(ROWS, "ahrefs")
        on_blog = ["http://blog.test/post", "http://blog.test:8080/post", "http://www.Blog.test:8443/post"]
        assert listed_urls(store, domain="blog.test") == on_blog
        assert listed_urls(store, domain="blog.test:8080") == on_blog  # a port typed in the filter is dropped too
        assert store.tier1_page("blog.test:8080/post")["host"] == "blog.test"  # the same rule
    finally:
        store.close()


def test_a_store_written_with_ports_in_source_host_is_migrated(home, database):
    """A store written before (schema 3 in SQLite, 2 in PostgreSQL) opens with its rows' hosts fixed."""
    store = open_store(home, database=database)
    store.merge_backlinks(ROWS, "ahrefs")
    store.close()
    old = "UPDATE backlinks SET source_host = split_part(source_key, '/', 1); UPDATE meta SET value = '2' WHERE name = 'schema'"
    if database is None:
        db = sqlite3.connect(home / sqlstore.DB_FILE)
        db.executescript("UPDATE backlinks SET source_host = substr(source_key, 1, instr(source_key, '/') - 1); "
                         "UPDATE meta SET value = '3' WHERE name = 'schema';")
        db.commit()
        assert {h for (h,) in db.execute("SELECT source_host FROM backlinks")} == {"blog.test:8080", "blog.test",
                                                                                  "blog.test:8443", "other.test"}
        db.close()
    else:
        with psycopg.connect(database) as db:
            for statement in old.split("; "):
                db.execute(statement)
    store = open_store(home, database=database)
    try:
        assert len(listed_urls(store, domain="blog.test")) == 3
    finally:
        store.close()
