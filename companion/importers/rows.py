"""Rows of an export as store-ready records, for every tool: the one row reader.

Why it works the way it does:

* Columns are found by name (the tool module's spec), so their order never matters;
  what a tool module does not say (rel flags, link types, lost markers, dates,
  metrics) is read the same way for every tool.
* The result is a list of store-ready records (CONTRACT "Backlink" fields plus
  `source_key`/`target_key`), so a million-row import makes no second copy.
* A single bad row is skipped and reported as {"line": N, "reason": "..."} with its
  line number in the file.
* A row without a date gets none (only an export's own date, e.g. Moz's preamble,
  stands in): the import's day is never a date of a link.
* Speed (scripts/bench_import.py, a million rows): rows come from csv.reader in batches,
  and the plain formats go through `_FastRows`, which does the per-cell work column by
  column in C; every row it cannot take exactly as the general `row_record` would goes
  to `row_record`, so both paths give the same records, skips and line numbers.
"""

from __future__ import annotations

import csv
import re
import sys
from itertools import chain, islice, repeat

from companion.analysis import urls
from companion.analysis.urls import is_http_url, page_key, plain_page_key
from companion.core.errors import BadInput
from companion.core.limits import MAX_ANCHOR, MAX_TITLE, MAX_URL_LENGTH
from companion.importers.formats import Format, Parsed
from companion.importers.values import DateParser, Memo, PendingDate, parse_bool, parse_flag, parse_number

MAX_SKIPPED_REPORTED = 1000


def columns(fmt: Format, variant: str, names: list[str], mapping: dict | None) -> dict[str, int]:
    """field -> column index, from the format's spec (first alias present wins) and its own hook."""
    ix: dict[str, int] = {}
    positions: dict[str, int] = {}
    for i, n in enumerate(names):
        positions.setdefault(n, i)
    for fld, aliases in fmt.variants[variant].items():
        for alias in aliases:
            if alias in positions:
                ix[fld] = positions[alias]
                break
    if fmt.columns:
        fmt.columns(positions, mapping, ix)
    return ix


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
        if url is None or len(url) > MAX_URL_LENGTH:
            return _NO_TARGET
        url = urls.canonical_url(url)
        return url, page_key(url)
    except (ValueError, IndexError):
        return _NO_TARGET


_BATCH_ROWS = 2000
# A source URL that `_clean_url` keeps as it is and urls.plain_page_key keys without the URL
# parser (a plain http(s) URL, no query: most linking pages) gets its record built here,
# without row_record's general path.


_BAD = object()  # what a _Cells memo gives for a cell its parser refuses


class _Cells(Memo):
    """A Memo for the fast path's columns: a cell `fn` refuses (ValueError) gives _BAD, counted in `bad`
    and never kept, so a batch with none is known from one comparison of `bad`."""

    __slots__ = ("bad",)

    def __init__(self, fn, limit: int):
        super().__init__(fn, limit)
        self.bad = 0

    def __missing__(self, key):
        try:
            return super().__missing__(key)
        except ValueError:
            self.bad += 1
            return _BAD


def _rel_of(rel_flags, boolean=parse_bool):
    """rel tokens from a row's flag cells (as row_record reads them), for a memo keyed by those cells;
    ValueError for a cell `boolean` cannot read."""
    tokens_in_order = [t for _, t in rel_flags]
    single = len(rel_flags) == 1

    def rel(cells) -> tuple[str, ...]:
        out: list[str] = []
        for token, v in zip(tokens_in_order, (cells,) if single else cells):
            b = BOOLS.get(v)
            if b is None:
                b = boolean(v)
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


def _unreadable(dates: Memo, cell: str) -> bool:
    try:
        dates[cell]
    except ValueError:
        return True
    return False


