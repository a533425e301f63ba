"""The local index of pages seen on the hosts of my guest posts (companion.workflow.guestposts).

Why a file of its own (`sitepages.sqlite` in the data home), in solo and team mode alike: the
index is what this machine's browser (and recheck) saw, kept only for hosts holding one of my
guest posts, capped per host and forgotten per host on request — local data by the issue's own
terms, never the team's. It is also an index, not a record: a lost last write costs one page
seen again on the next visit, so it runs with WAL and `synchronous=NORMAL` (no fsync per
visit), and a page is written by one writer thread after the visit has its answer (`put`
queues it; every read first waits for the queue to empty, so a reader sees every page put
before it). A visit on a host with 10,000 indexed pages then costs what a visit elsewhere
costs (scripts/bench_guestposts.py, docs/BENCHMARKS.md).

Tables: `pages` (one row per page key: host, URL, title, headings, publication date where the
page gives one, first and last seen, how many internal links it carries), `links` (page →
internal page key it links to: the internal links seen toward a guest post are the rows with
its key), `pages_text` (FTS5 over title and headings, porter stemming, as the tier-1 search).
"""

from __future__ import annotations

import json
import logging
import queue
import re
import sqlite3
import threading
from pathlib import Path

from companion.core.errors import StorageError

FILE = "sitepages.sqlite"
SCHEMA = [
    """CREATE TABLE IF NOT EXISTS pages (
        id INTEGER PRIMARY KEY,
        host TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL,
        title TEXT NOT NULL,
        headings TEXT NOT NULL,
        published TEXT,
        first_seen TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        links_out INTEGER NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS pages_by_host ON pages (host, seen_at)",
    # pages per host, kept with the pages: the cap and the counts never count 10,000 rows
    "CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY, pages INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS links (to_key TEXT NOT NULL, from_id INTEGER NOT NULL, "
    "PRIMARY KEY (to_key, from_id)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS links_by_page ON links (from_id)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS pages_text USING fts5 (title, headings, "
    "tokenize='porter unicode61 remove_diacritics 2')",
]
_COLUMNS = "id, host, key, url, title, headings, published, first_seen, seen_at, links_out"
_WORD = re.compile(r"[^\W_]+")
MAX_PENDING = 1000  # pages queued for the writer; a caller waits past it
log = logging.getLogger("tierlink.sitepages")


def _row(r) -> dict:
    i, host, key, url, title, headings, published, first_seen, seen_at, links_out = r
    return {"id": i, "host": host, "key": key, "url": url, "title": title, "headings": json.loads(headings),
            "published": published, "first_seen": first_seen, "seen_at": seen_at, "links_out": links_out}


class SitePages:
    """One connection behind a lock (waitress serves with threads; writes are one page each)."""

    def __init__(self, home: Path):
        self.path = Path(home) / FILE
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._queue: queue.Queue = queue.Queue(MAX_PENDING)
        self._writer: threading.Thread | None = None

    def _c(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                for statement in SCHEMA:
                    conn.execute(statement)
            except sqlite3.Error as exc:
                raise StorageError(f"the guest-post host index {self.path} cannot be opened: {exc}") from None
            self._conn = conn
        return self._conn

    def close(self) -> None:
        writer = self._writer
        if writer is not None:
            self._queue.put(None)
            writer.join(timeout=30)
            self._writer = None
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def put(self, host: str, key: str, url: str, title: str, headings: list[str], links: list[str],
            published: str | None, seen_at: str, cap: int) -> None:
        """Queue one page seen for the writer thread (see the module docstring)."""
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_queued, name="site-pages", daemon=True)
                self._writer.start()
        self._queue.put((host, key, url, title, headings, links, published, seen_at, cap))

    def _write_queued(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._put_now(*item)
            except Exception as exc:  # noqa: BLE001 - an index write that fails costs one page, not the service
                log.error("the guest-post host index could not keep a page: %s", exc)
            finally:
                self._queue.task_done()

    def _drain(self) -> None:
        """Wait until every page queued so far is written (before any read)."""
        if self._writer is not None:
            self._queue.join()

    def _put_now(self, host: str, key: str, url: str, title: str, headings: list[str], links: list[str],
                 published: str | None, seen_at: str, cap: int) -> None:
        """Keep one page seen (replacing what was kept of it); past `cap` pages of the host, the
        least recently seen one gives way."""
        with self._lock:
            c = self._c()
            c.execute("BEGIN IMMEDIATE")
            try:
                found = c.execute("SELECT id, title, headings, links_out FROM pages WHERE key = ?", (key,)).fetchone()
                text = json.dumps(headings, ensure_ascii=False)
                if found:
                    page_id = found[0]
                    same = found[1] == title and found[2] == text and found[3] == len(links)
                    if same and [k for (k,) in c.execute("SELECT to_key FROM links WHERE from_id = ? ORDER BY to_key",
                                                         (page_id,))] == sorted(links):
                        c.execute("UPDATE pages SET seen_at = ?, url = ? WHERE id = ?", (seen_at, url, page_id))
                        c.execute("COMMIT")
                        return
                    c.execute("UPDATE pages SET url = ?, title = ?, headings = ?, published = coalesce(?, published), "
                              "seen_at = ?, links_out = ? WHERE id = ?",
                              (url, title, text, published, seen_at, len(links), page_id))
                    c.execute("DELETE FROM links WHERE from_id = ?", (page_id,))
                    c.execute("DELETE FROM pages_text WHERE rowid = ?", (page_id,))
                else:
                    found_n = c.execute("SELECT pages FROM hosts WHERE host = ?", (host,)).fetchone()
                    n = found_n[0] if found_n else 0
                    over = max(0, n - cap + 1)
                    for (old,) in c.execute("SELECT id FROM pages WHERE host = ? ORDER BY seen_at, id LIMIT ?",
                                            (host, over)).fetchall():
                        self._drop(c, old)
                    c.execute("INSERT INTO hosts (host, pages) VALUES (?, 1) ON CONFLICT (host) DO UPDATE "
                              "SET pages = pages + 1 - ?", (host, over))
                    page_id = c.execute("INSERT INTO pages (host, key, url, title, headings, published, first_seen, "
                                        "seen_at, links_out) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                        (host, key, url, title, text, published, seen_at, seen_at, len(links))).lastrowid
                c.executemany("INSERT OR IGNORE INTO links (to_key, from_id) VALUES (?, ?)",
                              [(k, page_id) for k in links])
                c.execute("INSERT INTO pages_text (rowid, title, headings) VALUES (?, ?, ?)",
                          (page_id, title, " \n ".join(headings)))
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise

    @staticmethod
    def _drop(c, page_id: int) -> None:
        c.execute("DELETE FROM links WHERE from_id = ?", (page_id,))
        c.execute("DELETE FROM pages_text WHERE rowid = ?", (page_id,))
        c.execute("DELETE FROM pages WHERE id = ?", (page_id,))

    def page(self, key: str) -> dict | None:
        self._drain()
        with self._lock:
            r = self._c().execute(f"SELECT {_COLUMNS} FROM pages WHERE key = ?", (key,)).fetchone()
        return _row(r) if r else None

    def links_count(self, keys: list[str]) -> dict[str, int]:
        """{page key: pages seen linking to it} for those of `keys` that have any."""
        self._drain()
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        with self._lock:
            return dict(self._c().execute(f"SELECT to_key, count(*) FROM links WHERE to_key IN ({marks}) "
                                          "GROUP BY to_key", list(keys)).fetchall())

    def linking(self, key: str, limit: int = 50) -> list[str]:
        """The pages seen linking to a page, most recently seen first."""
        self._drain()
        with self._lock:
            return [u for (u,) in self._c().execute(
                "SELECT p.url FROM links l JOIN pages p ON p.id = l.from_id WHERE l.to_key = ? "
                "ORDER BY p.seen_at DESC, p.id DESC LIMIT ?", (key, limit))]

    def count(self, host: str) -> int:
        self._drain()
        with self._lock:
            found = self._c().execute("SELECT pages FROM hosts WHERE host = ?", (host,)).fetchone()
        return found[0] if found else 0

    def forget(self, host: str) -> int:
        self._drain()
        with self._lock:
            c = self._c()
            c.execute("BEGIN IMMEDIATE")
            try:
                ids = [i for (i,) in c.execute("SELECT id FROM pages WHERE host = ?", (host,))]
                for page_id in ids:
                    self._drop(c, page_id)
                c.execute("DELETE FROM hosts WHERE host = ?", (host,))
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise
        return len(ids)

    def search(self, host: str, terms: list[str], limit: int) -> list[dict]:
        """Pages of a host whose title or headings hold any of the words, best BM25 first; each with
        `relevance` (−bm25: higher is better) and `matched` (the words it holds)."""
        words = [w for t in terms for w in _WORD.findall(t.lower())]
        if not words:
            return []
        self._drain()
        query = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
        with self._lock:
            rows = self._c().execute(
                f"SELECT {', '.join('p.' + c for c in _COLUMNS.split(', '))}, bm25(pages_text) AS rank "
                "FROM pages_text JOIN pages p ON p.id = pages_text.rowid "
                "WHERE pages_text MATCH ? AND p.host = ? ORDER BY rank LIMIT ?", (query, host, limit)).fetchall()
        out = []
        for r in rows:
            page = _row(r[:-1])
            text = " ".join([page["title"], *page["headings"]]).lower()
            page["relevance"] = -r[-1]
            page["matched"] = [w for w in dict.fromkeys(words) if w in text]
            out.append(page)
        return out


class SitePageIndex:
    """The Store's methods over the index (a mixin of the embedded and the team store alike: the
    index is this machine's, in the data home, either way). Opened on first use."""

    home: Path
    _site_pages: SitePages | None = None

    def _sites(self) -> SitePages:
        if self._site_pages is None:
            self._site_pages = SitePages(self.home)
        return self._site_pages

    def close_site_pages(self) -> None:
        if self._site_pages is not None:
            self._site_pages.close()

    def site_page_put(self, host: str, key: str, url: str, title: str, headings: list[str], links: list[str],
                      published: str | None, seen_at: str, cap: int) -> None:
        self._sites().put(host, key, url, title, headings, links, published, seen_at, cap)

    def site_page(self, key: str) -> dict | None:
        return self._sites().page(key)

    def site_links_count(self, keys: list[str]) -> dict[str, int]:
        return self._sites().links_count(keys)

    def site_pages_linking(self, key: str) -> list[str]:
        return self._sites().linking(key)

    def site_pages_count(self, host: str) -> int:
        return self._sites().count(host)

    def site_forget(self, host: str) -> int:
        return self._sites().forget(host)

    def site_search(self, host: str, terms: list[str], limit: int) -> list[dict]:
        return self._sites().search(host, terms, limit)
