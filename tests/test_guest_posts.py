"""My guest posts (issue 27): marking, the internal links seen toward each, where to ask for one.

Three visits on a guest post's host give one post its internal-link count and the other its
suggested source pages in the order the rule gives (aged pages and pages already carrying
internal links before a fresher, wordier match); a visit to a host without guest posts stores
nothing of the page; the index can be turned off and a host forgotten; a placement logged
`--via guest_post` that is seen linking to my site becomes a guest post by itself. The CLI, the
API and the CSV export give the same list.
"""

from __future__ import annotations

import csv

import pytest

from companion.analysis.urls import page_key
from companion.verdicts import guestlinks
from companion.workflow import guestposts
from companion.workspace import Workspace

ME = "https://mysite.test/"
HOST = "https://blog.test"
LINKED = f"{HOST}/2026/10/marathon-training-plan"  # gets an internal link from the third visit
LONELY = f"{HOST}/2026/10/best-trail-running-shoes"  # gets none: needs links


def page(title: str, body: str = "", *, published: str | None = None, headings=()) -> str:
    meta = f'<meta property="article:published_time" content="{published}T08:00:00Z">' if published else ""
    hs = "".join(f"<h2>{h}</h2>" for h in headings)
    return (f"<html><head><title>{title}</title>{meta}</head><body><header><a href='{HOST}/'>Home</a></header>"
            f"<main><h1>{title}</h1>{hs}<p>Text.</p>{body}</main></body></html>")


@pytest.fixture
def ws(home):
    w = Workspace(home)
    w.set_profile({"domains": ["mysite.test"]})
    w.store.merge_backlinks([
        {"source_url": LINKED, "target_url": ME, "anchor": "my site", "title": "A marathon training plan that works"},
        {"source_url": LONELY, "target_url": ME, "anchor": "my site", "title": "Best trail running shoes for beginners"},
    ], "ahrefs")
    guestposts.mark(w.store, LONELY, via="cli", when="2026-10-02T10:00:00Z")
    guestposts.mark(w.store, LINKED, via="cli", when="2026-10-20T10:00:00Z")
    yield w
    w.close()


def three_visits(ws) -> list[dict]:
    return [
        # aged (2019) and carrying internal links: matches two of the post's words
        ws.analyze(f"{HOST}/2019/03/running-shoes-guide", page(
            "Running shoes guide", f'<a href="{HOST}/about">About</a> <a href="{HOST}/2018/05/socks">socks</a>',
            published="2019-03-01", headings=["How to choose running shoes"])),
        # fresh, no internal link: matches three words, still after the aged page
        ws.analyze(f"{HOST}/2026/11/trail-running-shoes-news", page(
            "Trail running shoes news", published="2026-11-20")),
        # aged, links to the other guest post (its internal link), matches nothing of the lonely post
        ws.analyze(f"{HOST}/2020/01/marathon-tips", page(
            "Marathon tips", f'<p>Read <a href="{LINKED}">this training plan</a>.</p>', published="2020-01-05")),
    ]


