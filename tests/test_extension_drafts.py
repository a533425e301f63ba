"""The extension's draft check end to end: Debian's Chromium with the unpacked
extension/, a real companion subprocess, the hand-made site of the extension tests.

Covers: "Check as a draft" in the popup sends the page to POST /api/drafts/check
from the background and opens draft.html with the report (links to my site
against the limit, warnings, links by target); the selection reader used by the
context-menu item keeps a selected link's href as written; the report page says
what is wrong when a report is gone. The context menu itself cannot be clicked
from Playwright (it is browser UI); its handler shares every step but the
selection reader with the popup path tested here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extensionutil import CHROMIUM, EXTENSION, MY_DOMAIN, Companion, Relay, Site, chromium_with_extension

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)
try:
    import playwright.sync_api  # noqa: F401
except ImportError:  # pragma: no cover
    pytest.skip("python playwright not installed (pip install playwright)", allow_module_level=True)


@pytest.fixture(scope="module")
def site():
    s = Site()
    yield s
    s.close()


@pytest.fixture(scope="module")
def companion(tmp_path_factory):
    home = tmp_path_factory.mktemp("e2e-drafts") / "home"
    c = Companion(home)
    c.cli("init", "--domain", MY_DOMAIN)
    profile = home.parent / "profile.json"
    profile.write_text('{"domains": ["%s"], "competitors": ["rival-widgets.test"], "guest_post_link_limit": 1}'
                       % MY_DOMAIN)
    c.cli("profile", "load", str(profile))
    c.start()
    yield c
    c.stop()


@pytest.fixture(scope="module")
def relay(companion):
    r = Relay(companion.port)
    yield r
    r.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium_with_extension(tmp_path_factory.mktemp("chromium-drafts")) as b:
        yield b


def test_check_page_as_a_draft_from_the_popup(browser, site, companion, relay):
    browser.configure(companionUrl=relay.url, token=companion.token, autoAnalyze=True, exclude=[])
    context = browser.context
    page = context.new_page()
    url = site.url("post.html") + "?draft"
    page.goto(url)
    tab = browser.tab_id_of(url)
    popup = context.new_page()
    popup.goto(f"chrome-extension://{browser.ext_id}/popup.html?tabId={tab}")
    with context.expect_page(timeout=20000) as opened:
        popup.click("#check-draft")
    report = opened.value
    report.wait_for_load_state()
    assert re.match(rf"chrome-extension://{browser.ext_id}/draft\.html\?id=", report.url)
    headline = report.locator("#headline")
    headline.wait_for(state="visible", timeout=20000)
    # post.html links to my site twice (article + footer); the profile allows 1
    assert headline.text_content() == "2 links to your site: 1 over the host's limit of 1"
    warnings = report.locator("#warnings-list li").all_text_contents()
    assert any("Too many links to your site" in w for w in warnings), warnings
    assert any("Links to a competitor" in w and "rival-widgets.test" in w for w in warnings), warnings
    links = report.locator("#links-list li").all_text_contents()
    assert "your site" in links[0] and "acme-widgets.com/pricing" in links[0]
    # relative links of a published page were resolved by the browser: no relative_link noise
    assert not any("Relative" in w for w in warnings), warnings
    sent = [r for r in relay.requests if r["path"] == "/api/drafts/check"]
    assert sent and sent[-1]["origin"] == f"chrome-extension://{browser.ext_id}" and sent[-1]["status"] == 200
    ARTIFACTS.mkdir(exist_ok=True)
    report.screenshot(path=str(ARTIFACTS / "draft-report.png"), full_page=True)
    report.close()
    popup.close()
    page.close()


def test_selection_reader_keeps_links_as_written(browser, site):
    """The function the context-menu item injects, run on a real selection."""
    source = (EXTENSION / "lib" / "draft-functions.js").read_text()
    body = re.search(r"export function collectSelection\(\) \{.*?\n\}\n", source, re.S).group(0)
    func = body.replace("export function", "function")
    page = browser.context.new_page()
    page.goto(site.url("post.html"))
    page.evaluate("""() => {
        const p = document.querySelector('article p');
        const range = document.createRange();
        range.selectNodeContents(p);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        const a = document.createElement('a'); a.setAttribute('href', '/relative'); a.textContent = 'rel';
        p.appendChild(a);
        range.selectNodeContents(p);
    }""")
    got = page.evaluate(f"() => {{ {func}; return collectSelection(); }}")
    assert "https://www.acme-widgets.com/pricing" in got["html"]
    assert 'href="/relative"' in got["html"]  # as written, so the companion can flag it
    assert "favourite" in got["text"]
    page.close()


def test_report_page_without_a_report_says_so(browser):
    page = browser.context.new_page()
    page.goto(f"chrome-extension://{browser.ext_id}/draft.html?id=nope")
    title = page.locator("#problem-title")
    title.wait_for(state="visible", timeout=15000)
    assert title.text_content() == "This report is gone"
    page.close()
