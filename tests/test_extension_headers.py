"""The extension sends the page's X-Robots-Tag with it, in a real Chromium with the unpacked extension.

The header comes from the main frame's response (webRequest observation), so a
site that says `X-Robots-Tag: nofollow` in its headers, not in a meta tag, gets
its link to me recorded as not followed, like the same page with the meta tag.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extensionutil import CHROMIUM, MY_DOMAIN, Companion, Relay, chromium_with_extension, wait_for
from websites import Site

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)


def test_x_robots_tag_goes_with_the_page(tmp_path):
    site = Site("127.0.0.1")  # the extension's host permissions cover 127.0.0.1
    link = f'<a href="https://{MY_DOMAIN}/pricing">pricing</a> <a href="/about">about</a>'
    with_header = site.page("/with-header", link, headers={"X-Robots-Tag": "nofollow"})
    without = site.page("/without", link)
    companion = Companion(tmp_path / "home")
    companion.cli("init", "--domain", MY_DOMAIN)
    companion.start()
    relay = Relay(companion.port)
    try:
        with chromium_with_extension(tmp_path / "profile") as browser:
            browser.configure(companionUrl=relay.url, token=companion.token, autoAnalyze=True, exclude=[])
            page = browser.context.new_page()
            for url in (with_header, without):
                page.goto(url)
                tab = browser.tab_id_of(url)
                wait_for(lambda: browser.badge(tab) == "T1", what=f"badge T1 on {url}")
            page.close()
        records = {r["source_url"]: r for r in json.loads(companion.cli("backlinks", "--limit", "1000", "--json").stdout)["backlinks"]}
        assert records[with_header]["follow"] is False
        assert records[without]["follow"] is True
    finally:
        relay.close()
        companion.stop()
        site.close()
