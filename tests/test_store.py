"""The durable store: real TinyDB files in a temporary home, real crashes in child processes.

What must hold (SECURITY.md, Storage): every acknowledged write survives a crash
at any step of a write; a damaged file is restored from a backup, loudly; with
no good backup the store refuses to open rather than start empty; 20 threads
writing at once lose nothing; lookups answer from indexes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion import urls
from companion.errors import BadInput, NotFound, StorageError
from companion.store import BACKLINKS_FILE, WORKFLOW_FILE, Store, page_key

ROOT = Path(__file__).resolve().parents[1]


def bl(source, target="https://example.com/pricing", **kw):
    row = {"source_url": source, "target_url": target, "anchor": kw.pop("anchor", "tool"), "rel": kw.pop("rel", []),
           "status": kw.pop("status", "live"), "first_seen": kw.pop("first_seen", "2026-01-01"),
           "last_seen": kw.pop("last_seen", "2026-02-01"), "metrics": kw.pop("metrics", {})}
    row.update(kw)
    return row


@pytest.fixture
def store(home):
    s = Store.open(home)
    yield s
    s.close()


# --- durability and reopening ----------------------------------------------------------

def test_data_survives_reopen_and_files_are_valid_json(home):
    s = Store.open(home)
    assert s.restored_from_backup == []
    s.merge_backlinks([bl("https://blog.test/a")], "ahrefs")
    cand = s.insert("candidates", {"url": "https://x.test/", "kind": "boost"})
    s.set_setting("theme", "dark")
    s.close()
    for name in (BACKLINKS_FILE, WORKFLOW_FILE):
        doc = json.loads((home / name).read_text("utf-8"))
        assert doc["meta"]["1"]["schema"] == 1
    s = Store.open(home)
    assert s.backlink_count() == 1
    assert s.get("candidates", cand["id"])["url"] == "https://x.test/"
    assert s.get_setting("theme") == "dark"
    assert s.get_setting("missing", 7) == 7
    s.close()


def test_a_save_never_rewrites_the_backlink_file(store, home):
    store.merge_backlinks([bl("https://blog.test/a")], "ahrefs")
    before = (home / BACKLINKS_FILE).stat()
    store.insert("candidates", {"url": "https://x.test/", "kind": "boost"})
    store.insert("placements", {"from_url": "https://t2.test/p", "to_url": "https://blog.test/a"})
    after = (home / BACKLINKS_FILE).stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_backups_rotate_and_keep_three(store, home):
    for i in range(6):
        store.insert("candidates", {"url": f"https://x.test/{i}"})
    names = sorted(p.name for p in home.iterdir())
    assert [n for n in names if n.startswith(WORKFLOW_FILE + ".bak")] == [
        WORKFLOW_FILE + ".bak1", WORKFLOW_FILE + ".bak2", WORKFLOW_FILE + ".bak3"]
    # bak1 is the state before the last write
    bak1 = json.loads((home / (WORKFLOW_FILE + ".bak1")).read_text())
    assert len(bak1["candidates"]) == 5


def test_nan_is_refused_and_nothing_changes(store, home):
    store.merge_backlinks([bl("https://blog.test/a")], "ahrefs")
    before = (home / BACKLINKS_FILE).read_bytes()
    with pytest.raises(StorageError, match="not valid JSON"):
        store.merge_backlinks([bl("https://blog.test/b", metrics={"dr": float("nan")})], "ahrefs")
    assert (home / BACKLINKS_FILE).read_bytes() == before
    assert store.backlink_count() == 1
    assert store.get_backlink("https://blog.test/b", "https://example.com/pricing") is None
    with pytest.raises(StorageError):
        store.insert("candidates", {"score": float("inf")})
    assert store.all("candidates") == []


# --- damaged files ------------------------------------------------------------------------

DAMAGE = {
    "empty": b"",
    "truncated": None,  # filled from the real file
    "garbage": b"\x00\x17not json at all \xff",
    "wrong shape": b"[1, 2, 3]",
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("which", [BACKLINKS_FILE, WORKFLOW_FILE])
def test_damaged_file_is_moved_aside_and_backup_restored_loudly(home, capsys, damage, which):
    s = Store.open(home)
    s.merge_backlinks([bl("https://blog.test/a")], "ahrefs")
    s.merge_backlinks([bl("https://blog.test/b")], "ahrefs")
    s.insert("candidates", {"url": "https://c1.test/"})
    s.insert("candidates", {"url": "https://c2.test/"})
    s.close()
    path = home / which
    content = path.read_bytes()
    path.write_bytes(DAMAGE[damage] if DAMAGE[damage] is not None else content[: len(content) // 2])
    capsys.readouterr()
    s = Store.open(home)
    err = capsys.readouterr().err
    assert "WARNING" in err and which in err and "backup" in err
    assert len(s.restored_from_backup) == 1 and which in s.restored_from_backup[0]
    aside = [p for p in home.iterdir() if p.name.startswith(which + ".corrupt-")]
    assert len(aside) == 1
    # the backup holds everything but the last write to that file
    if which == BACKLINKS_FILE:
        assert s.get_backlink("https://blog.test/a", "https://example.com/pricing") is not None
        assert s.all("candidates") and len(s.all("candidates")) == 2
    else:
        assert [c["url"] for c in s.all("candidates")] == ["https://c1.test/"]
        assert s.backlink_count() == 2
    json.loads(path.read_bytes())  # the live file parses again
    s.close()


def test_no_good_backup_refuses_to_open_and_touches_nothing(home):
    s = Store.open(home)
    s.merge_backlinks([bl("https://blog.test/a")], "ahrefs")
    s.close()
    for p in home.glob(BACKLINKS_FILE + ".bak*"):
        p.unlink()
    (home / BACKLINKS_FILE).write_bytes(b'{"backlinks": {"1": {"source')
    with pytest.raises(StorageError) as err:
        Store.open(home)
    message = err.value.message
    assert str(home / BACKLINKS_FILE) in message and "restore" in message and "\n" not in message
    assert (home / BACKLINKS_FILE).read_bytes() == b'{"backlinks": {"1": {"source'
    assert not list(home.glob("*.corrupt-*"))


def test_cli_reports_refusal_on_one_line(home, cli):
    s = Store.open(home)
    s.merge_backlinks([bl("https://blog.test/a")], "ahrefs")
    s.close()
    for p in home.glob(BACKLINKS_FILE + ".bak*"):
        p.unlink()
    (home / BACKLINKS_FILE).write_bytes(b"")
    err = cli.fails("backlinks")
    assert "backlinks.json" in err and "no good backup" in err


def test_missing_file_with_backups_is_restored_not_started_empty(home, capsys):
    s = Store.open(home)
    s.merge_backlinks([bl("https://blog.test/a")], "ahrefs")
    s.merge_backlinks([bl("https://blog.test/b")], "ahrefs")
    s.close()
    (home / BACKLINKS_FILE).unlink()
    s = Store.open(home)
    assert s.backlink_count() == 1 and s.restored_from_backup
    s.close()


def test_newer_schema_is_refused(home):
    home.mkdir(parents=True)
    (home / WORKFLOW_FILE).write_text('{"meta": {"1": {"schema": 99}}}')
    with pytest.raises(StorageError, match="newer Tierlink"):
        Store.open(home)


# --- crash safety: a child process dies at each step of a write ---------------------------

CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from companion.store import Store
    s = Store.open(Path(sys.argv[1]))
    for i in range(6):
        if sys.argv[2] == "backlinks":
            s.merge_backlinks([{"source_url": f"https://blog{i}.test/p", "target_url": "https://example.com/",
                                "anchor": "a", "last_seen": "2026-01-01"}], "ahrefs")
        else:
            s.insert("candidates", {"url": f"https://c{i}.test/"})
        print("ack", i, flush=True)
""")


