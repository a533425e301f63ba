"""Sees every host name looked up in this process, and blocks those beyond loopback.

Python raises the audit event `socket.getaddrinfo` (host, port, ...) before any
lookup (sys.audit, PEP 578); a hook that raises stops that lookup before a packet
is sent. Inside `lookups()` every host name asked is recorded (from any thread: a
recheck's workers included; an IP literal is no lookup and is not recorded),
and anything but `localhost` and loopback addresses is refused with PermissionError, so a test that proves "no lookup"
can fail without sending anything past this machine.
"""

from __future__ import annotations

import ipaddress
import sys
import threading
from contextlib import contextmanager

_watchers: list[list[str]] = []
_lock = threading.Lock()


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None


def _hook(event: str, args: tuple) -> None:
    if event != "socket.getaddrinfo" or not _watchers:
        return
    host = args[0]
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not host:  # getaddrinfo(None, port): a local address to bind, no lookup
        return
    host = str(host)
    ip = _literal(host)
    if ip is not None:  # an address given as such: nothing is looked up (connecting to it asks for it)
        if ip.is_loopback:
            return
        raise PermissionError(f"test network guard: {host} is beyond loopback")
    with _lock:
        for seen in _watchers:
            seen.append(host)
    if host.lower().rstrip(".") != "localhost":
        raise PermissionError(f"test network guard: a lookup of {host!r} was refused (beyond loopback)")


sys.addaudithook(_hook)  # once per process (a hook cannot be removed): idle outside lookups()


@contextmanager
def lookups():
    """The host names looked up while inside (a list, filled as they happen)."""
    seen: list[str] = []
    with _lock:
        _watchers.append(seen)
    try:
        yield seen
    finally:
        with _lock:
            _watchers.remove(seen)
