"""A host's sitemaps for the indexability verdict: read once per host per run, within caps.

Why: a page its own site's sitemap lists is one the site wants indexed; one it leaves out is a
hint (never a verdict: companion.analysis.indexability). What is read, per origin:

* the sitemaps robots.txt names (`Sitemap:` lines, any host, fetched like any page: the
  fetcher's address guard and the host's politeness slot apply), then `/sitemap.xml` where
  robots.txt lets TierlinkBot fetch it;
* sitemap indexes (`<sitemapindex>`), their children queued in order; `.gz` files (or any body
  starting with the gzip magic) inflated, never past the byte cap;
* caps (the sitemaps protocol's own 50 MB uncompressed per file; files and URLs per host kept
  small because a verdict needs membership, not the whole site): past a cap reading stops and
  the answer for a page not found in what was read is "not known", never "not listed".

XML is parsed by lxml with entities left unresolved, no DTD, no network and no huge-tree
mode, so a sitemap can neither expand a billion laughs nor make us fetch anything.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field

import lxml.etree

from companion.analysis import urls
from companion.monitor.fetch import FetchError, Fetcher
from companion.monitor.robots import PerOrigin, RobotsCache

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # one file, uncompressed (the protocol's limit)
MAX_SITEMAP_FILES = 10  # files read per host, indexes included
MAX_SITEMAP_URLS = 100_000  # page URLs kept per host
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class HostSitemaps:
    """What one host's sitemaps list (by page key), and how far they were read."""

    keys: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)  # the sitemaps that answered with XML
    capped: str | None = None  # why reading stopped before the end

    def status(self, url: str) -> tuple[str | None, str]:
        """(listed | not listed | no sitemap | None, note): None with a note when the page was not
        in the part read and the rest was left unread (a cap)."""
        key = urls.safe_page_key(url)
        if key is not None and key in self.keys:
            return "listed", ""
        if not self.files:
            return "no sitemap", ""
        if self.capped:
            return None, f"its host's sitemaps were read only in part ({self.capped}): whether they list it is not known"
        return "not listed", ""


class SitemapCache:
    """Each origin's HostSitemaps, read at most once per run (one lock per origin)."""

    def __init__(self, fetcher: Fetcher, robots: RobotsCache, *, max_bytes: int = MAX_SITEMAP_BYTES,
                 max_files: int = MAX_SITEMAP_FILES, max_urls: int = MAX_SITEMAP_URLS):
        self.fetcher, self.robots = fetcher, robots
        self.max_bytes, self.max_files, self.max_urls = max_bytes, max_files, max_urls
        self._hosts = PerOrigin(self._read)

    def for_url(self, url: str) -> HostSitemaps:
        return self._hosts.get(url)

    def _start(self, origin: str) -> list[str]:
        """The sitemaps to read first: robots.txt's, then /sitemap.xml where robots.txt allows it."""
        rules = self.robots.rules(origin + "/")
        named = list(rules.parser.sitemaps) if rules.parser is not None else []
        default = origin + "/sitemap.xml"
        if rules.allowed(default):
            named.append(default)
        return list(dict.fromkeys(u.strip() for u in named if urls.is_http_url(u.strip())))

    def _read(self, origin: str) -> HostSitemaps:
        found = HostSitemaps()
        try:
            queue = self._start(origin)
        except FetchError:
            return found
        seen: set[str] = set()
        while queue:
            url = queue.pop(0)
            if url in seen:
                continue
            if len(seen) >= self.max_files:
                found.capped = f"more than {self.max_files} sitemap files"
                break
            seen.add(url)
            data, cut = self._fetch(url)
            if data is None:
                continue
            children, is_sitemap = self._parse(data, found)
            if is_sitemap:
                found.files.append(url)
            if cut and not found.capped:
                found.capped = f"a sitemap larger than {self.max_bytes:,} bytes"
            if len(found.keys) >= self.max_urls and not found.capped:
                found.capped = f"more than {self.max_urls:,} URLs"
            if found.capped and not cut:
                break
            queue.extend(c for c in children if c not in seen)
        return found

    def _fetch(self, url: str) -> tuple[bytes | None, bool]:
        """(the sitemap's XML, cut at the cap), or (None, False) when it gives none."""
        try:
            resp = self.fetcher.get(url, max_bytes=self.max_bytes + 1)
        except FetchError:
            return None, False
        if resp.status != 200 or not resp.body:
            return None, False
        body, cut = resp.body, resp.truncated or len(resp.body) > self.max_bytes
        if body[:2] == _GZIP_MAGIC:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            try:
                out = inflater.decompress(body, self.max_bytes + 1)
            except zlib.error:
                if not cut:
                    return None, False
                out = b""  # a gzip file cut at the byte cap: what inflates before the cut
            cut = cut or len(out) > self.max_bytes or bool(inflater.unconsumed_tail)
            body = out
        return body[: self.max_bytes], cut

    def _parse(self, data: bytes, found: HostSitemaps) -> tuple[list[str], bool]:
        """Page URLs into `found` (up to the cap); (child sitemaps of an index, was it a sitemap)."""
        children: list[str] = []
        is_sitemap = False
        events = lxml.etree.iterparse(io.BytesIO(data), events=("end",), resolve_entities=False, no_network=True,
                                      load_dtd=False, huge_tree=False, recover=True)
        try:
            for _event, el in events:
                tag = el.tag if isinstance(el.tag, str) else ""
                local = tag.rpartition("}")[2]
                if local in ("urlset", "sitemapindex"):
                    is_sitemap = True
                if local != "loc":
                    if local in ("url", "sitemap"):
                        el.clear()
                    continue
                parent = el.getparent()
                kind = parent.tag.rpartition("}")[2] if parent is not None and isinstance(parent.tag, str) else ""
                loc = (el.text or "").strip()
                if not urls.is_http_url(loc):
                    continue
                if kind == "sitemap":
                    children.append(loc)
                elif kind == "url" and len(found.keys) < self.max_urls:
                    key = urls.safe_page_key(loc)
                    if key:
                        found.keys.add(key)
        except lxml.etree.XMLSyntaxError:
            pass  # what was read before the fault counts (a file cut at the byte cap ends here)
        return children, is_sitemap or bool(found.keys)
