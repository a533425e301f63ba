"""The recheck is polite and safe, as the sites' own request logs show.

Politeness is a promise to the sites users link with (docs/SECURITY.md 21): robots.txt
fetched once per host and obeyed (Disallow, Crawl-delay), never two requests at
once to a host, at least --delay between two, a User-Agent naming the bot.
Safety (docs/SECURITY.md 20): loopback and private addresses are not fetched unless
--allow-private-hosts, judged on the address connected to, redirects included.
"""

from __future__ import annotations

from companion import PROJECT_URL, __version__
from test_recheck import LINK, seed
from websites import sites  # noqa: F401  (fixture)

DELAY = 0.15
SLACK = 0.005  # seconds: how late the test site may stamp the end of an answer (see its use)


def gaps(site):
    starts = sorted(e["start"] for e in site.requests())
    return [b - a for a, b in zip(starts, starts[1:])]


def test_one_request_at_a_time_per_host_with_the_delay_between(cli, home, sites):  # noqa: F811
    hosts = [sites.new() for _ in range(3)]
    rows = []
    for site in hosts:
        for i in range(5):
            rows.append({"source_url": site.page(f"/p{i}", LINK)})
    seed(home, rows)
    summary = cli.json("recheck", "--allow-private-hosts", "--delay", str(DELAY), "--concurrency", "3")
    assert summary["unchanged"] == 15 and summary["errors"] == []
    agent = f"TierlinkBot/{__version__} (+{PROJECT_URL})"
    for site in hosts:
        log = site.requests()
        assert [e["path"] for e in log].count("/robots.txt") == 1 and log[0]["path"] == "/robots.txt"
        assert len(log) == 7  # robots.txt, the sitemap (once per host per run: the indexability verdict), 5 pages
        assert [e["path"] for e in log].count("/sitemap.xml") == 1
        assert site.max_active == 1  # never two requests at once to a host
        assert min(gaps(site)) >= DELAY, gaps(site)
        assert {e["ua"] for e in log} == {agent}
    # hosts in parallel: each host's first request came before any host's last one
    firsts = [min(e["start"] for e in s.requests()) for s in hosts]
    lasts = [max(e["start"] for e in s.requests()) for s in hosts]
    assert max(firsts) < min(lasts)


def test_robots_disallow_and_crawl_delay(cli, home, sites):  # noqa: F811
    site = sites.new()
    site.route("/robots.txt", body=b"User-agent: *\nDisallow: /\n\nUser-agent: TierlinkBot\n"
                                   b"Disallow: /private\nCrawl-delay: 0.4\n",
               headers={"Content-Type": "text/plain"})
    private = site.page("/private/page", LINK)
    open_pages = [site.page(f"/open{i}", LINK) for i in range(3)]
    seed(home, [{"source_url": u} for u in [private, *open_pages]])
    summary = cli.json("recheck", "--allow-private-hosts", "--delay", "0")
    assert summary["skipped"] == [{"url": private, "reason": "robots.txt disallows it for TierlinkBot"}]
    assert summary["unchanged"] == 3
    assert "/private/page" not in site.paths()  # never fetched
    assert site.paths().count("/robots.txt") == 1
    assert min(gaps(site)) >= 0.4  # Crawl-delay between every two requests, robots.txt included


def test_crawl_delay_holds_from_robots_txt_to_the_first_page(cli, home, sites):  # noqa: F811
    """`Crawl-delay: 1`: robots.txt is the first request to the host, so the first page comes
    a second after it ends, as every later page does (it followed at once: gaps 0.00 s, then 5.00 s)."""
    site = sites.new()
    site.route("/robots.txt", body=b"User-agent: *\nCrawl-delay: 1\n", headers={"Content-Type": "text/plain"})
    pages = [site.page(f"/p{i}", LINK) for i in range(2)]
    seed(home, [{"source_url": u} for u in pages])
    summary = cli.json("recheck", "--allow-private-hosts", "--delay", "0")
    assert summary["unchanged"] == 2
    log = site.requests()
    assert [e["path"] for e in log] == ["/robots.txt", "/p0", "/sitemap.xml", "/p1"]  # the sitemap: once, when a page is judged
    waits = [b["start"] - a["end"] for a, b in zip(log, log[1:])]  # from the end of one to the next's start
    # SLACK: the site stamps a request's end after its last write returns, and a busy machine can
    # run that line after the fetcher has read the answer and started its wait (0.9989 s seen once
    # in a CI rehearsal); far below the bug this guards against (a gap of 0.00 s)
    assert all(1.0 - SLACK <= w < 1.5 for w in waits), waits


