"""The local dashboard in a real Chromium, against a real `tierlink serve`.

One companion subprocess per module, on a free loopback port, with a temp data
home filled the way a user fills it: a profile and an Ahrefs export through the
API, candidates and placements through the API. Then Debian's Chromium opens the
address `serve` printed and the tests click through the views; every change made
in the page is checked through the API afterwards, never only on screen.

Screenshots of each view go to tests/_artifacts/dashboard/ (gitignored).
"""

from __future__ import annotations

import http.client
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from serverutil import CompanionServer, multipart

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dashboard"
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts" / "dashboard"
CHROMIUM = "/usr/bin/chromium"
XSS_TITLE = "<img src=x onerror=alert(1)>"
ADDRESS = re.compile(r"http://127\.0\.0\.1:\d+/#token=([A-Za-z0-9_\-]+)")

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

if sync_playwright is None:
    pytest.skip("playwright (python) is not installed: pip install playwright", allow_module_level=True)
if not Path(CHROMIUM).exists():
    pytest.skip(f"Debian's Chromium not found at {CHROMIUM}: apt-get install -y chromium", allow_module_level=True)


class Dashboard(CompanionServer):
    """The real companion (tests/serverutil.py), plus the address `serve` printed.

    The token is read from that printed address, not from the token file: the
    address is what a user opens, so the test opens exactly that.
    """

    def start(self, timeout: float = 30) -> "Dashboard":
        super().start(timeout)
        deadline = time.monotonic() + 10
        while not (found := ADDRESS.search(self.output(None))):
            assert time.monotonic() < deadline, f"`tierlink serve` printed no dashboard address:\n{self.output()}"
            time.sleep(0.05)
        self.address = found.group(0)
        assert found.group(1) == self.token
        return self

    @property
    def base(self) -> str:
        return self.base_url

    def ok(self, method: str, path: str, body=None, *, files: dict | None = None, fields: dict | None = None):
        """One API call with the token; asserts a 2xx and returns the JSON."""
        if files:
            data, ctype = multipart(fields, {k: (v.name, v.read_bytes()) for k, v in files.items()})
            r = self.request(method, path, data=data, headers={"Content-Type": ctype})
        else:
            r = self.request(method, path, json=body)
        assert 200 <= r.status < 300, f"{method} {path} -> {r.status}: {r.text[:500]}\n--- companion output ---\n{self.output()}"
        return r.json() if r.body else None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    comp = Dashboard(tmp_path_factory.mktemp("dashboard") / "home").start()
    try:
        comp.ok("PUT", "/api/profile", {
            "domains": ["example.com"],
            "money_pages": [{"url": "https://www.example.com/shop/blue-widget", "keywords": ["blue widget"]},
                            {"url": "https://www.example.com/pricing", "keywords": ["widget pricing"]}],
            "competitors": ["rival.test"], "owned_sites": ["my-other-blog.test"], "guest_post_link_limit": 2})
        comp.ok("POST", "/api/import", files={"file": FIXTURES / "ahrefs-v3.csv"}, fields={"format": "ahrefs"})
        backlinks = comp.ok("GET", "/api/backlinks?limit=1000")["backlinks"]
        live = [b for b in backlinks if b["status"] == "live"]
        comp.ok("POST", "/api/candidates", {"url": "https://guestposts.example.net/write-for-us", "kind": "tier2", "title": XSS_TITLE,
                                            "note": "asked the editor", "tags": ["guest-post"]})
        comp.ok("POST", "/api/candidates", {"url": live[0]["source_url"], "kind": "boost", "title": "Boost this review"})
        comp.ok("POST", "/api/placements", {"from_url": "https://guest.blog.test/my-guest-post", "to_url": live[0]["source_url"],
                                            "anchor": "a thorough review", "via": "guest_post"})
        yield comp
    finally:
        comp.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh context per test (own sessionStorage), failing on any page error or dialog."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    pg = context.new_page()
    pg.errors = []
    pg.dialogs = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    # CSP violations show up as console errors; any of them means an inline script or style slipped in.
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None)
    yield pg
    errors, dialogs = pg.errors, pg.dialogs
    context.close()
    assert not errors, f"errors in the page: {errors}"
    assert not dialogs, f"dialogs fired: {dialogs}"