@pytest.mark.parametrize("point", ["mid_temp", "after_temp", "before_replace", "after_replace"])
@pytest.mark.parametrize("table", ["backlinks", "candidates"])
def test_crash_at_each_step_keeps_every_acknowledged_write(home, point, table):
    env = dict(os.environ, TIERLINK_CRASH_AT=f"{point}:4", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(home), table], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 99, proc.stderr
    acked = [int(line.split()[1]) for line in proc.stdout.split("\n") if line.startswith("ack")]
    assert acked == [0, 1, 2]  # the 4th write died (a store writes nothing at open)
    s = Store.open(home)
    assert s.restored_from_backup == []  # the live file was never damaged
    if table == "backlinks":
        stored = {r["source_url"] for r in s.all_backlinks()}
        assert {f"https://blog{i}.test/p" for i in acked} <= stored
        assert len(stored) == (4 if point == "after_replace" else 3)
    else:
        stored = {c["url"] for c in s.all("candidates")}
        assert {f"https://c{i}.test/" for i in acked} <= stored
        assert len(stored) == (4 if point == "after_replace" else 3)
    assert not list(home.glob(".*.tmp"))  # a crash's temp file is cleaned up at open
    s.close()


# --- threads ---------------------------------------------------------------------------------

def test_twenty_threads_writing_at_once_lose_nothing(home):
    s = Store.open(home)
    errors = []

    def work(n):
        try:
            for i in range(5):
                s.insert("candidates", {"url": f"https://t{n}.test/{i}", "kind": "boost"})
                s.merge_backlinks([bl(f"https://t{n}.test/{i}")], "ahrefs")
                s.upsert("settings", {"name": f"thread-{n}"}, {"value": i})
                s.is_tier1_page(f"t{n}.test/{i}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    s.close()
    s = Store.open(home)
    assert len(s.all("candidates")) == 100
    assert s.backlink_count() == 100
    assert all(s.get_setting(f"thread-{n}") == 4 for n in range(20))
    assert all(s.is_tier1_page(f"t{n}.test/4") for n in range(20))
    s.close()


# --- tables and indexes ----------------------------------------------------------------------

def test_workflow_table_api(store):
    doc = store.insert("candidates", {"url": "https://a.test/", "kind": "boost"})
    assert isinstance(doc["id"], str) and doc["id"]
    assert store.update("candidates", doc["id"], {"note": "n", "id": "hijack"})["note"] == "n"
    assert store.get("candidates", doc["id"])["id"] == doc["id"]
    again, created = store.upsert("candidates", {"url": "https://a.test/", "kind": "boost"}, {"note": "m"})
    assert not created and again["id"] == doc["id"] and again["note"] == "m"
    other, created = store.upsert("candidates", {"url": "https://a.test/", "kind": "tier2"}, {})
    assert created and other["id"] != doc["id"]
    assert [d["id"] for d in store.find("candidates", kind="tier2")] == [other["id"]]
    store.remove("candidates", doc["id"])
    assert store.get("candidates", doc["id"]) is None
    with pytest.raises(NotFound):
        store.remove("candidates", doc["id"])
    with pytest.raises(NotFound):
        store.update("candidates", "nope", {})
    with pytest.raises(BadInput):
        store.insert("meta", {})
    # ids are never reused after a removal
    third = store.insert("candidates", {"url": "https://b.test/"})
    assert third["id"] not in (doc["id"], other["id"])


def test_tier1_and_placement_indexes(store):
    store.merge_backlinks([
        bl("https://www.Blog.test/post/?utm_source=x#c"),
        bl("https://gone.test/p", status="lost"),
        bl("https://blog.test/post", target="https://example.com/other"),
    ], "ahrefs")
    assert store.is_tier1_page("blog.test/post")
    assert not store.is_tier1_page("gone.test/p")
    assert not store.is_tier1_page("nowhere.test/")
    pages = store.tier1_pages()
    assert [(p["key"], len(p["backlinks"])) for p in pages] == [("blog.test/post", 2)]
    rec = store.get_backlink("http://blog.test/post/", "https://www.example.com/pricing")
    assert rec and rec["source_key"] == "blog.test/post" and rec["origins"] == ["ahrefs"]
    assert len(store.backlinks_from("blog.test/post")) == 2
    assert not store.is_placement_page("t2.test/page")
    p = store.insert("placements", {"from_url": "https://www.t2.test/page/", "to_url": "https://blog.test/post"})
    assert store.is_placement_page("t2.test/page")
    store.remove("placements", p["id"])
    assert not store.is_placement_page("t2.test/page")


def test_merge_rules(store):
    r = store.merge_backlinks([
        bl("https://a.test/", anchor="weak", rel=["nofollow"]),
        bl("https://a.test/", anchor="strong", rel=[]),
        bl("https://a.test/", anchor="later", rel=[]),
    ], "ahrefs")
    assert r == {"added": 1, "updated": 0, "backlinks_total": 1}
    rec = store.get_backlink("https://a.test/", "https://example.com/pricing")
    assert (rec["anchor"], rec["rel"], rec["follow"]) == ("strong", [], True)
    # the same export again: nothing
    assert store.merge_backlinks([bl("https://a.test/", anchor="strong")], "ahrefs")["updated"] == 0
    # a newer export from the same tool: lost, metrics, history
    r = store.merge_backlinks([bl("https://a.test/", anchor="strong", status="lost", last_seen="2026-03-01",
                                  metrics={"dr": 40})], "ahrefs")
    assert r["updated"] == 1
    rec = store.get_backlink("https://a.test/", "https://example.com/pricing")
    assert rec["status"] == "lost" and rec["metrics"] == {"dr": 40} and rec["last_seen"] == "2026-03-01"
    assert rec["history"][-1]["kind"] == "lost"
    # an older export from another tool only adds its origin and missing metrics
    store.merge_backlinks([bl("https://a.test/", status="live", last_seen="2025-01-01", first_seen="2024-05-01",
                              metrics={"dr": 1, "tf": 9})], "majestic")
    rec = store.get_backlink("https://a.test/", "https://example.com/pricing")
    assert rec["status"] == "lost" and rec["metrics"] == {"dr": 40, "tf": 9}
    assert rec["origins"] == ["ahrefs", "majestic"] and rec["first_seen"] == "2024-05-01"


def test_put_backlinks_replaces_records(store):
    store.merge_backlinks([bl("https://a.test/")], "ahrefs")
    rec = store.get_backlink("https://a.test/", "https://example.com/pricing")
    changed = dict(rec, status="lost", history=[{"at": "2026-05-01", "kind": "lost", "was": "live", "now": "lost"}])
    version = store.version
    store.put_backlinks([changed, bl("https://new.test/", origins=["discovered"])])
    assert store.version > version
    assert store.get_backlink("https://a.test/", "https://example.com/pricing")["status"] == "lost"
    assert not store.is_tier1_page("a.test/")
    assert store.is_tier1_page("new.test/")
    assert rec["status"] == "live"  # a record a caller holds never changes under it
    with pytest.raises(BadInput):
        store.put_backlinks([bl("javascript:alert(1)")])


URLS = [
    "https://www.Example.com/a/b/", "http://example.com", "https://blog.test/x?utm_source=a&b=2", "https://a.test/%7Euser",
    "https://a.test/caf%C3%A9", "https://a.test/café", "https://a.test:443/p", "https://a.test:8080/p", "HTTPS://A.TEST/P",
    "https://www.co.uk/x", "https://www.a.b.test/x//", "https://a.test/p#frag", "https://1.2.3.4/x", "https://xn--bcher-kva.test/",
    "https://a.test/a;b=c/d:e@f!$&'()*+,=", "https://a.test/-._~", "https://www.test/", "https://a.test.//", "https://a.test/Path/",
]


def test_fast_page_key_matches_urls_page_key():
    for u in URLS:
        assert page_key(u) == urls.page_key(u), u


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["http://", "https://"]), st.sampled_from(["", "www.", "WWW.", "sub."]),
       st.from_regex(r"[a-zA-Z0-9-]{1,10}\.[a-z]{2,5}", fullmatch=True),
       st.text(alphabet="abcXYZ019-._~/:@!$&'()*+,;=%é", max_size=20))
