"""Team mode: several companions (one per team member, each with its own home) on one PostgreSQL.

What must hold (issue 14): what one member imports, saves or places, every other
member's companion sees at once, without a restart; saves from many companions at
once lose nothing and the same page saved twice at once is one candidate; a
database that goes away gives 503 JSON errors naming the host (never the password)
and the companion works again by itself when it is back; `tierlink init` run by two
members at once creates the schema once and keeps the first profile.

Everything is real: `tierlink serve` subprocesses, the CLI, a throwaway PostgreSQL
cluster (tests/pgutil.py; these tests skip, saying why, where PostgreSQL is absent).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from companion.store.opening import open_store

from pgutil import PASSWORD, start_cluster
from serverutil import CompanionServer, multipart

ROOT = Path(__file__).resolve().parents[1]
EXPORT = Path(__file__).parent / "fixtures" / "exports" / "semrush-backlinks.csv"
PROFILE = {"domains": ["example.com"], "competitors": ["rival.test"]}
TIER1 = "https://widgetweekly.example.org/best-widgets-2025/"  # a page in the Semrush sample linking to example.com
TIER1_PAGE = """<html><head><title>Best widgets of 2025, reviewed</title></head><body><main><article>
<p>Our pick: <a href="https://www.example.com/blog/best-widgets/">Best widgets, reviewed</a> and more.</p>
</article></main></body></html>"""


def tierlink(home: Path, *args: str, url: str | None = None, user: str | None = None,
             check: bool = True, env_url: str | None = None) -> subprocess.CompletedProcess:
    """The CLI on `home`; `url` as --database, `env_url` as $TIERLINK_DATABASE."""
    extra = (["--database", url] if url else []) + (["--user", user] if user else [])
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    env.pop("TIERLINK_DATABASE", None)
    if env_url:
        env["TIERLINK_DATABASE"] = env_url
    proc = subprocess.run([sys.executable, "-m", "companion", "--home", str(home), *extra, *args],
                          capture_output=True, env=env, timeout=300, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"tierlink {' '.join(args)} exited {proc.returncode}:\n{proc.stderr.decode()}")
    return proc


def companion(tmp_path: Path, name: str, url: str) -> CompanionServer:
    return CompanionServer(tmp_path / name, extra_args=("--database", url, "--user", name)).start()


@pytest.fixture
def team(tmp_path, pg_url):
    """Two members' companions, alice and bob, each with its own home, on one fresh database."""
    tierlink(tmp_path / "alice", "init", "--domain", "example.com", url=pg_url)
    servers = [companion(tmp_path, "alice", pg_url), companion(tmp_path, "bob", pg_url)]
    yield servers
    for srv in servers:
        srv.stop()