def open_dashboard(page, server, view: str | None = None):
    page.goto(f"{server.base}/#token={server.token}")
    page.wait_for_selector("nav#tabs a.tab")
    if view:
        page.click(f'a.tab[data-view="{view}"]')
    page.wait_for_selector("main .view")
    page.wait_for_load_state("networkidle")


def shot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


# ---------------------------------------------------------------- pairing


def test_token_moves_from_the_address_into_session_storage(page, server):
    open_dashboard(page, server)
    assert "token" not in page.url, page.url
    assert page.evaluate("sessionStorage.getItem('tierlink.token')") == server.token
    assert page.evaluate("document.cookie") == ""
    # A reload keeps working without the token in the address.
    page.reload()
    page.wait_for_selector("#tier-graph")


def test_without_a_token_the_page_says_to_open_the_printed_address(page, server):
    page.goto(server.base + "/")
    pairing = page.wait_for_selector("#pairing")
    text = pairing.inner_text()
    assert "tierlink serve" in text and "#token=" in text
    assert page.locator("#tier-graph").count() == 0
    shot(page, "pairing")
    # Pasting the printed address into this same tab changes only the fragment
    # (no reload); the dashboard must still pick the token up.
    page.goto(f"{server.base}/#token={server.token}")
    page.wait_for_selector("#tier-graph")
    assert "token" not in page.url


def test_a_wrong_token_shows_the_pairing_message(page, server):
    page.goto(f"{server.base}/#token=not-the-token")
    pairing = page.wait_for_selector("#pairing")
    assert "no longer valid" in pairing.inner_text()
    assert page.evaluate("sessionStorage.getItem('tierlink.token')") is None


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/static/index.html"])
def test_a_foreign_host_gets_403_and_no_token(server, path):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", path, headers={"Host": "evil.com"})
    resp = conn.getresponse()
    body = resp.read().decode(errors="replace")
    conn.close()
    assert resp.status == 403
    assert server.token not in body
    assert "token=" not in body


def test_the_dashboard_is_served_with_the_csp(server):
    with urllib.request.urlopen(server.base + "/", timeout=10) as r:
        csp = r.headers.get("Content-Security-Policy", "")
        html = r.read().decode()
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert server.token not in html
    assert "<style" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script or style in index.html"


# ---------------------------------------------------------------- views


def test_the_tier_graph_draws_all_three_tiers_with_safe_links(page, server):
    open_dashboard(page, server, "graph")
    page.wait_for_selector("#tier-graph .node")
    graph = server.ok("GET", "/api/graph?limit=50")
    nodes = {tier: [n for n in graph["nodes"] if n["tier"] == tier] for tier in (0, 1, 2)}
    # the server builds the graph from the top of the boost list (companion/verdicts/graph.py): the view draws it
    boost = server.ok("GET", "/api/boost?limit=50")
    assert [n["url"] for n in nodes[1]] == [i["url"] for i in boost] and nodes[1]
    assert page.locator("#tier-graph .node-t1").count() == len(nodes[1])
    assert page.locator("#tier-graph .node-t0").count() == len(nodes[0]) >= 2  # the profile's two money pages at least
    assert page.locator("#tier-graph .node-t2").count() == len(nodes[2])
    # A lost link from a drawn page is a dashed red edge.
    assert page.locator("#tier-graph .edge.lost").count() == sum(e["lost"] for e in graph["edges"])
    # Every node that links anywhere links to an http(s) page, in a new tab, without opener or referrer.
    hrefs = page.eval_on_selector_all("#tier-graph a.node", "els => els.map(a => [a.getAttribute('href'), a.getAttribute('target'), a.getAttribute('rel')])")
    assert hrefs
    for href, target, rel in hrefs:
        assert href.startswith(("http://", "https://")), href
        assert target == "_blank" and rel == "noopener noreferrer"
    shot(page, "graph", full_page=True)


