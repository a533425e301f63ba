"""The link list against Chromium's own DOM, on a tiny page that holds the three places where they
once differed: links inside `<template>` (not in the document), anchor text with no-break spaces
(textContent keeps them, whether the link holds text or elements), and ASCII whitespace
(collapsed). rel is Google's reading, not the browser's: checked in tests/test_analyze.py.
"""

from __future__ import annotations

import shutil

import pytest

from companion.analysis.analyze import analyze

CHROMIUM = "/usr/bin/chromium"
sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
if not shutil.which(CHROMIUM):
    pytest.skip(f"Debian's Chromium not found at {CHROMIUM}: apt-get install -y chromium", allow_module_level=True)

PAGE = "http://127.0.0.1/links"  # set_content: nothing is fetched, nothing leaves the machine
HTML = """<!doctype html><html><head><title>t</title></head><body>
<a href="https://site.test/one">a&nbsp;b</a>
<a href="https://site.test/two"><span>a&nbsp;b</span></a>
<a href="https://site.test/three">&nbsp;lead <em>and\n\t trail</em>&nbsp; </a>
<template><a href="https://site.test/inert">in a template</a><div><a href="/inert2">deeper</a></div></template>
<p><a href="https://site.test/four">  plain
  text  </a></p>
</body></html>"""
# Chromium's anchor text: textContent, ASCII whitespace stripped and collapsed (the HTML standard's
# "strip and collapse ASCII whitespace", which leaves U+00A0 alone).
BROWSER_LINKS = """() => [...document.querySelectorAll('a[href]')].map(a =>
    [a.href, a.textContent.replace(/[\\t\\n\\f\\r ]+/g, ' ').replace(/^ | $/g, '')])"""


def test_links_and_anchor_texts_match_chromium():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())  # no request leaves the page
            page.set_content(HTML)
            expected = [tuple(pair) for pair in page.evaluate(BROWSER_LINKS)]
        finally:
            browser.close()
    # the browser's own list holds no template link and keeps the no-break spaces
    assert [href for href, _ in expected] == [f"https://site.test/{p}" for p in ("one", "two", "three", "four")]
    assert expected[1][1] == "a\u00a0b"
    ours = [(l["href"], l["text"]) for l in analyze(PAGE, HTML)["links"]]
    assert ours == expected
