"""`tierlink recheck` judges each stored page as a visit would, against real local web servers.

One run over a small web of pages (each a case of the issue) and then what the
summary says and what the store keeps. Errors must never turn into lost links:
a failed fetch is no evidence.
"""

from __future__ import annotations

import json

import brotli
import pytest

from companion.workspace import Workspace
from websites import sites  # noqa: F401  (fixture)

ME = "https://mysite.test/a"
STAMP = "2026-01-05"


def seed(home, rows, placements=()):
    with Workspace(home) as ws:
        ws.set_profile({"domains": ["mysite.test"]})
        ws.store.merge_backlinks([{"target_url": ME, "anchor": "alpha", "first_seen": STAMP, "last_seen": STAMP,
                                   **row} for row in rows], "ahrefs")
        from companion.workflow import placements as pl

        for from_url, to_url in placements:
            pl.add(ws.store, ws.profile, from_url, to_url, anchor="tier two")


def stored(home, source_url, target_url=ME):
    with Workspace(home) as ws:
        return ws.store.get_backlink(source_url, target_url)


def recheck(cli, *extra):
    return cli.json("recheck", "--allow-private-hosts", "--delay", "0.02", "--timeout", "0.5", *extra)


LINK = f'<p>Read <a href="{ME}">alpha</a> and <a href="https://other.test/">other</a>.</p>'


@pytest.fixture
def web(sites, home):  # noqa: F811
    """Two sites with one page per case; the backlink list names every page."""
    a, b = sites.new(), sites.new()
    urls = {
        "unchanged": a.page("/unchanged", LINK),
        "lost": a.page("/lost", '<a href="https://other.test/">only other links now</a>'),
        "nofollow": a.page("/nofollow", f'<a rel="nofollow" href="{ME}">alpha</a><a href="/x">x</a>'),
        "xrobots": a.page("/xrobots", LINK, headers={"X-Robots-Tag": "googlebot: nofollow"}),
        "gone": a.route("/gone", status=404, body=b"<html><body>Not found</body></html>"),
        "gone410": a.route("/gone410", status=410, body=b""),
        "moved": a.route("/moved", status=301, headers={"Location": "/moved-here"}),
        "away": a.route("/away", status=302, headers={"Location": b.url("/elsewhere")}),
        "slow": a.page("/slow", LINK, delay=3.0),
        "down": a.route("/down", status=503, body=b"busy"),
        "huge": a.route("/huge", body=(f"<html><body>{LINK}".encode() + b"<p>filler</p>" * 900_000
                                       + f'<a href="https://mysite.test/late">late</a>'.encode())),
        # wrong charsets in the header: the page's own meta tag, then UTF-8 itself, win
        "charset": a.route("/charset", body=('<html><head><meta charset="windows-1252"></head><body>'
                                             '<a href="https://mysite.test/a">café crème</a>'
                                             '<a href="/x">x</a></body></html>').encode("cp1252"),
                           headers={"Content-Type": "text/html; charset=utf-8"}),
        "charset2": a.route("/charset2", body=('<html><body><a href="https://mysite.test/a">café crème</a>'
                                               '<a href="/x">x</a></body></html>').encode("utf-8"),
                            headers={"Content-Type": "text/html; charset=iso-8859-1"}),
        "gzip": a.page("/gzip", LINK, gzip=True),
        "brotli": a.route("/brotli", body=brotli.compress(f"<html><body>{LINK}</body></html>".encode()),
                          headers={"Content-Encoding": "br"}),
        "js": a.route("/js", body=b"<html><body><div id=app></div><script src=/app.js></script></body></html>"),
        "new": a.page("/new", LINK + '<a href="https://mysite.test/fresh">fresh one</a>'),
    }
    a.page("/moved-here", LINK)
    b.page("/elsewhere", LINK)
    rows = [{"source_url": url} for url in urls.values()]
    rows = [dict(r, anchor="café crème") if "charset" in r["source_url"] else r for r in rows]
    rows.append({"source_url": urls["huge"], "target_url": "https://mysite.test/late", "anchor": "late"})
    seed(home, rows)
    return urls, a, b