def test_the_boost_list_shows_the_ranked_pages(page, server):
    items = server.ok("GET", "/api/boost?limit=50")
    open_dashboard(page, server, "boost")
    if not items:
        page.wait_for_selector(".empty")
        return
    page.wait_for_selector(".boost-row")
    assert page.locator(".boost-row").count() == len(items)
    first = page.locator(".boost-row").first
    assert first.locator(".score-num").inner_text() == str(round(items[0]["score"]))
    assert first.locator("a").first.get_attribute("rel") == "noopener noreferrer"
    shot(page, "boost")


def test_the_boost_view_shows_spam_pages_only_when_asked(page, server):
    """Spam pages (the sample's link-farm directory, flagged by Ahrefs) are hidden; the toggle lists
    them under the others, best first, marked."""
    hidden = server.ok("GET", "/api/boost?limit=50")
    spam = server.ok("GET", "/api/boost?limit=50&spam=only")
    assert spam and all(i["spam"] for i in spam) and not any(i["spam"] for i in hidden)
    open_dashboard(page, server, "boost")
    page.wait_for_selector(".boost-row")
    assert page.locator(".boost-row").count() == len(hidden) and page.locator(".boost-row.spam").count() == 0
    page.check("#boost-spam")
    page.wait_for_selector(".boost-row.spam")
    assert page.locator(".boost-row").count() == len(hidden) + len(spam)
    assert page.locator(".boost-row.spam").count() == len(spam)
    # the ordinary rows first, as before, then the spam section
    classes = page.eval_on_selector_all(".boost-row", "rows => rows.map(r => r.classList.contains('spam'))")
    assert classes == [False] * len(hidden) + [True] * len(spam)
    first = page.locator(".boost-row").first  # authority in the tool's words: the sample is an Ahrefs export
    assert "Ahrefs UR" in first.inner_text() and "Ahrefs DR" in first.inner_text()
    shot(page, "boost-spam", full_page=True)
    page.uncheck("#boost-spam")  # the table is redrawn: wait for the new one, not the loading state between
    page.wait_for_function("n => !document.querySelector('.boost-row.spam') && "
                           "document.querySelectorAll('.boost-row').length === n", arg=len(hidden))


def test_the_backlinks_table_filters_and_sorts(page, server):
    backlinks = server.ok("GET", "/api/backlinks?limit=1000")["backlinks"]
    open_dashboard(page, server, "backlinks")
    page.wait_for_selector(".bl-row")
    assert page.locator(".bl-row").count() == len(backlinks)
    shot(page, "backlinks")

    # Filters and sorts go to the companion: the table draws what GET /api/backlinks answers to the same query.
    def drawn(query):
        want = [b["source_url"] for b in server.ok("GET", f"/api/backlinks?limit=100{query}")["backlinks"]]
        assert want
        page.wait_for_function("want => JSON.stringify([...document.querySelectorAll('.bl-row td:first-child > a')]"
                               ".map(a => a.getAttribute('href'))) === JSON.stringify(want.map(u => new URL(u).href))", arg=want)

    drawn("&sort=authority&order=desc")  # the default: strongest first, on the one scale
    page.select_option("#bl-status", "lost")
    drawn("&sort=authority&order=desc&status=lost")
    page.select_option("#bl-status", "")
    page.select_option("#bl-follow", "false")
    drawn("&sort=authority&order=desc&follow=false")
    page.select_option("#bl-follow", "")
    page.fill("#bl-domain", "forum.diy.test")
    drawn("&sort=authority&order=desc&domain=forum.diy.test")
    page.fill("#bl-domain", "")
    page.click('th[data-sort="authority"]')
    drawn("&sort=authority&order=asc")
    page.click('[data-sort="first_seen"]')
    drawn("&sort=first_seen&order=desc")
    page.click('[data-sort="last_seen"]')
    page.click('[data-sort="last_seen"]')
    drawn("&sort=last_seen&order=asc")


