"""Politeness towards the sites users link with (docs/SECURITY.md item 21).

A HostGate is shared by every worker of one recheck run: a request to a host
takes that host's slot, so there is never more than one request at a time to a
host, and the next one waits until at least the host's delay (`--delay`, or the
site's robots.txt Crawl-delay when longer) has passed since the previous one
*ended* — stricter than start to start, so the gap a server sees is never less.
Different hosts do not wait for each other; how many run at once is the run's
`--concurrency`.

The gap is measured when the next request is about to start, with the host's
delay as known then: robots.txt is the first request to a host and its
Crawl-delay is learnt from it, so that delay holds between robots.txt and the
first page too (it was fixed when robots.txt ended, with the run's delay, and the
first page followed at once).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager


class Cancelled(Exception):
    """The run was stopped (the service shuts down) while waiting for a host."""


class _Host:
    __slots__ = ("lock", "last_end", "delay")

    def __init__(self, delay: float):
        self.lock = threading.Lock()
        self.last_end: float | None = None  # when the previous request to the host ended
        self.delay = delay


class HostGate:
    def __init__(self, delay: float, cancel: threading.Event | None = None):
        self.delay = float(delay)
        self.cancel = cancel or threading.Event()
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    def _host(self, host: str) -> _Host:
        with self._lock:
            entry = self._hosts.get(host)
            if entry is None:
                entry = self._hosts[host] = _Host(self.delay)
            return entry

    def set_delay(self, host: str, seconds: float) -> None:
        """A longer delay for one host (its Crawl-delay); never shorter than the run's."""
        self._host(host).delay = max(self.delay, float(seconds))

    @contextmanager
    def slot(self, host: str):
        """The host's turn; yields the seconds waited for it (politeness, not the server's time)."""
        entry = self._host(host)
        asked = time.monotonic()
        with entry.lock:
            if entry.last_end is not None:
                wait = entry.last_end + entry.delay - time.monotonic()
                if wait > 0 and self.cancel.wait(wait):
                    raise Cancelled()
            if self.cancel.is_set():
                raise Cancelled()
            try:
                yield time.monotonic() - asked
            finally:
                entry.last_end = time.monotonic()
