"""Cell values as the SEO tools (and Excel, after a user re-saves a file) write them.

Why so tolerant: the same export reaches us straight from the tool (`true`,
`2025-03-14 09:21:07`, `18.4`) or after a trip through Excel in some locale
(`TRUE`, `3/14/2025 9:21`, `14.03.2025 09:21`, `18,4`). Each parser has a fast
path for the tool's own form, since a big import calls them millions of times.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x", "+", "✓", "✔", "wahr", "ja", "oui", "si", "sí", "vrai"})
FALSE_WORDS = frozenset({"", "false", "no", "n", "0", "-", "falsch", "nein", "non", "faux", "none", "null"})


def parse_bool(value: str) -> bool:
    """true/false, TRUE/FALSE, Yes/No, 1/0 (and the same words in a few languages); ValueError for any other.

    Why strict: a file cut inside its last field leaves `fa` of `false`; read as true it
    stored a live link as lost. A word we do not know is a row we cannot read (skipped,
    with the reason), never a guess.
    """
    v = value.strip().lower()
    if v in FALSE_WORDS:
        return False
    if v in TRUE_WORDS:
        return True
    raise ValueError(f"{value.strip()[:40]!r} is not true or false")


def parse_flag(value: str) -> bool:
    """A Majestic flag cell: empty or a false word is not set; a true word or a mark (`+`, `*`, `•`) is.

    Majestic documents "any non-empty value is set" without naming its marker (FORMATS.md);
    a mark is a cell of no letters or digits. A word that is neither (e.g. `fa`, cut from
    `false`) raises ValueError like parse_bool.
    """
    v = value.strip()
    if v and not any(c.isalnum() for c in v):
        return True
    return parse_bool(v)


_THOUSANDS_COMMA = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")
_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")


# Cells that say "no value" (Excel's and pandas' words for it): the metric is left out.
_NO_NUMBER = frozenset({"-", "n/a", "na", "none", "null", "—", "nan", "#n/a"})


def parse_number(value: str):
    """An int or float from '54', '18.4', '18,4', '1,234', '12 840', '1.234,5'; None when empty (or n/a, NaN).

    ValueError for a cell that is no number (`12ab`, `inf`): the row is skipped, never stored without it.
    """
    try:
        return int(value)
    except ValueError:
        pass
    v = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if not v or v.lower() in _NO_NUMBER:
        return None
    if v.endswith("%"):
        v = v[:-1]
    try:
        return int(v)
    except ValueError:
        pass
    if "," in v:
        if "." in v:
            if v.rfind(",") > v.rfind("."):  # 1.234,5
                v = v.replace(".", "").replace(",", ".")
            else:  # 1,234.5
                v = v.replace(",", "")
        elif _THOUSANDS_COMMA.match(v):
            v = v.replace(",", "")
        else:
            v = v.replace(",", ".")
    try:
        number = float(v)
    except ValueError:
        raise ValueError(f"{value.strip()[:40]!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{value.strip()[:40]!r} is not a number")  # NaN and Infinity are not JSON
    return int(number) if number.is_integer() and "." not in v and "e" not in v.lower() else number


_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
                  r"\s*(Z|UTC|[+-]\d{2}:?\d{2})?$", re.I)
_NUMERIC = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{2}|\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")
_NAMED = re.compile(r"^(?:(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?|([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?)\s+(\d{4})"
                    r"(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")


class PendingDate(str):
    """A slash date that reads both ways (03/04/2025): resolved once the whole file is seen."""


def _iso(y, mo, d, h=None, mi=None, s=None) -> str:
    datetime(y, mo, d)  # raises ValueError for an impossible date
    if h is None:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    if not (0 <= h <= 23 and 0 <= mi <= 59 and 0 <= (s or 0) <= 59):
        raise ValueError("impossible time")
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{(s or 0):02d}"


def _hour(h: str | None, ampm: str | None) -> int | None:
    if h is None:
        return None
    hour = int(h)
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError("impossible 12-hour time")
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    return hour


class DateParser:
    """Dates to ISO 8601 ('2025-03-14' or '2025-03-14T09:21:07', UTC when a zone is given).

    Day-first or month-first for slash dates is decided per file: a value like
    24/11/2026 or 11/24/2026 settles it; until then ambiguous values are
    returned as PendingDate and fixed by `resolve()` at the end of the file.
    Dotted dates (24.11.2026) are always day-first, as every locale writes them.
    """

    def __init__(self):
        self.evidence_dayfirst = 0
        self.evidence_monthfirst = 0
        self.pending = False

    def __call__(self, value: str) -> str | None:
        v = value.strip()
        if not v:
            return None
        if len(v) == 19 and v[4] == "-" and v[7] == "-" and v[10] in " T" and v[13] == ":" and v[16] == ":" \
                and v[:4].isdigit() and v[5:7].isdigit() and v[8:10].isdigit():
            return v[:10] + "T" + v[11:]
        if len(v) == 10 and v[4] == "-" and v[7] == "-" and v[:4].isdigit() and v[5:7].isdigit() and v[8:].isdigit():
            return v
        return self._slow(v)

    def _slow(self, v: str) -> str:
        m = _ISO.match(v)
        if m:
            y, mo, d = int(m[1]), int(m[2]), int(m[3])
            if m[4] is None:
                return _iso(y, mo, d)
            h, mi, s = int(m[4]), int(m[5]), int(m[6] or 0)
            zone = m[7]
            if zone and zone.upper() not in ("Z", "UTC"):
                sign = 1 if zone[0] == "+" else -1
                digits = zone[1:].replace(":", "")
                offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
                moment = datetime(y, mo, d, h, mi, s, tzinfo=timezone(sign * offset)).astimezone(timezone.utc)
                y, mo, d, h, mi, s = moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second
            return _iso(y, mo, d, h, mi, s)
        m = _NUMERIC.match(v)
        if m:
            a, sep, b, y = int(m[1]), m[2], int(m[3]), int(m[4])
            if len(m[4]) == 2:
                y += 2000 if y < 70 else 1900
            h = _hour(m[5], m[8])
            mi = int(m[6]) if m[6] else None
            s = int(m[7]) if m[7] else None
            if sep == "." or a > 12:
                if sep == "/" and a > 12:
                    self.evidence_dayfirst += 1
                return _iso(y, b, a, h, mi, s)
            if b > 12:
                self.evidence_monthfirst += 1
                return _iso(y, a, b, h, mi, s)
            if a == b:
                return _iso(y, a, b, h, mi, s)
            _iso(y, a, b, h, mi, s)
            self.pending = True
            return PendingDate(v)
        m = _NAMED.match(v)
        if m:
            if m[1]:
                d, mon = int(m[1]), m[2]
            else:
                d, mon = int(m[4]), m[3]
            mo = _MONTHS.get(mon.lower())
            if not mo:
                raise ValueError(f"unknown month {mon!r}")
            return _iso(int(m[5]), mo, d, _hour(m[6], m[9]), int(m[7]) if m[7] else None, int(m[8]) if m[8] else None)
        if re.fullmatch(r"\d{5}(\.\d+)?", v):  # an Excel serial date that lost its format
            serial = float(v)
            if 20000 <= serial <= 80000:
                moment = datetime(1899, 12, 30) + timedelta(days=serial)
                if serial.is_integer():
                    return moment.date().isoformat()
                return moment.replace(microsecond=0).isoformat()
        raise ValueError(f"unreadable date {v[:40]!r}")

    def resolve(self, value: str) -> str:
        """The ISO form of a PendingDate, now that the file's day/month order is known."""
        dayfirst = self.evidence_dayfirst > self.evidence_monthfirst
        m = _NUMERIC.match(value)
        a, b, y = int(m[1]), int(m[3]), int(m[4])
        if len(m[4]) == 2:
            y += 2000 if y < 70 else 1900
        h = _hour(m[5], m[8])
        mi = int(m[6]) if m[6] else None
        s = int(m[7]) if m[7] else None
        return _iso(y, b, a, h, mi, s) if dayfirst else _iso(y, a, b, h, mi, s)


def today() -> str:
    return date.today().isoformat()


class Memo(dict):
    """A dict that fills itself: a miss calls `fn(key)` and keeps the result while under `limit` entries.

    Why: a big import looks the same cell values up millions of times (dates, numbers,
    hosts); `memo[v]` and `map(memo.__getitem__, column)` stay in C on a hit, where a
    cache-checking function would cost a Python call per cell. An exception from `fn`
    propagates and nothing is kept.
    """

    __slots__ = ("fn", "limit")

    def __init__(self, fn, limit: int):
        super().__init__()
        self.fn = fn
        self.limit = limit

    def __missing__(self, key):
        value = self.fn(key)
        if len(self) < self.limit:
            self[key] = value
        return value
