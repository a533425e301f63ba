"""Read backlink exports from the SEO tools users have (see ../shared/exports/FORMATS.md).

Why it works the way it does:

* Files arrive as the tool wrote them or after a trip through Excel, so nothing is
  assumed: the encoding comes from the BOM or by trial (UTF-16 BOM, UTF-8 BOM,
  UTF-8, then cp1252), the delimiter is sniffed from the header line (tab, comma,
  semicolon), the header row is searched for (Moz puts a preamble first), and
  columns are found by name, case-insensitively, whatever their order.
* The format is recognised by the shape of its header (`auto`), or forced.
* A file is parsed completely before anything is stored: a file that cannot be
  read as a whole raises BadInput and changes nothing; a single bad row is skipped
  and reported as {"line": N, "reason": "..."} with its line number in the file.
* The result is a list of store-ready records (CONTRACT "Backlink" fields plus
  `source_key`/`target_key`), so a million-row import makes no second copy.
* Speed (scripts/bench_import.py, a million rows): rows come from csv.reader in batches,
  and the plain formats go through `_FastRows`, which does the per-cell work column by
  column in C; every row it cannot take exactly as the general `row_record` would goes
  to `row_record`, so both paths give the same records, skips and line numbers.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from urllib.parse import quote
from pathlib import Path
from typing import Callable

from companion import urls
from companion.errors import BadInput
from companion.importers.values import DateParser, Memo, PendingDate, parse_bool, parse_number, today
from companion.store import is_http_url, page_key

FORMATS = ("ahrefs", "semrush", "moz", "majestic", "gsc", "bing", "csv")
KNOWN = "ahrefs, semrush, moz, majestic, gsc (Search Console links), bing, csv (with --map)"
MAX_SKIPPED_REPORTED = 1000
HEADER_SCAN_LINES = 50

csv.field_size_limit(64 * 1024 * 1024)


@dataclass
class Parsed:
    format: str
    variant: str
    rows: list[dict]
    rows_read: int
    skipped: list[dict]
    notes: list[str] = field(default_factory=list)
    targetless: bool = False  # rows name no target page (Search Console)
    property_url: str | None = None  # the site a Search Console file belongs to, from its name


# --- formats: header aliases (lower-case) per field ---------------------------------------

def _spec(**fields) -> dict[str, tuple[str, ...]]:
    return {k: (v,) if isinstance(v, str) else tuple(v) for k, v in fields.items()}


SPECS: dict[str, dict[str, tuple[str, ...]]] = {
    "ahrefs-v3": _spec(
        source="referring page url", target="target url", anchor="anchor", title="referring page title",
        nofollow="nofollow", ugc="ugc", sponsored="sponsored", type="type",
        first_seen="first seen", last_seen="last seen", lost_date="lost", language="language",
        m_dr="domain rating", m_ur=("ur", "url rating"), m_domain_traffic="domain traffic",
        m_referring_domains="referring domains", m_linked_domains="linked domains",
        m_external_links="external links", m_traffic="page traffic", m_keywords="keywords",
        m_http_code="referring page http code", b_is_spam="is spam"),
    "ahrefs-v2": _spec(
        source="referring page url", target="link url", anchor="link anchor", title="referring page title",
        rel_text="type", status_text="backlink status", first_seen="first seen", last_seen="last check",
        lost_date="day lost", language="language",
        m_dr="domain rating", m_ur=("url rating (desc)", "url rating", "ur"),
        m_referring_domains="referring domains", m_internal_links="internal links count",
        m_external_links="external links count", m_traffic="traffic", m_keywords="keywords",
        m_linked_domains="linked domains"),
    "semrush": _spec(
        source="source url", target="target url", anchor="anchor", title="source title",
        nofollow="nofollow", ugc="ugc", sponsored="sponsored", image="image", frame="frame", form="form",
        first_seen="first seen", last_seen="last seen", lost_bool="lost link",
        m_page_ascore="page ascore", m_page_score="page score", m_page_trust_score="page trust score",
        m_external_links="external links", m_internal_links="internal links", b_sitewide="sitewide",
        b_new_link="new link"),
    "moz": _spec(
        source="url", target="target url", anchor="anchor text", title="title",
        moz_nofollow="only rel=nofollow", followable="followable", redirect="301",
        m_spam_score="spam score", m_page_authority="page authority", m_domain_authority="domain authority",
        m_referring_domains="number of domains linking to this page",
        m_domain_referring_domains="number of domains linking to domain", m_links="number of links"),
    "majestic": _spec(
        source=("source url", "sourceurl"), target=("target url", "targeturl"), anchor=("anchor text", "anchortext"),
        nofollow="flagnofollow", image=("flagimagelink", "flagimages"), redirect="flagredirect",
        frame="flagframe", oldcrawl="flagoldcrawl", deleted="flagdeleted", mention="flagmention",
        first_seen=("source first found date", "firstindexeddate"),
        last_seen=("source crawl date", "lastseendate", "date"), lost_date="datelost",
        m_citation_flow="sourcecitationflow", m_trust_flow="sourcetrustflow",
        m_target_citation_flow="targetcitationflow", m_target_trust_flow="targettrustflow",
        s_topic="sourcetopicaltrustflow_topic_0"),
    "gsc": _spec(
        source=("linking page", "página de enlace", "pagina de enlace", "verweisende seite", "page de provenance",
                "page d'origine", "pagina di collegamento", "página de link", "דף מקשר"),
        last_seen=("last crawled", "último rastreo", "zuletzt gecrawlt", "dernière exploration",
                   "ultima scansione", "último rastreamento", "נסרק לאחרונה")),
    "bing": _spec(source="source url", target="target url", anchor="anchor text"),
    "csv": _spec(
        source=("source_url", "source url", "source", "from", "referring page url", "referring page", "linking page",
                "backlink", "url from"),
        target=("target_url", "target url", "target", "to", "link url", "destination", "url to"),
        anchor=("anchor", "anchor text", "anchor_text", "text"), title=("title", "page title", "source title"),
        rel_text=("rel",), nofollow=("nofollow",), ugc=("ugc",), sponsored=("sponsored",),
        first_seen=("first_seen", "first seen"), last_seen=("last_seen", "last seen"),
        lost_date=("lost", "lost_at", "date lost"), status_text=("status",)),
}
# Field names a --map may set (besides metric.NAME / metrics.NAME).
MAP_FIELDS = {"source_url": "source", "target_url": "target", "anchor": "anchor", "title": "title",
              "rel": "rel_text", "nofollow": "nofollow", "ugc": "ugc", "sponsored": "sponsored",
              "first_seen": "first_seen", "last_seen": "last_seen", "lost": "lost_date", "status": "status_text"}

# Tables that carry no page-level source -> target pairs: say so instead of importing nothing.
NOT_PAGE_LEVEL = [
    ({"site", "linking pages"}, "gsc",
     "this is Search Console's \"Top linking sites\" table: it has sites and counts, no page-level links. "
     "Export \"Latest links\" or \"More sample links\" (Links > External links > Export) instead"),
    ({"target page", "incoming links"}, "gsc",
     "this is Search Console's \"Top target pages\" table: it counts links to your own pages: no page-level links, no linking pages. "
     "Export \"Latest links\" or \"More sample links\" (Links > External links > Export) instead"),
    ({"domain", "backlinks count"}, "bing",
     "this is Bing Webmaster Tools' \"Referring domains\" table: it has domains and counts, no page-level links. "
     "Export the referring pages table (Source Url, Anchor text, Target Url) instead"),
    ({"anchor", "backlinks count"}, "bing",
     "this is Bing Webmaster Tools' anchor text table: it has anchors and counts, no page-level links. "
     "Export the referring pages table (Source Url, Anchor text, Target Url) instead"),
]


def _norm(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().strip('"').split()).lower()


def _detect(names: list[str], wanted: str, mapping: dict | None, name: str = "the file") -> tuple[str, str] | None:
    """(format, variant) for a header row, or None. Raises BadInput for a known table with no links."""
    cols = set(names)
    for needed, fmt, message in NOT_PAGE_LEVEL:
        if needed <= cols and wanted in ("auto", fmt):
            raise BadInput(f"{name}: {message}")
    if wanted == "csv" or mapping:
        return ("csv", "mapped" if mapping else "named") if _csv_ok(cols, mapping) else None

    def has(*n):
        return all(x in cols for x in n)

    found = None
    if has("referring page url", "target url"):
        found = ("ahrefs", "v3")
    elif has("referring page url", "link url"):
        found = ("ahrefs", "v2")
    elif (has("source url", "target url") and "flagnofollow" in cols) or has("sourceurl", "targeturl"):
        found = ("majestic", "download" if "source url" in cols else "api")
    elif has("source url", "target url") and cols & {"page ascore", "page score", "source title", "nofollow"}:
        found = ("semrush", "current" if "page ascore" in cols else "legacy")
    elif has("url", "target url") and cols & {"page authority", "domain authority", "spam score"}:
        found = ("moz", "ose")
    elif has("source url", "target url"):
        found = ("bing", "referring pages")
    elif cols & set(SPECS["gsc"]["source"]):
        found = ("gsc", "links")
    if found is None and wanted == "auto" and has("source_url", "target_url"):
        found = ("csv", "named")  # e.g. our own `tierlink export backlinks` file
    if found and wanted not in ("auto", found[0]):
        return None
    return found


def _csv_ok(cols: set[str], mapping: dict | None) -> bool:
    if mapping:
        return all(_norm(h) in cols for h in mapping.values())
    return bool(cols & set(SPECS["csv"]["source"])) and bool(cols & set(SPECS["csv"]["target"]))


# --- reading the bytes --------------------------------------------------------------------

_BINARY_MAGIC = [
    (b"PK\x03\x04", "an Excel workbook or zip archive (save it as CSV first)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (save it as CSV first)"),
    (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\x1f\x8b", "a gzip archive"),
    (b"GIF8", "a GIF image"), (b"\xff\xd8\xff", "a JPEG image"),
]


def _sniff_encoding(head: bytes, size: int, name: str) -> tuple[str, int]:
    """(codec, bytes to skip) from the first bytes; BadInput for empty, binary or truncated UTF-16."""
    if size == 0 or not head.strip(b" \t\r\n\x00"):
        raise BadInput(f"{name} is empty: nothing to import (formats known: {KNOWN})")
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise BadInput(f"{name} is {what}, not a CSV export (formats known: {KNOWN})")
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        if (size - 2) % 2:
            raise BadInput(f"{name} is cut short: UTF-16 text with an odd number of bytes; download it again (formats known: {KNOWN})")
        return ("utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be"), 2
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8", 3
    if b"\x00" in head:
        sample = head[:4096]
        odd = sample[1::2].count(0)
        even = sample[0::2].count(0)
        half = max(1, len(sample) // 2)
        if odd > 0.4 * half and even < 0.05 * half:
            if size % 2:
                raise BadInput(f"{name} is cut short: UTF-16 text with an odd number of bytes; download it again (formats known: {KNOWN})")
            return "utf-16-le", 0
        if even > 0.4 * half and odd < 0.05 * half:
            if size % 2:
                raise BadInput(f"{name} is cut short: UTF-16 text with an odd number of bytes; download it again (formats known: {KNOWN})")
            return "utf-16-be", 0
        raise BadInput(f"{name} is a binary file, not a CSV export (formats known: {KNOWN})")
    controls = sum(1 for b in head[:4096] if b < 9 or 13 < b < 32)
    if controls > len(head[:4096]) * 0.01:
        raise BadInput(f"{name} is a binary file, not a CSV export (formats known: {KNOWN})")
    return "utf-8", 0


class _Source:
    """A file on disk or bytes in memory, opened as many times as needed (UTF-8 trial may restart)."""

    def __init__(self, name: str, path: Path | None = None, data: bytes | None = None):
        self.name = name
        self.path = path
        self.data = data
        if path is not None:
            try:
                self.size = path.stat().st_size
                with open(path, "rb") as fh:
                    self.head = fh.read(65536)
            except IsADirectoryError:
                raise BadInput(f"{name} is a folder, not a file") from None
            except OSError as exc:
                raise BadInput(f"cannot read {name}: {exc.strerror or exc}") from None
        else:
            self.size = len(data)
            self.head = bytes(data[:65536])

    def open_binary(self):
        if self.path is not None:
            return open(self.path, "rb")
        return io.BytesIO(self.data)


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _split(line: str, delim: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delim))
    except (csv.Error, StopIteration):
        return []


def _looks_like_url(cell: str) -> bool:
    c = cell.strip().strip('"').lower()
    return c.startswith(("http://", "https://"))


def parse(name: str, *, path: Path | None = None, data: bytes | None = None, format: str = "auto",
          mapping: dict | None = None, progress: Callable[[int, int, int], None] | None = None) -> Parsed:
    """Parse one export completely (nothing is stored here). BadInput if the file cannot be read as a whole."""
    format = (format or "auto").lower()
    if format not in FORMATS + ("auto",):
        raise BadInput(f"unknown format {format!r}: use auto or one of {', '.join(FORMATS)}")
    if mapping and format not in ("auto", "csv"):
        raise BadInput("--map applies to --format csv only")
    src = _Source(name, path=path, data=data)
    codec, skip = _sniff_encoding(src.head, src.size, name)
    if codec == "utf-8":
        try:
            return _parse_stream(src, "utf-8", skip, format, mapping, progress)
        except UnicodeDecodeError:
            for fallback in ("cp1252", "latin-1"):
                try:
                    parsed = _parse_stream(src, fallback, skip, format, mapping, progress)
                    parsed.notes.append(f"{name} is not UTF-8; read it as {fallback}")
                    return parsed
                except UnicodeDecodeError:
                    continue
            raise BadInput(f"{name}: cannot decode the text") from None
    try:
        return _parse_stream(src, codec, skip, format, mapping, progress)
    except UnicodeDecodeError:
        raise BadInput(f"{name} is cut short or damaged: it is not valid UTF-16 text; download it again (formats known: {KNOWN})") from None


def _parse_stream(src: _Source, codec: str, skip: int, format: str, mapping: dict | None, progress) -> Parsed:
    binf = src.open_binary()
    try:
        if skip:
            binf.read(skip)
        text = io.TextIOWrapper(binf, encoding=codec, errors="strict", newline="")
        return _parse_text(src, text, binf, format, mapping, progress)
    finally:
        binf.close()


def _parse_text(src: _Source, text, binf, format: str, mapping: dict | None, progress) -> Parsed:
    name = src.name
    preamble: list[str] = []
    header = None
    line_no = 0
    first_line = None
    while line_no < HEADER_SCAN_LINES:
        line = text.readline()
        if not line:
            break
        line_no += 1
        if not line.strip():
            preamble.append(line)
            continue
        if first_line is None:
            first_line = line
        delim = _delimiter(line)
        cells = _split(line, delim)
        names = [_norm(c) for c in cells]
        found = _detect(names, format, mapping, name)
        if found:
            header = (found, delim, cells, names, line_no)
            break
        if format in ("auto", "gsc") and first_line is line and 1 <= len(cells) <= 2 and not _looks_like_url(cells[0]):
            # Search Console in another UI language: a linking-page column and maybe a date, by shape.
            nxt = text.readline()
            if nxt and _looks_like_url(_split(nxt, delim)[0] if _split(nxt, delim) else ""):
                header = (("gsc", "links (by shape)"), delim, cells, ["linking page", "last crawled"][:len(cells)],
                          line_no)
                return _read_rows(src, text, binf, header, mapping, progress, pushback=nxt)
            if nxt:
                line_no += 1
                preamble.append(nxt)
                cells2 = _split(nxt, _delimiter(nxt))
                found = _detect([_norm(c) for c in cells2], format, mapping, name)
                if found:
                    header = (found, _delimiter(nxt), cells2, [_norm(c) for c in cells2], line_no)
                    break
        preamble.append(line)
    if header is None:
        if first_line is None:
            raise BadInput(f"{name} is empty: nothing to import (formats known: {KNOWN})")
        if format == "auto":
            raise BadInput(f"{name} is not a backlink export I know (formats known: {KNOWN}); "
                           f"it begins {first_line.strip()[:80]!r}")
        if format == "csv":
            if mapping:
                raise BadInput(f"{name}: no header row has the --map columns {', '.join(mapping.values())}")
            raise BadInput(f"{name}: no source and target columns found; name them with "
                           f"--map source_url=COLUMN,target_url=COLUMN")
        raise BadInput(f"{name} does not look like a {format} export (no header row with its column names); "
                       f"try --format auto (formats known: {KNOWN})")
    return _read_rows(src, text, binf, header, mapping, progress, preamble=preamble)


def _columns(fmt: str, variant: str, names: list[str], mapping: dict | None) -> dict[str, int]:
    spec_name = f"ahrefs-{variant}" if fmt == "ahrefs" else fmt
    spec = SPECS[spec_name]
    ix: dict[str, int] = {}
    positions = {}
    for i, n in enumerate(names):
        positions.setdefault(n, i)
    for fld, aliases in spec.items():
        for alias in aliases:
            if alias in positions:
                ix[fld] = positions[alias]
                break
    if fmt == "csv":
        for n, i in positions.items():
            if n.startswith(("metrics.", "metric.")) and len(n.split(".", 1)[1]) > 0:
                ix.setdefault("m_" + n.split(".", 1)[1], i)
    if mapping:
        for key, column in mapping.items():
            col = positions[_norm(column)]
            if key.startswith(("metric.", "metrics.")):
                ix["m_" + key.split(".", 1)[1]] = col
            else:
                ix[MAP_FIELDS[key]] = col
    return ix


def parse_mapping(text: str | None) -> dict | None:
    """'source_url=From,target_url=To,anchor=Text' -> {field: column}; BadInput naming what is wrong."""
    if not text:
        return None
    mapping = {}
    for part in next(csv.reader([text])):
        if not part.strip():
            continue
        if "=" not in part:
            raise BadInput(f"--map expects FIELD=COLUMN pairs, got {part!r}")
        key, column = (s.strip() for s in part.split("=", 1))
        if key not in MAP_FIELDS and not (key.startswith(("metric.", "metrics.")) and len(key.split(".", 1)[1]) > 0):
            raise BadInput(f"--map: unknown field {key!r} (fields: {', '.join(MAP_FIELDS)}, metric.NAME)")
        if not column:
            raise BadInput(f"--map: no column given for {key}")
        mapping[key] = column
    if "source_url" not in mapping or "target_url" not in mapping:
        raise BadInput("--map needs at least source_url=COLUMN and target_url=COLUMN")
    return mapping


_WS = re.compile(r"\s+")
_MISSING = object()
BOOLS = {"true": True, "false": False, "TRUE": True, "FALSE": False, "": False, "Yes": True, "No": False,
         "1": True, "0": False, "yes": True, "no": False, "+": True}
_PLAIN_URL = re.compile(r"^https?://[A-Za-z0-9.-]*[A-Za-z0-9](?:[/?][^\s#\\\"]*)?$")


def _clean_url(value: str) -> str | None:
    if _PLAIN_URL.match(value):
        return value
    v = value.strip().strip('"').strip()
    if not v:
        return None
    if "://" not in v[:12]:
        if v.startswith("//"):
            v = "http:" + v
        elif "." in v.split("/", 1)[0] and " " not in v:
            v = "http://" + v
        else:
            return None
    if not v[:8].lower().startswith(("http://", "https://")):
        return None
    if not is_http_url(v):
        return None
    return v


_NO_TARGET = (None, None)


def _target(raw: str) -> tuple[str, str] | tuple[None, None]:
    """(canonical URL, page key) of a target cell; (None, None) where row_record skips the row."""
    try:
        url = _clean_url(raw)
        if url is None:
            return _NO_TARGET
        url = urls.canonical_url(url)
        return url, page_key(url)
    except (ValueError, IndexError):
        return _NO_TARGET


_BATCH_ROWS = 2000
# A source URL that `_clean_url` keeps as it is and whose page key needs no urllib: the host
# `store.page_key`'s fast path takes (dotted, ending in a letter or digit, as `_clean_url`'s
# wants; its last label starts with a letter, since one starting with a digit may make the
# URL parser read an IPv4 address: '1.2.3' is 1.2.0.3) and a path of plain characters and
# non-ASCII ones other than white space and surrogates (which `str.strip` or the encoder
# would treat differently). Greedy: lazy quantifiers cost ~35% more here.
_FAST_SRC = re.compile(r"^https?://((?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]*)(?<=[A-Za-z0-9])"
                       "(/[A-Za-z0-9_.\\-~/:@!$&'()*+,;=\x80-\x84\x86-\x9f\xa1-\u167f\u1681-\u1fff\u200b-\u2027"
                       "\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\ud7ff\ue000-\U0010ffff]*)?$").match
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"  # urls._normalize_path's: checked against urls.page_key below


def _fast_source_key(m) -> str | None:
    """urls.page_key of a _FAST_SRC match, as store.page_key computes it (None: ask urls.page_key)."""
    host, path = m.groups()
    if "xn--" in host:  # the URL parser checks punycode labels
        return None
    host = host.lower()
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    if path is None:
        return host + "/"
    if "/." in path:  # dot segments: urls.page_key resolves them as the browser does
        return None
    if len(path) > 1 and path[-1] == "/":
        path = path.rstrip("/") or "/"
    if not path.isascii():
        if not _QUOTE_OK:
            return None
        path = quote(path, safe=_PATH_SAFE)  # no '%' in it: urls' unquote changes nothing
    return host + path


_QUOTE_OK = True
# Percent-encoding non-ASCII paths here (12% of the benchmark's rows took ~4x longer through
# urllib) is only right while urls.page_key encodes them the same way: check, else leave it to it.
_QUOTE_OK = all(urls.page_key(u) == _fast_source_key(_FAST_SRC(u))
                for u in ("https://café.example/x", "https://a.example/caf\u00e9/\u00e9quipement/",
                          "http://b.example/\u0416\u0443\u0440\u043d\u0430\u043b/\U0001f527-tips//",
                          "https://c.example/\u00a1\u2030x/\ue000\u3001/\x80y") if _FAST_SRC(u))


def _rel_of(rel_flags):
    """rel tokens from a row's flag cells (as row_record reads them), for a memo keyed by those cells."""
    tokens_in_order = [t for _, t in rel_flags]
    single = len(rel_flags) == 1

    def rel(cells) -> tuple[str, ...]:
        out: list[str] = []
        for token, v in zip(tokens_in_order, (cells,) if single else cells):
            b = BOOLS.get(v)
            if b is None:
                b = parse_bool(v)
            if b and token not in out:
                out.append(token)
        return tuple(out)
    return rel