def test_the_candidates_board_and_a_status_change_that_persists(page, server):
    open_dashboard(page, server, "candidates")
    page.wait_for_selector(".card")
    cands = server.ok("GET", "/api/candidates")
    assert page.locator(".card").count() == len(cands)
    shot(page, "candidates")

    boost = next(c for c in cands if c["title"] == "Boost this review")
    card = page.locator(f'.card[data-id="{boost["id"]}"]')
    # who saved it (team mode: which member; here the companion's user)
    expect(card.locator(".card-by")).to_have_text(f"saved by {boost['saved_by']}")
    card.locator("select.cand-status").select_option("contacted")
    card.locator(".save-state", has_text="Saved").wait_for()
    assert page.locator(f'.column-contacted .card[data-id="{boost["id"]}"]').count() == 1
    card.locator(".cand-note").fill("emailed the editor on Monday")
    card.locator(".cand-tags").fill("review, follow-up")
    card.locator(".cand-tags").press("Tab")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(200)
    stored = next(c for c in server.ok("GET", "/api/candidates") if c["id"] == boost["id"])
    assert stored["status"] == "contacted"
    assert stored["note"] == "emailed the editor on Monday"
    assert stored["tags"] == ["review", "follow-up"]


def test_a_placed_tier2_card_logs_its_placement(page, server):
    spot = server.ok("POST", "/api/candidates", {"url": "https://niche.example.net/widget-resources", "kind": "tier2", "title": "Widget resources"})
    tier1 = server.ok("GET", "/api/backlinks?status=live&limit=1000")["backlinks"][2]["source_url"]
    open_dashboard(page, server, "candidates")
    card = page.locator(f'.card[data-id="{spot["id"]}"]')
    assert not card.locator(".placed-box").is_visible()  # only placed/live cards ask for it
    card.locator("select.cand-status").select_option("placed")
    card.locator(".save-state", has_text="Saved").wait_for()
    card = page.locator(f'.column-placed .card[data-id="{spot["id"]}"]')
    assert card.locator(".placed-box").is_visible()
    card.locator(".pl-to").fill(tier1)
    card.locator(".pl-anchor").fill("widget resources")
    card.locator(".pl-via").select_option("niche_edit")
    card.locator(".placed-form button").click()
    card.locator(".pl-msg .notice-ok").wait_for()
    logged = [p for p in server.ok("GET", "/api/placements") if p["from_url"].startswith("https://niche.example.net/")]
    assert len(logged) == 1
    assert logged[0]["via"] == "niche_edit" and logged[0]["anchor"] == "widget resources"


def test_deleting_a_candidate_takes_two_clicks_and_removes_it(page, server):
    made = server.ok("POST", "/api/candidates", {"url": "https://delete-me.example.net/", "kind": "tier2", "title": "Delete me"})
    open_dashboard(page, server, "candidates")
    card = page.locator(f'.card[data-id="{made["id"]}"]')
    card.wait_for()
    card.locator(".cand-delete").click()
    assert card.count() == 1  # armed, not gone
    card.locator(".cand-delete").click()
    card.wait_for(state="detached")
    assert all(c["id"] != made["id"] for c in server.ok("GET", "/api/candidates"))


def test_a_hostile_title_renders_as_text(page, server):
    open_dashboard(page, server, "candidates")
    page.wait_for_selector(".card")
    page.get_by_text(XSS_TITLE, exact=True).wait_for()
    assert page.locator("main img").count() == 0
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    page.wait_for_timeout(300)
    assert page.dialogs == []


