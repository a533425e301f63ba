"""From the bytes of an export to its header row: encoding, delimiter, preamble, which tool.

Why nothing is assumed: files arrive as the tool wrote them or after a trip through
Excel, so the encoding comes from the BOM or by trial (UTF-16 BOM, UTF-8 BOM, UTF-8,
then cp1252), the delimiter is sniffed from the header line (tab, comma, semicolon),
the header row is searched for (Moz puts a preamble first), and the tool is told by
the header's names (`formats.detect`) or, for a format that allows it, by the shape
of the first lines. A file is parsed completely before anything is stored: one that
cannot be read as a whole raises BadInput and changes nothing.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Callable

from companion.errors import BadInput
from companion.importers import formats
from companion.importers.formats import Parsed, detect, known, looks_like_url, norm
from companion.importers.mapped import csv_ok
from companion.importers.rows import read_rows

HEADER_SCAN_LINES = 50

csv.field_size_limit(64 * 1024 * 1024)


_BINARY_MAGIC = [
    (b"PK\x03\x04", "an Excel workbook or zip archive (save it as CSV first)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (save it as CSV first)"),
    (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\x1f\x8b", "a gzip archive"),
    (b"GIF8", "a GIF image"), (b"\xff\xd8\xff", "a JPEG image"),
]


def _sniff_encoding(head: bytes, size: int, name: str) -> tuple[str, int]:
    """(codec, bytes to skip) from the first bytes; BadInput for empty, binary or truncated UTF-16."""
    if size == 0 or not head.strip(b" \t\r\n\x00"):
        raise BadInput(f"{name} is empty: nothing to import (formats known: {known()})")
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise BadInput(f"{name} is {what}, not a CSV export (formats known: {known()})")
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        if (size - 2) % 2:
            raise BadInput(f"{name} is cut short: UTF-16 text with an odd number of bytes; download it again (formats known: {known()})")
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
                raise BadInput(f"{name} is cut short: UTF-16 text with an odd number of bytes; download it again (formats known: {known()})")
            return "utf-16-le", 0
        if even > 0.4 * half and odd < 0.05 * half:
            if size % 2:
                raise BadInput(f"{name} is cut short: UTF-16 text with an odd number of bytes; download it again (formats known: {known()})")
            return "utf-16-be", 0
        raise BadInput(f"{name} is a binary file, not a CSV export (formats known: {known()})")
    controls = sum(1 for b in head[:4096] if b < 9 or 13 < b < 32)
    if controls > len(head[:4096]) * 0.01:
        raise BadInput(f"{name} is a binary file, not a CSV export (formats known: {known()})")
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


def parse(name: str, *, path: Path | None = None, data: bytes | None = None, format: str = "auto",
          mapping: dict | None = None, progress: Callable[[int, int, int], None] | None = None,
          sink: Callable[[list[dict]], None] | None = None, encoding: str | None = None) -> Parsed:
    """Parse one export completely (nothing is stored here). BadInput if the file cannot be read as a whole.

    With `sink`, the records go to it a batch at a time instead of into `Parsed.rows`
    (a big file then never sits in memory whole); `encoding` forces the text encoding a
    first parse settled on (`Parsed.encoding`), so a second pass reads the file alike.
    """
    format = (format or "auto").lower()
    if format not in formats.names() + ("auto",):
        raise BadInput(f"unknown format {format!r}: use auto or one of {', '.join(formats.names())}")
    if mapping:
        if format not in ("auto", "csv"):
            raise BadInput("--map applies to --format csv only")
        format = "csv"  # a --map names the columns of a CSV: no tool's header is looked for
    src = _Source(name, path=path, data=data)
    codec, skip = _sniff_encoding(src.head, src.size, name)
    if encoding is not None and encoding != codec:
        codec = encoding
    elif codec == "utf-8":
        try:
            return _parse_stream(src, "utf-8", skip, format, mapping, progress, sink)
        except UnicodeDecodeError:
            for fallback in ("cp1252", "latin-1"):
                try:
                    parsed = _parse_stream(src, fallback, skip, format, mapping, progress, sink)
                    parsed.notes.append(f"{name} is not UTF-8; read it as {fallback}")
                    return parsed
                except UnicodeDecodeError:
                    continue
            raise BadInput(f"{name}: cannot decode the text") from None
    try:
        return _parse_stream(src, codec, skip, format, mapping, progress, sink)
    except UnicodeDecodeError:
        raise BadInput(f"{name} is cut short or damaged: it is not valid UTF-16 text; download it again (formats known: {known()})") from None


def _parse_stream(src: _Source, codec: str, skip: int, format: str, mapping: dict | None, progress,
                  sink=None) -> Parsed:
    binf = src.open_binary()
    try:
        if skip:
            binf.read(skip)
        text = io.TextIOWrapper(binf, encoding=codec, errors="strict", newline="")
        parsed = _parse_text(src, text, binf, format, mapping, progress, sink)
        parsed.encoding = codec
        return parsed
    finally:
        binf.close()


def _parse_text(src: _Source, text, binf, format: str, mapping: dict | None, progress, sink=None) -> Parsed:
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
        names = [norm(c) for c in cells]
        found = detect(names, format, mapping, name)
        if found:
            header = (found, delim, cells, names, line_no)
            break
        shaped = _by_shape(cells, format) if first_line is line else None
        if shaped:
            # e.g. Search Console in another UI language: recognised by the shape of the first line,
            # confirmed by a URL starting the next one.
            nxt = text.readline()
            if nxt and looks_like_url(_split(nxt, delim)[0] if _split(nxt, delim) else ""):
                header = ((shaped[0], shaped[1][0]), delim, cells, shaped[1][1], line_no)
                return read_rows(src, text, binf, header, mapping, progress, pushback=nxt, sink=sink)
            if nxt:
                line_no += 1
                preamble.append(nxt)
                cells2 = _split(nxt, _delimiter(nxt))
                found = detect([norm(c) for c in cells2], format, mapping, name)
                if found:
                    header = (found, _delimiter(nxt), cells2, [norm(c) for c in cells2], line_no)
                    break
        preamble.append(line)
    if header is None:
        if first_line is None:
            raise BadInput(f"{name} is empty: nothing to import (formats known: {known()})")
        if format == "auto":
            hint = ""
            cells = _split(first_line, _delimiter(first_line))
            if csv_ok({norm(c) for c in cells}, None):
                hint = ("; it has source and target columns: import it with --format csv, and name more "
                        "columns with --map (e.g. metric.page_authority=COLUMN)")
            raise BadInput(f"{name} is not a backlink export I know (formats known: {known()}); "
                           f"it begins {first_line.strip()[:80]!r}{hint}")
        if format == "csv":
            if mapping:
                raise BadInput(f"{name}: no header row has the --map columns {', '.join(mapping.values())}")
            raise BadInput(f"{name}: no source and target columns found; name them with "
                           f"--map source_url=COLUMN,target_url=COLUMN")
        raise BadInput(f"{name} does not look like a {format} export (no header row with its column names); "
                       f"try --format auto (formats known: {known()})")
    return read_rows(src, text, binf, header, mapping, progress, preamble=preamble, sink=sink)


def _by_shape(cells: list[str], wanted: str):
    """(format, (variant, header names)) of the first format whose `shape` takes this first line."""
    for fmt in formats.tools():
        if fmt.shape and wanted in ("auto", fmt.name):
            found = fmt.shape(cells)
            if found:
                return fmt, found
    return None