def test_three_visits_give_the_count_and_the_suggestions_in_order(ws):
    visits = three_visits(ws)
    assert all(v["guest_posts"]["host"] == "blog.test" for v in visits)
    assert ws.store.site_pages_count("blog.test") == 3

    items = guestlinks.guest_posts(ws.store)
    assert [i["url"] for i in items] == [LONELY, LINKED]  # oldest first
    lonely, linked = items
    assert linked["internal_links"] == 1 and linked["needs_links"] is False
    assert linked["linking_pages"] == [f"{HOST}/2020/01/marathon-tips"] and linked["suggestions"] == []
    assert lonely["internal_links"] == 0 and lonely["needs_links"] is True
    assert [s["url"] for s in lonely["suggestions"]] == [f"{HOST}/2019/03/running-shoes-guide",
                                                         f"{HOST}/2026/11/trail-running-shoes-news"]
    first, second = lonely["suggestions"]
    assert "aged page (published 2019-03-01)" in first["why"] and "carries 3 internal link" in first["why"]  # Home, About, socks
    assert "aged" not in second["why"] and first["anchor"] == "Best trail running shoes for beginners"
    assert LONELY in lonely["note"] and first["url"] in lonely["note"] and "“Best trail running shoes" in lonely["note"]
    assert lonely["indexability"]["state"] == "unknown"

    # --needs-links: only the lonely one; the popup's notice on the host says the same
    assert [i["url"] for i in guestlinks.guest_posts(ws.store, needs_links=True)] == [LONELY]
    notice = visits[-1]["guest_posts"]  # the popup's notice; it asks for the suggestions when opened
    assert [p["url"] for p in notice["needs_links"]] == [LONELY] and "suggestions" not in notice["needs_links"][0]
    on_host = guestlinks.guest_posts(ws.store, needs_links=True, host="www.blog.test")
    assert [s["url"] for s in on_host[0]["suggestions"]] == [s["url"] for s in lonely["suggestions"]]
    assert guestlinks.guest_posts(ws.store, host="elsewhere.test") == []


def test_a_host_without_guest_posts_stores_nothing_of_the_page(ws):
    url = "https://elsewhere.test/2019/03/running-shoes-guide"
    seen = ws.analyze(url, page("Running shoes guide", '<a href="https://elsewhere.test/about">About</a>'))
    assert "guest_posts" not in seen
    assert ws.store.site_page(page_key(url)) is None and ws.store.site_pages_count("elsewhere.test") == 0


def test_the_index_turned_off_stores_nothing_and_a_host_can_be_forgotten(ws):
    three_visits(ws)
    guestposts.set_index_enabled(ws.store, False)
    ws.analyze(f"{HOST}/2021/02/new-page", page("Trail running shoes for winter"))
    assert ws.store.site_pages_count("blog.test") == 3
    assert ws.store.site_page(page_key(f"{HOST}/2021/02/new-page")) is None
    assert guestposts.forget_host(ws.store, "www.blog.test") == 3
    assert ws.store.site_pages_count("blog.test") == 0
    assert guestlinks.guest_posts(ws.store)[1]["internal_links"] == 0


def test_the_index_is_capped_per_host(ws, monkeypatch):
    monkeypatch.setattr(guestposts, "MAX_PAGES_PER_HOST", 2)
    three_visits(ws)
    assert ws.store.site_pages_count("blog.test") == 2
    assert ws.store.site_page(page_key(f"{HOST}/2019/03/running-shoes-guide")) is None  # least recently seen out


def test_a_guest_post_placement_seen_linking_to_me_is_marked_by_itself(ws):
    from companion.workflow import placements

    mine = f"{HOST}/2026/12/my-other-post"
    placements.add(ws.store, ws.profile, mine, LINKED, anchor="training plan", via="guest_post")
    seen = ws.analyze(mine, page("My other post", f'<a href="{ME}">my site</a> <a href="{LINKED}">plan</a>'))
    assert "guest_post" in seen["labels"]
    marked = {p["url"]: p for p in ws.store.all("guest_posts")}
    assert marked[mine]["via"] == "placement"
    assert guestlinks.guest_posts(ws.store)[1]["internal_links"] == 1  # my post links to LINKED, on its host
    # every placement says whether the page holding it will be indexed (kept from the visit)
    listed = placements.list_placements(ws.store)
    assert listed[0]["indexability"]["state"] == "indexable" and "no_canonical" in listed[0]["indexability"]["codes"]


