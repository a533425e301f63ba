"""The browser checks what the crawler can't: the queue, the check through /api/analyze, and the
extension doing it in a real Chromium.

The crawler's `blocked` and `needs_browser` pages are queued (GET /api/browser-checks); a check
in the browser (origin `browser_check`, or a visit of a queued page) replaces the outcome, and
the item's history says "checked in the browser". A challenge page in the browser too stays
blocked and never marks the link lost.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from companion.monitor.recheck import Options, Run
from companion.workspace import Workspace
from websites import Site, sites  # noqa: F401  (fixture)
from test_outcomes import seed  # the same seeding: a profile, backlinks, placements

ME = "https://mysite.test/a"
LINK = f'<a href="{ME}">alpha</a>'
# The link is built by the page's script: the fetched HTML lacks it, a browser has it.
SCRIPT_PAGE = ("<!doctype html><html><head><title>Built by script</title></head><body><nav><a href='/'>Home</a></nav>"
               "<div id=\"root\"></div><script>document.getElementById('root').innerHTML = "
               f"'<p>Read {LINK.replace(chr(39), chr(34))} for more.</p>';</script></body></html>")
CHALLENGE = ("<!doctype html><html><head><title>Just a moment...</title></head><body>"
             "<script src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1'></script></body></html>")


def recheck(home):
    with Workspace(home) as ws:
        return Run(ws.store, lambda: ws.profile, Options(delay=0, timeout=2, allow_private_hosts=True)).execute()


def record(home, source):
    with Workspace(home) as ws:
        return ws.store.get_backlink(source, ME)


def page(body: str) -> str:
    return f"<!doctype html><html><head><title>A post</title></head><body>{body}</body></html>"


def test_queue_then_checked_in_the_browser(home, sites, client):  # noqa: F811
    site = sites.new()
    script = site.route("/script", body=SCRIPT_PAGE.encode())
    forbidden = site.route("/forbidden", status=403, body=b"<title>Forbidden</title>")
    challenged = site.route("/challenged", body=CHALLENGE.encode())
    fine = site.page("/fine", LINK)
    seed(home, [script, forbidden, challenged, fine], placements=[(forbidden, "https://tier1.test/p")])
    recheck(home)

    queue = client.api("GET", "/api/browser-checks")
    assert queue["total"] == 3 and queue["requested_at"] is None
    by_url = {p["url"]: p for p in queue["pages"]}
    assert set(by_url) == {script, forbidden, challenged}
    assert by_url[script]["outcome"] == "needs_browser" and by_url[forbidden]["outcome"] == "blocked"
    assert by_url[forbidden]["backlinks"] == 1 and by_url[forbidden]["placements"] == 1
    assert "403" in by_url[forbidden]["reason"]

    # the extension sends the live DOM of the script page: the link is there
    live = page(f"<nav><a href='/'>Home</a></nav><div id=root><p>Read {LINK} for more.</p></div>")
    answer = client.api("POST", "/api/analyze", json={"url": script, "html": live, "origin": "browser_check"})
    assert answer["browser_check"]["outcome"] == "ok"
    rec = record(home, script)
    assert (rec["outcome"], rec["outcome_via"], rec["status"]) == ("ok", "browser", "live")
    assert rec["checks"][-1]["via"] == "browser" and rec["checks"][-1]["note"] == "checked in the browser"
    assert rec["checks"][-1]["was"] == "needs_browser"

    # a visit of a queued page counts too: the 403 page, whose live DOM no longer has the link
    answer = client.api("POST", "/api/analyze", json={"url": forbidden, "html": page("<a href='/x'>x</a><p>gone</p>")})
    assert answer["browser_check"]["outcome"] == "ok"
    rec = record(home, forbidden)
    assert (rec["outcome"], rec["status"], rec["outcome_via"]) == ("lost", "lost", "browser")
    assert rec["checks"][-1]["reason"].startswith("checked in the browser (a visit)")
    with Workspace(home) as ws:
        placed = ws.store.all("placements")[0]
    assert placed["outcome"] == "lost" and placed["outcome_via"] == "browser"

    # a challenge in the browser too: still blocked, the link never marked lost
    answer = client.api("POST", "/api/analyze", json={"url": challenged, "html": CHALLENGE, "origin": "browser_check"})
    assert answer["browser_check"]["outcome"] == "blocked"
    rec = record(home, challenged)
    assert (rec["outcome"], rec["status"], rec["outcome_via"]) == ("blocked", "live", "browser")

    queue = client.api("GET", "/api/browser-checks")
    assert [p["url"] for p in queue["pages"]] == [challenged]
    # a visit of a page not queued is an ordinary visit
    assert "browser_check" not in client.api("POST", "/api/analyze", json={"url": fine, "html": page(LINK)})

    asked = client.api("POST", "/api/browser-checks/request")
    assert asked["requested_at"] and client.api("GET", "/api/browser-checks")["requested_at"] == asked["requested_at"]

    bad = client.request("POST", "/api/analyze", json={"url": fine, "html": "", "origin": "crawler"})
    assert bad.status == 400 and "origin" in bad.json()["error"]["message"]

    # the next recheck cannot see the link either: the page is queued for the browser again
    recheck(home)
    assert record(home, script)["outcome"] == "needs_browser"


def test_cli_lists_the_queue(home, sites, cli):  # noqa: F811
    site = sites.new()
    forbidden = site.route("/forbidden", status=429, body=b"slow down")
    seed(home, [forbidden])
    assert "no page waits" in cli("browser-checks").stdout.decode()
    recheck(home)
    out = cli.json("browser-checks")
    assert [p["url"] for p in out["pages"]] == [forbidden] and out["pages"][0]["outcome"] == "blocked"
    assert forbidden in cli("browser-checks").stdout.decode()


# --- the extension, in a real Chromium ----------------------------------------------------

@contextmanager
def queued_page(tmp_path, auto_analyze: bool):
    """A script-built page on 127.0.0.1 (a host the extension may read: its manifest's loopback
    permission), queued by a recheck of the real companion; Chromium with the extension paired.
    Yields (site, url, home, browser); the companion is stopped before the caller reads the store."""
    from extensionutil import CHROMIUM, Companion, chromium_with_extension, wait_for

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    site = Site("127.0.0.1")
    companion = None
    try:
        url = site.route("/script", body=SCRIPT_PAGE.encode())
        home = tmp_path / "home"
        seed(home, [url])
        companion = Companion(home)
        companion.start()
        companion.api("POST", "/api/recheck", json={"allow_private_hosts": True, "delay": 0}, expect=202)
        wait_for(lambda: companion.api("GET", "/api/recheck")["state"] == "done", what="the recheck")
        assert [p["url"] for p in companion.api("GET", "/api/browser-checks")["pages"]] == [url]
        with chromium_with_extension(tmp_path / "profile") as browser:
            browser.configure(companionUrl=companion.url, token=companion.token, autoAnalyze=auto_analyze, exclude=[])
            holder = browser.context.new_page()  # an extension page: the popup's host, a sender of messages
            holder.goto(f"chrome-extension://{browser.ext_id}/options.html")
            browser.holder = holder
            yield site, url, home, browser
    finally:
        if companion is not None:
            companion.stop()
        site.close()


def last_run(browser):
    return browser.eval("chrome.storage.session.get('browserChecks:last')").get("browserChecks:last") or {}


@pytest.mark.browser
def test_the_extension_opens_a_queued_page_in_a_background_tab_sends_it_and_closes_it(tmp_path):
    """Given a queued page (built by script: the recheck saw no link), "Check 1 page now" in the
    popup makes the extension open it in a background tab, send the live DOM with origin
    browser_check, and close the tab; the outcome becomes `ok`, via the browser."""
    from extensionutil import wait_for

    with queued_page(tmp_path, auto_analyze=True) as (site, url, home, browser):
        crawler_fetches = len(site.requests("/script"))
        tab = browser.holder.evaluate("chrome.tabs.getCurrent().then((t) => t.id)")
        popup = browser.popup(tab)
        popup.wait_for_selector("#browser-checks:not(.hidden)")
        assert popup.inner_text("#browser-checks-run") == "Check 1 page now"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        popup.screenshot(path=str(ARTIFACTS / "popup-browser-checks.png"), full_page=True)
        popup.click("#browser-checks-run")

        wait_for(lambda: last_run(browser).get("finished"), timeout=60, what="the run's end")
        [entry] = last_run(browser)["pages"]
        assert entry["url"] == url and entry["active"] is False and entry["closed"] is True
        assert entry["outcome"] == "ok", entry
        # the browser fetched it (a browser's User-Agent), and its tab is gone
        browser_fetches = site.requests("/script")[crawler_fetches:]
        assert browser_fetches and "TierlinkBot" not in browser_fetches[0]["ua"]
        assert url not in [p.url for p in browser.context.pages]
        assert browser.eval("u => chrome.tabs.query({url: u}).then((t) => t.length)", url) == 0
    rec = record(home, url)
    assert (rec["outcome"], rec["outcome_via"], rec["status"]) == ("ok", "browser", "live")
    assert rec["checks"][-1]["note"] == "checked in the browser" and rec["checks"][-1]["was"] == "needs_browser"


@pytest.mark.browser
def test_a_visit_of_a_queued_page_is_sent_as_a_browser_check_even_with_auto_analysis_off(tmp_path):
    """The user visits a queued page anyway: the extension, which knows the queue, sends it with
    origin browser_check although automatic analysis is off (nothing else is sent then), and
    sends the whole page, its script text included (a visit otherwise leaves it out: the
    companion keeps a check's page as its receipt)."""
    from extensionutil import wait_for

    with queued_page(tmp_path, auto_analyze=False) as (site, url, home, browser):
        browser.eval("""() => { globalThis.__copies = [];
            chrome.runtime.onMessage.addListener((m) => { if (m?.type === 'page-loaded') __copies.push(m); return false; }); }""")
        other = site.route("/other", body=page(LINK).encode())
        # the queue as the extension's alarm reads it (asked now rather than in a minute)
        status = browser.holder.evaluate("chrome.runtime.sendMessage({type: 'browser-checks-status'})")
        assert status["result"]["total"] == 1
        visit = browser.context.new_page()
        visit.goto(other)  # not queued, auto analysis off: not sent
        visit.goto(url)
        wait_for(lambda: (record(home, url) or {}).get("outcome_via") == "browser", timeout=30,
                 what="the visit's check in the browser")
        [copy] = browser.eval("() => globalThis.__copies.map((m) => ({url: m.url, html: m.html}))")
        assert copy["url"] == url and "getElementById('root').innerHTML" in copy["html"]
    rec = record(home, url)
    assert rec["outcome"] == "ok" and rec["checks"][-1]["reason"] == "checked in the browser"
    assert record(home, other) is None  # never sent: no link from it was discovered


ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
