"""URLs and domains: resolving links as browsers do, and comparing pages.

Two jobs, kept apart on purpose:

* `resolve(base, href)` turns an attribute value into the absolute URL a browser
  would follow, serialised as the browser's `a.href` gives it. The parsing is the
  WHATWG URL Standard's, by ada (`ada-url`, the parser Node.js uses), so every
  quirk of real pages (whitespace, backslashes, `///host`, `http:host` on an https
  page, dot segments, IDNA by UTS 46, IPv4 shorthand, default ports) comes out as
  the browser reads it; the extension matches its outlines on these strings.
  `resolve` returns None for hrefs a user cannot follow as a page link
  (`javascript:`, `mailto:`, `tel:`, `data:`, empty) and for URLs the browser
  cannot parse at all (`http://[::1`).
* `page_key(url)` is the identity used for matching stored backlinks against live
  pages, computed on the parsed URL: scheme, `www.`, host case, IDN form, default
  port, trailing slash, dot segments, fragment, tracking parameters and the
  spelling of percent-escapes do not make a different page.

Hosts are ASCII as the browser gives them (UTS 46: `faß.example` is
`xn--fa-hia.example`, not IDNA 2003's `fass.example`). Registrable domains come from
the Public Suffix List shipped inside the `publicsuffixlist` package (never fetched at
run time), private section included, so `alice.blogspot.com` and `bob.blogspot.com`
are different sites; it is asked in the same ASCII form.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlencode, urlsplit

import ada_url
from publicsuffixlist import PublicSuffixList

from companion.core.errors import BadInput
from companion.core.limits import MAX_URL_LENGTH

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
    """False for the hrefs docs/CONTRACT.md leaves out of the link list."""
    value = clean_href(href)
    if not value:
        return False
    return not value[:11].lower().startswith(SKIPPED_SCHEMES)


def resolve(base: str, href: str | None) -> str | None:
    """Absolute URL for `href` on a page at `base` (the browser's `a.href`), or None if it is not a followable link."""
    value = clean_href(href)
    if not value or value[:11].lower().startswith(SKIPPED_SCHEMES):
        return None
    try:
        return ada_url.join_url(base, value)
    except ValueError:
        return None


# Fast paths of the Resolver: hrefs whose WHATWG serialisation is the string itself,
# or the base's prefix joined to it (tests/test_urls.py checks them against ada on
# every corpus href, on generated edge strings and through the wpt suite). Only hrefs
# made of the characters in `_SAFE`, which no part of a URL percent-encodes or
# rewrites (any other, such as space, controls, non-ASCII, `"'<>\^`{}`, sends the
# href to the parser), with no dot segment ('/.', '%2e') anywhere, and for an
# absolute URL a host of ASCII labels whose last label starts with a letter (one
# starting with a digit makes the parser read an IPv4 address), no `xn--` label (the
# parser checks those), no port or userinfo.
_SAFE = r"[!#-&(-;=?-\[\]_a-z|~]"
# The same test as bytes.translate deleting the safe ones: faster than a regex scan (docs/BENCHMARKS.md).
_SAFE_BYTES = bytes(c for c in range(128) if re.fullmatch(_SAFE, chr(c)))
_ABSOLUTE_HOST = re.compile(r"https?://((?:[a-z0-9_-]+\.)*[a-z_][a-z0-9_-]*)(?=[/?#]|\Z)").match
_ABSOLUTE_ANY_CASE = re.compile(r"(?i:https?)://((?:[A-Za-z0-9_-]+\.)*[A-Za-z_][A-Za-z0-9_-]*)(?=[/?#]|\Z)").match
_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:").match


def _plain_path(path: str) -> bool:
    """No dot segment ('/.', '/..', '/%2e') the parser would resolve (inlined in Resolver.resolve)."""
    return "/." not in path and ("%2" not in path or ("%2e" not in path and "%2E" not in path))


def _fast_absolute(url: str) -> tuple[str, str, bool] | None:
    """Resolver.resolve of a plain absolute http(s) URL (safe characters, no dot segment), or None."""
    m = _ABSOLUTE_HOST(url)
    if m is None:
        m = _ABSOLUTE_ANY_CASE(url)
        if m is None:
            return None
        end = m.end()
        url = url[:end].lower() + url[end:]  # the parser lower-cases scheme and host
        m = _ABSOLUTE_HOST(url)
    host = m.group(1)
    if "xn--" in host:
        return None
    end = m.end()
    if not url.startswith("/", end):  # 'https://host' and 'https://host?q': the path is '/'
        url = url[:end] + "/" + url[end:]
    return url, normalize_host(host), True


class Resolver:
    """Resolves many hrefs against one base, fast, exactly as `resolve()` does.

    Most hrefs on real pages are plain absolute URLs, root-relative paths or
    fragments already in the browser's serialisation; those take a string fast
    path, the rest go to the parser. No memo here: the analysis keeps one per
    distinct href, with the link's target beside the resolved URL (menus repeat
    links). Returns (absolute URL, normalised host, valid), or None for an href
    that is not a page link (`javascript:`, `mailto:`, `tel:`, `data:`, empty).
    """

    def __init__(self, base: str):
        self.base = base
        try:
            parts = ada_url.parse_url(base, ("href", "protocol", "hostname"))
        except ValueError:
            parts = None
        self.http_base = parts is not None and parts["protocol"] in ("http:", "https:")
        if self.http_base:
            # In a serialised http(s) URL the first '#' starts the fragment, the first '?'
            # the query and the first '/' after '//' the path (elsewhere they are escaped);
            # the parser's search/hash are '' for a bare '?' or '#', so cut the string.
            href = parts["href"]
            self.base_no_fragment = href.split("#", 1)[0]
            self.base_no_query = self.base_no_fragment.split("?", 1)[0]
            self.scheme = parts["protocol"]
            self.origin = href[:href.index("/", len(self.scheme) + 2)]
            self.base_dir = self.base_no_query[:self.base_no_query.rindex("/") + 1]
            self.base_host = _ascii_host(parts["hostname"])

    def resolve(self, raw: str) -> tuple[str, str, bool] | None:
        if self.http_base and raw.isascii() and not raw.encode().translate(None, _SAFE_BYTES) and "/." not in raw and (
                "%2" not in raw or _plain_path(raw)):
            first = raw[:1]
            if first == "/":
                if raw[1:2] != "/":
                    return self.origin + raw, self.base_host, True
                hit = _fast_absolute(self.scheme + raw)  # '//host/x': the page's scheme
                if hit is not None:
                    return hit
            elif first == "#":
                return self.base_no_fragment + raw, self.base_host, True
            elif first == "?":
                return self.base_no_query + raw, self.base_host, True
            elif first == "h" or first == "H":
                hit = _fast_absolute(raw)
                if hit is not None:
                    return hit
                if _HAS_SCHEME(raw) is None:  # 'help.html'
                    return self.base_dir + raw, self.base_host, True
            elif first != "." and first and _HAS_SCHEME(raw) is None:  # 'page.html', 'dir/page'
                return self.base_dir + raw, self.base_host, True
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
    """True for an absolute http(s) URL a browser can parse (it then always has a host)."""
    try:
        return ada_url.parse_url(url, ("protocol",))["protocol"] in ("http:", "https:")
    except ValueError:
        return False


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def check_url(value, name: str = "url") -> str:
    """An absolute http(s) page address within MAX_URL_LENGTH, trimmed, or a BadInput naming the field.

    The one URL check of every input (the API's JSON Schema gate reads it for `format: uri`,
    the workflow tables, the draft check's `host_url`, the CLI): what a browser parses as
    http(s) with a host we can key (`page_key`), so `https://x.test/?a=b|c`, which a page's
    `a.href` gives as it is, is taken where RFC 3986 alone would refuse it.
    """
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"'{name}' is required: the page's http(s) address")
    value = value.strip()
    if _LONE_SURROGATE.search(value):
        raise BadInput(f"'{name}' is not a valid address (it holds a lone surrogate)")
    if len(value) > MAX_URL_LENGTH:
        raise BadInput(f"'{name}' is longer than {MAX_URL_LENGTH} characters")
    if not is_http_url(value):
        raise BadInput(f"'{name}' must be an absolute http(s) URL, got {value[:100]!r}")
    try:
        page_key(value)
    except ValueError:
        raise BadInput(f"'{name}' is not a page address: {value[:100]!r}") from None
    return value


