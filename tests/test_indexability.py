"""The indexability verdict, one reason at a time, on real local pages (tests/websites.py).

Each case is a page served on 127.0.0.x and fetched by a real recheck (robots.txt, sitemaps
and all), then the verdict kept for the page is read back; a visit (`POST /api/analyze`
through the workspace, with the page's response headers) gives the page's own signals.
What must hold: Google's noindex counts and another bot's does not, a canonical elsewhere
blocks and an equivalent one does not, robots.txt disallowing Googlebot blocks, a soft 404
blocks, and the sitemap is a reason, never a verdict.
"""

from __future__ import annotations

import pytest

from companion.workflow import indexstate
from companion.workspace import Workspace
from test_recheck import LINK, ME, recheck, seed
from websites import sites  # noqa: F401  (fixture)


def verdicts(home, urls: dict[str, str]) -> dict[str, dict]:
    from companion.analysis.urls import page_key

    with Workspace(home) as ws:
        found = indexstate.lookup(ws.store, [page_key(u) for u in urls.values()])
    return {case: found.get(page_key(url)) for case, url in urls.items()}


@pytest.fixture
def web(sites, home):  # noqa: F811
    """One site, one page per reason; robots.txt disallows one page for Googlebot only (our crawler
    may fetch it); the sitemap lists some of the pages."""
    a = sites.new()
    head = lambda tags: LINK.replace("<p>", tags + "<p>", 1)  # noqa: E731 - tags land in the body: lxml moves meta
    urls = {
        "plain": a.page("/plain", LINK),
        "meta_google": a.page("/meta-google", head('<meta name="googlebot" content="noindex, follow">')),
        "meta_robots": a.page("/meta-robots", head('<meta name="robots" content="none">')),
        "meta_bing": a.page("/meta-bing", head('<meta name="bingbot" content="noindex">')),
        "header_google": a.page("/header-google", LINK, headers={"X-Robots-Tag": "googlebot: noindex"}),
        "header_all": a.page("/header-all", LINK, headers={"X-Robots-Tag": "noindex"}),
        "header_bing": a.page("/header-bing", LINK, headers={"X-Robots-Tag": "bingbot: noindex"}),
        "canonical_elsewhere": a.page("/canon-away", head(f'<link rel="canonical" href="{a.url("/plain")}">')),
        "canonical_equivalent": a.page("/canon-same", head(
            f'<link rel="canonical" href="{a.url("/canon-same/")}?utm_source=feed">')),
        "robots_google": a.page("/no-google/page", LINK),
        "soft_404": a.page("/soft", LINK, title="Page not found – Example"),
    }
    a.route("/robots.txt", body=(b"User-agent: Googlebot\nDisallow: /no-google/\n\nUser-agent: *\nAllow: /\n\n"
                                 + f"Sitemap: {a.url('/sitemap.xml')}\n".encode()),
            headers={"Content-Type": "text/plain"})
    listed = [urls["plain"], urls["meta_bing"], urls["canonical_equivalent"] + "?utm_medium=x"]
    a.route("/sitemap.xml", body=_urlset(listed), headers={"Content-Type": "application/xml"})
    seed(home, [{"source_url": u} for u in urls.values()])
    return a, urls


def _urlset(locs) -> bytes:
    body = "".join(f"<url><loc>{u}</loc></url>" for u in locs)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'.encode()


def test_each_reason_on_a_rechecked_page(cli, home, web):
    site, urls = web
    summary = recheck(cli)
    assert summary["errors"] == [] and summary["checked"] == len(urls)
    v = verdicts(home, urls)
    state = {case: v[case]["state"] for case in urls}
    assert state == {
        "plain": "indexable", "meta_google": "not_indexable", "meta_robots": "not_indexable",
        "meta_bing": "indexable", "header_google": "not_indexable", "header_all": "not_indexable",
        "header_bing": "indexable", "canonical_elsewhere": "not_indexable", "canonical_equivalent": "indexable",
        "robots_google": "not_indexable", "soft_404": "not_indexable",
    }
    first = {case: v[case]["codes"][0] for case in urls if v[case]["state"] == "not_indexable"}
    assert first == {"meta_google": "noindex_meta", "meta_robots": "noindex_meta", "header_google": "noindex_header",
                     "header_all": "noindex_header", "canonical_elsewhere": "canonical_elsewhere",
                     "robots_google": "robots_txt_disallow", "soft_404": "soft_404"}
    # another bot's noindex is quoted as a note, never a block
    assert "other_bot_noindex" in v["meta_bing"]["codes"] and "other_bot_noindex" in v["header_bing"]["codes"]
    assert any("bingbot" in r and "not Google" in r for r in v["header_bing"]["reasons"])
    # the evidence is quoted
    assert any('content="noindex, follow"' in r for r in v["meta_google"]["reasons"])
    assert any(urls["plain"] in r for r in v["canonical_elsewhere"]["reasons"])
    assert "equivalent address" in " ".join(v["canonical_equivalent"]["reasons"])
    assert v["robots_google"]["robots_txt"] == "disallowed" and v["plain"]["robots_txt"] == "allowed"
    # sitemap: listed / not listed, a reason and never a verdict (canon-same listed under an equivalent URL)
    assert {c: v[c]["sitemap"] for c in ("plain", "meta_bing", "canonical_equivalent", "header_bing")} == {
        "plain": "listed", "meta_bing": "listed", "canonical_equivalent": "listed", "header_bing": "not listed"}
    assert v["header_bing"]["state"] == "indexable" and "sitemap_not_listed" in v["header_bing"]["codes"]
    # the summary lists the pages that will not be indexed, with their reasons
    assert sorted(i["url"] for i in summary["not_indexable"]) == sorted(urls[c] for c in first)
    # robots.txt was read once, and the sitemap once, for the whole run
    assert site.paths().count("/robots.txt") == 1 and site.paths().count("/sitemap.xml") == 1