def test_placements_list_and_add_form(page, server):
    open_dashboard(page, server, "placements")
    page.wait_for_selector(".placement-row")
    before = server.ok("GET", "/api/placements")
    assert page.locator(".placement-row").count() == len(before)
    tier1 = server.ok("GET", "/api/backlinks?status=live&limit=1000")["backlinks"][1]["source_url"]
    page.fill('#placement-form input[name="from_url"]', "https://roundup.example.net/experts-2025")
    page.fill('#placement-form input[name="to_url"]', tier1)
    page.fill('#placement-form input[name="anchor"]', "expert roundup")
    page.select_option('#placement-form select[name="via"]', "roundup")
    page.click('#placement-form button[type="submit"]')
    page.wait_for_selector("#placement-form .notice-ok")
    # expect() polls from Playwright's side: wait_for_function evals a string, which the CSP forbids.
    expect(page.locator(".placement-row")).to_have_count(len(before) + 1)
    after = server.ok("GET", "/api/placements")
    added = [p for p in after if p["from_url"].startswith("https://roundup.example.net/")]
    assert len(added) == 1 and added[0]["anchor"] == "expert roundup"
    expect(page.locator(".placement-row", has_text="roundup.example.net").locator(".placed-by")) \
        .to_have_text(added[0]["placed_by"])
    shot(page, "placements")

    # A placement logged by mistake goes with two clicks (the first only arms the button).
    row = page.locator(".placement-row", has_text="roundup.example.net")
    row.locator(".placement-delete").click()
    expect(row.locator(".placement-delete")).to_have_text("Confirm delete")
    assert len(server.ok("GET", "/api/placements")) == len(before) + 1
    row.locator(".placement-delete").click()
    expect(page.locator(".placement-row")).to_have_count(len(before))
    assert not [p for p in server.ok("GET", "/api/placements") if p["from_url"].startswith("https://roundup.example.net/")]


def test_an_import_through_the_page_shows_the_summary_with_skipped_rows(page, server):
    total_before = server.ok("GET", "/api/backlinks?limit=1")["total"]
    open_dashboard(page, server, "import")
    page.set_input_files("#import-file", str(FIXTURES / "semrush-with-bad-rows.csv"))
    page.select_option("#import-format", "semrush")
    page.click("#import-submit")
    summary = page.wait_for_selector("#import-summary")
    text = summary.inner_text()
    shot(page, "import")
    stored = server.ok("GET", "/api/backlinks?limit=1000")["backlinks"]
    assert len(stored) > total_before
    assert any(b["source_url"].startswith("https://roundup.widgets.test/") for b in stored)
    total_shown = page.locator('[data-stat="backlinks_total"] .stat-value').inner_text().replace(",", "")
    assert int(total_shown) == len(stored)
    assert int(page.locator('[data-stat="skipped"] .stat-value').inner_text()) >= 1
    assert page.locator(".skipped-table tbody tr").count() >= 1
    assert "semrush" in text

    # The imported row's anchor is hostile markup: the backlinks table shows it as text.
    page.click('a.tab[data-view="backlinks"]')
    page.fill("#bl-domain", "roundup.widgets.test")
    page.get_by_text("<img src=x onerror=alert(2)> pricing", exact=True).wait_for()
    assert page.locator("main img").count() == 0


def test_saving_from_the_boost_list_makes_a_candidate(page, server):
    items = server.ok("GET", "/api/boost?limit=50")
    saved = {c["url"] for c in server.ok("GET", "/api/candidates?kind=boost")}
    pick = next((i for i, item in enumerate(items) if item["url"] not in saved), None)
    if pick is None:
        pytest.skip("every boost item is already a candidate")
    open_dashboard(page, server, "boost")
    button = page.locator(".boost-row").nth(pick).locator("button")
    button.click()
    expect(button).to_have_text("Saved")
    urls = {c["url"] for c in server.ok("GET", "/api/candidates?kind=boost")}
    assert items[pick]["url"] in urls


