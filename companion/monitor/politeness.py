"""Politeness towards the sites users link with (SECURITY.md item 21).

A HostGate is shared by every worker of one recheck run: a request to a host
takes that host's slot, so there is never more than one request at a time to a
host, and the next one waits until at least the host's delay (`--delay`, or the
site's robots.txt Crawl-delay when longer) has passed since the previous one
*ended* — stricter than start to start, so the gap a server sees is never less.
Different hosts do not wait for each other; how many run at once is the run's
`--concurrency`.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager


class Cancelled(Exception):
    """The run was stopped (the service shuts down) while waiting for a host."""


class _Host:
    __slots__ = ("lock", "next_at", "delay")

    def __init__(self, delay: float):
        self.lock = threading.Lock()
        self.next_at = 0.0
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
        entry = self._host(host)
        with entry.lock:
            wait = entry.next_at - time.monotonic()
            if wait > 0 and self.cancel.wait(wait):
                raise Cancelled()
            if self.cancel.is_set():
                raise Cancelled()
            try:
                yield
            finally:
                entry.next_at = time.monotonic() + entry.delay
