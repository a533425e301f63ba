"""GET /api/backlinks pages on the server: limit/offset, every sort, every filter, the text
search and the totals, on both stores (SQLite, and PostgreSQL via tests/pgutil.py), through a
real `tierlink serve`; bad parameters are a 400 in the one error shape.

Why: the whole list was one answer (620 MB of JSON at a million backlinks, issue 22 item 6).
The oracle here is the whole list read a page at a time and filtered or sorted in Python;
the two stores must list the same rows in the same order.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from serverutil import CompanionServer

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = Path(__file__).parent / "fixtures" / "exports"
FILES = ["semrush-backlinks.csv", "ahrefs-v3.csv", "majestic-backlinks.csv", "moz-ose-legacy.csv", "gsc-latest-links.csv"]
SORTS = {"authority": ("common", "desc"), "first_seen": ("first_seen", "desc"),
         "last_seen": ("last_seen", "desc"), "domain": ("host", "asc")}


def _cli(home: Path, *args: str, database: str | None = None) -> subprocess.CompletedProcess:
    extra = ["--database", database] if database else []
    proc = subprocess.run([sys.executable, "-m", "companion", "--home", str(home), *extra, *args],
                          capture_output=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc


def _start(home: Path, database: str | None) -> CompanionServer:
    _cli(home, "init", "--domain", "example.com", database=database)
    for name in FILES:
        _cli(home, "import", str(EXPORTS / name), database=database)
    return CompanionServer(home, extra_args=("--database", database) if database else ()).start()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    srv = _start(tmp_path_factory.mktemp("list") / "home", None)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def team(tmp_path_factory, pg_cluster):
    srv = _start(tmp_path_factory.mktemp("list") / "home", pg_cluster.new_database())
    yield srv
    srv.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request):
    return request.getfixturevalue("embedded" if request.param == "sqlite" else "team")


def _all(srv, query: str = "") -> tuple[list[dict], int]:
    """Every row a query lists, page by page (3 rows a page: paging is under test too)."""
    rows, offset, total = [], 0, None
    while offset is not None:
        page = srv.api("GET", f"/api/backlinks?limit=3&offset={offset}{query}")
        assert page["limit"] == 3 and page["offset"] == offset
        assert total in (None, page["total"])
        total = page["total"]
        rows += page["backlinks"]
        offset = page["next_offset"]
        assert len(rows) <= total
    return rows, total


def _pair(row: dict) -> tuple[str, str]:
    return row["source_url"], row["target_url"]


def _host(row: dict) -> str:
    host = row["source_url"].split("//", 1)[1].split("/", 1)[0].lower()
    return host[4:] if host.startswith("www.") else host


def _value(row: dict, field: str):
    return {"common": row["authority"]["common"], "host": _host(row)}.get(field, row.get(field))


def test_pages_add_up_to_the_whole_list(server):
    rows, total = _all(server)
    assert total == len(rows) == len({_pair(r) for r in rows}) >= 20
    first = server.api("GET", "/api/backlinks")
    assert (first["limit"], first["offset"], first["total"]) == (100, 0, total)
    assert first["next_offset"] is None and [_pair(r) for r in first["backlinks"]] == [_pair(r) for r in rows]
    two = server.api("GET", "/api/backlinks?limit=2&offset=4")
    assert [_pair(r) for r in two["backlinks"]] == [_pair(r) for r in rows[4:6]] and two["next_offset"] == 6
    beyond = server.api("GET", f"/api/backlinks?offset={total + 5}")
    assert beyond["backlinks"] == [] and beyond["total"] == total and beyond["next_offset"] is None


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("order", [None, "asc", "desc"])
def test_every_sort_both_ways(server, sort, order):
    field, default = SORTS[sort]
    rows, total = _all(server, f"&sort={sort}" + (f"&order={order}" if order else ""))
    assert total == len(rows)
    values = [_value(r, field) for r in rows]
    known = [v for v in values if v is not None]
    descending = (order or default) == "desc"
    assert known == sorted(known, reverse=descending), values
    # unknown values (no tool gave an authority, no date) last when descending, first when ascending
    unknown = [i for i, v in enumerate(values) if v is None]
    if unknown:
        expected = list(range(len(values) - len(unknown), len(values))) if descending else list(range(len(unknown)))
        assert unknown == expected
    if sort == "authority":
        assert len(set(known)) > 5 and unknown  # the fixtures hold several tools' values and rows with none


def test_both_stores_list_the_same_rows_in_the_same_order(embedded, team):
    for query in ["", "&sort=first_seen", "&sort=last_seen&order=asc", "&sort=domain", "&sort=authority&order=asc",
                  "&status=live&follow=false", "&tool=ahrefs"]:
        a, b = _all(embedded, query), _all(team, query)
        assert [_pair(r) for r in a[0]] == [_pair(r) for r in b[0]], query
        assert a[1] == b[1]


def test_every_filter_and_its_total(server):
    rows, _ = _all(server)
    cases = {
        "&status=live": lambda r: r["status"] == "live",
        "&status=lost": lambda r: r["status"] == "lost",
        "&follow=true": lambda r: r["follow"],
        "&follow=false": lambda r: not r["follow"],
        "&tool=semrush": lambda r: "semrush" in r["origins"],
        "&tool=majestic": lambda r: "majestic" in r["origins"],
        "&tool=bing": lambda r: False,
        "&status=live&follow=false&tool=ahrefs": lambda r: r["status"] == "live" and not r["follow"]
                                                         and "ahrefs" in r["origins"],
    }
    host = _host(rows[0])
    cases[f"&domain={host}"] = lambda r: _host(r) == host
    cases[f"&domain=WWW.{host.upper()}"] = lambda r: _host(r) == host
    for query, keep in cases.items():
        want = {_pair(r) for r in rows if keep(r)}
        got, total = _all(server, query + "&sort=domain")
        assert {_pair(r) for r in got} == want and total == len(want), query
    assert any(len({_pair(r) for r in rows if keep(r)}) for keep in cases.values())


def test_text_search_finds_words_of_the_urls_anchor_and_title(server):
    rows, _ = _all(server)
    row = next(r for r in rows if r["anchor"] and len(r["anchor"].split()) > 1)
    word = max((w for w in row["anchor"].split() if w.isalpha()), key=len).lower()
    got, total = _all(server, f"&q={word}")
    assert _pair(row) in {_pair(r) for r in got} and total == len(got) < len(rows)
    for r in got:
        text = " ".join([r["source_url"], r["target_url"], r["anchor"], r["title"]]).lower()
        assert word[:4] in text, (word, r)  # stemmed: "widgets" finds "widget"
    # every word must match; a host's words match its URLs
    host = _host(row).split(".")[0]
    both, _ = _all(server, f"&q={word}%20{host}")
    assert _pair(row) in {_pair(r) for r in both} and len(both) <= len(got)
    assert server.api("GET", "/api/backlinks?q=zzqqxxnothing")["total"] == 0
    # combined with a sort and a filter
    live, _ = _all(server, f"&q={word}&status=live&sort=first_seen")
    assert {_pair(r) for r in live} == {_pair(r) for r in got if r["status"] == "live"}


def test_each_row_carries_its_tools_authority(server):
    rows, _ = _all(server)
    for r in rows:
        assert set(r["authority"]) == {"page", "domain", "page_label", "domain_label", "tool", "common"}
    only = {tool: [r["authority"] for r in rows if r["origins"] == [tool]] for tool in ("semrush", "ahrefs", "moz",
                                                                                       "majestic", "gsc")}
    semrush = only["semrush"][0]
    assert semrush["page_label"] == "Semrush Page ascore" and semrush["domain"] is None
    assert semrush["tool"] == "semrush"
    assert semrush["common"] == semrush["page"]  # no domain level in Semrush's export: the page's own stands for it
    ahrefs = next(r["authority"] for r in rows if r["authority"]["domain_label"] == "Ahrefs DR")
    assert (ahrefs["page_label"], ahrefs["domain_label"], ahrefs["tool"]) == ("Ahrefs UR", "Ahrefs DR", "ahrefs")
    assert ahrefs["common"] == ahrefs["domain"]
    assert only["moz"][0]["domain_label"] == "Moz Domain Authority" and only["moz"][0]["tool"] == "moz"
    # Search Console gives no authority: nothing to show, sorted last
    assert only["gsc"] and all(a == {"page": None, "domain": None, "page_label": None, "domain_label": None,
                                     "tool": None, "common": None} for a in only["gsc"])


@pytest.mark.parametrize("query", [
    "limit=0", "limit=1001", "limit=abc", "limit=", "limit=1.5", "offset=-1", "offset=x", "sort=dr", "sort=",
    "order=up", "order=", "status=", "status=dead", "follow=yes", "follow=", "tool=google", "tool=", "q=", "q=!!!",
    "q=" + "a" * 201, "domain=", "domain=a/b", "domain=" + "a" * 254,
])
def test_bad_parameters_are_400_in_the_error_shape(embedded, query):
    r = embedded.request("GET", f"/api/backlinks?{query}")
    assert r.status == 400, (query, r)
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == "bad_input" and body["error"]["message"], body


def test_the_cli_pages_sorts_and_shows_authority_and_dates(embedded):
    home = embedded.home
    out = json.loads(_cli(home, "backlinks", "--limit", "2", "--offset", "1", "--sort", "first_seen", "--json").stdout)
    api = embedded.api("GET", "/api/backlinks?limit=2&offset=1&sort=first_seen")
    assert out == api and len(out["backlinks"]) == 2 and out["next_offset"] == 3
    default = json.loads(_cli(home, "backlinks", "--json").stdout)
    assert default["limit"] == 50
    text = _cli(home, "backlinks", "--limit", "3", "--tool", "semrush", "--nofollow").stdout.decode()
    lines = text.strip().splitlines()
    first = embedded.api("GET", "/api/backlinks?limit=3&tool=semrush&follow=false")["backlinks"]
    assert len(lines) == len(first) > 0
    for line, row in zip(lines, first):
        assert row["source_url"] in line and f"({row['authority']['tool']})" in line
        assert (row["first_seen"] or "-")[:10] in line


@pytest.mark.parametrize("few", [0, 10**9])
def test_walking_the_sort_index_and_reading_the_filtered_rows_agree(embedded, monkeypatch, few):
    """SQLite pages a filter matching many rows by walking the sort's index, one matching few
    by reading those rows and sorting them (sqlstore._LIST_FEW): both answer the same page."""
    from companion.store import listing, sqlstore
    from companion.store.store import Store

    store = Store.open(embedded.home)
    try:
        for kwargs in [{}, {"status": "live"}, {"follow": False, "sort": "first_seen"}, {"tool": "semrush"},
                       {"tool": "ahrefs", "status": "live", "order": "asc"}, {"status": "lost", "sort": "domain"},
                       {"q": "widget", "sort": "last_seen", "follow": True}]:
            monkeypatch.setattr(sqlstore, "_LIST_FEW", few)
            got = store.backlinks_page(listing.Page(limit=4, offset=1, **kwargs))
            query = "".join(f"&{k}={str(v).lower()}" for k, v in kwargs.items())
            want = embedded.api("GET", f"/api/backlinks?limit=4&offset=1{query}")
            assert got == want, kwargs
    finally:
        store.close()


def test_totals_stay_true_through_updates_and_deletes(tmp_path):
    """SQLite keeps the totals of status, follow and tool (list_counts, by triggers): after a
    re-import that updates rows, a visit that marks links lost and a Search Console placeholder
    replaced by the real link, every total still equals the rows counted one by one."""
    from companion.store import listing
    from companion.store.store import Store

    home = tmp_path / "home"
    _cli(home, "init", "--domain", "example.com")
    store = Store.open(home)
    try:
        store.merge_backlinks([{"source_url": "https://gsc.test/post", "target_url": None}], "gsc",
                              fallback_target="https://example.com/")
        store.merge_backlinks([{"source_url": f"https://s{i}.test/p", "target_url": "https://example.com/a",
                                "anchor": "a", "rel": ["nofollow"] if i % 3 else [], "follow": not i % 3,
                                "metrics": {"dr": i}} for i in range(12)], "ahrefs")
        store.merge_backlinks([{"source_url": f"https://s{i}.test/p", "target_url": "https://example.com/a",
                                "anchor": "a", "metrics": {"page_ascore": i}, "last_seen": "2030-01-01"}
                               for i in range(6, 18)], "semrush")
        store.merge_backlinks([{"source_url": "https://gsc.test/post", "target_url": "https://example.com/real",
                                "anchor": "x"}], "majestic")  # replaces the placeholder: a delete
        changed = []
        for rec in store.all_backlinks()[:5]:
            changed.append({**rec, "status": "lost", "follow": not rec.get("follow", True)})
        store.put_backlinks(changed)
        rows = store.all_backlinks()
        for status in (None, "live", "lost"):
            for follow in (None, True, False):
                for tool in (None, "ahrefs", "semrush", "gsc", "majestic", "bing"):
                    want = sum(1 for r in rows if (status is None or r["status"] == status)
                               and (follow is None or r.get("follow", True) is follow)
                               and (tool is None or tool in r.get("origins", [])))
                    got = store.backlinks_page(listing.Page(status=status, follow=follow, tool=tool))["total"]
                    assert got == want, (status, follow, tool)
        assert any(r["status"] == "lost" for r in rows) and len(rows) == 19
    finally:
        store.close()


def test_a_search_matching_many_rows_is_counted_only_so_far(server, monkeypatch):
    """A text search counts its matches up to listing.COUNT_UP_TO (a word on a sixth of a
    million rows cost 172 ms to count): past it the total is the cap with `total_exact`
    false, and `next_offset` still walks every match, on both stores, filtered or not."""
    from companion.store import listing
    from companion.store.opening import open_store

    rows, _ = _all(server)
    word = "example"  # in every target URL (example.com)
    database = server.extra_args[1] if server.extra_args else None
    for query, kwargs in (("", {}), ("&status=live&sort=first_seen", {"status": "live", "sort": "first_seen"})):
        want, total = _all(server, f"&q={word}{query}")
        assert total == len(want) > 6 and server.api("GET", f"/api/backlinks?q={word}{query}")["total_exact"] is True
        store = open_store(server.home, database=database)
        try:
            monkeypatch.setattr(listing, "COUNT_UP_TO", 5)
            got, offset = [], 0
            while offset is not None:
                page = store.backlinks_page(listing.Page(limit=3, offset=offset, q=word, **kwargs))
                assert (page["total"], page["total_exact"]) == (5, False), (query, page["total"])
                got += page["backlinks"]
                offset = page["next_offset"]
            assert [_pair(r) for r in got] == [_pair(r) for r in want], query
            exact = store.backlinks_page(listing.Page(q=word, domain=_host(rows[0])))  # few: counted exactly
            assert exact["total_exact"] is True and 0 < exact["total"] <= 5
            unsearched = store.backlinks_page(listing.Page(limit=3))
            assert unsearched["total"] == len(rows) and unsearched["total_exact"] is True
        finally:
            monkeypatch.undo()
            store.close()