def test_cli_api_and_export_agree(cli, home, client, tmp_path):
    cli("init", "--domain", "mysite.test")
    bad = cli("guest-posts", "add", "not a url", check=False)
    assert bad.returncode == 1 and bad.stderr.decode().count("\n") == 1 and b"http(s) URL" in bad.stderr
    out = cli("guest-posts", "add", LONELY, "--title", "Best trail running shoes")
    assert out.returncode == 0 and b"marked" in out.stderr
    again = cli.json("guest-posts", "add", LONELY)
    listed = cli.json("guest-posts", "--needs-links")
    assert [p["url"] for p in listed] == [LONELY] and listed[0]["id"] == again["id"]
    assert listed[0]["note"] and listed[0]["suggestions"] == []
    api = client.api("GET", "/api/guest-posts?needs_links=true")
    assert [p["url"] for p in api] == [LONELY]
    assert client.api("GET", "/api/guest-posts?host=blog.test")[0]["url"] == LONELY
    assert client.api("GET", "/api/guest-posts?host=other.test") == []
    assert client.request("GET", "/api/guest-posts?needs_links=maybe").status == 400
    bad = client.request("POST", "/api/guest-posts", json={"url": "ftp://x"})
    assert bad.status == 400 and bad.json()["error"]["code"]
    made = client.request("POST", "/api/guest-posts", json={"url": LINKED, "via": "dashboard"})
    assert made.status == 201 and client.request("POST", "/api/guest-posts", json={"url": LINKED}).status == 200
    assert client.api("PUT", "/api/guest-post-index", json={"enabled": False}) == {"enabled": False}
    assert cli.json("guest-posts", "index", "status") == {"enabled": False}
    assert client.api("DELETE", f"/api/guest-post-hosts/blog.test") == {"host": "blog.test", "forgotten": 0}
    assert client.api("DELETE", f"/api/guest-posts/{made.json()['id']}") == {"removed": made.json()["id"]}
    assert client.request("DELETE", f"/api/guest-posts/{made.json()['id']}").status == 404
    out = tmp_path / "gp.csv"
    assert cli("export", "guest_posts", "--out", str(out)).returncode == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["url"] for r in rows] == [LONELY] and rows[0]["needs_links"] == "true"
    assert rows[0]["indexability.state"] == "unknown"


# --- in a real browser: the popup's notice and the dashboard view, at 1366×768 ------------------

