"""The disavow file (companion/verdicts/disavow.py, `tierlink disavow`, /api/disavow/...).

The exported file is read back by a parser written here from Google's description of the
format (Search Console help, "Disavow links to your site"), not by the code's own reader:
UTF-8 text, one `domain:host` or URL a line, `#` comments, at most 100,000 lines and 2 MB,
URLs at most 2,048 characters. Then: import the file in a fresh home, import the backlink
export again, and the boost list holds none of the disavowed pages.
"""

from __future__ import annotations

import json
import re

import pytest

from conftest import SHARED
from companion.analysis import urls

REAL = SHARED / "exports" / "real"
COIN = REAL / "semrush-backlinks-coinlineup.csv"
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
DATED = re.compile(r"\((\d{4}-\d{2}-\d{2})\)$")


def read_disavow(data: bytes) -> dict:
    """Google's format, read independently: every line a comment, a domain: line or a URL."""
    assert len(data) <= 2 * 1024 * 1024
    text = data.decode("utf-8")  # strict: not UTF-8 raises
    assert not text.startswith("\ufeff")
    lines = text.split("\n")
    assert lines[-1] == ""  # ends with a newline
    lines = lines[:-1]
    assert len(lines) <= 100_000
    domains, pages, comments = [], [], []
    last_comment = None
    for n, line in enumerate(lines, 1):
        assert line == line.strip() and line, f"line {n}: blank or padded {line!r}"
        if line.startswith("#"):
            last_comment = line
            comments.append(line)
            continue
        assert last_comment is not None, f"line {n}: an entry without a comment above it"
        assert DATED.search(last_comment), f"line {n}: its comment has no date: {last_comment!r}"
        if line.startswith("domain:"):
            host = line[len("domain:"):]
            assert HOST.match(host), f"line {n}: {host!r} is not a host name"
            domains.append(host)
        else:
            assert line.startswith(("http://", "https://")) and len(line) <= 2048, f"line {n}: {line!r}"
            assert " " not in line
            pages.append(line)
        last_comment = None
    return {"domains": domains, "urls": pages, "comments": comments, "lines": len(lines)}


def covered(url: str, parsed: dict) -> bool:
    host = urls.host_of(url).removeprefix("www.")
    return url in parsed["urls"] or any(host == d or host.endswith("." + d) for d in parsed["domains"])


@pytest.fixture
def coin(cli):
    if not COIN.is_file():
        pytest.skip("real export not found")
    cli("init", "--domain", "coinlineup.com")
    cli("import", str(COIN))
    return cli


def test_export_is_googles_format_and_covers_every_spam_page(coin, tmp_path):
    spam = coin.json("boost", "--only-spam", "--limit", "1000")
    assert len(spam) > 20 and all(item["spam"] for item in spam)
    out = tmp_path / "disavow.txt"
    summary = coin.json("disavow", "export", "--out", str(out))
    parsed = read_disavow(out.read_bytes())
    assert (len(parsed["domains"]), len(parsed["urls"])) == (summary["domains"], summary["urls"])
    assert len(set(parsed["domains"])) == len(parsed["domains"]) and len(set(parsed["urls"])) == len(parsed["urls"])
    assert all(covered(item["url"], parsed) for item in spam)
    # no URL is said twice (by itself and by its domain)
    assert not [u for u in parsed["urls"] if urls.host_of(u).removeprefix("www.") in parsed["domains"]]
    # search engines are never disavowed whole, their result pages are
    assert not [d for d in parsed["domains"] if "yahoo" in d or "bing" in d]
    assert any("search.yahoo.com" in u for u in parsed["urls"])
    # each entry's comment says why (a spam signal) and when
    assert all(("link farm" in c or "generated pages" in c or "search-result" in c or "spam" in c)
               for c in parsed["comments"][2:])
    # a live page the verdicts like is not in it
    best = coin.json("boost", "--limit", "1")[0]["url"]
    assert not covered(best, parsed)


def test_export_stays_within_the_limits_when_there_is_more(coin, tmp_path, monkeypatch, home):
    """Google's limits, made small here (the real ones need 50,000 spam pages): the file stops
    at them, says how many entries were left out, and still reads as the format."""
    from companion.verdicts import disavow
    from companion.workspace import Workspace

    monkeypatch.setattr(disavow, "MAX_LINES", 12)
    with Workspace(home) as ws:
        text, summary = disavow.export_text(ws.store, ws.profile)
    parsed = read_disavow(text.encode())
    assert parsed["lines"] <= 12 and summary["left_out"] > 0
    assert summary["domains"] + summary["urls"] == len(parsed["domains"]) + len(parsed["urls"]) == 5
    monkeypatch.setattr(disavow, "MAX_LINES", 100_000)
    monkeypatch.setattr(disavow, "MAX_BYTES", 1500)
    with Workspace(home) as ws:
        text, summary = disavow.export_text(ws.store, ws.profile)
    assert len(text.encode()) <= 1500 and summary["left_out"] > 0
    read_disavow(text.encode())


