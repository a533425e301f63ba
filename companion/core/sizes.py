"""Sizes as a user writes them (`4G`, `500M`, `2GiB`, `1048576`) and as messages print them.

Why one module: every size option (`tierlink serve --max-import-size`, and any added
later) must refuse the same things the same way: `inf`, `nan`, a negative or zero
size, a number too big for any disk (`1e400`) are a usage error naming the option,
never an OverflowError from deep inside. Binary units, as `human_size` prints them,
so the limit a user sets and the one a message quotes are the same figure.
"""

from __future__ import annotations

import math
import re

from companion.core.errors import TierlinkError

_UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}
# A plain decimal number (no inf/nan words, no exponent), then an optional unit: K, KB, KiB, ...
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([KMGT]?)(?:I?B)?\s*$", re.I)
MAX_SIZE = 2 ** 63 - 1  # the largest size a file or a Content-Length can have


def parse_size(text, option: str = "size") -> int:
    """'4G', '500M', '2GiB', '1.5K', '1048576' -> bytes; a usage TierlinkError naming `option` otherwise."""
    m = _SIZE.match(str(text))
    hint = "give a size such as 4G, 500M or 1048576"
    if not m:
        raise TierlinkError(f"{option} {text!r}: {hint}", code="usage")
    number = float(m.group(1)) if "." in m.group(1) else int(m.group(1))
    value = number * _UNITS[m.group(2).upper()]
    if not math.isfinite(value) or value > MAX_SIZE:
        raise TierlinkError(f"{option} {text!r} is larger than any disk: {hint}", code="usage")
    value = int(value)
    if value < 1:
        raise TierlinkError(f"{option} {text!r} must be at least 1 byte: {hint}", code="usage")
    return value


def human_size(n: int) -> str:
    """1536 -> '1.5 KiB'; binary units, as `parse_size` takes them."""
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} bytes"  # pragma: no cover - the loop always returns