def test_what_one_member_does_the_other_sees_at_once(team):
    alice, bob = team
    assert alice.api("GET", "/api/health")["store"] == "postgresql"
    # a page linking to one of the tier-1 pages in the export: bob's companion knows nothing of it yet
    visit = {"url": "https://other.test/roundup", "html": f'<main><p><a href="{TIER1}">a widget review</a></p></main>'}
    before = bob.api("POST", "/api/analyze", json=visit)
    assert before["links"][0]["target"] != "tier1" and "tier2_existing" not in before["labels"]
    body, ctype = multipart({"format": "semrush"}, {"file": ("semrush.csv", EXPORT.read_bytes())})
    r = alice.request("POST", "/api/import", data=body, headers={"Content-Type": ctype})
    assert r.status == 200, r
    # bob's very next visit sees alice's import: the link now points at a tier-1 page
    after = bob.api("POST", "/api/analyze", json=visit)
    assert after["links"][0]["target"] == "tier1" and "tier2_existing" in after["labels"]
    assert any(item["url"] == TIER1 for item in bob.api("GET", "/api/boost?limit=50"))
    assert bob.api("GET", "/api/backlinks?limit=1")["total"] == r.json()["backlinks_total"]

    # a candidate bob saves is on alice's board, with who saved it
    saved = bob.request("POST", "/api/candidates", json={"url": "https://guest.test/write-for-us", "kind": "tier2"})
    assert saved.status == 201, saved
    board = alice.api("GET", "/api/candidates")
    assert [(c["url"], c["saved_by"]) for c in board] == [("https://guest.test/write-for-us", "bob")]
    moved = alice.api("PATCH", f"/api/candidates/{saved.json()['id']}", json={"status": "contacted"})
    assert moved["history"][-1] == {**moved["history"][-1], "from": "new", "to": "contacted", "by": "alice"}
    assert bob.api("GET", "/api/candidates")[0]["status"] == "contacted"

    # three placements alice logs make bob's draft check warn of a footprint
    for n in range(3):
        p = alice.request("POST", "/api/placements", json={"from_url": f"https://guest{n}.test/post",
                                                           "to_url": TIER1, "anchor": f"widgets {n}"})
        assert p.status == 201, p
        assert p.json()["placed_by"] == "alice"
    report = bob.api("POST", "/api/drafts/check",
                     json={"html": f'<p>See <a href="{TIER1}">this review</a>.</p>'})
    footprint = [w for w in report["warnings"] if w["code"] == "footprint"]
    assert footprint and "3 of my placements" in footprint[0]["message"], report["warnings"]
    # what bob's companion derived and keeps (placement counts in the scores, the placement
    # pages, the profile and its scorer) follows alice's changes on the next request
    assert next(i for i in bob.api("GET", "/api/boost?limit=50") if i["url"] == TIER1)["placements"] == 3
    tier3 = bob.api("POST", "/api/analyze", json={"url": "https://spam.test/list",
                                                 "html": '<main><a href="https://guest1.test/post">x</a></main>'})
    assert "tier3" in tier3["labels"]
    alice.api("PUT", "/api/profile", json={**PROFILE, "owned_sites": ["widgetweekly.example.org"]})
    assert bob.api("GET", "/api/profile")["owned_sites"] == ["widgetweekly.example.org"]
    assert all(i["url"] != TIER1 for i in bob.api("GET", "/api/boost?limit=50"))  # my own site: never boosted
    # and the CLI on a third machine lists them with who placed them
    out = tierlink(bob.home.parent / "carol", "placements", url=alice.extra_args[1]).stdout.decode()
    assert out.count("placed by alice") == 3


def test_two_companions_saving_at_once_lose_nothing(team):
    """2 companions × 8 threads × 20 saves: every save present, no error; the page both
    save at the same moment is one candidate (and the link both log, one placement)."""
    errors: list[str] = []

    def saves(srv: CompanionServer, thread: int):
        for i in range(20):
            r = srv.request("POST", "/api/candidates",
                            json={"url": f"https://{srv.home.name}-{thread}-{i}.test/", "kind": "boost"})
            if r.status != 201:
                errors.append(f"{r.status} {r.text[:200]}")
            r = srv.request("POST", "/api/candidates", json={"url": f"https://shared.test/{i}", "kind": "tier2",
                                                             "note": srv.home.name})
            if r.status not in (200, 201):
                errors.append(f"{r.status} {r.text[:200]}")
            if i % 5 == 0:  # the same link logged by both members at once
                r = srv.request("POST", "/api/placements", json={"from_url": f"https://shared.test/{i}",
                                                                 "to_url": "https://tier1.test/page"})
                if r.status not in (200, 201):
                    errors.append(f"{r.status} {r.text[:200]}")

    card = team[0].api("POST", "/api/candidates", json={"url": "https://contested.test/", "kind": "boost"},
                       expect=201)
    statuses = ["new", "contacted", "placed", "live", "rejected"]

    def moves(srv: CompanionServer, thread: int):
        for i in range(5):
            r = srv.request("PATCH", f"/api/candidates/{card['id']}", json={"status": statuses[(thread + i) % 5]})
            if r.status != 200:
                errors.append(f"{r.status} {r.text[:200]}")

    with ThreadPoolExecutor(16) as pool:
        jobs = [pool.submit(saves, srv, t) for srv in team for t in range(8)]
        jobs += [pool.submit(moves, srv, t) for srv in team for t in range(8)]
        for f in jobs:
            f.result()
    assert errors == []
    # every status change by either member is in the history, each starting where the last one ended
    history = next(c for c in team[1].api("GET", "/api/candidates") if c["id"] == card["id"])["history"]
    assert len(history) > 1 and {h["by"] for h in history[1:]} <= {"alice", "bob"}
    assert all(history[n]["from"] == history[n - 1]["to"] for n in range(1, len(history))), history
    board = team[1].api("GET", "/api/candidates")
    mine = {c["url"] for c in board if c["kind"] == "boost"} - {card["url"]}
    assert len(mine) == 2 * 8 * 20
    shared = [c for c in board if c["kind"] == "tier2"]
    assert sorted(c["url"] for c in shared) == sorted(f"https://shared.test/{i}" for i in range(20))
    assert sorted(p["from_url"] for p in team[0].api("GET", "/api/placements")) == \
        sorted(f"https://shared.test/{i}" for i in range(0, 20, 5))


