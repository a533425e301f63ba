"""An empty boost list says how many pages it left out and why, with the way to show them.

Every tier-1 page of a small Ahrefs export is hidden on purpose: one site disavowed, the
sample's spam page left as it is, every other page found `noindex` by a visit. The default
list is then empty, and "Nothing to boost yet, import an export" would be wrong: the
dashboard (a real Chromium at 1366×768 against a real `tierlink serve`) and
`GET /api/boost/hidden` give the counts by reason, and the dashboard's "Show them" lists
the pages that will not be indexed (the CLI's line: test_boost_not_indexable.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from test_dashboard import Dashboard, browser, page, shot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

EXPORT = Path(__file__).resolve().parent / "fixtures" / "dashboard" / "ahrefs-v3.csv"
NOINDEX = ('<html><head><title>A post</title><meta name="robots" content="noindex, follow"></head>'
           '<body><main><p>Read <a href="{target}">this</a> now.</p></main></body></html>')


def hide_every_page(srv) -> dict:
    """Import, disavow the best page's site, visit every other ordinary page and find it noindex.
    Returns what was hidden: {"disavowed": [urls], "not_indexable": [urls], "spam": [urls]}."""
    srv.ok("PUT", "/api/profile", {"domains": ["example.com"], "money_pages": [], "competitors": [],
                                   "owned_sites": [], "guest_post_link_limit": 2})
    srv.ok("POST", "/api/import", files={"file": EXPORT}, fields={"format": "ahrefs"})
    listed = srv.ok("GET", "/api/boost?limit=500")
    spam = [i["url"] for i in srv.ok("GET", "/api/boost?limit=500&spam=only")]
    assert len(listed) >= 3 and spam, (listed, spam)
    site = listed[0]["domain"]
    srv.ok("POST", "/api/disavow/import", {"text": f"domain:{site}\n"})
    disavowed = [i["url"] for i in listed if i["domain"] == site]
    unindexed = []
    for item in listed:
        if item["domain"] != site:
            seen = srv.ok("POST", "/api/analyze", {"url": item["url"], "html": NOINDEX.format(target=item["target"])})
            assert "not_indexable" in seen["labels"], seen["labels"]
            unindexed.append(item["url"])
    assert srv.ok("GET", "/api/boost?limit=500") == []
    return {"disavowed": disavowed, "not_indexable": unindexed, "spam": spam}


def test_an_empty_list_says_what_it_hid_and_how_to_show_it(page, tmp_path):  # noqa: F811
    with Dashboard(tmp_path / "home").start() as srv:
        hidden = hide_every_page(srv)
        counts = srv.ok("GET", "/api/boost/hidden")
        assert counts == {k: len(v) for k, v in hidden.items()}, (counts, hidden)

        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(f"{srv.base}/#token={srv.token}")
        page.click('a.tab[data-view="boost"]')
        box = page.wait_for_selector("#boost-hidden")
        text = box.inner_text()
        total = sum(counts.values())
        assert f"all {total} pages are left out" in text and "Nothing to boost yet" not in text
        unindexed = page.locator("#boost-hidden-unindexed").inner_text()
        assert unindexed.startswith(f"{counts['not_indexable']} pages search engines will not index")
        assert "tierlink boost --show-not-indexable" in unindexed
        spam_line = page.locator("#boost-hidden-spam").inner_text()
        assert spam_line.startswith(f"{counts['spam']} page") and "--show-spam" in spam_line
        assert page.locator("#boost-hidden-disavowed").inner_text().startswith(f"{counts['disavowed']} page")
        # every button of the message inside the laptop's viewport, nothing wider than the view
        for button in page.locator("#boost-hidden button").all():
            b = button.bounding_box()
            assert b and b["x"] >= 0 and b["x"] + b["width"] <= 1366 and b["y"] + b["height"] <= 768, b
        assert page.evaluate("(() => { const v = document.querySelector('#view'); return v.scrollWidth <= v.clientWidth; })()")
        shot(page, "boost-all-hidden-1366")

        # "Show them" lists the pages that will not be indexed, as the toggle does
        page.locator("#boost-hidden-unindexed button").click()
        page.wait_for_selector("#boost-unindexed-section .boost-row")
        assert page.is_checked("#boost-unindexed")
        shown = page.eval_on_selector_all("#boost-unindexed-section .boost-row td.url-cell a", "links => links.map(a => a.href)")
        assert set(hidden["not_indexable"]) <= set(shown), (hidden["not_indexable"], shown)
        assert page.locator("#boost-unindexed-note").inner_text().startswith(f"{counts['not_indexable']} tier-1 pages left out")
        shot(page, "boost-all-hidden-shown-1366", full_page=True)
