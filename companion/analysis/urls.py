"""URLs and domains: resolving links as browsers do, and comparing pages.

Two jobs, kept apart on purpose:

* `resolve(base, href)` turns an attribute value into the absolute URL a browser
  would follow (WHATWG quirks that matter on real pages: surrounding whitespace,
  tabs/newlines inside the value, backslashes in http(s) URLs). It returns None
  for hrefs a user cannot follow as a page link (`javascript:`, `mailto:`, `tel:`,
  `data:`, empty) and for URLs that cannot be parsed at all (`http://[::1`).
* `page_key(url)` is the identity used for matching stored backlinks against live
  pages: scheme, `www.`, host case, IDN form, default port, trailing slash,
  fragment and tracking parameters do not make a different page.

Registrable domains come from the Public Suffix List shipped inside the
`publicsuffixlist` package (never fetched at run time), private section included,
so `alice.blogspot.com` and `bob.blogspot.com` are different sites.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlencode, urljoin, urlsplit

from publicsuffixlist import PublicSuffixList

SKIPPED_SCHEMES = ("javascript:", "mailto:", "tel:", "data:")
HTTP_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only track a click; they never select different content.
TRACKING_PARAMS = frozenset({
    "gclid", "gclsrc", "dclid", "fbclid", "msclkid", "yclid", "twclid", "ttclid", "li_fat_id",
    "mc_cid", "mc_eid", "_ga", "_gl", "igshid", "srsltid", "_hsenc", "_hsmi", "mkt_tok",
    "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "ref_src",
})
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")

_PSL = PublicSuffixList()
_STRIP_INNER = re.compile(r"[\t\n\r]")
_C0_SPACE = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "


def clean_href(href: str | None) -> str:
    """Strip what a browser strips from an href before parsing it."""
    if not href:
        return ""
    return _STRIP_INNER.sub("", href.strip(_C0_SPACE))


def is_followable(href: str | None) -> bool:
    """False for the hrefs CONTRACT.md leaves out of the link list."""
    value = clean_href(href)
    if not value:
        return False
    return not value[:11].lower().startswith(SKIPPED_SCHEMES)


def resolve(base: str, href: str | None) -> str | None:
    """Absolute URL for `href` on a page at `base`, or None if it is not a followable link."""
    value = clean_href(href)
    if not value or value[:11].lower().startswith(SKIPPED_SCHEMES):
        return None
    scheme = value.split(":", 1)[0].lower() if ":" in value[:12] else ""
    if scheme in HTTP_SCHEMES or (not scheme and base.lower().startswith(("http:", "https:"))):
        value = value.replace("\\", "/")
    if scheme in HTTP_SCHEMES and value[len(scheme) + 1:].startswith("//"):
        try:
            if not urlsplit(value).hostname:
                return None  # 'https://' alone: a browser refuses an http(s) URL with no host
        except ValueError:
            return None
    try:
        absolute = urljoin(base, value)
        parts = urlsplit(absolute)
        parts.port  # raises ValueError for a port out of range or not a number
    except ValueError:
        return None
    if parts.scheme in HTTP_SCHEMES and not parts.hostname:
        return None
    return absolute


# An absolute http(s) URL whose host needs no urllib: no userinfo, no port, no IPv6
# literal (a ':' or '@' ends the match and sends the href down the slow path).
# Only asked of hrefs without whitespace or backslashes; case-insensitive in the
# scheme only, since IGNORECASE on the host's character class made it much slower.
_FAST_ABSOLUTE = re.compile(r"(?i:https?)://([^/?#@:]+)(?![^/?#])")


class Resolver:
    """Resolves many hrefs against one base, fast.

    Most hrefs on real pages are plain absolute URLs, root-relative paths or
    fragments; those take a string fast path (no urllib), the rest go through
    `resolve()`. No memo here: the analysis keeps one per distinct href, with the
    link's target beside the resolved URL (menus repeat links). Returns (absolute URL, normalised host, valid), or None for an href that is
    not a page link (`javascript:`, `mailto:`, `tel:`, `data:`, empty).
    """

    def __init__(self, base: str):
        self.base = base
        parts = urlsplit(base)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.base_no_fragment = base.split("#", 1)[0]
        self.base_host = normalize_host(parts.hostname or "")
        self.http_base = parts.scheme in HTTP_SCHEMES

    def resolve(self, raw: str) -> tuple[str, str, bool] | None:
        # Whitespace or a backslash anywhere needs the browser's clean-up: slow path.
        # (str.split() splits on exactly what the regex \s matches, and a one-piece
        # split is faster than searching [\s\\]: docs/BENCHMARKS.md.)
        if self.http_base and "\\" not in raw and raw.split(None, 1) == [raw]:
            first = raw[:1]
            if first == "/" and raw[1:2] != "/":
                return self.origin + raw, self.base_host, True
            if first == "#":
                return self.base_no_fragment + raw, self.base_host, True
            match = _FAST_ABSOLUTE.match(raw)
            if match:
                netloc = match.group(1)
                if not netloc.startswith("["):
                    return raw, normalize_host(netloc), True
        if not is_followable(raw):
            return None
        href = resolve(self.base, raw)
        if href is None:
            # Unparseable ('https://#', 'http://[::1'): a browser would not follow
            # it, but it is on the page, so it is listed as written, marked invalid.
            return clean_href(raw), "", False
        return href, host_of(href), True

    __call__ = resolve


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError:
        return False
    return parts.scheme in HTTP_SCHEMES and bool(parts.hostname)


@lru_cache(maxsize=65536)
def normalize_host(host: str) -> str:
    """Lower-case, IDN to punycode, no trailing dot; IPv6 stays bracket-free."""
    host = host.strip().rstrip(".").lower()
    if not host:
        return ""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        # Python's codec is IDNA 2003 and refuses some labels; fall back per label.
        labels = []
        for label in host.split("."):
            if label.isascii():
                labels.append(label)
            else:
                try:
                    labels.append("xn--" + label.encode("punycode").decode("ascii"))
                except UnicodeError:
                    labels.append(label)
        return ".".join(labels)


def host_of(url: str) -> str:
    """Normalised host of an absolute URL ('' if it has none)."""
    try:
        hostname = urlsplit(url).hostname
    except ValueError:
        return ""
    return normalize_host(hostname) if hostname else ""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """The site a host belongs to: eTLD+1 by the PSL, private section included.

    An IP address, `localhost` or a bare public suffix is its own site.
    """
    host = normalize_host(host)
    if not host or _is_ip(host) or "." not in host:
        return host
    return _PSL.privatesuffix(host) or host


def site_of(url: str) -> str:
    return registrable_domain(host_of(url))


def strip_www(host: str) -> str:
    return host[4:] if host.startswith("www.") and host.count(".") >= 2 else host


def domain_matches(host: str, domain: str) -> bool:
    """True when `host` is `domain` or one of its subdomains (example.com covers blog.example.com)."""
    host = normalize_host(host)
    domain = normalize_host(domain)
    return bool(domain) and (host == domain or host.endswith("." + domain))


def normalize_domain(value: str) -> str:
    """A domain as the user typed it ('https://www.Example.com/', 'Example.COM') → 'example.com'."""
    value = value.strip()
    if "://" in value:
        value = host_of(value)
    else:
        value = value.split("/", 1)[0].split("?", 1)[0]
        if value.startswith("[") or value.count(":") == 1:
            value = host_of("http://" + value)
    return strip_www(normalize_host(value))


def _is_tracking(name: str) -> bool:
    lower = name.lower()
    return lower in TRACKING_PARAMS or lower.startswith(TRACKING_PREFIXES)


_PCT = re.compile(r"%[0-9a-fA-F]{2}")
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def _normalize_path(path: str) -> str:
    if not path:
        return "/"
    # Re-quote so that 'é', '%C3%A9' and '%c3%a9' are one path; keep reserved escapes.
    path = quote(unquote(path, errors="surrogateescape"), safe=_PATH_SAFE, errors="surrogateescape")
    path = _PCT.sub(lambda m: m.group(0).upper(), path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return path


@lru_cache(maxsize=262144)
def page_key(url: str) -> str:
    """The identity of a page for matching: 'example.com/path?a=1'.

    Scheme (http/https), `www.`, host case and IDN form, default port, trailing
    slash, fragment and tracking parameters are dropped; remaining query
    parameters are sorted. Raises ValueError for a URL with no host.
    """
    url = url.strip()
    if "://" not in url[:12]:
        url = "http://" + url
    parts = urlsplit(url)
    hostname = parts.hostname
    if not hostname:
        raise ValueError(f"not a page URL: {url!r}")
    host = strip_www(normalize_host(hostname))
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    scheme = parts.scheme.lower()
    if port and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    query = ""
    if parts.query:
        pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
        if pairs:
            query = "?" + urlencode(sorted(pairs))
    return host + _normalize_path(parts.path) + query


def safe_page_key(url: str) -> str | None:
    try:
        return page_key(url)
    except ValueError:
        return None


def canonical_url(url: str) -> str:
    """A clean absolute URL for display and storage: fragment and tracking parameters removed."""
    parts = urlsplit(url.strip())
    query = ""
    if parts.query:
        pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
        query = urlencode(pairs)
    host = parts.netloc
    if parts.hostname:
        host = normalize_host(parts.hostname)
        if ":" in host:
            host = f"[{host}]"
        if parts.port and parts.port != DEFAULT_PORTS.get(parts.scheme.lower()):
            host = f"{host}:{parts.port}"
    return SplitResult(parts.scheme.lower(), host, parts.path or "/", query, "").geturl()
