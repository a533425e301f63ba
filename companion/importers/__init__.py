"""Read backlink exports from the SEO tools users have (see ../shared/exports/FORMATS.md).

One module per tool (ahrefs.py, semrush.py, moz.py, majestic.py, gsc.py, bing.py,
mapped.py for any CSV with --map), each a `FORMAT` saying which header names mean
which field and what the tool's quirks are; the shared modules do the rest for all:

* reading.py: bytes to header row (encoding, delimiter, preamble, which tool);
* rows.py: rows to store-ready records (rel, dates, metrics, skipped rows), with
  the fast path for big files;
* values.py: cell values (booleans, numbers, dates as the tools and Excel write them);
* formats.py: the `Format` record and the list of tools, found by module.

A newcomer adds a tool by adding a module with a `FORMAT`; `FORMATS` (the CLI's
`--format` choices and the OpenAPI enum) then names it.
"""

from __future__ import annotations

from companion.importers.formats import Parsed, by_name, known, names
from companion.importers.mapped import parse_mapping
from companion.importers.reading import parse

FORMATS: tuple[str, ...] = names()
KNOWN = known()


def needs_rows(parsed: Parsed) -> bool:
    """True if the format judges a file by its rows as a whole (`check`): it cannot be streamed."""
    return by_name(parsed.format).check is not None


def check(parsed: Parsed, name: str, my_domains: list[str]) -> None:
    """BadInput when a parsed file is a table to refuse that only its rows tell (the format's `check`,
    e.g. Search Console's internal links listing my own pages); `my_domains` from the profile."""
    fmt = by_name(parsed.format)
    if fmt.check:
        fmt.check(parsed, name, my_domains)


__all__ = ["FORMATS", "KNOWN", "Parsed", "parse", "check", "needs_rows", "parse_mapping"]
