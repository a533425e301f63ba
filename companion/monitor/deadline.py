"""One deadline per fetch, held by every socket operation httpx makes.

Why: httpx's timeouts are per operation (connect, each read, each write), so a
server sending its headers one byte every 2 s never trips a 3 s read timeout and
held a fetch for as long as it liked. Here the fetcher sets the fetch's Deadline
for its thread, and the network backend under httpx (httpcore's own sync backend,
wrapped) gives each connect, TLS handshake, read and write at most the time left:
once it is spent the next operation times out at once. CPython bounds a TLS
handshake and a TLS read by the socket timeout as a whole, so those hold too.

The wait for the host's politeness slot is ours, not the server's: `extend()`
moves the deadline by the time it took.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

import httpcore
import httpx

_current = threading.local()


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - time.monotonic()

    @property
    def passed(self) -> bool:
        return self.remaining() <= 0

    def extend(self, seconds: float) -> None:
        """Time that does not count (the wait for the host's politeness slot)."""
        self.at += seconds

    @contextmanager
    def held(self):
        """Every socket operation of this thread inside is bounded by this deadline."""
        before = getattr(_current, "deadline", None)
        _current.deadline = self
        try:
            yield self
        finally:
            _current.deadline = before


def _clip(timeout: float | None, error: type[Exception]) -> float | None:
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline.remaining()
    if left <= 0:
        raise error("the fetch's total time is spent")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _clip(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self):
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        timeout = _clip(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover - never used
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:  # pragma: no cover - retries are off
        self._inner.sleep(seconds)


def transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """httpx's own transport, its connection pool on the deadline-holding backend.

    httpx does not take a network backend, so its pool is rebuilt with the same
    settings plus ours (tests/test_recheck_deadline.py fails if that ever stops working)."""
    made = httpx.HTTPTransport(limits=limits, trust_env=False)
    made._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections, max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry, network_backend=_Backend())
    return made


def within(deadline: Deadline, work, on_timeout: Exception):
    """`work()` in a helper thread, given up (raising `on_timeout`) when the deadline passes.

    For what has no timeout of its own (the system resolver): the thread is left to
    finish on its own; its answer is dropped."""
    box: dict = {}
    done = threading.Event()

    def run():
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="tierlink-lookup", daemon=True).start()
    if not done.wait(max(0.0, deadline.remaining())):
        raise on_timeout
    if "error" in box:
        raise box["error"]
    return box["value"]
