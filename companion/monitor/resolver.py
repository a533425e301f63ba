"""Host name → address for the fetcher, inside the fetch's deadline.

Why: the system resolver (`getaddrinfo`) has no timeout a caller can set, so a
DNS server that never answers held a fetch for as long as the system's resolver
retries. The lookup runs beside the fetch (companion.monitor.deadline.within) and
is given up when the fetch's deadline passes.

`TIERLINK_DNS_SERVER=IP[:PORT]` sends the lookups to that DNS server instead, through
dnspython (a maintained resolver whose whole lookup takes a `lifetime`): for a
chosen resolver, and for the tests, which point it at a stub on loopback.

`TIERLINK_FETCH_LOOPBACK_ONLY=1` allows loopback literals only (127.0.0.0/8, ::1) and
refuses every other host before any lookup: set by the test suite and CI, so that
no test or fuzzer looks up or reaches a host beyond this machine.
"""

from __future__ import annotations

import ipaddress
import os
import socket

LOOPBACK_ONLY_ENV = "TIERLINK_FETCH_LOOPBACK_ONLY"
DNS_SERVER_ENV = "TIERLINK_DNS_SERVER"


class LookupFailed(Exception):
    """The name has no address (`kind` dns; `nxdomain` when the DNS says the name does not
    exist: a domain that lapsed, which the link monitor tells apart from a DNS failure)
    or the lookup was refused (`kind` refused)."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def loopback_only() -> bool:
    return os.environ.get(LOOPBACK_ONLY_ENV, "").strip() not in ("", "0")


def dns_server() -> tuple[str, int] | None:
    """The DNS server of TIERLINK_DNS_SERVER (`IP`, `IP:PORT`, `[IPv6]:PORT`), or None."""
    text = os.environ.get(DNS_SERVER_ENV, "").strip()
    if not text:
        return None
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else 53
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = int(port_text)
    ipaddress.ip_address(host)  # a literal: the DNS server itself is never looked up
    return host, port


def literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return None


def is_loopback_literal(host: str) -> bool:
    ip = literal(host)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip is not None and ip.is_loopback


def check_allowed(host: str) -> None:
    """Refuse, before any lookup, a host the loopback-only setting does not allow."""
    if loopback_only() and not is_loopback_literal(host):
        raise LookupFailed("refused", f"{host} is not a loopback address literal: not fetched "
                                      f"({LOOPBACK_ONLY_ENV}=1 fetches 127.0.0.0/8 and ::1 only)")


def lookup(host: str, port: int, seconds: float) -> str:
    """The first address of `host` (a literal is itself). Called under the fetch's deadline;
    `seconds` is the time left, for a resolver that can honour it itself."""
    if literal(host) is not None:
        return host
    server = dns_server()
    if server is not None:
        return _ask(host, server, seconds)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        if getattr(exc, "errno", None) == socket.EAI_NONAME:
            raise LookupFailed("nxdomain", f"DNS: {host} does not exist (NXDOMAIN)") from None
        raise LookupFailed("dns", f"DNS lookup of {host} failed "
                                  f"({getattr(exc, 'strerror', None) or exc})") from None
    if not infos:
        raise LookupFailed("dns", f"DNS lookup of {host} gave no address")
    return infos[0][4][0]


def _ask(host: str, server: tuple[str, int], seconds: float) -> str:
    import dns.exception
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [server[0]]
    resolver.port = server[1]
    try:
        answer = resolver.resolve_name(host, lifetime=max(0.001, seconds))
    except dns.resolver.NXDOMAIN:
        raise LookupFailed("nxdomain", f"DNS: {host} does not exist (NXDOMAIN)") from None
    except dns.exception.Timeout:
        raise LookupFailed("timeout", f"DNS lookup of {host} got no answer in time") from None
    except (dns.exception.DNSException, UnicodeError, ValueError) as exc:
        raise LookupFailed("dns", f"DNS lookup of {host} failed ({type(exc).__name__})") from None
    for address in answer.addresses():
        return address
    raise LookupFailed("dns", f"DNS lookup of {host} gave no address")