def test_a_database_outage_is_503_then_heals_without_a_restart(tmp_path):
    cluster = start_cluster()  # its own: this test stops it
    try:
        url = cluster.new_database()
        tierlink(tmp_path / "alice", "init", "--domain", "example.com", url=url)
        srv = companion(tmp_path, "alice", url)
        try:
            assert srv.request("POST", "/api/candidates", json={"url": "https://a.test/", "kind": "boost"}).status == 201
            assert srv.api("GET", "/api/health")["status"] == "ok"
            time.sleep(1.5)  # the pool's connections idle: each is checked before use, as after a quiet spell
            cluster.stop()
            for path, body in [("/api/candidates", {"url": "https://b.test/", "kind": "boost"}),
                               ("/api/analyze", {"url": "https://blog.test/x", "html": TIER1_PAGE})]:
                started = time.monotonic()
                r = srv.request("POST", path, json=body, timeout=60)
                took = time.monotonic() - started
                assert r.status == 503, r
                assert took < 3.5, f"{path} answered 503 after {took:.1f} s (issue 22: within ~2 s)"
                error = r.json()["error"]
                assert error["code"] == "database_unavailable"
                assert f"127.0.0.1:{cluster.port}" in error["message"] and PASSWORD not in r.text
            r = srv.request("GET", "/api/candidates", timeout=60)
            assert r.status == 503 and PASSWORD not in r.text
            started = time.monotonic()
            health = srv.request("GET", "/api/health")  # alive, and says what is wrong
            assert health.status == 200 and time.monotonic() - started < 3.5
            body = health.json()
            assert body["status"] == "degraded" and body["problem"]["code"] == "database_unavailable", body
            assert f"127.0.0.1:{cluster.port}" in body["problem"]["message"] and PASSWORD not in health.text
            assert srv.proc.poll() is None
            cluster.start()
            deadline = time.monotonic() + 30
            while srv.api("GET", "/api/health")["status"] != "ok" and time.monotonic() < deadline:
                time.sleep(0.5)
            assert srv.api("GET", "/api/health")["status"] == "ok"
            r = srv.request("POST", "/api/candidates", json={"url": "https://c.test/", "kind": "boost"}, timeout=60)
            assert r.status == 201, r
            assert {c["url"] for c in srv.api("GET", "/api/candidates")} == {"https://a.test/", "https://c.test/"}
        finally:
            srv.stop()
        assert PASSWORD not in srv.output()
    finally:
        cluster.destroy()