def test_fast_page_key_property(scheme, prefix, host, path):
    url = scheme + prefix + host + "/" + path
    try:
        expected = urls.page_key(url)
    except ValueError:
        return
    assert page_key(url) == expected


def test_a_failed_write_changes_nothing_in_memory_or_on_disk(store, home, monkeypatch):
    """A full disk at the rename: StorageError, and the store is exactly as before."""
    store.merge_backlinks([bl("https://a.test/")], "ahrefs")
    store.insert("candidates", {"url": "https://c.test/"})
    before = (home / BACKLINKS_FILE).read_bytes()
    real_replace = os.replace

    def full_disk(src, dst):
        if str(dst).endswith(".json"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr("companion.store.os.replace", full_disk)
    with pytest.raises(StorageError, match="No space left"):
        store.merge_backlinks([bl("https://b.test/"), bl("https://a.test/", status="lost", last_seen="2027-01-01")],
                              "ahrefs")
    with pytest.raises(StorageError):
        store.insert("candidates", {"url": "https://d.test/"})
    monkeypatch.setattr("companion.store.os.replace", real_replace)
    assert (home / BACKLINKS_FILE).read_bytes() == before
    assert store.backlink_count() == 1 and store.get_backlink("https://b.test/", "https://example.com/pricing") is None
    assert store.get_backlink("https://a.test/", "https://example.com/pricing")["status"] == "live"
    assert [c["url"] for c in store.all("candidates")] == ["https://c.test/"]
    assert not list(home.glob(".*.tmp"))
    # and it works again afterwards
    assert store.merge_backlinks([bl("https://b.test/")], "ahrefs")["added"] == 1
    store.close()
    reopened = Store.open(home)
    assert reopened.backlink_count() == 2 and len(reopened.all("candidates")) == 1
    reopened.close()


def test_two_processes_on_one_home_never_overwrite_each_other(home):
    """The service keeps a store open while `tierlink import` writes through another one."""
    service = Store.open(home)
    service.insert("candidates", {"url": "https://saved.test/"})
    assert not service.is_tier1_page("blog.test/a")
    proc = subprocess.run([sys.executable, "-m", "companion", "--home", str(home), "import",
                           str(Path(__file__).parent / "fixtures" / "exports" / "semrush-backlinks.csv")],
                          capture_output=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)
    assert proc.returncode == 0, proc.stderr
    # the service sees the import at once, and its next write keeps it
    assert service.backlink_count() == 14
    assert service.is_tier1_page("widgetweekly.example.org/best-widgets-2025")
    service.merge_backlinks([bl("https://blog.test/a")], "discovered")
    service.insert("candidates", {"url": "https://second.test/"})
    other = Store.open(home)
    assert other.backlink_count() == 15
    other.insert("placements", {"from_url": "https://t2.test/x", "to_url": "https://blog.test/a"})
    assert service.is_placement_page("t2.test/x")
    assert [c["url"] for c in service.all("candidates")] == ["https://saved.test/", "https://second.test/"]
    other.close()
    service.close()
