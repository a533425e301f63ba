"""Honest outcomes: each check of a backlink or placement ends in one outcome, with its reason and time.

The rules table (companion.monitor.outcomes.RULES) is tested row by row, and a recheck
runs against real local web servers on 127.0.0.x with one page per outcome; NXDOMAIN
comes from a DNS stub on loopback (TIERLINK_DNS_SERVER). Only lost/soft_404/parked mark
a link lost; blocked and needs_browser never do.
"""

from __future__ import annotations

import pytest

from companion.monitor import checks, outcomes
from companion.monitor.outcomes import Page
from companion.monitor.recheck import Options, Run
from companion.workspace import Workspace
import dnsstub
from dnsstub import StubDNS
from websites import sites  # noqa: F401  (fixture)

ME = "https://mysite.test/a"
LINK = f'<p>Read <a href="{ME}">alpha</a> and <a href="https://other.test/">other</a>.</p>'
CHALLENGE = ("<!doctype html><html><head><title>Just a moment...</title></head><body>"
             "<script src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1'></script></body></html>")
PARKING = ("<!doctype html><html><head><title>example-lapsed.com</title></head><body>"
           "<h1>This domain is for sale!</h1><a href='https://www.hugedomains.com/domain_profile.cfm'>Buy now</a>"
           "<a href='/privacy'>Privacy</a></body></html>")
SOFT404 = ("<!doctype html><html><head><title>Page not found – A Blog</title></head><body>"
           "<a href='/'>Home</a><a href='/about'>About</a><p>Sorry.</p></body></html>")
SCRIPT = ("<!doctype html><html><head><title>An app</title></head><body><nav><a href='/'>Home</a></nav>"
          "<div id=\"root\"></div><script src='/bundle.js'></script></body></html>")

# One example per rule of the table: (rule name, the Page it matches)
EXAMPLES = {
    "nxdomain_after_answer": Page("http://a.test/p", failure="nxdomain", answered_before=True),
    "no_answer": Page("http://a.test/p", failure="timeout"),
    "challenge_title": Page("http://a.test/p", status=403, html="<title>Attention Required! | Cloudflare</title>"),
    "challenge_markup": Page("http://a.test/p", status=503, html=CHALLENGE.replace("Just a moment...", "x")),
    "offsite_redirect": Page("http://a.test/p", status=301, offsite=True),
    "gone": Page("http://a.test/p", status=410),
    "auth": Page("http://a.test/p", status=401),
    "rate_limited": Page("http://a.test/p", status=429),
    "server_error": Page("http://a.test/p", status=502),
    "informational": Page("http://a.test/p", status=103),
    "unfollowed_redirect": Page("http://a.test/p", status=308),
    "other_client_error": Page("http://a.test/p", status=451),
    "parking_page": Page("http://a.test/p", status=200, html=PARKING),
    "home_redirect": Page("http://a.test/2020/05/post", status=200, final_url="http://a.test/", html="<p>hi</p>"),
    "not_found_title": Page("http://a.test/p", status=200, html=SOFT404),
}