def _link_type(v: str) -> str | None:
    t = v.strip().lower()
    return t if t and t != "text" else None


def _bool_metric(v: str):
    if not v:
        return None
    b = BOOLS.get(v)
    return parse_bool(v) if b is None else b


def _str_metric(v: str):
    v = v.strip()
    return sys.intern(v) if v else None  # languages, topics: a few values on a million rows


def _row_dates(dates: Memo, cells: list[str], i_first: int, i_last: int, i_lost: int,
               stamp: str) -> tuple:
    """(first_seen, last_seen, lost_at) of a row, for both row paths: a missing last_seen
    is first_seen or the import's date, a missing first_seen is last_seen. Raises the
    ValueError of a date `dates` cannot read (the row is then skipped)."""
    first = dates[cells[i_first]] if i_first >= 0 else None
    last = dates[cells[i_last]] if i_last >= 0 else None
    lost_at = dates[cells[i_lost]] if i_lost >= 0 else None
    if last is None:
        last = first or stamp
    if first is None:
        first = last
    return first, last, lost_at


def _record(src_url, tgt_url, tk, sk, anchor, rel, lost, first, last, lost_at, metrics, fmt, title, link_type,
            rel_known) -> dict:
    """A store-ready record (CONTRACT Backlink fields plus source_key/target_key), one shape for both row paths."""
    if anchor and (anchor[0] in " \t\r\n" or anchor[-1] in " \t\r\n" or "  " in anchor or "\n" in anchor
                   or "\t" in anchor or "\r" in anchor):
        anchor = _WS.sub(" ", anchor).strip()
    rec = {
        "source_url": src_url,
        "target_url": tgt_url,
        "anchor": anchor,
        "rel": rel,
        "follow": not rel,
        "status": "lost" if lost else "live",
        "first_seen": first,
        "last_seen": last,
        "metrics": metrics,
        "origins": [fmt],
        "history": [],
        "source_key": sk,
    }
    if tk is not None:
        rec["target_key"] = tk
    if title:
        rec["title"] = title
    if lost_at:
        rec["lost_at"] = lost_at
    if link_type and link_type != "text":
        rec["type"] = link_type
    if not rel_known:
        rec["rel_known"] = False
    return rec


