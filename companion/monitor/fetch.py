"""Fetching one page for the link monitor: safe, bounded and polite.

Why each rule (docs/SECURITY.md items 20-21):

* A backlink list is outside data: an export can name `http://127.0.0.1:8765/`
  or a host whose DNS answers with a private address. Every hop is resolved
  here, the address is checked, and the request is sent to *that* address (the
  `Host` header and TLS SNI name the host), so the address checked is the
  address connected to: a second DNS answer (rebinding) cannot slip in between.
  Loopback, private, link-local, multicast, reserved and unspecified addresses
  are refused unless `allow_private` (tests, intranets). Only http(s).
* Redirects are followed here, at most MAX_REDIRECTS, each hop checked the same
  way; the caller may stop at a hop (`follow`) and gets the 3xx with `location`.
* One deadline per fetch: `timeout` × TOTAL_TIME_FACTOR for everything the
  network does — DNS, connect, TLS, sending, the headers, the body, every redirect
  hop — whatever the server does (a server dripping its headers a byte a second
  cannot hold a worker). Each socket operation is given at most the time left
  (companion.monitor.deadline); the wait for the host's politeness slot is ours,
  not the server's, and does not count. The body is read up to `max_bytes` after
  decompression (gzip, deflate, br), so neither a huge page nor a compression bomb
  fills memory. `truncated` says the cap was hit.
* DNS has no timeout of its own in the system's resolver: the lookup runs beside
  the fetch and is given up when the deadline passes. `TIERLINK_DNS_SERVER=IP[:PORT]`
  makes the lookups go to that DNS server instead (dnspython).
* `TIERLINK_FETCH_LOOPBACK_ONLY=1` (set by the test suite and CI): any host that is
  not a loopback literal (127.0.0.0/8, ::1) is refused before any DNS lookup, so no
  test or fuzzer can send a packet past this machine.
* Every request to a host goes through the HostGate (companion.monitor.politeness):
  one at a time per host, with the delay between two.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from companion import PROJECT_URL, __version__
from companion.core.limits import MAX_HTML_BYTES, RECHECK_TIMEOUT
from companion.analysis.decode import decode_html
from companion.monitor import resolver
from companion.monitor.deadline import Deadline, transport, within

USER_AGENT = f"TierlinkBot/{__version__} (+{PROJECT_URL})"
ROBOTS_AGENT = "TierlinkBot"
MAX_REDIRECTS = 10
# One more byte than the analysis keeps, so the analysis sees that the page was cut.
MAX_BODY = MAX_HTML_BYTES + 1
TOTAL_TIME_FACTOR = 3  # a response may take at most this many times --timeout in all
_REDIRECTS = (301, 302, 303, 307, 308)


class FetchError(Exception):
    """A fetch that gave no answer: `kind` is timeout, dns, tls, connect, protocol,
    redirects or refused (an address we do not fetch); `reason` is one line for the user."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class PrivateAddress(FetchError):
    """Refused: the host is (or resolves to) a loopback, private, ... address. The reason is
    neutral; who shows it says how to allow such hosts where the user is (CLI flag, dashboard box)."""

    def __init__(self, reason: str):
        super().__init__("refused", reason)