def test_a_visit_gives_the_page_own_signals_and_keeps_the_host_evidence(cli, home, web):
    """A visit reads no robots.txt: a tier-1 page disallowed for Googlebot stays not indexable
    after a visit, from what the recheck learnt; a visit's header noindex for another bot only
    leaves the page indexable; for googlebot it is not indexable with the header quoted."""
    site, urls = web
    recheck(cli)
    html = f"<html><head><title>T</title></head><body>{LINK}</body></html>"
    with Workspace(home) as ws:
        again = ws.analyze(urls["robots_google"], html)
        bing = ws.analyze(urls["plain"], html, headers={"X-Robots-Tag": "bingbot: noindex"})
        google = ws.analyze(urls["plain"], html, headers={"x-robots-tag": ["index", "googlebot: noindex"]})
    assert again["indexability"]["state"] == "not_indexable" and "not_indexable" in again["labels"]
    assert again["indexability"]["codes"][0] == "robots_txt_disallow"
    assert "worth_boosting" not in again["labels"]
    assert bing["indexability"]["state"] == "indexable" and "not_indexable" not in bing["labels"]
    assert google["indexability"]["state"] == "not_indexable"
    assert google["boost"]["reasons"][1].startswith("the page is not indexable: the response is noindex: "
                                                     "X-Robots-Tag: googlebot: noindex")
    assert google["indexability"]["sitemap"] == "listed"  # the recheck's sitemap evidence, kept


def test_every_analysed_page_carries_a_verdict(client):
    """Any page, tier-1 or not: `indexability` in the /api/analyze answer, from the page alone."""
    page = ('<html><head><link rel="canonical" href="https://blog.test/elsewhere"></head>'
            '<body><a href="https://x.test/">x</a></body></html>')
    v = client.api("POST", "/api/analyze", json={"url": "https://blog.test/here", "html": page})["indexability"]
    assert v["state"] == "not_indexable" and v["codes"] == ["canonical_elsewhere", "no_noindex"]
    assert v["sitemap"] is None and v["robots_txt"] is None  # not read on a visit


def test_verdicts_are_kept_in_one_write_and_in_team_mode(home, pg_url):
    """A recheck keeps hundreds of verdicts in one durable write (embedded store), and the team's
    database keeps them as well (one upsert each); a changed verdict replaces the stored one."""
    from companion.analysis import indexability

    noindex = indexability.verdict(page_read=True, blocking=[("noindex_meta", "the page is noindex")], notes=[])
    fine = indexability.verdict(page_read=True, blocking=[], notes=[("no_canonical", "no canonical")])
    for database in (None, pg_url):
        with Workspace(home, database=database) as ws:
            keys = [f"blog.test/p{i}" for i in range(300)]
            before = ws.store.table_versions.get("indexability", 0)
            assert indexstate.record(ws.store, {k: noindex for k in keys}) == 300
            if database is None:
                assert ws.store.table_versions["indexability"] == before + 1  # one write step for 300 pages
            assert indexstate.record(ws.store, {k: noindex for k in keys}) == 0  # unchanged: nothing written
            assert indexstate.record(ws.store, {keys[0]: fine}) == 1
            found = indexstate.lookup(ws.store, keys[:2])
            assert found[keys[0]]["state"] == "indexable" and found[keys[1]]["state"] == "not_indexable"
            assert len(indexstate.not_indexable(ws.store)) == 299