def test_every_rule_has_an_example():
    assert {r.name for r in outcomes.RULES} == set(EXAMPLES)
    assert len({r.name for r in outcomes.RULES + outcomes.SCRIPT_RULES}) == len(outcomes.RULES) + len(outcomes.SCRIPT_RULES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_rule_matches_its_example(name):
    rule = next(r for r in outcomes.RULES if r.name == name)
    verdict = outcomes.judge(EXAMPLES[name])
    assert verdict is not None and (verdict.rule, verdict.outcome) == (name, rule.outcome)
    assert verdict.reason


@pytest.mark.parametrize("page", [
    Page("http://a.test/p", status=200, html=f"<title>How to fix a 'page not found' error</title>{LINK}".replace(
        "page not found", "missing page")),
    Page("http://a.test/p", status=200, html="<title>Lost and found: a novel</title><p>text</p>"),
    Page("http://a.test/", status=200, final_url="http://a.test/", html="<p>home</p>"),
    Page("http://a.test/p", status=200, html="<title>A post</title><form class=g-recaptcha></form>"),
])
def test_ordinary_pages_match_no_rule(page):
    assert outcomes.judge(page) is None


def test_nxdomain_before_any_answer_is_unreachable_not_parked():
    verdict = outcomes.failure("http://a.test/p", "nxdomain", "DNS: a.test does not exist (NXDOMAIN)", False)
    assert verdict.outcome == "unreachable" and "NXDOMAIN" in verdict.reason
    assert outcomes.failure("http://a.test/p", "nxdomain", "x", True).outcome == "parked"


def test_script_rules():
    assert outcomes.needs_browser(SCRIPT, no_links=False).rule == "script_built"
    assert outcomes.needs_browser("<p>plain</p>", no_links=False) is None
    assert outcomes.needs_browser("", no_links=True).rule == "no_links"


def test_only_losses_mark_lost():
    assert {o for o in outcomes.OUTCOMES if outcomes.marks_lost(o)} == {"lost", "soft_404", "parked"}
    assert not outcomes.BROWSER & outcomes.LOSSES


# --- a recheck against real local servers ----------------------------------------------

def seed(home, sources, placements=(), database: str | None = None):
    with Workspace(home, database=database, user="alice" if database else None) as ws:
        ws.set_profile({"domains": ["mysite.test"]})
        ws.store.merge_backlinks([{"source_url": s, "target_url": ME, "anchor": "alpha", "first_seen": "2026-01-05",
                                   "last_seen": "2026-01-05"} for s in sources], "ahrefs")
        from companion.workflow import placements as pl

        for from_url, to_url in placements:
            pl.add(ws.store, ws.profile, from_url, to_url, anchor="tier two")


def run(home) -> tuple[dict, list[dict]]:
    with Workspace(home) as ws:
        r = Run(ws.store, lambda: ws.profile, Options(delay=0, timeout=2, allow_private_hosts=True))
        summary = r.execute()
        return summary, r.results


def record(home, source):
    with Workspace(home) as ws:
        return ws.store.get_backlink(source, ME)


@pytest.fixture
def web(sites):  # noqa: F811
    a, b = sites.new(), sites.new()
    urls = {
        "ok": a.page("/ok", LINK),
        "lost": a.page("/lost", '<a href="https://other.test/">only other links now</a>'),
        "gone": a.route("/gone", status=404),
        "away": a.route("/away", status=302, headers={"Location": b.url("/x")}),
        "soft_404": a.route("/soft", body=SOFT404.encode()),
        "home": a.route("/2020/05/deep-post", status=301, headers={"Location": "/"}),
        "parked": a.route("/parked", body=PARKING.encode()),
        "forbidden": a.route("/forbidden", status=403, body=b"<title>Forbidden</title>"),
        "too_many": a.route("/too-many", status=429, body=b"slow down"),
        "challenge": a.route("/challenge", body=CHALLENGE.encode()),
        "challenge503": a.route("/challenge503", status=503, body=CHALLENGE.encode()),
        "down": a.route("/down", status=500, body=b"oops"),
        "script": a.route("/script", body=SCRIPT.encode()),
        "empty": a.route("/empty", body=b"<html><body><div id=app></div></body></html>"),
        # reads like a not-found page, and still links to me: the link decides
        "reads_404": a.page("/fix-404", LINK, title="How to fix a 404 page not found error"),
    }
    a.page("/", "<p>home page</p>")
    b.page("/x", LINK)
    return urls


EXPECTED = {"ok": "ok", "lost": "lost", "gone": "lost", "away": "lost", "soft_404": "soft_404", "home": "soft_404",
            "parked": "parked", "forbidden": "blocked", "too_many": "blocked", "challenge": "blocked",
            "challenge503": "blocked", "down": "unreachable", "script": "needs_browser", "empty": "needs_browser",
            "reads_404": "ok"}


def test_each_page_gets_its_outcome_stored_with_reason_and_time(home, web):
    seed(home, web.values(), placements=[(web["challenge"], "https://tier1.test/p"), (web["parked"], "https://tier1.test/q")])
    summary, results = run(home)
    by_url = {r["url"]: r for r in results if r["kind"] == "backlink"}
    assert {case: by_url[url]["outcome"] for case, url in web.items()} == EXPECTED
    for case, url in web.items():
        rec = record(home, url)
        assert rec["outcome"] == EXPECTED[case], case
        assert rec["outcome_reason"] and rec["outcome_at"] and rec["outcome_via"] == "crawler"
        # only lost, soft_404 and parked mark the link lost
        assert rec["status"] == ("lost" if outcomes.marks_lost(EXPECTED[case]) else "live"), case
        assert rec["checks"][-1]["outcome"] == EXPECTED[case]
    assert "not found" in record(home, web["soft_404"])["outcome_reason"]
    assert "home page" in record(home, web["home"])["outcome_reason"]
    assert "403" in record(home, web["forbidden"])["outcome_reason"]
    assert "challenge" in record(home, web["challenge503"])["outcome_reason"]
    assert "JavaScript" in record(home, web["script"])["outcome_reason"]
    # the per-item results the alerts read, with the placements'
    places = {r["url"]: r for r in results if r["kind"] == "placement"}
    assert places[web["challenge"]]["outcome"] == "blocked" and places[web["parked"]]["outcome"] == "parked"
    assert places[web["parked"]]["status"] == "lost" and places[web["challenge"]]["status"] == "unchecked"
    one = by_url[web["gone"]]
    assert set(one) == {"kind", "id", "key", "url", "target_url", "outcome", "previous_outcome", "reason",
                        "checked_at", "changed", "status", "via"}
    assert one["previous_outcome"] is None and one["changed"] is True
    assert summary["outcomes"]["backlink"]["blocked"] == 4 and summary["outcomes"]["placement"] == {"blocked": 1,
                                                                                                     "parked": 1}
    with Workspace(home) as ws:
        placed = {p["from_url"]: p for p in ws.store.all("placements")}
    assert placed[web["challenge"]]["outcome"] == "blocked" and placed[web["challenge"]]["status"] == "unchecked"

    # a second run: same outcomes, nothing changed, the history not grown
    _, again = run(home)
    assert all(r["changed"] is False and r["previous_outcome"] == r["outcome"] for r in again)
    assert len(record(home, web["forbidden"])["checks"]) == 1


def test_team_mode_outcomes_are_stored_in_the_team_database(tmp_path, pg_url, web):
    """A recheck run by a real `tierlink serve --database URL` on a real PostgreSQL: each link's
    outcome, reason, time and history land in the shared database, so another member's companion
    reads the same (the records, the browser-check list, the placements) and a second run changes
    nothing."""
    from test_receipts import recheck_through
    from test_team import companion, tierlink

    tierlink(tmp_path / "alice", "init", "--domain", "mysite.test", url=pg_url)
    seed(tmp_path / "alice", web.values(), placements=[(web["parked"], "https://tier1.test/q")], database=pg_url)
    bob = companion(tmp_path, "bob", pg_url)
    try:
        summary = recheck_through(bob)
        assert summary["outcomes"]["backlink"]["blocked"] == 4 and summary["outcomes"]["placement"] == {"parked": 1}
        with Workspace(tmp_path / "alice", database=pg_url, user="alice") as ws:
            for case, url in web.items():
                rec = ws.store.get_backlink(url, ME)
                assert rec["outcome"] == EXPECTED[case], case
                assert rec["outcome_reason"] and rec["outcome_at"] and rec["outcome_via"] == "crawler"
                assert rec["status"] == ("lost" if outcomes.marks_lost(EXPECTED[case]) else "live"), case
                assert [c["outcome"] for c in rec["checks"]] == [EXPECTED[case]]
            [placed] = ws.store.all("placements")
            assert (placed["outcome"], placed["status"]) == ("parked", "lost")
        alice = companion(tmp_path, "alice", pg_url)
        try:
            queue = {p["url"]: p["outcome"] for p in alice.api("GET", "/api/browser-checks")["pages"]}
            assert queue == {url: EXPECTED[case] for case, url in web.items()
                             if EXPECTED[case] in ("blocked", "needs_browser")}, queue
        finally:
            alice.stop()
        recheck_through(bob)  # the same outcomes again: no change, the history not grown
        with Workspace(tmp_path / "alice", database=pg_url, user="alice") as ws:
            assert len(ws.store.get_backlink(web["forbidden"], ME)["checks"]) == 1
    finally:
        bob.stop()


# --- NXDOMAIN through a DNS stub ------------------------------------------------------

@pytest.fixture
def stub_dns(monkeypatch):
    stub = dnsstub.use(monkeypatch, StubDNS())
    yield stub
    stub.close()


def test_nxdomain_after_an_answer_is_parked_and_before_any_is_unreachable(home, sites, stub_dns):  # noqa: F811
    site = sites.new()
    site.page("/post", LINK)
    lapsing = f"http://lapsing.tierlink.test:{site.port}/post"
    never = f"http://never.tierlink.test:{site.port}/post"
    stub_dns.addresses["lapsing.tierlink.test"] = site.address
    seed(home, [lapsing, never])
    run(home)
    assert record(home, lapsing)["outcome"] == "ok" and record(home, lapsing)["answered_at"]
    rec = record(home, never)
    assert rec["outcome"] == "unreachable" and "NXDOMAIN" in rec["outcome_reason"] and rec["status"] == "live"

    del stub_dns.addresses["lapsing.tierlink.test"]  # the domain lapses
    _, results = run(home)
    rec = record(home, lapsing)
    assert rec["outcome"] == "parked" and "NXDOMAIN" in rec["outcome_reason"] and rec["status"] == "lost"
    change = next(r for r in results if r["url"] == lapsing)
    assert (change["previous_outcome"], change["outcome"], change["changed"]) == ("ok", "parked", True)
    assert record(home, never)["outcome"] == "unreachable"


def test_counts():
    assert checks.counts([{"kind": "backlink", "outcome": "ok"}, {"kind": "backlink", "outcome": "ok"},
                          {"kind": "placement", "outcome": "lost"}]) == {"backlink": {"ok": 2},
                                                                         "placement": {"lost": 1}}


def test_the_cli_says_the_outcomes_by_kind(home, sites, cli):  # noqa: F811
    site = sites.new()
    seed(home, [site.page("/ok", LINK), site.route("/no", status=403)])
    out = cli("recheck", "--allow-private-hosts", "--delay", "0", "--timeout", "2").stdout.decode()
    assert "backlink outcomes: 1 blocked, 1 ok" in out
    assert cli.json("recheck", "--allow-private-hosts", "--delay", "0")["outcomes"]["backlink"] == {"ok": 1, "blocked": 1}