class _FastRows:
    """Rows of the plain formats (Ahrefs v3, Bing, Search Console, CSV without rel text), a batch at a time.

    Why: the general row loop (`row_record`) costs ~9 µs of Python a row, three times the
    csv module's reading. Here each cell whose value depends on the cell alone (numbers,
    booleans, rel flags, link type, title, anchor, target URL, source host) goes through
    C-level `map` over a column and memo dicts, so the Python loop per row only reads the
    dates (in file order, since DateParser learns the day/month order from what it sees)
    and builds the record. A row it cannot take exactly as row_record would (an unusual
    source URL, a target to skip) goes to row_record in its place, so the output, the
    skipped rows and their order are row_record's.
    """

    def __init__(self, fmt, targetless, rel_known, stamp, i_src, i_tgt, i_anchor, i_title, i_type, i_first, i_last,
                 i_lost, rel_flags, metric_cols, bool_cols, str_cols, numbers, date_cache, target_cache, skip,
                 row_record):
        self.fmt, self.targetless, self.rel_known, self.stamp = fmt, targetless, rel_known, stamp
        self.i_src, self.i_tgt, self.i_anchor, self.i_title, self.i_type = i_src, i_tgt, i_anchor, i_title, i_type
        self.i_first, self.i_last, self.i_lost = i_first, i_last, i_lost
        self.rel_idx = [i for i, _ in rel_flags]
        self.rels = Memo(_rel_of(rel_flags), 10000)
        self.types = Memo(_link_type, 10000)
        self.metric_names = tuple(name for name, _ in metric_cols + bool_cols + str_cols)
        self.metric_cols = ([(numbers, i) for _, i in metric_cols] + [(Memo(_bool_metric, 10000), i) for _, i in bool_cols]
                            + [(Memo(_str_metric, 10000), i) for _, i in str_cols])
        self.dates, self.targets, self.numbers = date_cache, target_cache, numbers
        self.ints: dict[int, int] = {}
        self.skip, self.row_record = skip, row_record

    def column(self, memo: Memo, cells: tuple) -> list:
        """A metric column's values: int() over the whole column in C when every cell is an integer (as
        parse_number would read it, it tries int() first), else through the memo (misses cost a Python call)."""
        if memo is self.numbers:
            try:
                values = list(map(int, cells))
            except ValueError:
                pass
            else:
                # one int object per distinct value, as the memo gives (~170 MB less at a million rows)
                ints = self.ints
                return list(map(ints.setdefault if len(ints) < 200000 else ints.get, values, values))
        return list(map(memo.__getitem__, cells))

    def records(self, batch: list[list[str]], starts: list[int], out: list[dict]) -> None:
        """Append the records of `batch` (rows with enough fields) to `out`, skipping as row_record does."""
        if not batch:
            return
        col = list(zip(*batch)).__getitem__  # the columns, in C (every row has the fields we read)
        sources = zip(col(self.i_src), map(_FAST_SRC, col(self.i_src)))
        targets = repeat(_NO_TARGET) if self.targetless else map(self.targets.__getitem__, col(self.i_tgt))
        anchors = col(self.i_anchor) if self.i_anchor >= 0 else repeat("")
        titles = map(str.strip, col(self.i_title)) if self.i_title >= 0 else repeat("")
        rels = map(self.rels.__getitem__, zip(*[col(i) for i in self.rel_idx]) if len(self.rel_idx) > 1 else
                   col(self.rel_idx[0])) if self.rel_idx else repeat(())
        types = map(self.types.__getitem__, col(self.i_type)) if self.i_type >= 0 else repeat(None)
        metrics = zip(*[self.column(memo, col(i)) for memo, i in self.metric_cols]) if self.metric_cols else repeat(())
        dates = self.dates
        i_first, i_last, i_lost = self.i_first, self.i_last, self.i_lost
        names, fmt, stamp, rel_known = self.metric_names, self.fmt, self.stamp, self.rel_known
        append = out.append
        targetless = self.targetless
        for cells, start, (src, m), (tgt_url, tk), anchor, title, rel, link_type, values in zip(
                batch, starts, sources, targets, anchors, titles, rels, types, metrics):
            sk = None
            if m is not None and (tgt_url is not None or targetless) and "utm_" not in src:
                sk = _fast_source_key(m)
            if sk is None:
                rec = self.row_record(cells, start)
                if rec is not None:
                    append(rec)
                continue
            try:
                first, last, lost_at = _row_dates(dates, cells, i_first, i_last, i_lost, stamp)
            except ValueError as exc:
                self.skip(start, str(exc))
                continue
            append(_record(src, tgt_url, tk, sk, anchor, list(rel), bool(lost_at), first, last, lost_at,
                           dict(zip(names, values)) if None not in values else
                           {k: v for k, v in zip(names, values) if v is not None},
                           fmt, title, link_type, rel_known))