def _row_dates(dates: Memo, cells: list[str], i_first: int, i_last: int, i_lost: int,
               stamp: str) -> tuple:
    """(first_seen, last_seen, lost_at) of a row, for both row paths: a missing last_seen
    is first_seen or the export's own date (`stamp`, None when the file has none), a
    missing first_seen is last_seen. Never the import's day: a row without a date must
    not set or move a stored date. Raises the ValueError of a date `dates` cannot read
    (the row is then skipped)."""
    try:
        first = dates[cells[i_first]] if i_first >= 0 else None
        last = dates[cells[i_last]] if i_last >= 0 else None
        lost_at = dates[cells[i_lost]] if i_lost >= 0 else None
    except ValueError as exc:
        if str(exc).startswith("unreadable date"):
            raise
        bad = next(cells[i] for i in (i_first, i_last, i_lost) if i >= 0 and _unreadable(dates, cells[i]))
        raise ValueError(f"unreadable date {bad.strip()[:40]!r} ({exc})") from None
    if last is None:
        last = first or stamp
    if first is None:
        first = last
    return first, last, lost_at


def _record(src_url, tgt_url, tk, sk, anchor, rel, lost, first, last, lost_at, metrics, fmt, title, link_type,
            rel_known, cut: list[int]) -> dict:
    """A store-ready record (CONTRACT Backlink fields plus source_key/target_key), one shape for both row paths.

    An anchor or a title longer than the API takes (MAX_ANCHOR, MAX_TITLE) is cut to it, and the row
    counted in `cut[0]` (the summary's `truncated`)."""
    if anchor and (anchor[0] in " \t\r\n" or anchor[-1] in " \t\r\n" or "  " in anchor or "\n" in anchor
                   or "\t" in anchor or "\r" in anchor):
        anchor = _WS.sub(" ", anchor).strip()
    if len(anchor) > MAX_ANCHOR or len(title) > MAX_TITLE:
        anchor, title = anchor[:MAX_ANCHOR].rstrip(), title[:MAX_TITLE].rstrip()
        cut[0] += 1
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
                 i_lost, rel_flags, metric_cols, bool_cols, str_cols, date_cache, target_cache, skip,
                 row_record, boolean=parse_bool, cut=None):
        self.fmt, self.targetless, self.rel_known, self.stamp = fmt, targetless, rel_known, stamp
        self.i_src, self.i_tgt, self.i_anchor, self.i_title, self.i_type = i_src, i_tgt, i_anchor, i_title, i_type
        self.i_first, self.i_last, self.i_lost = i_first, i_last, i_lost
        self.rel_idx = [i for i, _ in rel_flags]
        self.rels = _Cells(_rel_of(rel_flags, boolean), 10000)
        self.types = Memo(_link_type, 10000)
        self.metric_names = tuple(name for name, _ in metric_cols + bool_cols + str_cols)
        # a cell these cannot read gives _BAD and the row goes to row_record, which says why it skips it
        self.numbers = _Cells(parse_number, 200000)
        self.checked = [self.rels, self.numbers]
        bools = _Cells(_bool_metric, 10000)
        if bool_cols:
            self.checked.append(bools)
        self.metric_cols = ([(self.numbers, i) for _, i in metric_cols] + [(bools, i) for _, i in bool_cols]
                            + [(Memo(_str_metric, 10000), i) for _, i in str_cols])
        self.dates, self.targets = date_cache, target_cache
        self.ints: dict[int, int] = {}
        self.skip, self.row_record = skip, row_record
        self.cut = cut if cut is not None else [0]

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
        bad_before = sum(m.bad for m in self.checked)
        col = list(zip(*batch)).__getitem__  # the columns, in C (every row has the fields we read)
        sources = zip(col(self.i_src), map(plain_page_key, col(self.i_src)))
        targets = repeat(_NO_TARGET) if self.targetless else map(self.targets.__getitem__, col(self.i_tgt))
        anchors = col(self.i_anchor) if self.i_anchor >= 0 else repeat("")
        titles = map(str.strip, col(self.i_title)) if self.i_title >= 0 else repeat("")
        rels = list(map(self.rels.__getitem__, zip(*[col(i) for i in self.rel_idx]) if len(self.rel_idx) > 1 else
                        col(self.rel_idx[0]))) if self.rel_idx else repeat(())
        types = map(self.types.__getitem__, col(self.i_type)) if self.i_type >= 0 else repeat(None)
        metrics = list(zip(*[self.column(memo, col(i)) for memo, i in self.metric_cols])) if self.metric_cols \
            else repeat(())
        # a cell refused in this batch (rare): those rows go to row_record, which skips them with the reason
        bad = sum(m.bad for m in self.checked) != bad_before
        dates = self.dates
        i_first, i_last, i_lost = self.i_first, self.i_last, self.i_lost
        names, fmt, stamp, rel_known, cut = self.metric_names, self.fmt, self.stamp, self.rel_known, self.cut
        append = out.append
        targetless = self.targetless
        for cells, start, (src, plain_key), (tgt_url, tk), anchor, title, rel, link_type, values in zip(
                batch, starts, sources, targets, anchors, titles, rels, types, metrics):
            sk = None
            if plain_key is not None and (tgt_url is not None or targetless) and "utm_" not in src \
                    and len(src) <= MAX_URL_LENGTH:
                sk = plain_key
            if sk is None or bad and (rel is _BAD or _BAD in values):
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
                           fmt, title, link_type, rel_known, cut))