def test_import_then_reimport_of_the_backlinks_keeps_them_out_of_the_boost_list(coin, cli, tmp_path, home):
    out = tmp_path / "disavow.txt"
    coin("disavow", "export", "--out", str(out))
    parsed = read_disavow(out.read_bytes())
    # a fresh home: the backlinks, then the disavow file, then the same backlink export again
    import shutil

    shutil.rmtree(home)
    cli("init", "--domain", "coinlineup.com")
    cli("import", str(COIN))
    before = cli.json("boost", "--show-spam", "--limit", "1000")
    assert [i for i in before if covered(i["url"], parsed)]  # the spam pages are there, marked spam
    result = cli.json("disavow", "import", str(out))
    assert result["added"] == len(parsed["domains"]) + len(parsed["urls"]) and result["skipped_count"] == 0
    cli("import", str(COIN))
    for flag in ("--show-spam", "--only-spam"):
        after = cli.json("boost", flag, "--limit", "1000")
        assert not [i["url"] for i in after if covered(i["url"], parsed)]
    assert len(cli.json("boost", "--only-spam", "--limit", "1000")) == 0
    # importing the file again adds nothing
    assert cli.json("disavow", "import", str(out))["added"] == 0
    listed = cli.json("disavow", "list")
    assert len(listed["disavowed"]) == result["added"] and listed["healthy"] == []
    assert listed["proposals"] == [] or all(
        (p["kind"], p["value"]) in {(e["kind"], e["value"]) for e in listed["disavowed"]} for p in listed["proposals"])


def test_a_disavowed_page_that_looks_healthy_is_listed_for_review(coin, tmp_path):
    best = coin.json("boost", "--limit", "2")
    f = tmp_path / "mine.txt"
    f.write_text("# kept from an old audit (2025-01-01)\n" + best[0]["url"] + "\nnot a line\n", encoding="utf-8")
    result = coin.json("disavow", "import", str(f))
    assert result["added"] == 1 and result["skipped"] == [
        {"line": 3, "reason": "'not a line' is neither domain:host nor an http(s) URL of at most 2048 characters"}]
    listed = coin.json("disavow", "list")
    assert [h["value"] for h in listed["healthy"]] == [best[0]["url"]]
    assert "no longer classified spam" in listed["healthy"][0]["why"]
    assert listed["disavowed"][0]["reason"] == "kept from an old audit (2025-01-01)"
    assert best[0]["url"] not in [i["url"] for i in coin.json("boost", "--limit", "2")]
    # taken off again, it is back in the boost list
    assert coin.json("disavow", "review", "--undo", best[0]["url"])["decision"] == "undone"
    assert best[0]["url"] in [i["url"] for i in coin.json("boost", "--limit", "2")]
    assert "is not disavowed" in coin.fails("disavow", "review", "--undo", best[0]["url"])


def test_review_drops_a_proposal_from_the_file(coin, tmp_path):
    first = coin.json("disavow", "list")["proposals"][0]
    value = first["value"]
    assert coin.json("disavow", "review", "--drop", value)["decision"] == "drop"
    assert coin.json("disavow", "list")["proposals"][0]["decision"] == "drop"
    out = tmp_path / "d.txt"
    summary = coin.json("disavow", "export", "--out", str(out))
    parsed = read_disavow(out.read_bytes())
    assert summary["dropped"] == 1 and value not in parsed["domains"] + parsed["urls"]


def test_bad_files_and_options_are_one_line_errors(cli, tmp_path):
    cli("init", "--domain", "example.com")
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("# d\u00e9j\u00e0\ndomain:spam.test\n".encode("latin-1"))
    assert "not UTF-8" in cli.fails("disavow", "import", str(bad))
    big = tmp_path / "big.txt"
    big.write_bytes(b"# x\n" * (600 * 1024))
    assert re.search(r"2 MB|2 MiB", cli.fails("disavow", "import", str(big)))
    assert "min_signal" in cli.fails("disavow", "export", "--out", str(tmp_path / "x.txt"), "--min-signal", "9")
    assert not (tmp_path / "x.txt").exists()
    assert "exactly one" in cli.fails("disavow", "review")


def test_a_long_disavow_file_is_one_write(cli, tmp_path):
    """20,000 lines (Google allows 100,000): one transaction, seconds, not one write a line."""
    import time

    cli("init", "--domain", "example.com")
    f = tmp_path / "long.txt"
    f.write_text("".join(f"# old audit (2024-01-01)\nhttps://spam{i}.test/page\n" for i in range(10_000))
                 + "".join(f"domain:farm{i}.test\n" for i in range(10_000)), encoding="utf-8")
    t = time.perf_counter()
    result = cli.json("disavow", "import", str(f))
    assert result["added"] == 20_000 and time.perf_counter() - t < 60
    assert len(cli.json("disavow", "list")["disavowed"]) == 20_000


def test_the_api_routes(app_server):
    body = app_server.api("POST", "/api/disavow/import", {"text": "domain:spam.test\nhttps://a.test/x\n"})
    assert body["added"] == 2
    listed = app_server.api("GET", "/api/disavow")
    assert {e["value"] for e in listed["disavowed"]} == {"spam.test", "https://a.test/x"}
    body = app_server.api("POST", "/api/disavow/review", {"kind": "nope", "value": "x", "decision": "keep"}, expect=400)
    assert body["error"]["code"] and "kind" in body["error"]["message"]
    body = app_server.api("POST", "/api/disavow/export", {"min_signal": "2"}, expect=400)
    assert "min_signal" in body["error"]["message"]
    exported = app_server.api("POST", "/api/disavow/export", {})
    parsed = read_disavow(exported["text"].encode())
    assert parsed["domains"] == ["spam.test"] and parsed["urls"] == ["https://a.test/x"]
    assert json.dumps(exported)  # plain JSON
