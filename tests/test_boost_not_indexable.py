"""The boost list leaves out a tier-1 page search engines will not index (issue 27), on a real export.

A real Semrush export imported (../shared/exports/real, read where it lies; skipped where
absent), then a visit of the list's best page finds it `noindex`: it leaves the default list
(a tier-2 link to it is wasted), the next page moves up, and it is shown on request
(`--show-not-indexable`, `--only-not-indexable`, `GET /api/boost?not_indexable=...`) marked
`not_indexable` with the reason first. Pages never checked stay in, neither raised nor lowered.
"""

from __future__ import annotations

from pathlib import Path

from test_boost_real_exports import need

NAME, DOMAIN = "semrush-backlinks-coinlineup.csv", "coinlineup.com"
SMALL_EXPORT = Path(__file__).resolve().parent / "fixtures" / "dashboard" / "ahrefs-v3.csv"  # ours: always here


def visit(cli, tmp_path, url: str, target: str, head: str = "") -> dict:
    page = tmp_path / "visit.html"
    page.write_text(f"<html><head><title>A post</title>{head}</head><body><main><p>Read "
                    f'<a href="{target}">this</a> now.</p></main></body></html>')
    return cli.json("analyze", str(page), "--url", url)


def test_a_page_turned_noindex_by_a_visit_leaves_the_default_list(cli, tmp_path):
    cli("init", "--domain", DOMAIN)
    cli("import", str(need(NAME)))
    before = cli.json("boost", "--limit", "10")
    first, second = before[0], before[1]
    assert all(i["indexability"]["state"] == "unknown" and not i["not_indexable"] for i in before)

    seen = visit(cli, tmp_path, first["url"], first["target"], '<meta name="robots" content="noindex, follow">')
    assert "tier1" in seen["labels"] and "not_indexable" in seen["labels"] and "worth_boosting" not in seen["labels"]
    assert seen["changes"] == [] or all(c["kind"] != "lost" for c in seen["changes"])

    after = cli.json("boost", "--limit", "10")
    assert first["url"] not in [i["url"] for i in after]
    assert after[0]["url"] == second["url"] and after[:9] == [dict(i) for i in before[1:10]]

    shown = cli.json("boost", "--limit", "10", "--show-not-indexable")
    assert shown[0]["url"] == first["url"] and shown[0]["not_indexable"] is True
    assert shown[0]["reasons"][0].startswith('not indexable: the page is noindex: <meta name="robots"')
    assert shown[0]["indexability"]["codes"][0] == "noindex_meta"
    only = cli.json("boost", "--limit", "10", "--only-not-indexable")
    assert [i["url"] for i in only] == [first["url"]]
    human = cli("boost", "--limit", "3", "--show-not-indexable").stdout.decode()
    assert "[not indexable]" in human and "not indexable: the page is noindex" in human

    # a later visit that finds it indexable again brings it back, with the reason from the same verdict
    again = visit(cli, tmp_path, first["url"], first["target"], f'<link rel="canonical" href="{first["url"]}">')
    assert "not_indexable" not in again["labels"]
    assert any(r.startswith("the page is indexable with a self canonical") for r in again["boost"]["reasons"])
    back = cli.json("boost", "--limit", "10")
    assert back[0]["url"] == first["url"] and back[0]["indexability"]["state"] == "indexable"


def test_the_api_takes_not_indexable_like_spam(client):
    assert client.request("GET", "/api/boost?not_indexable=maybe").status == 400
    assert client.request("GET", "/api/boost?not_indexable=").status == 400
    for value in ("hide", "show", "only"):
        assert client.api("GET", f"/api/boost?not_indexable={value}") == []


def test_an_empty_list_says_what_it_left_out_and_the_flags_that_show_it(cli, tmp_path):
    """Every page of a small export found noindex: the CLI's empty list gives the counts by reason
    and its flags (the dashboard's message: test_boost_hidden.py); with nothing imported it still
    says to import."""
    cli("init", "--domain", "example.com")
    assert "import your backlinks" in cli("boost").stdout.decode()
    cli("import", str(SMALL_EXPORT), "--format", "ahrefs")
    listed = cli.json("boost", "--limit", "500")
    for item in listed:
        visit(cli, tmp_path, item["url"], item["target"], '<meta name="robots" content="noindex, follow">')
    assert cli.json("boost") == []
    out = cli("boost").stdout.decode()
    spam = len(cli.json("boost", "--limit", "500", "--only-spam"))
    assert spam, "the sample has a spam page"
    assert out.startswith(f"no tier-1 page to boost: {len(listed) + spam} pages left out: "), out
    assert f"{len(listed)} not indexable" in out and "--show-not-indexable lists them" in out
    assert f"{spam} spam (--show-spam lists them)" in out and "disavowed" not in out
    assert len(cli.json("boost", "--limit", "500", "--only-not-indexable")) == len(listed)
