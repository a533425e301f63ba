"""The durable store of a data home: one façade over a backlink database and the workflow tables.

Two engines in solo mode, each holding the data it suits (the README says the same):

* **The backlink list** (`backlinks.sqlite`, all its SQL in companion.store.sqlstore) is
  big (up to millions of rows), read a few rows at a time by every visit, and
  written by imports and by visits that see a link change. An embedded database
  answers each of those with an index lookup and writes only the rows touched, so
  a million backlinks cost what a thousand cost. It also keeps, per tier-1 page
  (a page holding a live backlink), what the boost verdict needs and the stored
  boost score, so the boost list is an indexed `ORDER BY ... LIMIT` and nothing is
  rebuilt at start-up.
* **The workflow** (`workflow.json`: tables `candidates`, `placements`, `settings`,
  companion.store.workflow) is small, human-readable and written on every one-click
  save: what TinyDB is for.

In team mode (companion.store.teamstore) both halves live in PostgreSQL
(companion.store.pgstore), behind the same two interfaces (companion.store.interface):
this façade holds one backlink database and one workflow store and does not know
which. What it adds on top is the store's policy, the same on either: the merge rules
of an import (companion.store.merging), the tier-1 rows every backlink write keeps
current and their scores (companion.store.tier1), and the checks of a closed store.

The boost score comes from the verdicts' rules, a layer above: the caller hands a
scorer source in when it opens the store (`Store.open(home, scorer=...)`: the
workspace does), and `ensure_scored(scorer)` rescores with the one a verdict uses.
The store never reaches up for it.

A write returns only once it is durable (SQLite's COMMIT with `synchronous=FULL`;
the JSON file's fsync+rename; PostgreSQL's COMMIT), so the API answers 2xx only then.
Records returned by the backlink readers are fresh dicts; the workflow readers
return copies too.
"""

from __future__ import annotations

import copy
import functools
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable

from companion.core import authority
from companion.core.errors import BadInput, StorageError
from companion.store import legacy, listing, merging, sqlstore, tier1
from companion.store.interface import BacklinkStore, Scorer, ScorerSource, WorkflowStore
from companion.store.merging import normalized
from companion.store.records import public_backlink
from companion.store.rows import dumps, loads
from companion.store.keys import key_of
from companion.store.sitepages import SitePageIndex
from companion.store.workflow import TinyWorkflow


def _no_scorer() -> None:
    return None