def read_rows(src, text, binf, header, mapping, progress, preamble=(), pushback: str | None = None,
              sink=None) -> Parsed:
    """Every row after the header as a record (see the module docstring). `src` has `name` and `size`,
    `text` is the decoded stream, `binf` the byte stream under it (for progress).

    With `sink`, each batch of records goes to it as soon as it is read, unless a date
    in it is still ambiguous (03/04/2025 waits for evidence later in the file): from
    the first such date on, records wait for the end of the file.
    """
    (format_, variant), delim, raw_cells, names, header_line = header
    fmt = format_.name
    ix = columns(format_, variant, names, mapping)
    if "source" not in ix:
        raise BadInput(f"{src.name}: no referring page column found")
    targetless = "target" not in ix
    if targetless and not format_.targetless:
        raise BadInput(f"{src.name}: no target URL column found")
    notes: list[str] = []
    # the export's own date where it states one; never the import's day
    stamp = format_.export_date(list(preamble)) if format_.export_date else None
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
    rel_known = format_.rel_known(ix)

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
    cut = [0]  # rows whose anchor or title was cut to the API's length (`truncated`)
    numbers = Memo(parse_number, 200000)  # parse_number raises ValueError for a cell that is no number
    boolean = parse_flag if format_.flag_marks else parse_bool  # ValueError for a word that is neither

    def column_error(i: int, exc: ValueError) -> ValueError:
        """The ValueError of cell i, naming its column: the reason a skipped row is given."""
        return ValueError(f"{raw_cells[i].strip()[:40] if i < len(raw_cells) else i}: {exc}")

    def unknown(i: int, v: str) -> bool:
        """A flag cell not in BOOLS (the common words, looked up inline): `boolean` reads it or raises."""
        try:
            return boolean(v)
        except ValueError as exc:
            raise column_error(i, exc) from None

    get = BOOLS.get

    def flag(cells: list[str], i: int) -> bool:
        b = get(cells[i])
        return unknown(i, cells[i]) if b is None else b

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
            if len(src_url) > MAX_URL_LENGTH:
                skip(start, f"the referring page URL is longer than {MAX_URL_LENGTH} characters ({src_url[:60]!r}…)")
                return None
            if i_mention >= 0 and cells[i_mention].strip() and flag(cells, i_mention):
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
                    if len(tgt_url) > MAX_URL_LENGTH:
                        skip(start, f"the target URL is longer than {MAX_URL_LENGTH} characters ({tgt_url[:60]!r}…)")
                        return None
                    tgt_url = urls.canonical_url(tgt_url)
                    cached = (tgt_url, page_key(tgt_url))
                tgt_url, tk = cached
            rel: list[str] = []
            for i, token in rel_flags:
                b = get(cells[i])
                if (unknown(i, cells[i]) if b is None else b) and token not in rel:
                    rel.append(token)
            if i_reltext >= 0:
                tokens = {t for t in re.split(r"[\s,;|/]+", cells[i_reltext].lower()) if t}
                for t in ("nofollow", "ugc", "sponsored"):
                    if t in tokens and t not in rel:
                        rel.append(t)
            if i_followable >= 0 and cells[i_followable].strip() and not flag(cells, i_followable) \
                    and "nofollow" not in rel:
                rel.append("nofollow")
            link_type = None
            if i_type >= 0:
                link_type = cells[i_type].strip().lower() or None
            elif i_reltext >= 0 and format_.link_type_in_rel_text:
                tokens = cells[i_reltext].lower()
                for t in ("image", "redirect", "frame", "form"):
                    if t in tokens:
                        link_type = t
                        break
            if type_flags:
                # every cell read: a bad one skips the row
                set_types = [t for i, t in type_flags if (unknown(i, cells[i]) if (b := get(cells[i])) is None else b)]
                if link_type is None and set_types:
                    link_type = set_types[0]
            try:
                first, last, lost_at = _row_dates(date_cache, cells, i_first, i_last, i_lost, stamp)
            except ValueError as exc:
                skip(start, str(exc))
                return None
            lost = bool(lost_at)
            if lost_flags:
                lost = any([unknown(i, cells[i]) if (b := get(cells[i])) is None else b for i in lost_flags]) or lost
            if i_status >= 0 and cells[i_status].strip().lower() in ("lost", "removed", "deleted", "dead"):
                lost = True
            metrics = {}
            for mname, i in metric_cols:
                try:
                    value = numbers[cells[i]]
                except ValueError as exc:
                    raise column_error(i, exc) from None
                if value is not None:
                    metrics[mname] = value
            for mname, i in bool_cols:
                if cells[i]:
                    try:
                        metrics[mname] = _bool_metric(cells[i])
                    except ValueError as exc:
                        raise column_error(i, exc) from None
            for mname, i in str_cols:
                value = _str_metric(cells[i])
                if value is not None:
                    metrics[mname] = value
            if "#" in src_url or "utm_" in src_url:
                src_url = urls.canonical_url(src_url)
            rec = _record(src_url, tgt_url, tk, page_key(src_url), cells[i_anchor] if i_anchor >= 0 else "", rel,
                          lost, first, last, lost_at, metrics, fmt, cells[i_title].strip() if i_title >= 0 else "",
                          link_type, rel_known, cut)
        except (ValueError, IndexError) as exc:
            skip(start, f"unreadable row ({exc})")
            return None
        return rec

    fast = None
    if not (i_reltext >= 0 or i_followable >= 0 or type_flags or lost_flags or i_status >= 0 or i_mention >= 0):
        fast = _FastRows(fmt, targetless, rel_known, stamp, i_src, i_tgt, i_anchor, i_title, i_type,
                         i_first, i_last, i_lost, rel_flags, metric_cols, bool_cols, str_cols,
                         date_cache, target_cache, skip, row_record, boolean, cut)

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
        if sink is not None and rows and not dates.pending:
            sink(rows)
            rows = []
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
    if sink is not None and rows:
        sink(rows)
        rows = []
    if skipped_total > len(skipped):
        more = skipped_total - len(skipped)
        skipped.append({"line": 0, "reason": f"{more} more rows skipped (not listed)", "rows": more})
    if progress:
        progress(src.size, src.size, rows_read)
    if rows_read == 0:
        notes.append(f"{src.name} has a header but no rows")
    notes.extend(format_.notes)
    return Parsed(format=fmt, variant=variant, rows=rows, rows_read=rows_read, skipped=skipped, notes=notes,
                  targetless=targetless, property_url=format_.property_url(src.name) if format_.property_url else None,
                  streamed=sink is not None, truncated=cut[0])