def _fallback_ascii(host: str) -> str:
    """Punycode per label, for a host UTS 46 refuses (kept only to give such URLs a stable key)."""
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


@lru_cache(maxsize=65536)
def normalize_host(host: str) -> str:
    """Lower-case, IDN to ASCII by UTS 46 (as browsers do), no trailing dot; IPv6 stays bracket-free."""
    host = host.strip().rstrip(".")
    if not host:
        return ""
    if host.isascii():
        return host.lower()
    try:
        ascii_host = ada_url.idna_to_ascii(host).decode("ascii")
    except (ValueError, UnicodeError):
        ascii_host = ""
    return ascii_host.rstrip(".") if ascii_host else _fallback_ascii(host.lower())


def _ascii_host(hostname: str) -> str:
    """normalize_host of a hostname as the parser gives it ('[::1]' loses its brackets)."""
    if hostname.startswith("["):
        return hostname[1:-1]
    return normalize_host(hostname)


# An absolute http(s) URL with a plain host: no userinfo, port or IPv6 literal, and a
# last label starting with a letter (the parser reads 'a.1' or '1.2.3' as IPv4).
_SIMPLE_HOST = re.compile(r"(?i:https?)://((?:[A-Za-z0-9_-]+\.)*[A-Za-z_][A-Za-z0-9_-]*\.?)(?=[/?#]|$)").match