def test_the_password_never_shows(tmp_path, pg_cluster):
    url = pg_cluster.new_database()
    home = tmp_path / "alice"
    outputs = [tierlink(home, "init", "--domain", "example.com", "--json", url=url),
               tierlink(home, "profile", "show", "--json", url=url),
               tierlink(home, "save", "https://a.test/", "--kind", "boost", "--json", url=url),
               tierlink(home, "candidates", "--json", env_url=url)]
    wrong = url.replace("/t_", "/missing_")
    failed = tierlink(home, "candidates", url=wrong, check=False)
    down = tierlink(home, "candidates", url=url.replace(str(pg_cluster.port), "1"), check=False)
    for proc in outputs + [failed, down]:
        assert PASSWORD not in proc.stdout.decode() + proc.stderr.decode()
    for proc in (failed, down):
        err = proc.stderr.decode().strip()
        assert proc.returncode == 1 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "127.0.0.1:1/" in down.stderr.decode()
    assert json.loads(outputs[2].stdout)["saved_by"]
    # $TIERLINK_DATABASE reaches the same store as --database; without either, the embedded one
    assert [c["url"] for c in json.loads(outputs[3].stdout)] == ["https://a.test/"]
    assert json.loads(tierlink(home, "candidates", "--json").stdout) == []
    for path in home.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_two_members_running_init_at_once(tmp_path, pg_url):
    """Both succeed; the schema is made once; the first profile is kept and the other is told."""
    results = []

    def init(name, domain):
        results.append(tierlink(tmp_path / name, "init", "--domain", domain, url=pg_url, check=False))

    threads = [threading.Thread(target=init, args=(f"m{n}", f"site{n}.test")) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0, 0, 0, 0], [r.stderr.decode() for r in results]
    kept = [r for r in results if b"already holds a profile" in r.stderr]
    assert len(kept) == 3
    profile = json.loads(tierlink(tmp_path / "m9", "profile", "show", "--json", url=pg_url).stdout)
    assert len(profile["domains"]) == 1
    # `profile load` changes it for everyone
    path = tmp_path / "p.json"
    path.write_text(json.dumps(PROFILE))
    tierlink(tmp_path / "m0", "profile", "load", str(path), url=pg_url)
    assert json.loads(tierlink(tmp_path / "m3", "profile", "show", "--json", url=pg_url).stdout) \
        ["competitors"] == ["rival.test"]


def test_the_embedded_store_records_who_too(home, cli, monkeypatch):
    monkeypatch.setenv("TIERLINK_USER", "dana")
    saved = cli.json("save", "https://a.test/", "--kind", "tier2")
    assert saved["saved_by"] == "dana" and saved["history"][0]["by"] == "dana"
    moved = cli.json("--user", "erin", "candidates", "update", saved["id"], "--status", "placed",
                     "--to-url", "https://blog.test/post")
    assert moved["history"][-1]["by"] == "erin" and moved["placement"]["placed_by"] == "erin"
    assert "(saved by dana)" in cli("candidates").stdout.decode()


def test_both_stores_rank_tier1_pages_alike(tmp_path, pg_url):
    """PostgreSQL's full-text search (tsvector, ts_rank_cd) and SQLite's FTS5 bm25 on the same
    300 pages: the top five pages for 20 queries are mostly the same."""
    import random

    from companion.store.store import Store

    from companion.store.opening import open_store

    words = ("garden hose widget review guide best tools seo audit backlink coffee grinder espresso travel "
             "budget hotel recipe pasta bread running shoes marathon training camera lens tripod").split()
    rng = random.Random(7)
    rows = [{"source_url": f"https://site{i % 40}.test/{'-'.join(rng.choices(words, k=3))}-{i}",
             "target_url": "https://example.com/", "anchor": rng.choice(words),
             "title": " ".join(rng.choices(words, k=rng.randint(3, 8)))} for i in range(300)]
    embedded, shared = Store.open(tmp_path / "a"), open_store(tmp_path / "b", database=pg_url)
    try:
        for store in (embedded, shared):
            store.merge_backlinks([dict(r) for r in rows], "ahrefs")

        def top(store, terms):
            return {page["key"] for page, _ in store.search_tier1(terms, 5)}

        overlaps = []
        for _ in range(20):
            terms = rng.sample(words, 3)
            a, b = top(embedded, terms), top(shared, terms)
            assert len(a) == len(b) == 5
            overlaps.append(len(a & b) / 5)
        assert sum(overlaps) / len(overlaps) >= 0.8, overlaps
        # stemming on both sides: "tools" in a title is found by the query word "tool"
        assert top(shared, ["tool"]) and top(shared, ["tool"]) == top(shared, ["tools"])
        # and the boost list (scores, classes, authority tie-breaks, networks) is the same list
        from companion.verdicts import verdicts
        from companion.core import weights
        from companion.analysis.profile import Profile

        scorer = verdicts.Tier1Scorer(Profile(domains=["example.com"]), weights.effective({}))
        lists = []
        for store in (embedded, shared):
            store.ensure_scored(scorer)
            lists.append([(p["key"], p["score"], p["blocked"]) for p in store.top_tier1(50, spam="show")])
        assert lists[0] and lists[0] == lists[1]
    finally:
        embedded.close()
        shared.close()


