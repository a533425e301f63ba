"""The web platform's own URL test suite, run through the analysis as a page would be.

Why: the extension outlines a link by matching the analysis' `href` against the
browser's `a.href`, and a backlink is credited to the host the browser would
follow. Both hold only if the analysis reads every href exactly as a browser does.
`../shared/external/urltestdata.json` (web-platform-tests, see SOURCES.md there) is
what every browser passes; it is third-party data, read from there and never copied
here, so this file skips, saying why, where that folder is absent.

Each applicable case becomes a page whose URL is the case's base, holding one
`<a href>` with the case's input, sent through `POST /api/analyze` on a real server.
The link must come back with the case's `href` (or, for a case the browser cannot
parse, listed as written with `"valid": false`).

A case applies when a page can hold it:
- the base is an http(s) URL (the analysis takes only http(s) pages); a case
  without a base applies when its input carries its own scheme, and is put on a
  page of another scheme (the parser then ignores the page URL, as it does with no
  base at all);
- the input is not one docs/CONTRACT.md leaves out of the link list (empty after the
  browser's clean-up, `javascript:`, `mailto:`, `tel:`, `data:`);
- the input survives an HTML attribute unchanged (no NUL, which the HTML parser
  turns into U+FFFD, no lone surrogate, which no document can hold).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "external" / "urltestdata.json"
GOAL = 0.99

pytestmark = pytest.mark.skipif(not DATA.is_file(), reason=f"{DATA} not found (third-party data, only in the team's checkout)")

_C0_SPACE = "".join(map(chr, range(0x21)))
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_LEFT_OUT = ("javascript:", "mailto:", "tel:", "data:")


def _browser_clean(value: str) -> str:
    """What the URL parser does first: trim C0 controls and spaces, drop tabs and newlines."""
    return re.sub(r"[\t\n\r]", "", value.strip(_C0_SPACE))


def _page_for(case: dict) -> str | None:
    """The page URL a case is put on, or None where the case does not apply (docstring above)."""
    raw = case["input"]
    if "\x00" in raw or any(0xD800 <= ord(c) <= 0xDFFF for c in raw):
        return None
    cleaned = _browser_clean(raw)
    if not cleaned or cleaned[:11].lower().startswith(_LEFT_OUT):
        return None
    base = case.get("base")
    if base:
        return base if base[:6].lower() in ("http:/", "https:") else None
    scheme = _SCHEME.match(cleaned)
    if scheme is None:
        return None  # relative: fails with no base, resolves on any page
    return "http://page.invalid/" if scheme.group(0).lower() == "https:" else "https://page.invalid/"


def applicable_cases() -> list[tuple[str, dict]]:
    if not DATA.is_file():
        return []
    cases = [c for c in json.loads(DATA.read_text(encoding="utf-8")) if isinstance(c, dict)]
    return [(page, c) for c in cases if (page := _page_for(c)) is not None]


def _disagreement(page: str, case: dict, data: dict) -> str | None:
    """None when the analysis read the link as a browser does, else what differs."""
    links = data["links"]
    if len(links) != 1:
        return f"{len(links)} links listed"
    link = links[0]
    if case.get("failure"):
        if link["valid"]:
            return f"browser cannot parse it; analysis gave {link['href']!r}"
        return None
    if not link["valid"]:
        return f"marked invalid; browser gives {case['href']!r}"
    if link["href"] != case["href"]:
        return f"{link['href']!r} != browser's {case['href']!r}"
    return None


def test_the_analysis_reads_hrefs_as_browsers_do(server):
    """At least 99% of the applicable wpt cases come back with the browser's href (issue 16)."""
    cases = applicable_cases()
    assert len(cases) > 300, "urltestdata.json has fewer applicable cases than expected: wrong file?"
    failures = []
    for page, case in cases:
        body = f'<!doctype html><meta charset="utf-8"><title>t</title><a href="{html.escape(case["input"], quote=True)}">x</a>'
        r = server.request("POST", "/api/analyze", json={"url": page, "html": body})
        assert r.status == 200, f"{case['input']!r} on {page}: {r.status} {r.text[:300]}"
        why = _disagreement(page, case, r.json())
        if why:
            failures.append(f"{case['input']!r} on {page}: {why}")
    agreed = len(cases) - len(failures)
    print(f"\nurltestdata: {agreed} of {len(cases)} applicable cases agree ({agreed / len(cases):.1%})")
    assert agreed >= GOAL * len(cases), "\n".join([f"{agreed}/{len(cases)} agree; disagreements:"] + failures)
