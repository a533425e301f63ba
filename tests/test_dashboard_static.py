"""Promises the dashboard's source keeps, checked on the files themselves.

The browser tests show the views work; these make sure the rules docs/SECURITY.md
item 8 and the CSP rely on still hold for code no browser test happens to reach:
no markup built from strings, no string evaluation, nothing loaded from another
origin, no inline script or style, and every module shipped as package data.
"""

from __future__ import annotations

import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "companion" / "web" / "static"
SOURCES = sorted(p for p in STATIC.rglob("*") if p.suffix in {".js", ".html", ".css"})


def code_of(path: Path) -> str:
    """The file without comments, so a docstring may name what the code avoids."""
    text = path.read_text(encoding="utf-8")
    if path.suffix in {".js", ".css"}:
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    if path.suffix == ".js":
        text = re.sub(r"(?m)^\s*//.*$", "", text)
    if path.suffix == ".html":
        text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return text


def test_the_dashboard_has_its_files():
    names = {p.relative_to(STATIC).as_posix() for p in SOURCES}
    assert {"index.html", "app.js", "api.js", "dom.js", "graphmodel.js", "style.css", "views/graph.js"} <= names


def test_no_markup_from_strings_and_no_eval():
    banned = re.compile(r"\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\s*\(|new Function\s*\(|"
                        r"setTimeout\(\s*['\"`]|createContextualFragment|DOMParser")
    for path in SOURCES:
        if path.suffix == ".js":
            hit = banned.search(code_of(path))
            assert not hit, f"{path.name}: {hit.group(0)}"


def test_nothing_is_loaded_from_another_origin():
    for path in SOURCES:
        code = code_of(path)
        # Placeholders ("https://…") and the SVG namespace are text, not loads.
        for m in re.finditer(r"(src|href)\s*=\s*[\"']([^\"']+)", code):
            assert m.group(2).startswith("/static/"), f"{path.name}: {m.group(0)}"
        assert "@import" not in code and "url(http" not in code, path.name
        assert not re.search(r"\bimport\s[^;]*from\s+[\"'](?!\.\.?/)", code), f"{path.name}: a bare or remote import"


def test_no_inline_script_or_style_in_the_page():
    html = code_of(STATIC / "index.html")
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html), "a script element with a body"
    assert "<style" not in html and not re.search(r"\sstyle\s*=", html)
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler attribute"
    # Nor set from script: setAttribute('style'), and on* attributes, are CSP-blocked too.
    for path in SOURCES:
        if path.suffix == ".js":
            assert not re.search(r"setAttribute\(\s*[\"'](style|on[a-z]+)[\"']", code_of(path)), path.name