@dataclass
class Response:
    url: str  # the URL asked for
    final_url: str  # after the redirects followed
    status: int
    headers: dict[str, list[str]]  # lower-case names
    body: bytes
    truncated: bool = False
    redirects: list[str] = field(default_factory=list)
    location: str | None = None  # a redirect the caller chose not to follow

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[-1] if values else None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def charset(self) -> str | None:
        for part in (self.header("content-type") or "").split(";")[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "charset":
                return value.strip()
        return None

    def text(self) -> str:
        """The body as text: BOM, UTF-8, the header's charset, the page's own, detection."""
        return decode_html(self.body, self.charset())[0]


def refusal(address: str) -> str | None:
    """Why an address must not be fetched (None: a public address)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for test, what in (("is_loopback", "a loopback"), ("is_link_local", "a link-local"),
                       ("is_multicast", "a multicast"), ("is_unspecified", "an unspecified"),
                       ("is_private", "a private"), ("is_reserved", "a reserved")):
        if getattr(ip, test):
            return f"{what} address"
    return None


def resolve(host: str, port: int, deadline: Deadline | None = None) -> str:
    """The first address of a host name (an IP literal is itself), within the deadline;
    FetchError 'refused' (loopback-only setting, before any lookup), 'dns' or 'timeout'."""
    deadline = deadline or Deadline(RECHECK_TIMEOUT * TOTAL_TIME_FACTOR)
    try:
        resolver.check_allowed(host)
        if resolver.literal(host) is not None:
            return host
        late = resolver.LookupFailed("timeout", f"DNS lookup of {host} got no answer within "
                                                f"{deadline.seconds:g} s")
        return within(deadline, lambda: resolver.lookup(host, port, deadline.remaining()), late)
    except resolver.LookupFailed as exc:
        raise FetchError(exc.kind, exc.reason) from None


class Fetcher:
    """An HTTP client for the monitor: `get(url)` → Response, or FetchError."""

    def __init__(self, *, timeout: float = 20.0, allow_private: bool = False, gate=None,
                 user_agent: str = USER_AGENT, pool_size: int = 16):
        from companion.monitor.politeness import HostGate

        self.timeout = float(timeout)
        self.allow_private = allow_private
        self.gate = gate or HostGate(0)
        self.total = self.timeout * TOTAL_TIME_FACTOR
        limits = httpx.Limits(max_connections=pool_size * 2, max_keepalive_connections=pool_size)
        self.client = httpx.Client(
            timeout=httpx.Timeout(self.timeout), follow_redirects=False, trust_env=False,
            headers={"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                     "Accept-Encoding": "gzip, deflate, br"},
            transport=transport(limits))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, *, follow: Callable[[str], bool] | None = None,
            max_bytes: int = MAX_BODY) -> Response:
        """GET `url`, following redirects while `follow(next_url)` says so (all by default).

        The whole of it, redirects included, within one deadline (`timeout` × TOTAL_TIME_FACTOR)."""
        redirects: list[str] = []
        current = url
        deadline = Deadline(self.total)
        while True:
            status, headers, body, truncated = self._one(current, max_bytes, deadline)
            location = headers.get("location", [None])[-1]
            if status not in _REDIRECTS or not location:
                return Response(url, current, status, headers, body, truncated, redirects)
            target = urljoin(current, location.strip())
            if len(redirects) >= MAX_REDIRECTS:
                raise FetchError("redirects", f"more than {MAX_REDIRECTS} redirects (last to {target[:200]})")
            if follow is not None and not follow(target):
                return Response(url, current, status, headers, body, truncated, redirects, location=target)
            redirects.append(target)
            current = target

    def _one(self, url: str, max_bytes: int, deadline: Deadline) -> tuple[int, dict, bytes, bool]:
        """One request (no redirect): the address checked is the address connected to."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("refused", f"not an http(s) URL: {url[:200]}")
        host = parts.hostname
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise FetchError("refused", f"bad port in {url[:200]}") from None
        address = resolve(host, port, deadline)
        why = refusal(address)
        if why and not self.allow_private:
            said = f"{host} is {why}" if host == address else f"{host} resolves to {why} ({address})"
            raise PrivateAddress(f"{said}: not fetched unless private hosts are allowed")
        literal = f"[{address}]" if ":" in address else address
        direct = urlunsplit((scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
        host_header = parts.netloc.rpartition("@")[2]
        extensions = {"sni_hostname": host} if scheme == "https" else {}
        with self.gate.slot(host_header.lower()) as waited:
            deadline.extend(waited)  # waiting for our own politeness is not the server's time
            return self._request(direct, host_header, extensions, max_bytes, deadline)

    def _request(self, direct: str, host_header: str, extensions: dict, max_bytes: int,
                 deadline: Deadline) -> tuple[int, dict, bytes, bool]:
        spent = FetchError("timeout", f"the fetch took over {self.total:g} s in all (DNS, connect, headers "
                                      f"and body: {TOTAL_TIME_FACTOR} × the {self.timeout:g} s timeout)")
        try:
            with deadline.held():
                return self._exchange(direct, host_header, extensions, max_bytes, deadline, spent)
        except httpx.TimeoutException as exc:
            if deadline.passed:
                raise spent from None
            what = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for the page"
            raise FetchError("timeout", f"timed out {what} ({self.timeout:g} s)") from None
        except httpx.ConnectError as exc:
            if _is_tls(exc):
                raise FetchError("tls", f"TLS failed: {_first_line(exc)}") from None
            raise FetchError("connect", f"could not connect: {_first_line(exc)}") from None
        except httpx.DecodingError as exc:
            raise FetchError("protocol", f"the response could not be decompressed: {_first_line(exc)}") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            if _is_tls(exc):
                raise FetchError("tls", f"TLS failed: {_first_line(exc)}") from None
            raise FetchError("protocol", f"{type(exc).__name__}: {_first_line(exc)}") from None

    def _exchange(self, direct: str, host_header: str, extensions: dict, max_bytes: int, deadline: Deadline,
                  spent: FetchError) -> tuple[int, dict, bytes, bool]:
        if deadline.passed:
            raise spent
        with self.client.stream("GET", direct, headers={"Host": host_header}, extensions=extensions) as resp:
            headers: dict[str, list[str]] = {}
            for name, value in resp.headers.multi_items():
                headers.setdefault(name.lower(), []).append(value)
            chunks, size, truncated = [], 0, False
            if resp.status_code not in _REDIRECTS:
                for chunk in resp.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= max_bytes:
                        truncated = True  # read no further: the rest is never looked at
                        break
                    if deadline.passed:
                        raise spent
            body = b"".join(chunks)[:max_bytes]
            return resp.status_code, headers, body, truncated


def _is_tls(exc: BaseException) -> bool:
    seen = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    text = str(exc).upper()
    return "SSL" in text or "CERTIFICATE" in text


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
