"""Journey 3: visit a tier-1 page with the extension, read the verdict, save it in one click,
find it on the dashboard's candidate board.

The data home holds a real Semrush export (coinlineup.com, read from ../shared at test
time) and the site's domain. One of its tier-1 pages is rebuilt on a local web server
(127.0.0.x, tests/websites.py) from its row in the export: same title, same anchor, same
target; the row, pointed at the local address, is imported too, so the page is a tier-1
page of the list with its real metrics. The user browses to it at laptop size: the badge
says T1, the popup says why, "Save as boost" saves it; "Open dashboard" in the popup leads
to the board, where the card is, with the same figures as `tierlink candidates --json`.
"""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from extensionutil import wait_for
from journeys.journeyutil import Checks, real_export

EXPORT = "semrush-backlinks-coinlineup.csv"
DOMAIN = "coinlineup.com"
POPUP = {"width": 400, "height": 600}


def best_text_link(export) -> tuple[list[str], dict]:
    """The header and the followed, live, text-anchored row with the highest Page ascore (an
    article's address: no query, which the local server would not tell apart)."""
    reader = csv.DictReader(io.StringIO(export.read_text(encoding="utf-8")))
    rows = [r for r in reader if r["Text"] == "true" and r["Nofollow"] == "false" and r["Lost link"] == "false"
            and r["Anchor"].strip() and r["Sponsored"] == "false" and r["Ugc"] == "false"
            and "?" not in r["Source url"] and "#" not in r["Source url"]]
    return reader.fieldnames, max(rows, key=lambda r: int(r["Page ascore"] or 0))


def test_visit_a_tier1_page_and_save_it(companion_factory, ext_browser, dashboard_factory, sites, screen, tmp_path):  # noqa: F811
    export = real_export(EXPORT)
    header, row = best_text_link(export)
    checks = Checks("visit", screen, data_text=export.read_text(encoding="utf-8"))

    site = sites.new()
    local = site.page(urlsplit(row["Source url"]).path or "/",
                      f"<article><h1>{html.escape(row['Source title'])}</h1><p>Speakers, sponsors and partners of the "
                      f"event, among them <a href=\"{html.escape(row['Target url'])}\">{html.escape(row['Anchor'])}</a>."
                      f"</p></article>", title=html.escape(row["Source title"]))
    mine = tmp_path / "tier1-row.csv"  # the real row, pointed at the local copy of the page
    with open(mine, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerow({**row, "Source url": local})

    companion = companion_factory("home", init_domain=DOMAIN, start=False)
    companion.cli("import", str(export), str(mine))
    companion.start()

    browser = ext_browser
    browser.configure(companionUrl=companion.base_url, token=companion.token, autoAnalyze=True, exclude=[])
    page = browser.context.new_page()
    page.set_viewport_size(screen)
    page.goto(local)
    tab = browser.tab_id_of(local)
    wait_for(lambda: browser.badge(tab) == "T1", timeout=30, what="badge T1 on a tier-1 page")
    checks.shot(page, "tier1-page")

    popup = browser.popup(tab)
    popup.set_viewport_size(POPUP)
    expect(popup.locator("#verdict")).to_be_visible(timeout=30_000)
    expect(popup.locator("#loading")).to_be_hidden(timeout=30_000)
    expect(popup.locator("#save")).to_be_visible()
    checks.look(popup, "popup-verdict", ("body",))
    text = popup.locator("body").inner_text()
    checks.expect(row["Anchor"] in popup.locator("#my-links-list").inner_text(),
                  f"the popup lists my link with its anchor {row['Anchor']!r}")
    checks.expect("self canonical" not in text,
                  f"the popup claims a self canonical on a page that has no canonical link: {text!r}")

    popup.click("#save-boost")
    expect(popup.locator("#save-result")).to_have_text("Saved as a boost candidate.")
    checks.look(popup, "popup-saved", ("body",))

    # "Open dashboard" from the popup, then the candidate board
    with browser.context.expect_page() as opened:
        popup.click("#dashboard")
    dash = dashboard_factory(browser, companion, screen, page=opened.value)
    board = dash.open("candidates")
    card = board.locator(".card", has=board.locator(f'a[href="{local}"]'))
    expect(card).to_be_visible()
    checks.look(board, "candidates", ("main",))

    # numbers: the board and `tierlink candidates --json` agree
    listed = companion.cli_json("candidates")
    listed = listed["candidates"] if isinstance(listed, dict) else listed
    mine = [c for c in listed if c["url"] == local]
    assert len(mine) == 1 and mine[0]["kind"] == "boost", listed
    checks.same(board.locator(".card").count(), len(listed), "candidates on the board")
    checks.same(card.get_attribute("data-id"), str(mine[0]["id"]), "the saved card's id")
    score = (mine[0].get("verdict") or {}).get("score")
    if score is not None:
        checks.expect(str(round(score)) in re.split(r"\s+", card.inner_text()),
                      f"the card shows the verdict score {round(score)}: {card.inner_text()!r}")
    new_column = board.locator('[data-status="new"]')
    checks.expect(new_column.locator(".card", has=board.locator(f'a[href="{local}"]')).count() == 1,
                  "the card is in the New column")
    checks.shows(new_column.locator("h2").inner_text(), sum(c["status"] == "new" for c in listed), "cards counted as new")

    # and the boost list marks the page among the best, with the CLI's score
    dash.open("boost")
    expect(board.locator(".boost-row").first).to_be_visible(timeout=60_000)
    checks.look(board, "boost", ("main",))
    top = companion.cli_json("boost", "--limit", "50")
    ours = [i for i in top if i["url"] == local]
    if ours:
        row_el = board.locator(".boost-row", has=board.locator(f'a[href="{local}"]'))
        checks.expect(str(round(ours[0]["score"])) in row_el.inner_text().split(),
                      f"the boost list shows the CLI's score {ours[0]['score']} for the page")
    checks.quiet_log(companion.output(None))
    checks.verify()
