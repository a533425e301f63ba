"""Turning a saved page's bytes into text, whatever its encoding.

Order, and why:

1. A byte-order mark wins: it is unambiguous.
2. Bytes that are valid UTF-8 and not plain ASCII are UTF-8. A page that
   declares a legacy charset but is valid UTF-8 was re-saved as UTF-8 (the corpus
   page 025 declares gb2312 and is UTF-8: lxml fed its raw bytes finds none of its
   links). Text in a legacy multi-byte charset is almost never valid UTF-8 by accident.
3. The charset of the HTTP `Content-Type` header (a fetched page), then the one
   declared in the page (`<meta charset>` or `http-equiv` Content-Type), each if it decodes
   the bytes without error, with the WHATWG label mapping (latin-1 → windows-1252,
   gb2312 → gbk).
4. Detection by bs4's UnicodeDammit, and as a last resort windows-1252 with
   replacement, so decoding itself never fails.
"""

from __future__ import annotations

import codecs
import re

from bs4.dammit import UnicodeDammit

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]{1,40})""", re.I)
# WHATWG Encoding Standard labels that Python spells differently or treats more strictly.
_LABELS = {
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252", "iso8859-1": "cp1252", "gb2312": "gbk", "x-gbk": "gbk",
    "iso-8859-9": "cp1254", "tis-620": "cp874", "x-sjis": "shift_jis", "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949", "utf8": "utf-8", "unicode": "utf-16",
}


def charset_name(label: str | None) -> str | None:
    """Python's codec name for a charset label (WHATWG mapping), or None for an unknown one."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _LABELS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:65536])
    if not match:
        return None
    return charset_name(match.group(1).decode("ascii", "replace"))


def decode_html(data: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """(text, encoding used) for a page's raw bytes; never raises.

    `header_charset`: the charset label of the response's Content-Type, when fetched.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                return data.decode(encoding, "replace"), encoding
    if data.isascii():
        return data.decode("ascii"), "ascii"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for declared in (charset_name(header_charset), declared_charset(data)):
        if declared and declared not in ("utf-8", "utf-16", "utf-32"):
            try:
                return data.decode(declared), declared
            except UnicodeDecodeError:
                pass
    dammit = UnicodeDammit(data, is_html=True)
    if dammit.unicode_markup is not None and dammit.original_encoding:
        return dammit.unicode_markup, dammit.original_encoding
    return data.decode("cp1252", "replace"), "cp1252"