def host_of(url: str) -> str:
    """Normalised host of an absolute URL as the browser parses it ('' if it has none or cannot be parsed)."""
    m = _SIMPLE_HOST(url)
    if m is not None:
        return normalize_host(m.group(1))
    try:
        hostname = ada_url.parse_url(url, ("hostname",))["hostname"]
    except ValueError:
        return ""
    return _ascii_host(hostname) if hostname else ""


def _is_ip(host: str) -> bool:
    if ":" not in host and not host[-1:].isdigit():  # neither IPv6 nor a dotted IPv4: no parse (or its exception)
        return False
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


_KEY_PARTS = ("protocol", "hostname", "port", "pathname", "search")


# A URL whose page key needs no parser: http(s), a dotted host of ASCII labels ending in a
# letter or digit whose last label starts with a letter (one starting with a digit may make the
# parser read an IPv4 address: '1.2.3' is 1.2.0.3), and a path of plain characters and non-ASCII
# ones other than white space and surrogates, no query or fragment. Most of an export's linking
# pages look like this; their key by string operations alone is the parser's (tests/test_urls.py
# compares the two on the corpus' links), at a fraction of the cost: imports key every row.
# Greedy: lazy quantifiers are slower here (docs/BENCHMARKS.md, "Figures behind code comments").
_PLAIN = re.compile(r"^https?://((?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]*)(?<=[A-Za-z0-9])"
                    "(/[A-Za-z0-9_.\\-~/:@!$&'()*+,;=\x80-\x84\x86-\x9f\xa1-\u167f\u1681-\u1fff\u200b-\u2027"
                    "\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\ud7ff\ue000-\U0010ffff]*)?$").match


def plain_page_key(url: str) -> str | None:
    """`page_key` of a plain URL (see _PLAIN) by string operations, or None: ask the parser.

    Also says whether the URL is plain, for a caller (the importers) that takes a fast path
    of its own for such rows; `page_key` itself tries it first.
    """
    m = _PLAIN(url)
    if m is None:
        return None
    host, path = m.groups()
    if "xn--" in host:  # the parser checks punycode labels
        return None
    host = host.lower()
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    if path is None:
        return host + "/"
    if "/." in path:  # dot segments: the parser resolves them as the browser does
        return None
    if len(path) > 1 and path[-1] == "/":
        path = path.rstrip("/") or "/"
    if not path.isascii():
        path = quote(path, safe=_PATH_SAFE)  # no '%' in it: _normalize_path's unquote changes nothing
    return host + path


def page_key(url: str) -> str:
    """The identity of a page for matching: 'example.com/path?a=1'.

    Computed on the URL as the browser parses it (a URL without a scheme is read
    as http). Scheme (http/https), `www.`, host case and IDN form, default port,
    dot segments, trailing slash, fragment and tracking parameters are dropped;
    percent-escapes are spelt one way ('é', '%C3%A9' and '%c3%a9' are one path);
    remaining query parameters are sorted. Raises ValueError for a URL the
    browser cannot parse or one with no host.
    """
    return plain_page_key(url) or _parsed_page_key(url)


@lru_cache(maxsize=262144)
def _parsed_page_key(url: str) -> str:
    """`page_key` by the parser: every URL that is not plain."""
    url = url.strip()
    if "://" not in url[:12] and not url[:6].lower().startswith(("http:", "https:")):
        url = "http://" + url
    try:
        parts = ada_url.parse_url(url, _KEY_PARTS)
    except ValueError:
        raise ValueError(f"not a page URL: {url[:200]!r}") from None
    hostname = parts["hostname"]
    if not hostname:
        raise ValueError(f"not a page URL: {url[:200]!r}")
    if hostname.startswith("["):
        host = hostname
    else:
        host = strip_www(normalize_host(hostname))
    if parts["port"]:  # the parser drops the scheme's default port
        host = f"{host}:{parts['port']}"
    query = ""
    search = parts["search"]
    if search:
        pairs = [(k, v) for k, v in parse_qsl(search[1:], keep_blank_values=True) if not _is_tracking(k)]
        if pairs:
            query = "?" + urlencode(sorted(pairs))
    return host + _normalize_path(parts["pathname"]) + query


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