def test_the_profile_editor_saves_and_shows_validation_errors(page, server):
    open_dashboard(page, server, "profile")
    page.wait_for_selector("#profile-form")
    assert "example.com" in page.input_value("#pf-domains")
    assert page.locator(".money-row").count() == 2
    shot(page, "profile")

    page.fill("#pf-competitors", "rival.test\nother-rival.test")
    page.click("#pf-add-money")
    page.locator(".money-row").last.locator(".mp-url").fill("https://www.example.com/compare")
    page.locator(".money-row").last.locator(".mp-keywords").fill("widget comparison, compare widgets")
    page.fill("#pf-limit", "3")
    page.click("#pf-save")
    page.wait_for_selector("#pf-status .notice-ok")
    stored = server.ok("GET", "/api/profile")
    assert stored["competitors"] == ["rival.test", "other-rival.test"]
    assert stored["guest_post_link_limit"] == 3
    assert {"url": "https://www.example.com/compare", "keywords": ["widget comparison", "compare widgets"]} in stored["money_pages"]

    # A value the companion refuses: its message is shown and nothing is stored.
    page.fill("#pf-domains", "not a domain")
    page.click("#pf-save")
    err = page.wait_for_selector("#pf-status .notice-error")
    assert "not a domain" in err.inner_text()
    assert server.ok("GET", "/api/profile")["domains"] == ["example.com"]


def test_a_fresh_home_shows_what_to_do_first(page, tmp_path):
    """Nothing stored yet: every view says what to do instead of drawing nothing or failing."""
    with Dashboard(tmp_path / "home") as fresh:
        page.goto(fresh.address)
        expect(page.locator("#view-graph .empty")).to_contain_text("Import your backlinks")
        for view, words in [("boost", "Import"), ("candidates", "No candidates yet"), ("backlinks", "No backlinks stored yet"),
                            ("placements", "No placements logged yet")]:
            page.click(f'a.tab[data-view="{view}"]')
            expect(page.locator(f"#view-{view} .empty")).to_contain_text(words)
        page.click('a.tab[data-view="profile"]')
        expect(page.locator("#pf-domains")).to_have_value("")
        assert page.locator(".notice-error").count() == 0


def test_the_graph_redraws_when_its_tab_comes_back_into_view(page, server):
    open_dashboard(page, server, "graph")
    page.wait_for_selector("#tier-graph .node-t2")
    before = page.locator("#tier-graph .node-t2").count()
    tier1 = server.ok("GET", "/api/backlinks?status=live&limit=1000")["backlinks"][0]["source_url"]
    server.ok("POST", "/api/placements", {"from_url": "https://while-away.example.net/post", "to_url": tier1, "via": "other"})
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # headless tabs stay 'visible'
    expect(page.locator("#tier-graph .node-t2")).to_have_count(before + 1)


def test_broken_targets_are_listed_apart_above_the_boost_list(page, server):
    """Links to a page of mine answering 4xx (Ahrefs' Broken backlinks) each say which page to redirect."""
    broken = Path(__file__).resolve().parent / "fixtures" / "exports" / "ahrefs-broken-backlinks.csv"
    server.ok("POST", "/api/import", files={"file": broken})
    items = server.ok("GET", "/api/broken-targets")
    assert len(items) == 3
    open_dashboard(page, server, "boost")
    page.wait_for_selector(".broken-row")
    rows = page.locator(".broken-row")
    assert rows.count() == len(items)
    assert "Broken targets (3)" in page.locator(".broken-targets h2").inner_text()
    assert rows.first.locator(".reasons").inner_text() == items[0]["reason"]
    assert rows.first.locator(".badge").inner_text() == "404"
    # above the boost table
    assert page.evaluate("document.querySelector('.broken-targets').compareDocumentPosition("
                         "document.querySelector('.boost-table')) & Node.DOCUMENT_POSITION_FOLLOWING") != 0
    shot(page, "boost-broken-targets", full_page=True)


def test_a_rotated_token_sends_an_open_dashboard_back_to_pairing(page, server):
    """Runs last: it rotates the module's token (and hands the new one to the fixture)."""
    open_dashboard(page, server, "backlinks")
    page.wait_for_selector(".bl-row")
    proc = subprocess.run(server.command("token", "--rotate"), capture_output=True, env=server.env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    server.token = (server.home / "token").read_text().strip()
    page.click('a.tab[data-view="boost"]')
    assert "no longer valid" in page.wait_for_selector("#pairing").inner_text()
    assert page.evaluate("sessionStorage.getItem('tierlink.token')") is None
