"""Journey 1: first run and pairing, as the README tells a new user to do it.

A fresh data home; `tierlink serve` on a free port prints the dashboard address and the
token. In a fresh Chromium profile with the extension loaded, the user visits a page (the
extension is not paired yet, so the popup says what to do), opens the options from the
popup, pastes the token, presses Test connection, then Save; the page visited again, the
popup gives a verdict. The dashboard, opened from the printed address, is up and says that
no domain is set yet (nothing is set in a fresh home).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from extensionutil import wait_for
from journeys.journeyutil import Checks, backlink_rows

POPUP = {"width": 400, "height": 600}  # the popup's own box (popup.css: body 400px); Chrome's popups stop at 800×600
NO_DOMAIN = re.compile(r"\bno (web ?site|site|domain)s?\b|\bdomains?\b.{0,40}\b(not set|isn.t set|not been set|none|yet)\b"
                       r"|\bset (up )?your (site.s |own )?domains?\b|\bwhich (site|domain) is yours\b", re.I | re.S)


def test_first_run_and_pairing(companion_factory, ext_browser, dashboard_factory, sites, screen):  # noqa: F811
    checks = Checks("pairing", screen)
    site = sites.new()
    url = site.page("/welcome", '<p>A page about gardening, linking to <a href="https://seeds.example.org/">a seed shop</a>.</p>',
                    title="Gardening notes")

    companion = companion_factory("home")  # a fresh home: nothing stored, no domain
    token = companion.printed_token
    assert token == companion.token, "the token printed by `tierlink serve` is the one the companion accepts"

    browser = ext_browser
    page = browser.context.new_page()
    page.set_viewport_size(screen)
    page.goto(url)
    tab = browser.tab_id_of(url)
    wait_for(lambda: browser.badge(tab) == "OFF", what="badge OFF before pairing")

    popup = browser.popup(tab)
    popup.set_viewport_size(POPUP)
    expect(popup.locator("#problem")).to_be_visible()
    checks.look(popup, "popup-unpaired", ("body",))

    # popup → Open options (a new tab), paste the token, Test connection, Save
    with browser.context.expect_page() as opened:
        popup.click("#problem-options")
    options = opened.value
    options.set_viewport_size(screen)
    options.wait_for_selector("#companionUrl")
    options.fill("#companionUrl", companion.base_url)
    options.fill("#token", token)
    options.click("#test")
    expect(options.locator("#test-result")).to_have_text(re.compile(r"^Connected"), timeout=30_000)
    result = options.locator("#test-result").inner_text()
    version = companion.cli("--version").stdout.decode().split()[-1]
    checks.expect(version in result, f"Test connection names the companion's version {version}: {result!r}")
    options.click("#save")
    expect(options.locator("#saved")).to_be_visible()
    checks.look(options, "options-connected", ("body",))
    options.close()
    popup.close()

    # The page visited again: the extension is paired, the popup gives a verdict.
    page.bring_to_front()
    page.reload()
    wait_for(lambda: browser.badge(tab) != "OFF", timeout=30, what="a badge other than OFF once paired")
    popup = browser.popup(tab)
    popup.set_viewport_size(POPUP)
    expect(popup.locator("#verdict")).to_be_visible(timeout=30_000)
    expect(popup.locator("#loading")).to_be_hidden()
    assert not popup.locator("#problem").is_visible() or "neutral" in (popup.get_attribute("#problem", "class") or ""), \
        popup.locator("#problem").inner_text()
    checks.look(popup, "popup-paired", ("body",))
    popup_text = popup.locator("body").inner_text()
    checks.expect(NO_DOMAIN.search(popup_text), f"the popup says that no domain is set yet: {popup_text!r}")
    popup.close()

    # The dashboard from the printed address: connected, and it says what to do first.
    dash = dashboard_factory(browser, companion, screen)
    dash.open()
    expect(dash.page.locator("#conn")).to_contain_text(version)
    checks.look(dash.page, "dashboard-first-view", ("header", "#banner", "main"))
    first = dash.text("body")
    checks.expect(NO_DOMAIN.search(first), f"the dashboard says that no domain is set yet: {first!r}")

    # numbers: an empty home is empty on both sides
    assert backlink_rows(companion.cli_json("backlinks")) == []
    dash.open("backlinks")
    checks.look(dash.page, "dashboard-backlinks-empty", ("main",))
    expect(dash.page.locator("#view-backlinks .empty")).to_be_visible()
    checks.quiet_log(companion.output(None))
    checks.verify()
