"""The backlink database's schema, described once: tables, columns, indexes and text search.

Why one description: SQLite's DDL (companion.store.sqlstore) and PostgreSQL's
(companion.store.pgstore) were two sets of strings kept equal by hand, and had begun to
drift. Both are now generated from the tables below (`statements(dialect)`), and
tests/test_schema.py opens both stores and compares what their catalogs hold with this
description and with each other.

A column has a neutral type, mapped per dialect (`TYPES`): `flag` is SQLite's INTEGER
and PostgreSQL's BOOLEAN, `sorted_text` sorts byte-wise in both (PostgreSQL's COLLATE "C",
SQLite's default), `id` is the row id (SQLite's INTEGER PRIMARY KEY, a BIGSERIAL). What
one engine has and the other does without is said where it is declared, with why
(`only=`): the text search (an FTS5 table in SQLite, a tsvector column and a GIN index in
PostgreSQL), SQLite's trigger-kept count tables, PostgreSQL's workflow tables (TinyDB's
file holds them in solo mode). An index whose columns differ per engine lists both
(SQLite's sort indexes carry the filters a walk checks; PostgreSQL's planner does not
walk them that way).

Not here: SQLite's triggers and the BM25 ballast rows (behaviour, in sqlstore), and the
migrations of older databases (each store's MIGRATIONS, which use `add_column` and
`statements(only=...)` for what they add).
"""

from __future__ import annotations

from dataclasses import dataclass

SQLITE, POSTGRES = "sqlite", "postgresql"
BOTH = (SQLITE, POSTGRES)
TS_CONFIG = "english"  # PostgreSQL's text search configuration: English stemming, as FTS5's porter
FTS5_TOKENIZER = "porter unicode61 remove_diacritics 2"

