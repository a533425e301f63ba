"""One page of the backlink list: the sorts, filters and text search both stores answer.

Why the list pages in the database: at a million backlinks the whole list was 620 MB of
JSON and 4.5 GiB of server memory on every visit of the dashboard's tab (issue 22). A
page is now an index walk: each sort has its own index, each filter an index or a cheap
check on the rows the walk meets, and the text search the database's own (FTS5 in
SQLite, a tsvector in PostgreSQL). What both stores share lives here: the names the API
takes, the columns a record is indexed by, and how a search text becomes words.

Unknown values (a row no tool gave an authority, a link with no first-seen date) come
last in descending order and first in ascending order: SQLite's own NULL order, which
PostgreSQL is told to follow (NULLS LAST / NULLS FIRST), so each sort is one index
walked forwards or backwards, and both stores list the same rows in the same order.
Ties fall to the row id, in the same direction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from companion.analysis import urls
from companion.core.authority import sort_value
from companion.core.errors import BadInput
from companion.store.keys import host_of_key

# sort name -> (column, default order)
SORTS: dict[str, tuple[str, str]] = {
    "authority": ("authority", "desc"),
    "first_seen": ("first_seen", "desc"),
    "last_seen": ("last_seen", "desc"),
    "domain": ("source_host", "asc"),
}
ORDERS = ("desc", "asc")
DEFAULT_SORT = "authority"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 16
# A text search counts its matches up to this many; past it the answer says `total_exact:
# false` ("10,000+"). Why: a word on a sixth of a million rows took 172 ms to count and list
# in SQLite, its count alone most of it; a page never needs more than "many" (issue 22).
COUNT_UP_TO = 10_000

_NON_WORD = re.compile(r"[\W_]+")


def words(text: str) -> list[str]:
    """Words split on anything not a letter or digit, as FTS5's unicode61 does."""
    return [w for w in _NON_WORD.split(text.lower()) if w]


def record_columns(record: dict) -> tuple:
    """(authority, first_seen, last_seen, follow, words) of a record: what the list sorts,
    filters and searches by, written beside the record on every insert and update."""
    text = " ".join((record.get("source_key") or "", record.get("target_key") or "",
                     record.get("anchor") or "", record.get("title") or ""))
    seen = [record.get(f) if isinstance(record.get(f), str) and record.get(f) else None
            for f in ("first_seen", "last_seen")]
    return (sort_value(record.get("metrics") or {}), seen[0], seen[1], record.get("follow") is not False,
            " ".join(_NON_WORD.sub(" ", text.lower()).split()))  # " ".join(words(text)), without the list


def tools_of(record: dict) -> list[str]:
    """The tools (and `discovered`/`recheck`) that supplied a record: its origins."""
    return [o for o in dict.fromkeys(record.get("origins") or []) if isinstance(o, str)]


@dataclass(frozen=True)
class Page:
    """What a page of the list asks for, checked (the API and the CLI build it the same way)."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    sort: str = DEFAULT_SORT
    order: str | None = None  # None: the sort's own default
    status: str | None = None
    follow: bool | None = None
    domain: str | None = None
    tool: str | None = None
    q: str | None = None

    def __post_init__(self):
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or not 1 <= self.limit <= MAX_LIMIT:
            raise BadInput(f"'limit' must be a whole number from 1 to {MAX_LIMIT}")
        if isinstance(self.offset, bool) or not isinstance(self.offset, int) or self.offset < 0:
            raise BadInput("'offset' must be a whole number, 0 or more")
        if self.sort not in SORTS:
            raise BadInput(f"'sort' must be one of {', '.join(SORTS)}")
        if self.order is not None and self.order not in ORDERS:
            raise BadInput("'order' must be desc or asc")
        if self.status is not None and self.status not in ("live", "lost"):
            raise BadInput("'status' must be live or lost")
        if self.domain is not None:
            # spelt as the store spells a linking page's host (keys.host_of_key: lower case,
            # `www.` and any port dropped, IDN as punycode)
            try:
                host = host_of_key(urls.page_key("http://" + self.domain.strip() + "/")) \
                    if "/" not in self.domain.strip() and self.domain.strip() else ""
            except ValueError:
                host = ""
            if not host:
                raise BadInput("'domain' must be a host name such as blog.example.com")
            object.__setattr__(self, "domain", host)
        if self.q is not None:
            if len(self.q) > MAX_QUERY_LENGTH:
                raise BadInput(f"'q' is longer than {MAX_QUERY_LENGTH} characters")
            if not self.terms:
                raise BadInput("'q' must hold at least one letter or digit")

    @property
    def column(self) -> str:
        return SORTS[self.sort][0]

    @property
    def descending(self) -> bool:
        return (self.order or SORTS[self.sort][1]) == "desc"

    @property
    def terms(self) -> list[str]:
        """The search text's words (every one must match), at most MAX_QUERY_WORDS."""
        return list(dict.fromkeys(words(self.q or "")))[:MAX_QUERY_WORDS]

    @property
    def capped(self) -> bool:
        """True if the total is counted only up to COUNT_UP_TO: a text search."""
        return self.q is not None

    def answer(self, rows: list[dict], total: int, more: bool | None = None) -> dict:
        """The paged object of GET /api/backlinks (README, "The companion service").

        `total` above COUNT_UP_TO on a capped page means "more than that": the answer gives
        COUNT_UP_TO with `total_exact: false`, and `more` (did the store find a row past this
        page) sets `next_offset`, since the total cannot."""
        exact = not self.capped or total <= COUNT_UP_TO
        if more is None or exact:
            more = self.offset + len(rows) < total
        return {"backlinks": rows, "total": total if exact else COUNT_UP_TO, "total_exact": exact,
                "offset": self.offset, "limit": self.limit, "next_offset": self.offset + self.limit if more else None}