class Store(SitePageIndex):
    """The backlink list and the workflow tables of one data home (see the module docstring)."""

    def __init__(self, home: Path, backlinks: BacklinkStore, workflow: WorkflowStore, *,
                 scorer: ScorerSource | None = None, backend: str = "embedded", where: str | None = None,
                 schema_created: bool = False):
        """Use `Store.open` (solo) or companion.store.opening.open_store (either mode)."""
        self.home = Path(home)
        self.backend = backend  # "embedded" or "postgresql"
        self.where = where  # team mode: the database as `host:port/dbname` (never the password)
        self.schema_created = schema_created  # team mode: this open created the database's schema
        self.restored_from_backup: list[str] = []
        self._bl = backlinks
        self._wf = workflow
        self._scorer = scorer or _no_scorer
        self._lock = threading.Lock()
        self._closed = False
        self._derived: dict[tuple, tuple[int, object]] = {}  # (table, build) -> (table version, value)
        self._derived_lock = threading.Lock()
        self._reconciled: tuple | None = None
        self._request = threading.local()  # .records, .tier1: page key -> its records, its tier-1 row (`reading()`)

    # -- open / close ---------------------------------------------------------------

    @classmethod
    def open(cls, home: Path, *, scorer: ScorerSource | None = None) -> "Store":
        """Open (or create) the embedded store in `home`, restoring damaged files from backups,
        loudly. companion.store.opening.open_store picks this or team mode's database.

        `scorer`: called before each backlink write for the verdicts' scorer in force (or
        None), so the tier-1 pages a write touches are scored as they are written; without
        one they are scored by the next `ensure_scored`."""
        home = make_home(home)
        notices: list[str] = []
        bl = sqlstore.BacklinkDB(home / sqlstore.DB_FILE, notices)
        try:
            wf = TinyWorkflow(home, notices, check_writable=bl.check_writable)
        except BaseException:
            bl.close()
            raise
        self = cls(home, bl, wf, scorer=scorer)
        self.restored_from_backup = notices
        try:
            legacy.import_backlinks(home, bl, self._refresher(), notices)
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._wf.close()
                self._bl.close()
                self.close_site_pages()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _check_open(self):
        if self._closed:
            raise StorageError("the store is closed")

    # -- damage found while running, and what /api/health says -----------------------------

    def check_in_background(self) -> None:
        """The full integrity check of the backlink database, in a thread (`tierlink serve`
        starts it once the store is open: the first verdict does not wait for it)."""
        self._bl.check_in_background()

    def problem(self) -> dict | None:
        """What stops this store from working, for /api/health: {"code", "message"}, or None."""
        return self._bl.problem()

    def explain(self, exc: BaseException) -> StorageError | None:
        """The error to answer for an unexpected exception that came from this store (a damaged
        page met while reading rows one by one), or None: never a 500 for a damaged file."""
        return self._bl.explain(exc)

    # -- backlinks: reading ------------------------------------------------------------

    def backlink_count(self) -> int:
        return self._bl.count()

    def all_backlinks(self, status: str | None = None) -> list[dict]:
        """CONTRACT Backlink records, oldest first; `status` 'live' or 'lost' filters."""
        if status not in (None, "live", "lost"):
            raise BadInput("status must be 'live' or 'lost'")
        return list(self._bl.all_records(status))

    def backlinks_page(self, page: "listing.Page") -> dict:
        """One page of the list in its public shape, each row with its `authority` (the tools'
        values, the tool, the common value it sorts by), and the total its filters match:
        GET /api/backlinks and `tierlink backlinks` (companion.store.listing)."""
        records, total, more = self._bl.list_page(page)
        return page.answer([{**public_backlink(r), "authority": authority.listing(r.get("metrics") or {})}
                            for r in records], total, more)

    @contextmanager
    def reading(self):
        """One request's store calls (a visit's analysis): each fact read once. In team mode one
        connection is checked out for the whole block and the workflow versions are read once
        (pgstore.Database.session); on either store the records of a page and its tier-1 row
        are read once, together, and then kept, with what `put_backlinks` writes in the block
        (its tier-1 rows read again after it). Nested blocks join the outer."""
        if getattr(self._request, "records", None) is not None:
            yield
            return
        with self._bl.reading():
            self._request.records = {}
            self._request.tier1 = {}
            try:
                yield
            finally:
                self._request.records = None
                self._request.tier1 = None

    def backlinks_from(self, source_key: str) -> list[dict]:
        """The stored records of one linking page (an index lookup; once per `reading()` block,
        with its tier-1 row: `tier1_page` then asks nothing)."""
        memo = getattr(self._request, "records", None)
        if memo is None:
            return [rec for _, rec in self._bl.page(source_key)[0]]
        if source_key not in memo:
            records, self._request.tier1[source_key] = self._bl.page(source_key)
            memo[source_key] = [rec for _, rec in records]
        return copy.deepcopy(memo[source_key])

    def _kept_tier1(self, key: str) -> tuple[bool, dict | None]:
        """(known, row): the page's tier-1 row as read with its records in this `reading()` block."""
        rows = getattr(self._request, "tier1", None)
        if rows is None or key not in rows:
            return False, None
        return True, rows[key]

    def tier1_hosts_among(self, hosts: list[str]) -> set[str]:
        """The hosts (`www.` stripped) among these with a tier-1 page: one query for them all."""
        return self._bl.tier1_hosts_among(hosts)

    def tier1_among(self, keys: list[str]) -> set[str]:
        """The keys among these that are tier-1 pages: one query for them all."""
        return self._bl.tier1_among(keys)

    def get_backlink(self, source_url_or_key: str, target_url_or_key: str) -> dict | None:
        sk = key_of(source_url_or_key)
        tk = key_of(target_url_or_key)
        if sk is None or tk is None:
            return None
        return next((rec for rec in self.backlinks_from(sk) if rec["target_key"] == tk), None)

    # The link profile's reports (companion.workflow.linkprofile), counted in SQL by the backlink DB.
    def anchor_class_counts(self, rules: dict, money_keys: list[str], *, only: bool = False) -> list[tuple]:
        """(money page key or '', anchor class, live links): see sqlstore.BacklinkDB.anchor_class_counts."""
        return self._bl.anchor_class_counts(rules, money_keys, only=only)

    def link_days(self, money_keys: list[str]) -> list[tuple]:
        """('' or a money page's key, day, new, lost) of the tier-1 links."""
        return self._bl.link_days(money_keys)

    def anchor_groups(self, targets: list[str] | None) -> list[tuple]:
        """(target key, anchor shape, folded anchor, live links) of the links to a few pages."""
        return self._bl.anchor_groups(targets)

    # The disavow marks (companion.verdicts.disavow): a table of the backlink database.
    def disavow_marks(self) -> list[dict]:
        return self._bl.disavow_marks()

    def add_disavow_marks(self, marks: list[dict]) -> int:
        return self._bl.add_disavow_marks(marks)

    def remove_disavow_mark(self, kind: str, value: str) -> bool:
        return self._bl.remove_disavow_mark(kind, value)

    def broken_backlinks(self) -> list[dict]:
        """Live records whose target page answered an error code when the tool checked it (indexed)."""
        return self._bl.broken_records()

    def is_tier1_page(self, key: str) -> bool:
        """True if a live backlink comes from this page (key = urls.page_key)."""
        known, row = self._kept_tier1(key)
        return row is not None if known else self._bl.is_tier1(key)

    def has_tier1_host(self, host: str) -> bool:
        """True if some tier-1 page sits on this host (`www.` stripped)."""
        return self._bl.has_tier1_host(host)

    def tier1_keys_on_host(self, host: str, limit: int = 2000) -> set[str] | None:
        """The keys of the tier-1 pages on a host (`www.` stripped), or None if more than `limit`."""
        keys = self._bl.tier1_keys_on_host(host, limit + 1)
        return set(keys) if len(keys) <= limit else None

    def tier1_page(self, key: str) -> dict | None:
        """A tier-1 page: {"key", "host", "url", "features", "score", "blocked", "spam", "placements"}, or None
        (features["network"]: how many referring sites of the list have a page at its path)."""
        known, row = self._kept_tier1(key)
        return copy.deepcopy(row) if known else self._bl.tier1(key)

    def tier1_pages(self, keys: list[str]) -> dict[str, dict]:
        return self._bl.tier1_many(keys)

    def tier1_count(self) -> int:
        return self._bl.tier1_count()

    def top_tier1(self, limit: int, *, spam: str = "hide") -> list[dict]:
        """The best-scored tier-1 pages that are not blocked (an index walk); spam pages left
        out ("hide"), interleaved in score order ("show") or alone ("only")."""
        return self._bl.top_tier1(limit, spam=spam)

    def search_tier1(self, terms: list[str], limit: int, max_pages_per_term: int = 1000) -> list[tuple[dict, float]]:
        """Tier-1 pages by BM25 relevance to query terms, best first: [(page as `tier1_page` gives
        it, score)], in one go (see sqlstore.BacklinkDB.search)."""
        return self._bl.search(terms, max_pages_per_term, limit)

    # -- tier-1 pages: what the boost verdict needs, kept current by every write ---------

    def _refresher(self) -> Callable[..., None]:
        """refresh(c, source_keys, stored=None): the tier-1 rows of these pages recomputed, scored
        by the scorer in force when the write began (asked once: not per batch of an import)."""
        return functools.partial(tier1.refresh, self._bl, counts=self._placements_by_target, scorer=self._scorer())

    def _placements_by_target(self) -> dict[str, int]:
        """How many of my placements point at each tier-1 page."""
        return self.derived("placements", tier1.placement_counts)

    def derived(self, table: str, build: Callable[[list[dict]], object]):
        """What `build(documents)` makes of a workflow table, built again only when the table
        changed (its version): the one cache of what a visit reads of small tables (the
        placements' pages, the kept indexability verdicts, my guest posts' hosts). `build` is a
        module-level function (it keys the cache); its value is shared: treat it as read-only."""
        version = self._wf.table_versions.get(table, 0)
        with self._derived_lock:
            cached = self._derived.get((table, build))
            if cached is None or cached[0] != version:
                cached = self._derived[(table, build)] = (version, build(self._wf.all(table)))
            return cached[1]

    def scored_with(self) -> str | None:
        """The signature of the scorer the stored tier-1 scores were made with (None before any):
        a full rescore changes it, a page scored alone does not (companion.store.tier1.reconcile)."""
        return tier1.scored_with(self._bl)

    def ensure_scored(self, scorer: Scorer | None = None) -> None:
        """Make every tier-1 page's stored score current for `scorer` (the verdicts' rules; by
        default the one the store was opened with). Cheap when nothing changed: the verdicts
        call this before every answer (companion.store.tier1.reconcile says how)."""
        scorer = scorer or self._scorer()
        if scorer is None:
            return
        counts = self._placements_by_target()
        memo = (scorer.signature, id(counts))
        if self._reconciled == memo and not self._bl.any_unscored():
            return
        tier1.reconcile(self._bl, scorer, counts, known=self._reconciled is not None)
        self._reconciled = memo
        if getattr(self._request, "tier1", None):  # rescored or recounted: read the rows again
            self._request.tier1.clear()

    # -- backlinks: writing ------------------------------------------------------------

    def merge_backlinks(self, rows: Iterable[dict], origin: str, *, fallback_target: str | None = None,
                        _owned: bool = False, progress: Callable[[int], None] | None = None,
                        produce: Callable[[Callable[[list[dict]], None]], None] | None = None,
                        brands: list[str] | None = None) -> dict:
        """Merge rows from one export (or another source) into the list: ONE durable transaction
        (the rules: companion.store.merging.merge_backlinks). `brands`: the profile's brand words
        (anchors.brand_words), so the rows come with their brand mark (store.profilecols)."""
        self._check_open()
        if getattr(self._request, "records", None):
            self._request.records.clear()
        if getattr(self._request, "tier1", None):
            self._request.tier1.clear()
        return merging.merge_backlinks(self._bl, self._refresher(), rows, origin, fallback_target=fallback_target,
                                       _owned=_owned, progress=progress, produce=produce, brands=brands)

    def put_backlinks(self, records: list[dict]) -> None:
        """Replace or insert whole records by (source, target) key, as given: ONE durable write.

        Used by the verdicts to record discovered, lost or changed links (with history).
        """
        by_pair = {}
        for rec in records:  # the same link twice: the last one given wins
            rec = normalized(dict(rec))
            by_pair[(rec["source_key"], rec["target_key"])] = rec
        prepared = list(by_pair.values())
        if not prepared:
            return
        self._check_open()
        refresh = self._refresher()
        with self._bl.write() as c:
            keys = list(dict.fromkeys(rec["source_key"] for rec in prepared))
            stored = self._bl.from_sources(c, keys)
            changed, created = [], []
            for rec in prepared:
                entries = stored.setdefault(rec["source_key"], [])
                n = next((n for n, (_, old) in enumerate(entries) if old["target_key"] == rec["target_key"]), None)
                if n is None:
                    created.append(rec)
                    entries.append((0, rec))
                else:
                    changed.append((entries[n][0], rec))
                    entries[n] = (entries[n][0], rec)
            self._bl.update_records(c, changed)
            self._bl.insert_records(c, created)
            refresh(c, keys, stored)
        memo = getattr(self._request, "records", None)
        if memo is not None:  # the pages' records as now stored (read under the write's lock)
            for key in keys:
                memo[key] = [loads(dumps(rec)) for _, rec in stored.get(key, [])]  # as a re-read gives them
                self._request.tier1.pop(key, None)  # recomputed by the write: read again when asked

    # -- workflow tables (companion.store.workflow, or pgstore.Workflow in team mode) -------

    @property
    def table_versions(self):
        """A counter per workflow table ("placements", ..., and "profile" in team mode), bumped
        by every change: lets callers cache what they derive from a table."""
        return self._wf.table_versions

    def insert(self, table: str, doc: dict) -> dict:
        return self._wf.insert(table, doc)

    def get(self, table: str, id) -> dict | None:
        return self._wf.get(table, id)

    def update(self, table: str, id, fields: dict) -> dict:
        return self._wf.update(table, id, fields)

    def remove(self, table: str, id) -> None:
        self._wf.remove(table, id)

    def all(self, table: str) -> list[dict]:
        return self._wf.all(table)

    def find(self, table: str, **equals) -> list[dict]:
        return self._wf.find(table, **equals)

    def upsert(self, table: str, match: dict, doc: dict) -> tuple[dict, bool]:
        """Update the first document matching `match` with `doc`, or insert `match | doc`: (doc, created)."""
        return self._wf.upsert_with(table, match, {**match, **doc}, lambda old: doc)

    def upsert_with(self, table: str, match: dict, new_doc: dict, change: Callable[[dict], dict]) -> tuple[dict, bool]:
        """Insert `new_doc`, or update the first document matching `match` with `change(old)`,
        as one step no other writer can come between: (doc, created)."""
        return self._wf.upsert_with(table, match, new_doc, change)

    def upsert_many(self, table: str, key: str, docs: list[dict]) -> int:
        """Insert or update (by the field `key`) many documents at once (a recheck's indexability
        verdicts): how many were written."""
        return self._wf.upsert_many(table, key, docs)

    def update_with(self, table: str, id, change: Callable[[dict], dict]) -> dict:
        """Update a document with `change(current)`, read and written as one step (NotFound if absent)."""
        return self._wf.update_with(table, id, change)

    def insert_new(self, table: str, key: str, docs: list[dict]) -> list[dict]:
        """Insert the documents whose `key` is not in the table yet, as one step (in team mode a
        unique index decides, so two companions inserting the same key insert it once): those inserted."""
        return self._wf.insert_new(table, key, docs)

    def get_setting(self, name: str, default=None):
        found = self._wf.find("settings", name=name)
        return found[0].get("value", default) if found else default

    def set_setting(self, name: str, value) -> None:
        self.upsert("settings", {"name": name}, {"value": value})

    def is_placement_page(self, key: str) -> bool:
        """True if one of my tier-2 placements sits on this page (its `from_key`, else the page key
        of its `from_url`): a set kept per version of the table (`derived`), so a visit asks the
        database nothing in team mode (it asked twice: a lookup, then the placements without a key)."""
        return key in self.derived("placements", tier1.placement_pages)

    # -- the team's profile (a file of the home in solo mode: companion.analysis.profile) ----

    def profile_data(self) -> dict | None:
        """The profile stored in the team database (None before anyone set one, and in solo mode)."""
        return self._wf.profile_data()

    def set_profile_data(self, data: dict, *, only_if_missing: bool = False) -> bool:
        return self._wf.set_profile_data(data, only_if_missing=only_if_missing)


def make_home(home: Path) -> Path:
    """The data home, created (owner-only) if it does not exist yet."""
    home = Path(home)
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StorageError(f"cannot create the data home {home}: {exc.strerror or exc}") from None
    return home
