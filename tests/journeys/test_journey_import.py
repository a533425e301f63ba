"""Journey 2: import a real export from the dashboard's Import view, then read the boost list.

The README's first steps, literally: `tierlink serve` on a fresh home (no `init`), the
dashboard from the printed address, the Import view, a real Semrush export (read where it
lies, ../shared/exports/real/, never copied). Then the summary, the boost list (with and
without spam pages), the tier graph and the backlinks list, each compared with what the
CLI says about the same home (`--json`), and a second, fresh home that imports the same
file with `tierlink import` (the summaries of the two ways must agree).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from journeys.journeyutil import Checks, all_backlinks, backlink_rows, backlink_total, numbers_in, real_export

# One user's Semrush export; and three Ahrefs exports a user with two sites uploads at once
# (one via Google Sheets, a current one, a "Broken backlinks" one).
DATASETS = {
    "semrush": {"files": ["semrush-backlinks-coinlineup.csv"], "metric": "page_ascore", "tool": r"semrush|ascore"},
    "ahrefs": {"files": ["ahrefs-backlinks-lamicrobyflo-via-gsheets.csv", "ahrefs-backlinks-mdsupplies-utf8comma.csv",
                         "ahrefs-broken-backlinks-mdsupplies-utf8comma.csv"], "metric": "dr", "tool": r"ahrefs|\bDR\b"},
}
SEARCH_QUERY = re.compile(r"[?&](search|q|s|query|keywords?|searchterm)=[^&]", re.I)


def summaries_shown(page) -> list[dict[str, int]]:
    """Each file's import summary as shown: [{label: number}], read from its stat blocks."""
    out = []
    for summary in page.locator("#import-summary .summary").all():
        stats = {}
        for stat in summary.locator(".stat").all():
            value = numbers_in(stat.locator(".stat-value").inner_text())
            stats[" ".join(stat.locator(".stat-label").inner_text().lower().split())] = value[0] if value else None
        out.append(stats)
    return out