def _read_rows(src: _Source, text, binf, header, mapping, progress, preamble=(), pushback: str | None = None) -> Parsed:
    (fmt, variant), delim, raw_cells, names, header_line = header
    ix = _columns(fmt, variant, names, mapping)
    if "source" not in ix:
        raise BadInput(f"{src.name}: no referring page column found")
    targetless = "target" not in ix
    if targetless and fmt != "gsc":
        raise BadInput(f"{src.name}: no target URL column found")
    notes: list[str] = []
    export_date = None
    if fmt == "moz":
        for line in preamble:
            m = re.search(r"(?:exported|date)\s*[:,]\s*([0-9][0-9./ :-]+)", line, re.I)
            if m:
                try:
                    export_date = DateParser()(m.group(1).strip())
                except ValueError:
                    pass
    stamp = export_date or today()
    dates = DateParser()
    rows: list[dict] = []
    skipped: list[dict] = []
    skipped_total = 0
    rows_read = 0
    ncols = len(names)

    g = ix.get
    i_src, i_tgt, i_anchor, i_title = g("source", -1), g("target", -1), g("anchor", -1), g("title", -1)
    i_nf, i_ugc, i_sp = g("nofollow", -1), g("ugc", -1), g("sponsored", -1)
    i_reltext, i_mozNF, i_followable = g("rel_text", -1), g("moz_nofollow", -1), g("followable", -1)
    i_type, i_image, i_frame, i_form, i_redirect = g("type", -1), g("image", -1), g("frame", -1), g("form", -1), g("redirect", -1)
    i_first, i_last, i_lost, i_lostbool, i_status = g("first_seen", -1), g("last_seen", -1), g("lost_date", -1), g("lost_bool", -1), g("status_text", -1)
    i_old, i_deleted, i_mention = g("oldcrawl", -1), g("deleted", -1), g("mention", -1)
    metric_cols = [(k[2:], v) for k, v in ix.items() if k.startswith("m_")]
    bool_cols = [(k[2:], v) for k, v in ix.items() if k.startswith("b_")]
    str_cols = [(k[2:], v) for k, v in ix.items() if k.startswith("s_")]
    if "language" in ix:
        str_cols.append(("language", ix["language"]))
    needed = max([v for v in ix.values()] + [0])
    target_cache: dict[str, tuple[str, str]] = {}
    rel_known = fmt not in ("gsc", "bing") and not (fmt == "csv" and i_nf < 0 and i_reltext < 0)

    def skip(line: int, reason: str):
        nonlocal skipped_total
        skipped_total += 1
        if len(skipped) < MAX_SKIPPED_REPORTED:
            skipped.append({"line": line, "reason": reason})

    rel_flags = [(i, t) for i, t in ((i_nf, "nofollow"), (i_ugc, "ugc"), (i_sp, "sponsored"), (i_mozNF, "nofollow"))
                 if i >= 0]
    type_flags = [(i, t) for i, t in ((i_image, "image"), (i_redirect, "redirect"), (i_frame, "frame"),
                                      (i_form, "form")) if i >= 0]
    lost_flags = [i for i in (i_lostbool, i_old, i_deleted) if i >= 0]
    numbers = Memo(parse_number, 200000)
    # Dates repeat a lot across rows (and the shared result strings save memory on big files).
    date_cache = Memo(dates, 100000)  # dates(v) raises ValueError for a date it cannot read: the row is skipped
    target_cache = Memo(_target, 100000)  # (None, None) for a target row_record skips (and words the reason)

    def row_record(cells: list[str], start: int) -> dict | None:
        """One row as a record, or None after skip(): every format, every quirk."""
        try:
            src_url = _clean_url(cells[i_src])
            if src_url is None:
                skip(start, f"no valid referring page URL ({cells[i_src].strip()[:60]!r})")
                return None
            if i_mention >= 0 and cells[i_mention].strip() and parse_bool(cells[i_mention]):
                skip(start, "Majestic marks this a mention, not a link")
                return None
            if targetless:
                tgt_url = None
                tk = None
            else:
                raw_t = cells[i_tgt]
                cached = target_cache[raw_t]
                if cached[0] is None:  # say why (or raise the ValueError _target met)
                    tgt_url = _clean_url(raw_t)
                    if tgt_url is None:
                        skip(start, f"no valid target URL ({raw_t.strip()[:60]!r})")
                        return None
                    tgt_url = urls.canonical_url(tgt_url)
                    cached = (tgt_url, page_key(tgt_url))
                tgt_url, tk = cached
            rel: list[str] = []
            for i, token in rel_flags:
                v = cells[i]
                b = BOOLS.get(v)
                if b is None:
                    b = parse_bool(v)
                if b and token not in rel:
                    rel.append(token)
            if i_reltext >= 0:
                tokens = {t for t in re.split(r"[\s,;|/]+", cells[i_reltext].lower()) if t}
                for t in ("nofollow", "ugc", "sponsored"):
                    if t in tokens and t not in rel:
                        rel.append(t)
            if i_followable >= 0 and cells[i_followable].strip() and not parse_bool(cells[i_followable]) \
                    and "nofollow" not in rel:
                rel.append("nofollow")
            link_type = None
            if i_type >= 0:
                link_type = cells[i_type].strip().lower() or None
            elif i_reltext >= 0 and fmt == "ahrefs":
                tokens = cells[i_reltext].lower()
                for t in ("image", "redirect", "frame", "form"):
                    if t in tokens:
                        link_type = t
                        break
            if type_flags and link_type is None:
                for i, t in type_flags:
                    if parse_bool(cells[i]):
                        link_type = t
                        break
            try:
                first, last, lost_at = _row_dates(date_cache, cells, i_first, i_last, i_lost, stamp)
            except ValueError as exc:
                skip(start, str(exc))
                return None
            lost = bool(lost_at)
            if lost_flags and not lost:
                for i in lost_flags:
                    if parse_bool(cells[i]):
                        lost = True
                        break
            if i_status >= 0 and cells[i_status].strip().lower() in ("lost", "removed", "deleted", "dead"):
                lost = True
            metrics = {}
            for mname, i in metric_cols:
                value = numbers[cells[i]]
                if value is not None:
                    metrics[mname] = value
            for mname, i in bool_cols:
                if cells[i]:
                    metrics[mname] = _bool_metric(cells[i])
            for mname, i in str_cols:
                value = _str_metric(cells[i])
                if value is not None:
                    metrics[mname] = value
            if "#" in src_url or "utm_" in src_url:
                src_url = urls.canonical_url(src_url)
            rec = _record(src_url, tgt_url, tk, page_key(src_url), cells[i_anchor] if i_anchor >= 0 else "", rel,
                          lost, first, last, lost_at, metrics, fmt, cells[i_title].strip() if i_title >= 0 else "",
                          link_type, rel_known)
        except (ValueError, IndexError) as exc:
            skip(start, f"unreadable row ({exc})")
            return None
        return rec

    fast = None
    if not (i_reltext >= 0 or i_followable >= 0 or type_flags or lost_flags or i_status >= 0 or i_mention >= 0):
        fast = _FastRows(fmt, targetless, rel_known, stamp, i_src, i_tgt, i_anchor, i_title, i_type,
                         i_first, i_last, i_lost, rel_flags, metric_cols, bool_cols, str_cols, numbers,
                         date_cache, target_cache, skip, row_record)

    def records(batch: list[list[str]], starts) -> None:
        if fast is not None:
            fast.records(batch, starts, rows)
        else:
            for cells, start in zip(batch, starts):
                rec = row_record(cells, start)
                if rec is not None:
                    rows.append(rec)

    def row_by_row(batch: list[list[str]], line: int) -> int:
        """The rows of a batch with a blank, short or multi-line row in it; returns the last line read."""
        kept: list[list[str]] = []
        starts: list[int] = []
        nonlocal rows_read
        for cells in batch:
            start = header_line + line + 1
            line += 1 + sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in cells)  # as csv counts lines
            if len(cells) > fast_width:
                rows_read += 1
            else:
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                rows_read += 1
                if len(cells) <= needed:
                    records(kept, starts)  # skips are reported in file order
                    kept, starts = [], []
                    skip(start, f"the row has {len(cells)} fields, the header has {ncols}")
                    continue
            kept.append(cells)
            starts.append(start)
        records(kept, starts)
        return line

    reader_input = text
    if pushback is not None:
        reader_input = chain([pushback], text)
    reader = csv.reader(reader_input, delimiter=delim)
    next_progress = 20000
    last_line = 0
    fast_width = max(needed, 1)  # a row this wide is neither blank nor short
    while True:
        # Rows come in batches pulled by C (islice); a csv.Error leaves the rows before it in `batch`.
        batch: list[list[str]] = []
        error = None
        try:
            batch.extend(islice(reader, _BATCH_ROWS))
        except csv.Error as exc:
            error = exc
        if not batch and error is None:
            break
        if error is None and reader.line_num - last_line == len(batch) and min(map(len, batch)) > fast_width:
            rows_read += len(batch)  # one line a row, none blank or short: the common case
            records(batch, range(header_line + last_line + 1, header_line + last_line + 1 + len(batch)))
            last_line = reader.line_num
        else:
            line = row_by_row(batch, last_line)
            last_line = reader.line_num
            if error is not None:
                rows_read += 1
                skip(header_line + line + 1, f"unreadable CSV ({error})")
        if progress and rows_read >= next_progress:
            next_progress += 20000 * ((rows_read - next_progress) // 20000 + 1)
            try:
                progress(binf.tell(), src.size, rows_read)
            except (OSError, ValueError):
                pass
    if dates.pending:
        for rec in rows:
            for f in ("first_seen", "last_seen", "lost_at"):
                v = rec.get(f)
                if isinstance(v, PendingDate):
                    rec[f] = dates.resolve(v)
        notes.append("dates like 03/04/2025 read as " +
                     ("day/month/year" if dates.evidence_dayfirst > dates.evidence_monthfirst else "month/day/year"))
    if skipped_total > len(skipped):
        skipped.append({"line": 0, "reason": f"{skipped_total - len(skipped)} more rows skipped (not listed)"})
    if progress:
        progress(src.size, src.size, rows_read)
    if rows_read == 0:
        notes.append(f"{src.name} has a header but no rows")
    if fmt == "gsc":
        notes.append("Search Console exports name no target page, anchor or rel: these rows confirm the pages "
                     "still link to your site")
    if fmt == "bing":
        notes.append("Bing's referring pages table has no rel or dates: links are recorded as seen today")
    return Parsed(format=fmt, variant=variant, rows=rows, rows_read=rows_read, skipped=skipped, notes=notes,
                  targetless=targetless, property_url=_gsc_property(src.name) if fmt == "gsc" else None)


def _gsc_property(name: str) -> str | None:
    """The site a Search Console export belongs to, from its file name (`example.com-Latest links-…`)."""
    base = Path(name).name
    m = re.match(r"^(.+?)-(?:Latest links|More sample links)", base, re.I)
    if not m:
        return None
    prop = m.group(1)
    if prop.startswith(("https___", "http___")):
        scheme, rest = prop.split("___", 1)
        host = rest.rstrip("_").split("_")[0]
        url = f"{scheme}://{host}/"
    else:
        url = f"https://{prop}/"
    return url if urls.is_http_url(url) else None
