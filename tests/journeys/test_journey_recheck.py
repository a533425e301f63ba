"""Journey 4: log a placement from the dashboard, then recheck it from the dashboard.

Two local sites (tests/websites.py, 127.0.0.x): a tier-1 page linking to my site (in my
backlink list) and my guest post on another site linking to that tier-1 page. The user had
saved the host's page as a tier-2 candidate; the post is up, so on the candidate board the
card goes to Placed and its form logs the placement (which tier-1 page, anchor, how); the
Placements view lists it. Later the tier-1 page turns its link to me nofollow;
the user opens the Recheck view and presses "Recheck now": the run fetches both pages and
lists the change (not as good news, and saying why), the placement is live. Every figure is
compared with `tierlink placements --json` / `tierlink backlinks --json` on the same home.

A recheck refuses private and loopback addresses unless told otherwise (docs/SECURITY.md): when
the dashboard offers a way to allow them (a checkbox naming private/local addresses), the
journey uses it; when the dashboard's run skipped the pages, that is recorded, and the run
is made once more through the API with `allow_private_hosts` so that the display of a
change can still be looked at.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from journeys.journeyutil import Checks, backlink_rows

DOMAIN = "acme-widgets.com"
ANCHOR = "a widget price tracker"


def test_log_a_placement_and_recheck_it(companion_factory, chromium, dashboard_factory, sites, screen, tmp_path):  # noqa: F811
    checks = Checks("recheck", screen)
    tier1_site, tier2_site = sites.new(), sites.new()
    tier1 = tier1_site.page("/reviews/price-trackers",
                            f'<article><h1>Price trackers compared</h1><p>We liked <a href="https://{DOMAIN}/pricing">'
                            f'{ANCHOR}</a> best.</p></article>', title="Price trackers compared")
    guest = tier2_site.page("/blog/how-we-track-prices",
                            f'<article><h1>How we track prices</h1><p>A fair comparison: <a href="{tier1}">price trackers '
                            f'compared</a>.</p></article>', title="How we track prices")
    listed = tmp_path / "backlinks.csv"
    listed.write_text(f"source_url,target_url,anchor\r\n{tier1},https://{DOMAIN}/pricing,{ANCHOR}\r\n", encoding="utf-8")
    companion = companion_factory("home", init_domain=DOMAIN, start=False)
    companion.cli("import", str(listed), "--format", "csv")
    companion.start()

    companion.cli("save", guest, "--kind", "tier2", "--title", "How we track prices")  # saved earlier, as the popup does

    # the guest post is up: on the board, the card goes to Placed and says which tier-1 page it links to
    dash = dashboard_factory(chromium, companion, screen)
    page = dash.open("candidates")
    card = page.locator(".card", has=page.locator(f'a[href="{guest}"]'))
    card.locator("select.cand-status").select_option("placed")
    expect(card.locator(".save-state")).to_have_text("Saved")
    card = page.locator('[data-status="placed"] .card', has=page.locator(f'a[href="{guest}"]'))
    expect(card).to_be_visible()
    card.locator(".pl-to").fill(tier1)
    card.locator(".pl-anchor").fill("price trackers compared")
    card.locator(".pl-via").select_option("guest_post")
    card.locator(".placed-form").get_by_role("button").click()
    expect(card.locator(".pl-msg .notice-ok")).to_be_visible()
    checks.look(page, "placement-logged-on-the-card", ("main",))
    path = tier1.split("/", 3)[-1]
    checks.expect(card.locator(f'a[href="{tier1}"]').count() > 0 or path in card.inner_text(),
                  f"the placed card says which tier-1 page the link points at: {card.inner_text()!r}")
    placements = companion.cli_json("placements")
    assert [(p["from_url"], p["to_url"]) for p in placements] == [(guest, tier1)], placements
    dash.open("placements")
    row = page.locator(".placement-row", has=page.locator(f'a[href="{guest}"]'))
    expect(row).to_be_visible()
    checks.look(page, "placements", ("main",))
    checks.same(page.locator(".placement-row").count(), len(placements), "placements listed")

    # the tier-1 page turns its link to me nofollow; the guest post keeps its link
    tier1_site.page("/reviews/price-trackers",
                    f'<article><h1>Price trackers compared</h1><p>We liked <a rel="nofollow" href="https://{DOMAIN}/pricing">'
                    f'{ANCHOR}</a> best.</p></article>', title="Price trackers compared")

    dash.open("recheck")
    private = page.locator("#view-recheck label", has_text=re.compile(r"private|local|intranet|loopback", re.I))
    if private.count():
        private.first.locator("input").check()
    page.click("#recheck-start")
    counts = page.locator(".recheck-counts")
    expect(counts).to_be_visible(timeout=90_000)
    dash.settle()
    checks.look(page, "recheck-from-the-dashboard", ("main",), full_page=True)
    pages = len({b["source_url"] for b in backlink_rows(companion.cli_json("backlinks"))} | {guest})
    ran = companion.api("GET", "/api/recheck")
    checked = ran["summary"]["checked"]
    checks.shows(counts.inner_text(), pages, "pages rechecked (the tier-1 page and the guest post)")
    if checked < pages:
        skipped = page.locator("#view-recheck").inner_text()
        checks.expect(False, f"the dashboard's recheck fetched {checked} of the {pages} pages: {skipped[-400:]!r}")
        companion.api("POST", "/api/recheck", json={"allow_private_hosts": True, "delay": 0}, expect=202)
        dash.open("recheck")
        expect(page.locator(".recheck-counts")).to_contain_text(f"{pages} pages checked", timeout=90_000)
        dash.settle()
        checks.look(page, "recheck-of-local-pages", ("main",), full_page=True)

    change = page.locator(".recheck-change", has=page.locator(f'a[href="{tier1}"]'))
    expect(change.first).to_be_visible()
    text = change.first.inner_text()
    checks.expect(re.search(r"nofollow", text, re.I), f"the change says the link became nofollow: {text!r}")
    cells = change.first.locator("td").all_inner_texts()
    checks.expect(cells and cells[-1].strip(), f"the change says why it matters (its Why is empty): {cells!r}")
    good = change.first.locator(".badge-ok")
    checks.expect(good.count() == 0, f"a link turned nofollow is not shown as good news (green badge): {text!r}")

    # numbers: the placement's status and the tier-1 link, in the CLI and on the dashboard
    placement = companion.cli_json("placements")[0]
    checks.same(placement.get("status"), "live", "the guest post's link after the recheck (CLI)")
    dash.open("placements")
    status = page.locator(".placement-row", has=page.locator(f'a[href="{guest}"]')).locator(".placement-status")
    checks.same(status.inner_text().strip().lower(), str(placement.get("status")).lower(), "the placement's status")
    checks.look(page, "placement-after-recheck", ("main",))
    stored = [b for b in backlink_rows(companion.cli_json("backlinks")) if b["source_url"] == tier1]
    assert stored and stored[0]["follow"] is False, stored
    dash.open("backlinks")
    bl = page.locator("#view-backlinks tbody tr", has=page.locator(f'a[href="{tier1}"]'))
    expect(bl.first).to_be_visible()
    checks.expect("nofollow" in bl.first.inner_text().lower(),
                  f"the backlinks list shows the tier-1 link as nofollow, as the CLI does: {bl.first.inner_text()!r}")
    checks.look(page, "backlinks-after-recheck", ("main",))
    checks.quiet_log(companion.output(None))
    checks.verify()