def test_a_status_change_waits_for_a_teammates_change_of_the_same_card(tmp_path, pg_url):
    """Two companions (two Stores) change one candidate at once: the second reads it only after
    the first committed (a row lock), so neither change, nor its history entry, is lost."""
    import psycopg

    first, second = open_store(tmp_path / "a", database=pg_url), open_store(tmp_path / "b", database=pg_url)
    inside, release = threading.Event(), threading.Event()
    try:
        card = first.insert("candidates", {"key": "c.test/", "kind": "boost", "history": []})
        seen: list[list] = []

        def slow(old):
            inside.set()
            release.wait(60)
            return {"history": old["history"] + ["first"]}

        def fast(old):
            seen.append(list(old["history"]))
            return {"history": old["history"] + ["second"]}

        t1 = threading.Thread(target=first.update_with, args=("candidates", card["id"], slow))
        t1.start()
        assert inside.wait(60)
        t2 = threading.Thread(target=second.update_with, args=("candidates", card["id"], fast))
        t2.start()
        with psycopg.connect(pg_url, autocommit=True) as watch:  # the second waits on the first's row lock
            while not watch.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                    "AND datname = current_database()").fetchone()[0]:
                assert t2.is_alive(), f"the second change did not wait: it saw {seen}"
                time.sleep(0.01)
        release.set()
        t1.join(60)
        t2.join(60)
        assert seen == [["first"]]
        assert second.get("candidates", card["id"])["history"] == ["first", "second"]
    finally:
        release.set()
        first.close()
        second.close()


def test_a_database_from_a_newer_tierlink_is_refused(tmp_path, pg_url):
    """Migrations only go forward: a schema this Tierlink does not know is never written to."""
    import psycopg

    from companion.core.errors import StorageError

    store = open_store(tmp_path / "a", database=pg_url)
    assert store.schema_created
    store.close()
    again = open_store(tmp_path / "b", database=pg_url)
    assert not again.schema_created  # the second open finds the schema and changes nothing
    again.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE name = 'schema'")
    with pytest.raises(StorageError, match="newer Tierlink"):
        open_store(tmp_path / "c", database=pg_url)
    err = tierlink(tmp_path / "d", "candidates", url=pg_url, check=False).stderr.decode()
    assert "newer Tierlink (schema 99)" in err and PASSWORD not in err


def test_no_message_about_a_malformed_address_shows_the_password(tmp_path, pg_cluster):
    """Issue 23 item 6: every message naming the database goes through one formatter (host, port,
    database), whatever the string: a misspelt option, a cut URL, a password holding `/`, `?` or
    `@`, a `key=value` string. Neither the CLI nor `serve` (stdout, stderr, its log) shows it."""
    port = pg_cluster.port
    secrets = [PASSWORD, f"{PASSWORD}/x?y", f"{PASSWORD}@z"]
    addresses = [
        f"postgresql://127.0.0.1:{port}/tierlink?user=tl&password={PASSWORD}&application_nam=x",
        f"postgresql://tierlink:{PASSWORD}@127.0.0.1:{port}/tierlink?sslmode=bogus",
        f"postgresql://tierlink:{PASSWORD}@[::1",
        f"postgresql://tierlink:{PASSWORD}/x?y@127.0.0.1:{port}/tierlink?application_nam=1",
        f"postgresql://tierlink:{PASSWORD}@z@127.0.0.1:{port}/tierlink?application_nam=1",
        f"postgres://tierlink:{PASSWORD}",
        f"postgresql://tierlink:{PASSWORD}@127.0.0.1:{port}/tierlink?sslmode=require&connect_timeout=x",
        f"host=127.0.0.1 port={port} user=tierlink password={PASSWORD} dbname=tierlink",
        f"host=127.0.0.1 port={port} password='{PASSWORD} x' dbname=tierlink bogus=1",
    ]
    for address in addresses:
        cli = tierlink(tmp_path / "h", "candidates", "--json", url=address, check=False)
        serve = subprocess.run([sys.executable, "-m", "companion", "--home", str(tmp_path / "s"), "--database", address,
                                "serve", "--port", "1"], capture_output=True, timeout=60, cwd=ROOT,
                               env={k: v for k, v in os.environ.items() if k != "TIERLINK_DATABASE"})
        for proc in (cli, serve):
            out = proc.stdout.decode() + proc.stderr.decode()
            assert proc.returncode != 0 and "Traceback" not in out, (address, out)
            assert not any(s in out for s in secrets), (address, out)
            assert len(proc.stderr.decode().strip().splitlines()) == 1, (address, out)
        if "127.0.0.1" in address and "z@" not in address:
            assert "127.0.0.1:" in cli.stderr.decode(), cli.stderr  # the message still says which database
    for name in ("h", "s"):
        for path in (tmp_path / name).rglob("*"):
            if path.is_file():
                assert PASSWORD.encode() not in path.read_bytes(), path