# neutral type -> (SQLite's declared type, PostgreSQL's)
TYPES: dict[str, tuple[str, str]] = {
    "id": ("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY"),
    "serial": ("INTEGER", "BIGSERIAL"),
    "text": ("TEXT", "TEXT"),
    "sorted_text": ("TEXT", 'TEXT COLLATE "C"'),
    "integer": ("INTEGER", "INTEGER"),
    "bigint": ("INTEGER", "BIGINT"),
    "real": ("REAL", "REAL"),
    "flag": ("INTEGER", "BOOLEAN"),
    "tags": ("TEXT", "TEXT[]"),
    "tsvector": ("TEXT", "TSVECTOR"),
    "json": ("TEXT", "JSONB"),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a key of TYPES
    null: bool = True
    default: object = None  # a Python value: rendered per dialect (True -> 1 / TRUE)
    generated: str | None = None  # PostgreSQL: GENERATED ALWAYS AS (...) STORED
    only: tuple[str, ...] = BOTH

    def sql(self, dialect: str) -> str:
        out = f"{self.name} {TYPES[self.type][BOTH.index(dialect)]}"
        if self.generated:
            return f"{out} GENERATED ALWAYS AS ({self.generated}) STORED"
        if not self.null:
            out += " NOT NULL"
        if self.default is not None:
            out += f" DEFAULT {_literal(self.default, dialect)}"
        return out


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()  # a composite key (an `id` column is its own)
    unique: tuple[tuple[str, ...], ...] = ()
    without_rowid: bool = False  # SQLite: the primary key is the table
    only: tuple[str, ...] = BOTH

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    columns: str  # the column list, as SQL; `sqlite=` / `postgresql=` where the engines differ
    sqlite: str | None = None
    postgresql: str | None = None
    where: str | None = None
    unique: bool = False
    using: str | None = None  # PostgreSQL's index method (GIN)
    only: tuple[str, ...] = BOTH

    def sql(self, dialect: str) -> str:
        cols = (self.sqlite if dialect == SQLITE else self.postgresql) or self.columns
        using = f" USING {self.using}" if self.using and dialect == POSTGRES else ""
        where = f" WHERE {self.where}" if self.where else ""
        unique = "UNIQUE " if self.unique else ""
        return f"CREATE {unique}INDEX{_if_not_exists(dialect)} {self.name} ON {self.table}{using} ({cols}){where}"


@dataclass(frozen=True)
class TextSearch:
    """Full-text search over some words of a table: in SQLite an FTS5 table `name` (kept by the
    store's writes, or by triggers over `content`), in PostgreSQL a GIN index `name` on the
    table's tsvector column `vector`."""

    name: str
    table: str
    words: tuple[str, ...]  # the FTS5 table's columns
    vector: str  # PostgreSQL's tsvector column of `table`
    content: bool = False  # FTS5 external content: the words are the table's own column
    only: tuple[str, ...] = BOTH

    def sql(self, dialect: str) -> str:
        if dialect == POSTGRES:
            return f"CREATE INDEX {self.name} ON {self.table} USING GIN ({self.vector})"
        content = f", content='{self.table}', content_rowid='id'" if self.content else ""
        return (f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.name} USING fts5 ({', '.join(self.words)}{content}, "
                f"tokenize='{FTS5_TOKENIZER}')")


def _literal(value, dialect: str) -> str:
    if isinstance(value, bool):
        return ("1" if value else "0") if dialect == SQLITE else ("TRUE" if value else "FALSE")
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def _if_not_exists(dialect: str) -> str:
    """SQLite's statements are run on every open (each a no-op once done); PostgreSQL's once,
    by a versioned migration under a lock."""
    return " IF NOT EXISTS" if dialect == SQLITE else ""


# --- the tables ---------------------------------------------------------------------------

TABLES: tuple[Table, ...] = (
    Table("meta", (Column("name", "text"), Column("value", "text", null=False)), primary_key=("name",)),
    # team mode: a counter per workflow table and the profile, bumped with each change
    Table("versions", (Column("name", "text"), Column("n", "bigint", null=False, default=0)),
          primary_key=("name",), only=(POSTGRES,)),
    # one row per linking page × target page: the record as JSON, its indexed fields beside it
    Table("backlinks", (
        Column("id", "id"),
        Column("source_key", "text", null=False),
        Column("target_key", "text", null=False),
        # the linking page's host, the store's rule (companion.store.rows.source_host): the domain sort and filter
        Column("source_host", "text", null=False),
        Column("status", "text", null=False),
        Column("target_code", "integer"),
        Column("record", "text", null=False),
        # what the list pages sort, filter and search by (companion.store.listing.record_columns)
        Column("authority", "real"),
        Column("first_seen", "sorted_text"),
        Column("last_seen", "sorted_text"),
        Column("follow", "flag", null=False, default=True),
        Column("words", "text", null=False, default=""),
        # who supplied the row: SQLite keeps it in backlink_tools (a trigger), PostgreSQL in an array
        Column("tools", "tags", null=False, default="{}", only=(POSTGRES,)),
        Column("tsv", "tsvector", generated=f"to_tsvector('{TS_CONFIG}', words)", only=(POSTGRES,)),
        # the link profile's (issue 28, companion.store.profilecols): the anchor folded, its shape,
        # the day the link was lost
        Column("anchor_fold", "text", null=False, default=""),
        Column("anchor_shape", "text", null=False, default="empty"),
        Column("lost_on", "sorted_text"),
        # 1 if the anchor names a brand of the profile, 0 if not, NULL until worked out
        # (profilecols: kept for the brand words in meta 'anchor_brands')
        Column("anchor_brand", "integer"),
    ), unique=(("source_key", "target_key"),)),
    # one row per page holding a live backlink: what the boost verdict needs, the stored score
    # and class (rows.ORDINARY ...), the authorities that break ties, the page's path, site
    # and how many referring sites of the list share that path; kept current by every write
    Table("tier1", (
        Column("id", "id"),
        Column("key", "text", null=False),
        Column("host", "text", null=False),
        Column("url", "text", null=False),
        Column("features", "text", null=False),
        Column("score", "integer"),
        Column("blocked", "integer", null=False, default=0),
        Column("placements", "integer", null=False, default=0),
        Column("path", "text", null=False, default=""),
        Column("site", "text", null=False, default=""),
        Column("network", "integer", null=False, default=0),
        Column("page_authority", "real"),
        Column("domain_authority", "real"),
        # PostgreSQL's text search: the page's word count (BM25's length) and its words
        Column("words", "integer", null=False, default=0, only=(POSTGRES,)),
        Column("tsv", "tsvector", null=False, only=(POSTGRES,)),
    ), unique=(("key",),)),
    # SQLite: how many rows each tool ('' for all) has per status and follow: the totals of
    # those filters without counting rows (a million rows took 125 ms to count)
    Table("list_counts", (Column("tool", "text", null=False), Column("status", "text", null=False),
                          Column("follow", "integer", null=False), Column("n", "integer", null=False)),
          primary_key=("tool", "status", "follow"), without_rowid=True, only=(SQLITE,)),
    # SQLite: who supplied each row, with its status and follow: a tool's count is a range
    Table("backlink_tools", (Column("tool", "text", null=False), Column("status", "text", null=False),
                             Column("follow", "integer", null=False), Column("id", "integer", null=False)),
          primary_key=("tool", "status", "follow", "id"), without_rowid=True, only=(SQLITE,)),
    # team mode's workflow documents (TinyDB's workflow.json in solo mode): `seq` keeps insertion order
    # the disavow marks (companion.verdicts.disavow): a domain or a URL a row, apart from the
    # backlink records so that importing an export again never brings a disavowed link back
    Table("disavowed", (Column("kind", "text", null=False), Column("value", "text", null=False),
                        Column("reason", "text", null=False, default=""), Column("source", "text", null=False),
                        Column("at", "text")), primary_key=("kind", "value")),
    Table("workflow", (Column("tbl", "text", null=False), Column("id", "text", null=False),
                       Column("seq", "serial", null=False), Column("doc", "json", null=False)),
          primary_key=("tbl", "id"), only=(POSTGRES,)),
)

INDEXES: tuple[Index, ...] = (
    # live links to a page of mine answering 4xx (companion.verdicts.broken): few, listed apart
    Index("backlinks_broken", "backlinks", "id", where="status = 'live' AND target_code >= 400"),
    Index("backlinks_by_target", "backlinks", "target_key"),
    # No index on source_host or status alone for the verdicts: "is there a tier-1 page on this
    # host" is answered by tier1.host, the live pages by tier1, the broken ones by backlinks_broken.
    # The list's sorts (companion.store.listing): the row id right after the sort column, so ties
    # fall to it in index order; in SQLite each also holds status and follow, so that a walk
    # checks those filters without reading the records it passes. PostgreSQL's put unknown
    # values first ascending (NULLS FIRST, SQLite's own order) and compare texts byte-wise.
    Index("backlinks_by_authority", "backlinks", "", sqlite="authority, id, status, follow",
          postgresql="authority ASC NULLS FIRST, id"),
    Index("backlinks_by_first_seen", "backlinks", "", sqlite="first_seen, id, status, follow",
          postgresql="first_seen ASC NULLS FIRST, id"),
    Index("backlinks_by_last_seen", "backlinks", "", sqlite="last_seen, id, status, follow",
          postgresql="last_seen ASC NULLS FIRST, id"),
    Index("backlinks_by_host", "backlinks", "", sqlite="source_host, id, status, follow",
          postgresql='(source_host COLLATE "C"), id'),
    # counts of a status or follow filter: a range of this index, not a pass over the records
    Index("backlinks_by_status", "backlinks", "status, follow"),
    Index("backlinks_tools", "backlinks", "tools", using="GIN", only=(POSTGRES,)),
    # the link profile's reports: the site's anchor mix walks the first (covering, grouped by shape
    # in its order), a money page's is a range of the second; lost and new links per day per target
    Index("backlinks_by_anchor", "backlinks", "status, anchor_shape, anchor_fold, target_key"),
    Index("backlinks_anchor_by_target", "backlinks", "target_key, status, anchor_shape, anchor_fold"),
    # the site's mix: a count per (shape, names a brand) of the live rows; the rows whose brand
    # test is still to be worked out (written since the last report)
    Index("backlinks_anchor_brand", "backlinks", "status, anchor_shape, anchor_brand"),
    Index("backlinks_brand_unset", "backlinks", "id", where="anchor_brand IS NULL"),
    Index("backlinks_lost_on", "backlinks", "lost_on, target_key", where="lost_on IS NOT NULL"),
    Index("backlinks_first_seen_by_target", "backlinks", "target_key, first_seen"),
    # the velocity's new links per day in index order, no sort: real exports stamp first_seen to
    # the second, so grouping by the stamp itself makes ~a group per link (2.8 s vs 0.2 s at 1M);
    # PostgreSQL hashes the days instead
    Index("backlinks_first_day", "backlinks", "substr(first_seen, 1, 10)", where="first_seen IS NOT NULL",
          only=(SQLITE,)),
    Index("tier1_by_host", "tier1", "host"),
    # the boost list's order: ordinary pages before spam, score, then page and domain authority
    # (the tools' values on a common scale) so that ties fall to the stronger page
    Index("tier1_by_score", "tier1", "blocked, score DESC, page_authority DESC NULLS LAST, "
          "domain_authority DESC NULLS LAST, placements, url",
          sqlite="blocked, score DESC, page_authority DESC, domain_authority DESC, placements, url"),
    # the same path on many referring sites (a network of generated pages): counted by path
    Index("tier1_by_path", "tier1", "path, site"),
    Index("tier1_unscored", "tier1", "id", where="score IS NULL"),
    Index("workflow_order", "workflow", "tbl, seq", only=(POSTGRES,)),
    Index("workflow_doc", "workflow", "doc jsonb_path_ops", using="GIN", only=(POSTGRES,)),
    # one candidate per page and kind, one value per setting: what makes saves upserts
    Index("workflow_candidate_once", "workflow", "(doc->>'key'), (doc->>'kind')", where="tbl = 'candidates'",
          unique=True, only=(POSTGRES,)),
    Index("workflow_setting_once", "workflow", "(doc->>'name')", where="tbl = 'settings'", unique=True,
          only=(POSTGRES,)),
    Index("workflow_placement_from", "workflow", "(doc->>'from_key')", where="tbl = 'placements'",
          only=(POSTGRES,)),
    # one claim per alert key (companion.alerts.records): two companions seeing the same
    # loss at once make one alert, by this key and an INSERT ... ON CONFLICT DO NOTHING
    Index("workflow_alert_claim_once", "workflow", "(doc->>'key')", where="tbl = 'alert_claims'",
          unique=True, only=(POSTGRES,)),
    # one placement per (from page, to page): logging the same link twice updates it
    Index("workflow_placement_once", "workflow", "(doc->>'from_key'), (doc->>'to_key')",
          where="tbl = 'placements'", unique=True, only=(POSTGRES,)),
)

TEXT_SEARCH: tuple[TextSearch, ...] = (
    # tier-1 pages by topic: their title, anchors and URL words (sqlstore.BacklinkDB.search)
    TextSearch("tier1_text", "tier1", ("title", "anchors", "urlwords"), "tsv"),
    # the backlink list's search: the words of each row's URLs, anchor and title (listing)
    TextSearch("backlinks_text", "backlinks", ("words",), "tsv", content=True),
)


# --- DDL ----------------------------------------------------------------------------------------

def tables(dialect: str) -> list[Table]:
    return [t for t in TABLES if dialect in t.only]


def table(name: str) -> Table:
    return next(t for t in TABLES if t.name == name)


def columns(dialect: str, table_name: str) -> list[Column]:
    return [c for c in table(table_name).columns if dialect in c.only]


def create_table(dialect: str, t: Table) -> str:
    parts = [c.sql(dialect) for c in t.columns if dialect in c.only]
    if t.primary_key:
        if len(t.primary_key) == 1:
            i = next(n for n, c in enumerate(t.columns) if c.name == t.primary_key[0])
            parts[i] += " PRIMARY KEY"
        else:
            parts.append(f"PRIMARY KEY ({', '.join(t.primary_key)})")
    parts += [f"UNIQUE ({', '.join(u)})" for u in t.unique]
    tail = " WITHOUT ROWID" if t.without_rowid and dialect == SQLITE else ""
    return f"CREATE TABLE{_if_not_exists(dialect)} {t.name} ({', '.join(parts)}){tail}"


def add_column(dialect: str, table_name: str, column_name: str) -> str:
    """ALTER TABLE ... ADD COLUMN for a migration: the column as the description has it."""
    return f"ALTER TABLE {table_name} ADD COLUMN {table(table_name).column(column_name).sql(dialect)}"


def statements(dialect: str, only: set[str] | None = None) -> list[str]:
    """The DDL of the whole schema in `dialect` (tables, then indexes, then text search), or of
    the objects named in `only` (a migration adding them)."""
    objects = [(t.name, t.only, create_table(dialect, t)) for t in TABLES] \
        + [(i.name, i.only, i.sql(dialect)) for i in INDEXES] \
        + [(s.name, s.only, s.sql(dialect)) for s in TEXT_SEARCH]
    return [sql for name, where, sql in objects if dialect in where and (only is None or name in only)]