def test_robots_unavailable_means_wait(cli, home, sites):  # noqa: F811
    """robots.txt answering 5xx: nothing of that site is fetched this run (RFC 9309)."""
    site = sites.new()
    site.route("/robots.txt", status=503, body=b"")
    url = site.page("/page", LINK)
    seed(home, [{"source_url": url}])
    summary = cli.json("recheck", "--allow-private-hosts", "--delay", "0")
    assert "503" in summary["skipped"][0]["reason"]
    assert site.paths() == ["/robots.txt"]


def test_private_addresses_are_not_fetched_by_default(cli, home, sites, monkeypatch):  # noqa: F811
    # 'localhost' is a name, looked up (in /etc/hosts): the loopback-only setting of the tests would refuse it first
    monkeypatch.delenv("TIERLINK_FETCH_LOOPBACK_ONLY")
    site = sites.new()
    url = site.page("/page", LINK)
    named = site.url("/page").replace(site.address, "localhost")
    seed(home, [{"source_url": url}, {"source_url": named}])
    summary = cli.json("recheck", "--delay", "0")
    reasons = {s["url"]: s["reason"] for s in summary["skipped"]}
    assert reasons[url] == ("127.0.0.2 is a loopback address: not fetched unless private hosts are allowed "
                            "(--allow-private-hosts fetches it)")  # the CLI's words: its flag
    assert reasons[named].startswith("localhost resolves to a loopback address (")
    assert summary["errors"] == [] and summary["changes"] == []
    assert site.requests() == []  # not even robots.txt


def test_redirect_hops_are_checked_too(sites):  # noqa: F811
    """A redirect to a private address is refused at that hop, before any request to it."""
    from companion.monitor.fetch import FetchError, Fetcher

    inner = sites.new()
    inner.page("/secret", LINK)
    with Fetcher(timeout=2, allow_private=False) as fetcher:
        for hop in (inner.url("/secret"), "http://[::1]:9/", "http://169.254.169.254/latest/meta-data/"):
            try:
                fetcher.get(hop)
            except FetchError as exc:
                assert exc.kind == "refused"
            else:
                raise AssertionError(f"{hop} was fetched")
    assert inner.requests() == []


def test_redirect_loop_stops_after_ten(cli, home, sites):  # noqa: F811
    site = sites.new()
    for i in range(12):
        site.route(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    url = site.url("/r0")
    seed(home, [{"source_url": url}])
    summary = cli.json("recheck", "--allow-private-hosts", "--delay", "0")
    assert "more than 10 redirects" in summary["errors"][0]["reason"]
    assert site.paths().count("/r10") == 1 and "/r11" not in site.paths()


def test_loopback_only_refuses_a_public_name_before_any_lookup(client, home, sites):  # noqa: F811
    """TIERLINK_FETCH_LOOPBACK_ONLY=1 (the suite's setting): a fuzzed public host such as `0.com`,
    stored and then rechecked through the API, is skipped without a single DNS lookup (the guard
    would have refused it, not let it out), even with private hosts allowed; a loopback literal
    is still fetched."""
    import os
    import time

    from netguard import lookups

    assert os.environ["TIERLINK_FETCH_LOOPBACK_ONLY"] == "1"
    site = sites.new()
    local = site.page("/page", LINK)
    public = ["http://0.com/", "https://www.example.org/post", "http://xn--bcher-kva.example/", "http://[2001:db8::1]/"]
    seed(home, [{"source_url": u} for u in [*public, local]])
    with lookups() as names:
        for allow in (False, True):
            client.api("POST", "/api/recheck", {"allow_private_hosts": allow, "delay": 0}, expect=202)
            while (state := client.api("GET", "/api/recheck"))["state"] == "running":
                time.sleep(0.05)
            reasons = {s["url"]: s["reason"] for s in state["summary"]["skipped"]}
            assert all("not a loopback address literal" in reasons[u] for u in public), reasons
    assert names == []  # not one lookup, not even one refused by the guard
    assert state["summary"]["unchanged"] == 1 and site.paths() == ["/robots.txt", "/page", "/sitemap.xml"]  # the literal: fetched