def shown(stats: dict[str, int], *words: str):
    """The figure whose label holds one of `words` ("rows read", "added", …), else None."""
    for label, value in stats.items():
        if any(w in label for w in words):
            return value
    return None


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_import_a_real_export_and_read_the_boost_list(companion_factory, chromium, dashboard_factory, screen, dataset):
    spec = DATASETS[dataset]
    exports = [real_export(name) for name in spec["files"]]
    checks = Checks(f"import-{dataset}", screen,
                    data_text="\n".join(e.read_text(encoding="utf-8", errors="replace") for e in exports))
    companion = companion_factory("home")  # the README's way: serve, then import; no `init`
    dash = dashboard_factory(chromium, companion, screen)
    page = dash.open("import")
    page.set_input_files("#import-file", [str(e) for e in exports])
    page.click("#import-submit")
    expect(page.locator("#import-summary")).to_be_visible(timeout=120_000)
    dash.settle()
    checks.look(page, "import-summary", ("main",), full_page=True)

    # numbers: the same files through `tierlink import --json` in a second fresh home give the same summaries
    cli_home = companion_factory("cli-home", start=False)
    by_cli = cli_home.cli_json("import", *map(str, exports))
    by_cli = by_cli if isinstance(by_cli, list) else [by_cli]
    on_screen = summaries_shown(page)
    checks.same(len(on_screen), len(exports), "import summaries, one per file")
    for export, stats, cli in zip(exports, on_screen, by_cli):
        what = export.name
        rows_read = shown(stats, "rows read", "read")
        checks.same(rows_read, cli["rows_read"], f"{what}: rows read")
        checks.same(shown(stats, "added"), cli["added"], f"{what}: rows added")
        checks.same(shown(stats, "updated"), cli["updated"], f"{what}: rows updated")
        skipped_cli = cli["skipped"] if isinstance(cli["skipped"], int) else len(cli["skipped"])
        checks.same(shown(stats, "skipped"), skipped_cli, f"{what}: rows skipped")
        merged = shown(stats, "merged", "repeat", "duplicate")
        checks.expect(merged is not None, f"{what}: the summary says how many rows repeat a link already in the "
                                          f"file (merged): {stats}")
        checks.same(merged, cli.get("merged"), f"{what}: rows merged (repeats of a link in the same file)")
        parts = [shown(stats, "added"), shown(stats, "updated"), merged or 0, shown(stats, "skipped")]
        checks.expect(None not in parts and rows_read == sum(parts),
                      f"{what}: the summary adds up: rows read {rows_read} = added + updated + merged + skipped {parts}")
    stored = backlink_total(companion.cli_json("backlinks"))
    checks.same(shown(on_screen[-1], "stored", "total"), stored, "backlinks stored")

    # a home with no domain takes them from the export's target URLs, and says so
    profile = companion.cli_json("profile", "show")
    checks.expect(profile.get("domains"), f"importing into a home with no domain set the domains from the export: {profile}")

    # the boost list, default "Top 50": the CLI's top 50, in the same order
    dash.open("boost")
    expect(page.locator(".boost-row").first).to_be_visible(timeout=60_000)
    limit = int(page.locator("#boost-limit").input_value())
    cli_boost = companion.cli_json("boost", "--limit", str(limit))
    checks.look(page, "boost", ("main",))
    rows = page.locator(".boost-row")
    checks.same(rows.count(), len(cli_boost), f"pages in the boost list (top {limit})")
    first = rows.first.inner_text()
    checks.expect(str(round(cli_boost[0]["score"])) in first.split(),
                  f"the first row shows the CLI's top score {cli_boost[0]['score']}: {first!r}")
    urls = page.eval_on_selector_all(".boost-row", "rows => rows.map(r => r.querySelector('a[href]').href)")
    checks.same(urls[:10], [i["url"] for i in cli_boost][:10], "the ten best pages, in order")
    searches = [u for u in urls if SEARCH_QUERY.search(u)]
    checks.expect(not searches, f"no search-result page in the boost list (they are spam): {searches[:3]}")
    broken = backlink_rows(companion.cli_json("backlinks", "--broken"))
    if broken:
        expect(page.locator(".broken-row").first).to_be_visible()
        checks.same(page.locator(".broken-row").count(), len(broken), "links to a page of mine answering 4xx")

    # spam pages, when asked for: the CLI's spam list under the boost list, each spam row marked
    page.check("#boost-spam")
    expect(page.locator("#boost-spam-note")).to_be_visible()
    expect(page.locator("main .loading")).to_have_count(0)
    dash.settle()
    cli_spam = companion.cli_json("boost", "--limit", str(limit), "--only-spam")
    expect(page.locator(".boost-row.spam")).to_have_count(len(cli_spam))
    urls = page.eval_on_selector_all(".boost-row.spam", "rows => rows.map(r => r.querySelector('a[href]').href)")
    checks.same(urls, [i["url"] for i in cli_spam], "spam pages shown under the boost list, best first")
    checks.same(page.locator(".boost-row:not(.spam)").count(), len(cli_boost), "the boost list itself unchanged")
    all_spam = [i for i in companion.cli_json("boost", "--limit", "100000", "--show-spam") if i["spam"]]
    checks.look(page, "boost-with-spam", ("main",))

    # the tier graph: the best tier-1 pages, never a spam page
    dash.open("graph")
    expect(page.locator("#tier-graph .node-t1").first).to_be_attached(timeout=60_000)
    checks.look(page, "graph", ("main",))
    drawn = set(page.eval_on_selector_all("#tier-graph .node-t1", "ns => ns.map(n => n.dataset.url)"))
    spam_drawn = sorted(drawn & {i["url"] for i in all_spam})
    checks.expect(not spam_drawn, f"the graph draws no spam page among the tier-1 pages: {len(spam_drawn)} drawn, "
                                  f"e.g. {spam_drawn[:3]}")
    best = [i["url"] for i in companion.cli_json("boost", "--limit", "10")]
    checks.expect(set(best) <= drawn, f"the graph draws the ten best pages of the boost list: "
                                      f"{len(set(best) - drawn)} missing, e.g. {sorted(set(best) - drawn)[:3]}")

    # the backlinks list: the CLI's total, and the Semrush authority labelled with its tool
    dash.open("backlinks")
    expect(page.locator("#view-backlinks table").first).to_be_visible(timeout=60_000)
    checks.look(page, "backlinks", ("main",))
    text = dash.text("#view-backlinks")
    checks.shows(text, stored, "backlinks in the list")
    checks.expect(re.search(spec["tool"], text, re.I),
                  f"the backlinks list shows the {dataset} authority, labelled with the tool")
    # every row within reach: all on one page, or a way to the next ones
    drawn = page.locator("#view-backlinks tbody tr").count()
    if drawn < stored:
        onward = page.locator("#view-backlinks").locator("button, a, [role=button]",
                                                         has_text=re.compile(r"^\W*(next|more|older|show more|load more)\b|[›»→]\W*$", re.I))
        if checks.expect(onward.count() > 0, f"the backlinks list shows {drawn} of {stored} rows and offers a way "
                                             f"to the rest (a next page)"):
            before = page.locator("#view-backlinks tbody tr").first.inner_text()
            onward.first.click()
            expect(page.locator("#view-backlinks tbody tr").first).not_to_have_text(before, timeout=60_000)
            checks.look(page, "backlinks-next-page", ("main",))
            dash.open("backlinks")
    asked = [u for u in dash.requests if urlsplit(u).path == "/api/backlinks" and "limit=" not in urlsplit(u).query]
    checks.expect(not asked, f"the dashboard pages through the backlinks on the server (GET /api/backlinks with a "
                             f"limit): {len(asked)} requests for the whole list, e.g. {asked[:2]}")
    first_row = page.locator("#view-backlinks tbody tr").first.inner_text()
    every = all_backlinks(companion.cli_json)
    assert len(every) == stored
    best = max((b.get("metrics") or {}).get(spec["metric"]) or 0 for b in every)
    checks.expect(f"{best:g}" in re.split(r"[\s/()]+", first_row),
                  f"sorted by authority (the default), the first row carries the best {spec['metric']} {best:g}: {first_row!r}")
    checks.quiet_log(companion.output(None))
    checks.verify()