def test_two_members_saving_one_page_keep_both_notes(team):
    """Issue 22 item 8: the second member's save used to overwrite the first one's note silently,
    and the history named only the first saver."""
    alice, bob = team
    page = {"url": "https://guest.test/write-for-us", "kind": "tier2"}
    first = alice.api("POST", "/api/candidates", json={**page, "note": "editor is Ann, replies fast"}, expect=201)
    second = bob.api("POST", "/api/candidates", json={**page, "note": "asks 50 EUR a post"}, expect=200)
    assert second["id"] == first["id"]
    assert [(n["by"], n["text"]) for n in second["notes"]] == [("alice", "editor is Ann, replies fast"),
                                                               ("bob", "asks 50 EUR a post")]
    assert "alice: editor is Ann" in second["note"] and "bob: asks 50 EUR" in second["note"]
    assert [h["by"] for h in second["history"]] == ["alice", "bob"]
    # alice saves again with a new note: hers is replaced, bob's stays; a save with no note keeps both
    again = alice.api("POST", "/api/candidates", json={**page, "note": "Ann left; ask Joe"}, expect=200)
    assert [(n["by"], n["text"]) for n in again["notes"]] == [("bob", "asks 50 EUR a post"),
                                                              ("alice", "Ann left; ask Joe")]
    bob.api("POST", "/api/candidates", json=page, expect=200)
    board = alice.api("GET", "/api/candidates")
    assert len(board) == 1 and len(board[0]["notes"]) == 2
    assert [h["by"] for h in board[0]["history"]] == ["alice", "bob", "alice", "bob"]


def test_the_embedded_store_keeps_both_notes_too(home, cli):
    """The same library function serves both stores and the CLI and the API."""
    cli("--user", "dana", "save", "https://a.test/", "--kind", "tier2", "--note", "dana's note")
    saved = cli.json("--user", "erin", "save", "https://a.test/", "--kind", "tier2", "--note", "erin's note")
    assert [(n["by"], n["text"]) for n in saved["notes"]] == [("dana", "dana's note"), ("erin", "erin's note")]
    assert [h["by"] for h in saved["history"]] == ["dana", "erin"]
    alone = cli.json("--user", "dana", "save", "https://b.test/", "--kind", "boost", "--note", "one")
    alone = cli.json("--user", "dana", "save", "https://b.test/", "--kind", "boost", "--note", "two")
    assert alone["note"] == "two" and len(alone["notes"]) == 1  # one member: the note is replaced, as before


def test_an_ssl_mismatch_is_named_as_such(tmp_path, pg_cluster):
    """`sslmode=verify-full` against a server without SSL (and no root certificate) is an SSL
    setting to change, not an outage."""
    url = pg_cluster.new_database() + "?sslmode=verify-full"
    proc = tierlink(tmp_path / "h", "candidates", url=url, check=False)
    err = proc.stderr.decode().strip()
    assert proc.returncode == 1 and len(err.splitlines()) == 1, err
    assert "SSL" in err and "unavailable" not in err and "sslmode" in err, err
    assert PASSWORD not in err
