"""The popup after a save, in Debian's Chromium with the real extension/: the site's contacts under
the save buttons, the warning that a teammate pitched the site (who and when), and Find contacts
on a page that shows no address (its answer said in the popup). A real companion subprocess,
hand-made pages on a local server; screenshots at 1366×768 go to tests/_artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extensionutil import CHROMIUM, MY_DOMAIN, Site, wait_for

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)
try:
    import playwright.sync_api  # noqa: F401
except ImportError:  # pragma: no cover
    pytest.skip("python playwright not installed (pip install playwright)", allow_module_level=True)
from test_extension_e2e import browser, companion, relay  # noqa: E402,F401  (the same fixtures: a companion, its relay, Chromium)

POST = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ten tools for tracking widget prices</title>
<meta name="author" content="Ann Lee">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "BlogPosting",
 "author": {{"@type": "Person", "name": "Ann Lee", "sameAs": ["https://twitter.com/annlee"]}}}}</script></head>
<body><header><nav><a href="/">Home</a> <a href="/write-for-us.html">Write for us</a></nav></header>
<main><article><h1>Ten tools for tracking widget prices</h1>
<p class="byline">By <a rel="author" href="/author/ann.html">Ann Lee</a></p>
<p>We compared <a href="https://www.{MY_DOMAIN}/pricing">Acme's widget pricing tool</a> with nine others.</p>
<p>Pitches: editor [at] widget-blog [dot] test</p></article></main>
<footer><a href="https://www.linkedin.com/company/widget-blog/">LinkedIn</a> <a href="mailto:ads@widget-blog.test">Advertise</a></footer>
</body></html>"""
QUIET = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A quiet post</title></head>
<body><main><p>Nothing but words here, and <a href="/">home</a>.</p></main></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("outreach-site")
    (root / "post.html").write_text(POST)
    (root / "quiet.html").write_text(QUIET)
    s = Site(root)
    yield s
    s.close()


def popup_after_page(browser, url):
    page = browser.context.new_page()
    page.goto(url)
    tab = browser.tab_id_of(url)
    popup = browser.popup(tab)
    popup.set_viewport_size({"width": 1366, "height": 768})
    popup.wait_for_selector("#save:not(.hidden)")
    popup.wait_for_selector("#loading.hidden", state="attached")
    return page, popup


def test_popup_after_a_save_shows_contacts_and_the_pitch_warning(browser, site, companion, relay):
    browser.configure(companionUrl=relay.url, token=companion.token, autoAnalyze=True, exclude=[])
    # a teammate pitched another page of the same site two minutes ago (same home, another user)
    other = site.url("other-page.html")
    companion.cli("--user", "alice", "save", other, "--kind", "tier2")
    [saved] = [c for c in companion.api("GET", "/api/candidates") if c["url"] == other]
    companion.cli("--user", "alice", "candidates", "update", saved["id"], "--status", "contacted")

    page, popup = popup_after_page(browser, site.url("post.html"))
    # the popup's own analysis (it asks for the contacts: the save body carries none) has answered
    wait_for(lambda: len([r for r in relay.analyzed() if r["url"] == site.url("post.html")]) >= 2,
             what="the popup's analysis")
    popup.click("#save-tier2")
    popup.wait_for_selector("#contacts:not(.hidden)")
    assert popup.text_content("#save-result") == "Saved as a tier-2 candidate."
    warning = popup.text_content("#save-warnings")
    assert "already pitched by alice" in warning and "other-page.html" in warning
    rows = popup.locator("#contacts-list li").all_inner_texts()
    text = "\n".join(rows)
    for expected in ("editor@widget-blog.test", "ads@widget-blog.test", "Write for us", "Ann Lee",
                     "twitter.com/annlee", "linkedin.com/company/widget-blog"):
        assert expected in text, (expected, rows)
    assert rows[0].startswith("E-mail")  # addresses first
    href = popup.get_attribute("#contacts-list li:first-child a", "href")
    assert href and href.startswith("mailto:")
    assert popup.is_hidden("#find-contacts")  # the page shows an address: nothing to fetch
    # what was saved is what the companion keeps
    [cand] = [c for c in companion.api("GET", "/api/candidates") if c["url"].endswith("/post.html")]
    assert {e["address"] for e in cand["contacts"]["emails"]} == {"editor@widget-blog.test", "ads@widget-blog.test"}
    assert cand["pitched"][0]["by"] == "alice"
    ARTIFACTS.mkdir(exist_ok=True)
    popup.evaluate("document.getElementById('contacts').scrollIntoView({block: 'end'})")  # the save's answer
    popup.screenshot(path=str(ARTIFACTS / "popup-contacts-1366x768.png"))
    width = popup.evaluate("document.body.clientWidth")
    wide = popup.evaluate("""(w) => [...document.querySelectorAll('body *')]
        .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > w + 0.5)
        .map((e) => `${e.tagName}#${e.id}`)""", width)
    assert width == 400 and not wide, wide
    popup.close()
    page.close()


def test_find_contacts_from_the_popup_says_what_happened(browser, site, companion, relay):
    browser.configure(companionUrl=relay.url, token=companion.token, autoAnalyze=True, exclude=[])
    page, popup = popup_after_page(browser, site.url("quiet.html"))
    popup.click("#save-boost")
    popup.wait_for_selector("#contacts:not(.hidden)")
    assert popup.locator("#contacts-list li").count() == 0
    assert popup.is_visible("#contacts-none") and popup.is_visible("#find-contacts")
    popup.click("#find-contacts")
    popup.wait_for_selector("#find-result.msg:not(.info)", timeout=30000)
    said = popup.text_content("#find-result")
    # the site is on 127.0.0.1: the companion's fetch guard refuses a loopback address, and says so
    assert said.startswith("No address found") and "loopback" in said, said
    finds = [r for r in relay.requests if r["path"].endswith("/find-contacts")]
    assert finds and finds[-1]["status"] == 200
    popup.locator("#find-result").scroll_into_view_if_needed()
    popup.screenshot(path=str(ARTIFACTS / "popup-find-contacts-1366x768.png"))
    popup.close()
    page.close()
