"""What one tool's export looks like, and the list of tools: one `Format` per tool module.

Why data: the reading (bytes, delimiter, header row, rows, values) is the same for
every tool; what differs is which header names mean which field, how the header is
recognised, which tables of that tool hold no links, and a few quirks. Each tool
module of this package (ahrefs.py, semrush.py, ...) says exactly that in a
`FORMAT = Format(...)`, and `tools()` finds every such module by itself: a newcomer
adds a tool by adding a file. `order` ranks the header tests when the format is
recognised (`--format auto`); the list of formats the CLI and the OpenAPI
description offer is `names()`, in that order.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from companion.core.errors import BadInput

Spec = dict[str, tuple[str, ...]]  # field -> header names (lower-case) that hold it
GSC_INSTEAD = ' Export "Latest links" or "More sample links" (Links > External links > Export) instead'


def spec(**fields) -> Spec:
    """Field aliases: `source="referring page url"` or `source=("source url", "sourceurl")`.

    Field names: source, target, anchor, title, rel_text, nofollow, ugc, sponsored, type,
    image, frame, form, redirect, first_seen, last_seen, lost_date, lost_bool,
    status_text, oldcrawl, deleted, mention, followable, moz_nofollow, language;
    `m_NAME` a number kept as metrics.NAME, `b_NAME` a true/false one, `s_NAME` a text one.
    """
    return {k: (v,) if isinstance(v, str) else tuple(v) for k, v in fields.items()}


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
    encoding: str | None = None  # the text encoding the file was read with
    streamed: bool = False  # the records went to a sink, not into `rows`
    truncated: int = 0  # rows whose anchor or title was cut to MAX_ANCHOR / MAX_TITLE


def _always(ix: dict[str, int]) -> bool:
    return True


@dataclass(frozen=True)
class Format:
    """One tool's exports. Only `name`, `label`, `variants` and `detect` are needed."""

    name: str  # the --format value and the records' origin
    label: str  # how messages name it ("gsc (Search Console links)")
    variants: dict[str, Spec]  # variant -> field aliases
    detect: Callable[[set[str], dict | None, str], str | None]  # header names, --map, wanted -> variant or None
    order: int = 50  # rank of `detect` when the format is recognised
    refuse: tuple[tuple[frozenset[str], str], ...] = ()  # (header names, message): tables with no page-level links
    alone_when_chosen: bool = False  # when chosen (or given a --map), only this format reads the header
    targetless: bool = False  # rows may name no target page (they link to "your site")
    rel_known: Callable[[dict[str, int]], bool] = _always  # whether the columns found tell rel at all
    link_type_in_rel_text: bool = False  # the rel column also names image/redirect/frame/form links
    flag_marks: bool = False  # a flag cell set by any mark (`+`), not only by a true word (Majestic)
    notes: tuple[str, ...] = ()  # said after every import of this format
    export_date: Callable[[list[str]], str | None] | None = None  # from the lines before the header
    property_url: Callable[[str], str | None] | None = None  # the site the rows link to, from the file name
    shape: Callable[[list[str]], list[str] | None] | None = None  # header names by the first line's shape
    check: Callable[[Parsed, str, list[str]], None] | None = None  # after parsing: BadInput for a table to refuse
    columns: Callable[[dict[str, int], dict | None, dict[str, int]], None] | None = None  # extra columns


@lru_cache(maxsize=1)
def tools() -> tuple[Format, ...]:
    """Every module of this package with a `FORMAT`, in `order`."""
    package = importlib.import_module(__package__)
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{__package__}.{info.name}")
        fmt = getattr(module, "FORMAT", None)
        if isinstance(fmt, Format):
            found.append(fmt)
    return tuple(sorted(found, key=lambda f: (f.order, f.name)))


def names() -> tuple[str, ...]:
    return tuple(f.name for f in tools())


def by_name(name: str) -> Format:
    return next(f for f in tools() if f.name == name)


def known() -> str:
    """The formats, for messages: 'ahrefs, majestic, ..., csv (with --map)'."""
    return ", ".join(f.label for f in tools())


def norm(cell: str) -> str:
    """A header cell as the specs spell it: no BOM or quotes, one space, lower-case."""
    return " ".join(cell.replace("\ufeff", "").strip().strip('"').split()).lower()


def looks_like_url(cell: str) -> bool:
    c = cell.strip().strip('"').lower()
    return c.startswith(("http://", "https://"))


def detect(names_: list[str], wanted: str, mapping: dict | None, name: str = "the file") -> tuple[Format, str] | None:
    """(format, variant) for a header row, or None. Raises BadInput for a known table with no links."""
    cols = set(names_)
    for fmt in tools():
        for needed, message in fmt.refuse:
            if needed <= cols and wanted in ("auto", fmt.name):
                raise BadInput(f"{name}: {message}")
    alone = [f for f in tools() if f.alone_when_chosen and (f.name == wanted or (mapping and wanted == "auto"))]
    for fmt in alone or tools():
        variant = fmt.detect(cols, mapping, wanted)
        if variant is not None:
            return (fmt, variant) if wanted in ("auto", fmt.name) else None
    return None
