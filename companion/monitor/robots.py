"""robots.txt for the link monitor: fetched once per host per run, obeyed.

Rules (RFC 9309, as the big crawlers apply it), for the agent `TierlinkBot`, else `*`:

* 2xx: parsed with protego (a maintained parser: wildcards, `$`, longest match,
  `Crawl-delay`); at most 512 KiB is read.
* 4xx (no robots.txt): everything allowed.
* 5xx: the site is unreachable for crawlers: nothing is fetched from it this run.
* no answer (timeout, DNS, connection, TLS): the pages of that host are errors,
  never judged.

The robots.txt request is itself a request to the host, so it goes through the
same HostGate as the pages (it counts in the delay).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from companion.monitor.fetch import ROBOTS_AGENT, FetchError, Fetcher

MAX_ROBOTS_BYTES = 512 * 1024
GOOGLE_AGENT = "Googlebot"  # whose rules say whether Google may crawl a page
MAX_CRAWL_DELAY = 60.0  # seconds; a longer Crawl-delay is honoured as this


@dataclass
class Rules:
    parser: Protego | None = None
    disallow_all: str | None = None  # why nothing may be fetched
    error: str | None = None  # robots.txt could not be fetched at all
    error_kind: str | None = None  # FetchError.kind of that failure (an NXDOMAIN is told apart)

    def allowed(self, url: str) -> bool:
        if self.disallow_all or self.error:
            return False
        return self.parser is None or self.parser.can_fetch(url, ROBOTS_AGENT)

    def allows_google(self, url: str) -> bool | None:
        """Whether robots.txt lets Googlebot fetch the page (the indexability verdict): None when
        robots.txt could not be read or answered 5xx (nothing known), True when there is none."""
        if self.disallow_all or self.error:
            return None
        return self.parser is None or self.parser.can_fetch(url, GOOGLE_AGENT)

    @property
    def crawl_delay(self) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(ROBOTS_AGENT)
        return min(float(delay), MAX_CRAWL_DELAY) if delay else None


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.rpartition('@')[2].lower()}"


class PerOrigin:
    """What is read of each origin once per run (robots.txt, the sitemaps): one lock per origin,
    so two workers asking for the same host wait for one read instead of making two."""

    def __init__(self, read):
        self._read = read
        self._found: dict[str, object] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, url: str):
        origin = origin_of(url)
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._found:
                self._found[origin] = self._read(origin)
            return self._found[origin]


class RobotsCache:
    """The robots.txt Rules of each origin, fetched at most once per run."""

    def __init__(self, fetcher: Fetcher):
        self.fetcher = fetcher
        self._rules = PerOrigin(self._fetch)

    def rules(self, url: str) -> Rules:
        return self._rules.get(url)

    def _fetch(self, origin: str) -> Rules:
        try:
            resp = self.fetcher.get(origin + "/robots.txt", max_bytes=MAX_ROBOTS_BYTES)
        except FetchError as exc:
            if exc.kind == "refused":
                raise
            return Rules(error=f"robots.txt could not be fetched: {exc.reason}", error_kind=exc.kind)
        if resp.status >= 500:
            return Rules(disallow_all=f"robots.txt answers {resp.status}: the site asks crawlers to wait")
        if resp.status >= 400 or resp.status < 200 or resp.status >= 300:
            return Rules()
        return Rules(parser=Protego.parse(resp.body.decode("utf-8", "replace")))