def test_each_case_is_judged_like_a_visit(cli, home, web):
    urls, a, b = web
    summary = recheck(cli)
    changes = {(c["source_url"], c["target_url"]): c for c in summary["changes"]}
    errors = {e["url"]: e["reason"] for e in summary["errors"]}
    skipped = {s["url"]: s["reason"] for s in summary["skipped"]}

    def change(case, target=ME):
        return changes.get((urls[case], target))

    assert set(summary) == {"checked", "unchanged", "changes", "errors", "skipped", "not_indexable", "outcomes"}
    # unchanged pages: plain, gzip, brotli, wrong charsets in the header, a same-site redirect
    for case in ("unchanged", "gzip", "brotli", "charset", "charset2", "moved"):
        assert change(case) is None, (case, summary)
        assert stored(home, urls[case])["status"] == "live"
        assert urls[case] not in errors and urls[case] not in skipped
    assert stored(home, urls["moved"])["final_url"] == a.url("/moved-here")
    assert stored(home, urls["charset"])["anchor"] == "café crème"

    assert change("lost")["kind"] == "lost" and change("lost")["reason"]
    assert stored(home, urls["lost"])["status"] == "lost"
    # follow → nofollow is a loss, and says why (it wore a green badge with an empty "Why")
    assert change("nofollow") == {"kind": "rel_changed", "source_url": urls["nofollow"], "target_url": ME,
                                  "was": "follow", "now": "nofollow", "loss": True,
                                  "reason": 'the link now carries rel="nofollow": it no longer passes link value'}
    assert change("xrobots")["kind"] == "rel_changed" and change("xrobots")["now"] == "nofollow (page)"
    assert change("xrobots")["loss"] and "X-Robots-Tag" in change("xrobots")["reason"]
    assert all(c["reason"] and isinstance(c["loss"], bool) for c in summary["changes"])
    assert change("lost")["loss"] and not change("new", "https://mysite.test/fresh")["loss"]
    assert stored(home, urls["xrobots"])["follow"] is False

    assert change("gone")["kind"] == "lost" and "404" in change("gone")["reason"]
    assert change("gone410")["kind"] == "lost" and "410" in change("gone410")["reason"]
    assert change("away")["kind"] == "lost" and "another site" in change("away")["reason"]
    assert b.requests("/elsewhere") == []  # an off-site redirect is not followed

    assert "timed out" in errors[urls["slow"]] and "503" in errors[urls["down"]]
    for case in ("slow", "down"):
        assert change(case) is None
        record = stored(home, urls[case])
        assert record["status"] == "live" and record["check_failures"] == 1

    assert "needs a browser" in skipped[urls["js"]]
    assert stored(home, urls["js"])["status"] == "live"

    # the huge page is cut: the link before the cut is seen, the one after it is not judged
    assert change("huge") is None and change("huge", "https://mysite.test/late") is None
    assert "10 MiB" in skipped[urls["huge"]]
    assert stored(home, urls["huge"], "https://mysite.test/late")["status"] == "live"

    fresh = change("new", "https://mysite.test/fresh")
    assert fresh["kind"] == "new" and fresh["now"] == "fresh one"
    assert stored(home, urls["new"], "https://mysite.test/fresh")["origins"] == ["recheck"]

    assert summary["checked"] == len(urls) - 3  # all but the two errors and the page that needs a browser
    assert summary["unchanged"] == 6  # unchanged, gzip, brotli, charset, charset2, moved (the huge page is skipped instead)
    for case, url in urls.items():
        assert stored(home, url)["checked_at"], case


def test_a_second_run_reports_no_change_again(cli, home, web):
    """Lost links stay lost without being reported twice; only the failing pages are errors again."""
    urls, a, b = web
    recheck(cli)
    again = recheck(cli)
    assert again["changes"] == []
    assert {e["url"] for e in again["errors"]} == {urls["slow"], urls["down"]}


def test_three_failures_in_a_row_are_noted(cli, home, sites):  # noqa: F811
    site = sites.new()
    url = site.route("/down", status=500, body=b"")
    seed(home, [{"source_url": url}])
    for run in range(1, 4):
        summary = recheck(cli)
        assert summary["changes"] == [] and summary["checked"] == 0
    assert "3 failed rechecks in a row" in summary["errors"][0]["reason"]
    record = stored(home, url)
    assert record["status"] == "live" and record["check_failures"] == 3 and "500" in record["check_error"]
    site.route("/down", body=LINK.encode())
    assert recheck(cli)["unchanged"] == 1
    assert stored(home, url)["check_failures"] == 0


def test_options_pick_pages_oldest_check_first(cli, home, sites):  # noqa: F811
    site = sites.new()
    first, second = site.page("/one", LINK), site.page("/two", LINK)
    seed(home, [{"source_url": first}, {"source_url": second}])
    assert recheck(cli, "--limit", "1")["checked"] == 1
    assert recheck(cli, "--limit", "1")["checked"] == 1
    assert site.paths().count("/one") == 1 and site.paths().count("/two") == 1  # the unchecked one went next
    assert recheck(cli, "--older-than", "1")["checked"] == 0  # both checked today
    assert recheck(cli, "--only", "placements")["checked"] == 0


def test_bad_options_are_one_line_errors(cli, home):
    assert "concurrency" in cli.fails("recheck", "--concurrency", "0")
    assert "only" in cli.fails("recheck", "--only", "everything")
    assert "delay" in cli.fails("recheck", "--delay", "-1")


def test_human_output(cli, home, sites):  # noqa: F811
    site = sites.new()
    url = site.route("/gone", status=404, body=b"")
    seed(home, [{"source_url": url}])
    proc = cli("recheck", "--allow-private-hosts", "--delay", "0")
    out = proc.stdout.decode()
    assert "1 pages checked" in out and "lost" in out and "404" in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)
