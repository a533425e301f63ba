"""The copy a visit sends (extension/lib/page-copy.js: the DOM without script and style text)
gets the same verdict as the whole page, on every corpus page, in Debian's Chromium.

Each corpus page is opened in Chromium (no network: everything but the local site is refused)
and its live DOM serialised twice by the extension's own function, whole and trimmed; the
whole copy goes to one real companion, the trimmed one to another with the same profile, in
the same order (a visit records what it sees, so one companion for both would compare a
first visit with a second). Every field of the two answers must be equal: links, their text
and positions, labels, boost and tier-2 verdicts with their reasons, indexability, changes.
Issue 25; docs/BENCHMARKS.md "The extension".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CORPUS, corpus_pages, needs_corpus
from extensionutil import CHROMIUM, EXTENSION, Companion, Site

pytestmark = [pytest.mark.browser, needs_corpus]

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)

# Domains the corpus links to often, so that many pages are tier-1 pages (boost verdicts) or link
# to a competitor; the rest get the tier-2 verdict.
PROFILE = {"domains": ["wikipedia.org", "youtube.com"], "competitors": ["facebook.com", "twitter.com"]}
# No packet leaves loopback: every host name resolves to nothing, every other address goes to a closed port.
NO_NETWORK = ["--headless=new", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
              "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=127.0.0.1"]
COPIES = """() => ({ whole: tierlinkPageCopy.page(false).html, trimmed: tierlinkPageCopy.page(true).html })"""


@pytest.fixture(scope="module")
def companions(tmp_path_factory):
    pair = []
    try:
        for name in ("whole", "trimmed"):
            c = Companion(tmp_path_factory.mktemp(f"copy-{name}") / "home").start()
            pair.append(c)
            c.api("PUT", "/api/profile", json=PROFILE)
        yield pair
    finally:
        for c in pair:
            c.stop()


def test_the_trimmed_copy_gets_the_same_verdict_on_every_corpus_page(companions, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout, sync_playwright

    whole_companion, trimmed_companion = companions
    site = Site(CORPUS)
    sizes = {"whole": 0, "trimmed": 0}
    differ = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=NO_NETWORK)
            page = browser.new_page()
            pages = corpus_pages()
            for path in pages:
                url = site.url(path.name)
                try:
                    page.goto(url, wait_until="load", timeout=20000)
                except PlaywrightTimeout:  # a page whose scripts keep it loading: its DOM as it is
                    pass
                page.add_script_tag(path=str(EXTENSION / "lib" / "page-copy.js"))
                copies = page.evaluate(COPIES)
                sizes["whole"] += len(copies["whole"])
                sizes["trimmed"] += len(copies["trimmed"])
                a = whole_companion.api("POST", "/api/analyze", json={"url": url, "html": copies["whole"]})
                b = trimmed_companion.api("POST", "/api/analyze", json={"url": url, "html": copies["trimmed"]})
                if a != b:
                    differ.append((path.name, sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))))
            browser.close()
    finally:
        site.close()
    assert len(pages) >= 100
    assert not differ, differ
    # The trim is worth it: script and style text is most of these pages.
    assert sizes["trimmed"] < 0.6 * sizes["whole"], sizes