def test_the_popup_notice_and_the_dashboard_view_in_chromium(tmp_path):
    """Debian's Chromium with the extension: three pages read on the guest post's host (served on
    127.0.0.x), then the popup there shows the notice with the suggested pages and a copy button,
    and the dashboard's Guest posts view the same post; both shot at 1366×768 into tests/_artifacts/."""
    from pathlib import Path

    from extensionutil import CHROMIUM, Companion, chromium_with_extension, wait_for
    from websites import Sites

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    pytest.importorskip("playwright")
    artifacts = Path(__file__).resolve().parent / "_artifacts"
    artifacts.mkdir(exist_ok=True)
    sites = Sites(first=40)
    blog = sites.new()
    post = blog.route("/2026/10/best-trail-running-shoes", body=page(
        "Best trail running shoes for beginners", f'<p>By me. <a href="{ME}">my site</a></p>').replace(
        "</title>", '</title><meta name="robots" content="noindex">').encode())
    reads = [blog.route("/2019/03/running-shoes-guide", body=page(
                 "Running shoes guide", f'<a href="{blog.url("/about")}">About</a>', published="2019-03-01",
                 headings=["How to choose running shoes"]).encode()),
             blog.route("/2026/11/trail-running-shoes-news", body=page("Trail running shoes news",
                                                                        published="2026-11-20").encode()),
             blog.route("/2020/01/marathon-tips", body=page("Marathon tips", published="2020-01-05").encode())]
    exported = tmp_path / "links.csv"
    exported.write_text(f"source_url,target_url,anchor,title\n{post},{ME},my site,Best trail running shoes for beginners\n")
    comp = Companion(tmp_path / "home")
    comp.cli("init", "--domain", "mysite.test")
    comp.cli("import", str(exported))
    comp.cli("guest-posts", "add", post)
    comp.start()
    try:
        with chromium_with_extension(tmp_path / "profile") as browser:
            browser.configure(companionUrl=comp.base_url, token=comp.token, autoAnalyze=True, exclude=[])
            tab = browser.context.new_page()
            for url in [post, *reads]:  # the post itself first: the editor left it noindex
                tab.goto(url)
                browser.tab_id_of(url)
            wait_for(lambda: len(comp.api("GET", f"/api/guest-posts")[0]["linking_pages"]) == 0
                     and comp.api("GET", "/api/guest-posts")[0]["indexed_pages"] == 4, what="four pages indexed")
            popup = browser.popup(browser.tab_id_of(reads[-1]))
            popup.set_viewport_size({"width": 1366, "height": 768})
            try:
                popup.wait_for_selector("#guest-posts:not(.hidden) .gp-suggestions li", timeout=15000)
            except Exception:
                popup.screenshot(path=str(artifacts / "guest-posts-popup-failed.png"))
                raise AssertionError(popup.inner_text("body") + "\n" + str(comp.api("GET", "/api/guest-posts")))
            text = popup.inner_text("#guest-posts").lower()  # the popup's h3 is set in capitals
            assert "1 of your guest posts on 127.0.0.40 has no internal link yet" in text
            assert "not indexable: the page is noindex" in text
            assert [li.inner_text().split("\n")[0] for li in popup.query_selector_all("#guest-posts .gp-suggestions li")] \
                == [reads[0], reads[1]]
            assert popup.is_visible("#guest-posts button:has-text('Copy note for the editor')")
            popup.screenshot(path=str(artifacts / "guest-posts-popup-1366.png"))

            dash = browser.context.new_page()
            dash.set_viewport_size({"width": 1366, "height": 768})
            dash.goto(f"{comp.base_url}/#token={comp.token}")
            dash.click('a.tab[data-view="guest-posts"]')
            dash.wait_for_selector(".gp-card .gp-suggestions li")
            card = dash.inner_text(".gp-card")
            assert "No internal link seen" in card and "Best trail running shoes for beginners" in card
            assert "Not indexable: the page is noindex" in card
            assert dash.is_visible(".gp-card button:has-text('Copy note for the editor')")
            wide = dash.evaluate("() => [...document.querySelectorAll('main .view *')].filter(e => e.scrollWidth > "
                                 "e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible').map(e => e.className)")
            assert wide == []
            dash.screenshot(path=str(artifacts / "guest-posts-dashboard-1366.png"))

            # the boost list leaves the noindex tier-1 page out, and lists it apart on request
            dash.click('a.tab[data-view="boost"]')
            dash.wait_for_selector("#boost-unindexed")
            dash.wait_for_load_state("networkidle")
            assert post not in dash.inner_text("main")
            dash.check("#boost-unindexed")
            dash.wait_for_selector("#boost-unindexed-section .boost-row")
            apart = dash.inner_text("#boost-unindexed-section")
            assert "Not indexable" in apart and "not indexable: the page is noindex" in apart
            dash.screenshot(path=str(artifacts / "boost-not-indexable-1366.png"), full_page=True)
    finally:
        comp.stop()
        sites.close()


def test_an_import_mapping_column_marks_guest_posts(cli, tmp_path):
    """`--map ...,guest_post=Mine`: the rows whose column is true are my guest posts (via `import`);
    the flag is no metric of the page; a word that is not a boolean skips its row, as imports do."""
    cli("init", "--domain", "mysite.test")
    export = tmp_path / "mine.csv"
    export.write_text("From,To,Mine\n"
                      f"{LONELY},{ME},yes\n{LINKED},{ME},no\nhttps://other.test/x,{ME},maybe\n", encoding="utf-8")
    summary = cli.json("import", str(export), "--map", "source_url=From,target_url=To,guest_post=Mine")
    assert summary["added"] == 2 and summary["skipped_rows"] == 1
    marked = cli.json("guest-posts")
    assert [(p["url"], p["via"]) for p in marked] == [(LONELY, "import")]
    stored = cli.json("backlinks", "--limit", "10")["backlinks"]
    assert all("guest_post" not in (b.get("metrics") or {}) for b in stored)
