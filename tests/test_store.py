"""The durable store: a real SQLite database and TinyDB file in a temporary home, real crashes
in child processes.

What must hold (docs/SECURITY.md, Storage): every acknowledged write survives a crash
at any step of a write; a damaged file is restored from a backup, loudly; with
no good backup the store refuses to open rather than start empty; 20 threads
writing at once lose nothing; lookups answer from indexes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.core.errors import BadInput, NotFound, StorageError
from companion.store import sqlstore
from companion.store.sqlstore import DB_FILE
from companion.store.backups import WORKFLOW_FILE
from companion.store.store import Store
from companion.store import opening

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


@pytest.fixture(params=["embedded", "postgresql"])
def open_store(request, home):
    """`Store.open` on either backend: what the Store promises must hold on both (team mode's
    PostgreSQL runs on a throwaway cluster, tests/pgutil.py; skipped, saying why, without one)."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    opened = []

    def open_():
        s = opening.open_store(home, database=url)
        opened.append(s)
        return s

    yield open_
    for s in opened:
        s.close()


@pytest.fixture
def any_store(open_store):
    return open_store()


# --- durability and reopening ----------------------------------------------------------

def test_data_survives_reopen_and_files_are_what_they_say(home):
    s = Store.open(home)
    assert s.restored_from_backup == []
    s.merge_backlinks([bl("https://blog.test/a")], "ahrefs")
    cand = s.insert("candidates", {"url": "https://x.test/", "kind": "boost"})
    s.set_setting("theme", "dark")
    s.close()
    doc = json.loads((home / WORKFLOW_FILE).read_text("utf-8"))
    assert doc["meta"]["1"]["schema"] == 1 and list(doc["candidates"].values())[0]["url"] == "https://x.test/"
    db = sqlite3.connect(home / DB_FILE)
    assert db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone() == (str(sqlstore.SCHEMA_VERSION),)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("SELECT source_key, status FROM backlinks").fetchall() == [("blog.test/a", "live")]
    db.close()
    s = Store.open(home)
    assert s.backlink_count() == 1
    assert s.get("candidates", cand["id"])["url"] == "https://x.test/"
    assert s.get_setting("theme") == "dark"
    assert s.get_setting("missing", 7) == 7
    s.close()


def test_a_save_never_writes_the_backlink_database(store, home):
    store.merge_backlinks([bl("https://blog.test/a")], "ahrefs")
    files = [home / DB_FILE, home / (DB_FILE + "-wal")]
    before = [(f.stat().st_ino, f.stat().st_mtime_ns, f.stat().st_size) for f in files]
    store.insert("candidates", {"url": "https://x.test/", "kind": "boost"})
    store.insert("placements", {"from_url": "https://t2.test/p", "to_url": "https://blog.test/a"})
    assert [(f.stat().st_ino, f.stat().st_mtime_ns, f.stat().st_size) for f in files] == before


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
    before = store.all_backlinks()
    with pytest.raises(StorageError, match="not valid JSON"):
        store.merge_backlinks([bl("https://blog.test/c"), bl("https://blog.test/b", metrics={"dr": float("nan")})],
                              "ahrefs")
    assert store.all_backlinks() == before
    assert store.backlink_count() == 1
    assert store.get_backlink("https://blog.test/b", "https://example.com/pricing") is None
    with pytest.raises(StorageError):
        store.insert("candidates", {"score": float("inf")})
    assert store.all("candidates") == []


# --- damaged files ------------------------------------------------------------------------

DAMAGE = {
    "empty": b"",
    "truncated": None,  # filled from the real file
    "garbage": b"\x00\x17not a store at all \xff",
    "wrong shape": None,  # JSON in the workflow file, a database of some other program for SQLite
}


def _damage(path, damage):
    content = path.read_bytes()
    if damage == "truncated":
        return content[: len(content) // 2]
    if damage == "wrong shape":
        if path.name == DB_FILE:
            other = path.with_name("other.db")
            db = sqlite3.connect(other)
            db.execute("CREATE TABLE t (x)")
            db.commit()
            db.close()
            return other.read_bytes()
        return b"[1, 2, 3]"
    return DAMAGE[damage]


def _fill(home):
    s = Store.open(home)
    s.merge_backlinks([bl("https://blog.test/a")], "ahrefs")
    s.merge_backlinks([bl("https://blog.test/b")], "ahrefs")
    s.insert("candidates", {"url": "https://c1.test/"})
    s.insert("candidates", {"url": "https://c2.test/"})
    s.close()


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("which", [DB_FILE, WORKFLOW_FILE])
def test_damaged_file_is_moved_aside_and_backup_restored_loudly(home, capsys, damage, which):
    _fill(home)
    path = home / which
    path.write_bytes(_damage(path, damage))
    for side in home.glob(which + "-*"):  # a crash or a copy leaves no WAL beside a damaged file
        side.unlink()
    capsys.readouterr()
    s = Store.open(home)
    err = capsys.readouterr().err
    assert "WARNING" in err and which in err and "backup" in err
    assert len(s.restored_from_backup) == 1 and which in s.restored_from_backup[0]
    aside = [p for p in home.iterdir() if p.name.startswith(which + ".corrupt-")]
    assert len(aside) == 1
    if which == DB_FILE:
        # a backup is taken after each import: it holds both
        assert s.backlink_count() == 2 and s.is_tier1_page("blog.test/b")
        assert len(s.all("candidates")) == 2
    else:  # the workflow's backup holds everything but the last write to that file
        assert [c["url"] for c in s.all("candidates")] == ["https://c1.test/"]
        assert s.backlink_count() == 2
    s.close()
    assert Store.open(home).restored_from_backup == []  # the live file is sound again


def _no_backups(home):
    for p in list(home.glob(DB_FILE + ".bak*")):
        p.unlink()


def test_no_good_backup_refuses_to_open_and_touches_nothing(home):
    _fill(home)
    _no_backups(home)
    (home / DB_FILE).write_bytes(b"SQLite format 3\x00 and then nothing sensible")
    with pytest.raises(StorageError) as err:
        Store.open(home)
    message = err.value.message
    assert str(home / DB_FILE) in message and "restore" in message and "\n" not in message
    assert (home / DB_FILE).read_bytes() == b"SQLite format 3\x00 and then nothing sensible"
    assert not list(home.glob("*.corrupt-*"))


def test_cli_reports_refusal_on_one_line(home, cli):
    _fill(home)
    _no_backups(home)
    (home / DB_FILE).write_bytes(b"")
    err = cli.fails("backlinks")
    assert DB_FILE in err and "no good backup" in err


def test_missing_file_with_backups_is_restored_not_started_empty(home, capsys):
    _fill(home)
    for p in [home / DB_FILE, *home.glob(DB_FILE + "-*")]:
        p.unlink()
    s = Store.open(home)
    assert s.backlink_count() == 2 and s.restored_from_backup
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
    from companion.store.store import Store
    s = Store.open(Path(sys.argv[1]))
    for i in range(6):
        if sys.argv[2] == "backlinks":
            s.merge_backlinks([{"source_url": f"https://blog{i}.test/p", "target_url": "https://example.com/",
                                "anchor": "a", "last_seen": "2026-01-01"}], "ahrefs")
        else:
            s.insert("candidates", {"url": f"https://c{i}.test/"})
        print("ack", i, flush=True)
""")


@pytest.mark.parametrize("table, point", [
    ("backlinks", "before_commit"), ("backlinks", "after_commit"),
    ("candidates", "mid_temp"), ("candidates", "after_temp"), ("candidates", "before_replace"),
    ("candidates", "after_replace")])
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
        assert len(stored) == (4 if point == "after_commit" else 3)
    else:
        stored = {c["url"] for c in s.all("candidates")}
        assert {f"https://c{i}.test/" for i in acked} <= stored
        assert len(stored) == (4 if point == "after_replace" else 3)
    assert not list(home.glob(".*.tmp"))  # a crash's temp file is cleaned up at open
    s.close()


# --- threads ---------------------------------------------------------------------------------

def test_twenty_threads_writing_at_once_lose_nothing(open_store):
    s = open_store()
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
    s = open_store()
    assert len(s.all("candidates")) == 100
    assert s.backlink_count() == 100
    assert all(s.get_setting(f"thread-{n}") == 4 for n in range(20))
    assert all(s.is_tier1_page(f"t{n}.test/4") for n in range(20))


# --- tables and indexes ----------------------------------------------------------------------

def test_workflow_table_api(any_store):
    store = any_store
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


def test_tier1_and_placement_indexes(any_store):
    store = any_store
    store.merge_backlinks([
        bl("https://www.Blog.test/post/?utm_source=x#c"),
        bl("https://gone.test/p", status="lost"),
        bl("https://blog.test/post", target="https://example.com/other"),
    ], "ahrefs")
    assert store.is_tier1_page("blog.test/post")
    assert not store.is_tier1_page("gone.test/p")
    assert not store.is_tier1_page("nowhere.test/")
    assert store.tier1_count() == 1
    page = store.tier1_page("blog.test/post")
    assert page["url"] == "https://www.Blog.test/post/?utm_source=x#c" and page["host"] == "blog.test"
    assert page["features"]["targets"] == ["example.com/pricing", "example.com/other"]
    assert store.has_tier1_host("blog.test") and not store.has_tier1_host("gone.test")
    rec = store.get_backlink("http://blog.test/post/", "https://www.example.com/pricing")
    assert rec and rec["source_key"] == "blog.test/post" and rec["origins"] == ["ahrefs"]
    assert len(store.backlinks_from("blog.test/post")) == 2
    assert not store.is_placement_page("t2.test/page")
    p = store.insert("placements", {"from_url": "https://www.t2.test/page/", "to_url": "https://blog.test/post"})
    assert store.is_placement_page("t2.test/page")
    store.remove("placements", p["id"])
    assert not store.is_placement_page("t2.test/page")


def test_merge_rules(any_store):
    store = any_store
    r = store.merge_backlinks([
        bl("https://a.test/", anchor="weak", rel=["nofollow"]),
        bl("https://a.test/", anchor="strong", rel=[]),
        bl("https://a.test/", anchor="later", rel=[]),
    ], "ahrefs")
    assert r == {"added": 1, "updated": 0, "merged": 2, "backlinks_total": 1}  # one row per count
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


def test_put_backlinks_replaces_records(any_store):
    store = any_store
    store.merge_backlinks([bl("https://a.test/")], "ahrefs")
    rec = store.get_backlink("https://a.test/", "https://example.com/pricing")
    changed = dict(rec, status="lost", history=[{"at": "2026-05-01", "kind": "lost", "was": "live", "now": "lost"}])
    store.put_backlinks([changed, bl("https://new.test/", origins=["discovered"])])
    assert store.get_backlink("https://a.test/", "https://example.com/pricing")["status"] == "lost"
    assert not store.is_tier1_page("a.test/")
    assert store.is_tier1_page("new.test/")
    assert rec["status"] == "live"  # a record a caller holds never changes under it
    with pytest.raises(BadInput):
        store.put_backlinks([bl("javascript:alert(1)")])


def test_an_import_failing_half_way_changes_nothing(any_store):
    """A bad row after the first batch of 5,000 is already written: the whole import is undone."""
    store = any_store
    store.merge_backlinks([bl("https://kept.test/")], "ahrefs")

    def rows():
        for i in range(6000):
            yield bl(f"https://bulk.test/{i}")
        yield bl("javascript:alert(1)")

    with pytest.raises(BadInput):
        store.merge_backlinks(rows(), "ahrefs")
    assert store.backlink_count() == 1 and store.tier1_count() == 1
    assert not store.is_tier1_page("bulk.test/1")


def test_a_full_disk_during_an_import_changes_nothing(store, home, monkeypatch):
    """SQLite reports a full disk half-way through the import: StorageError, the list as before."""
    store.merge_backlinks([bl("https://a.test/")], "ahrefs")
    before = store.all_backlinks()
    monkeypatch.setenv("TIERLINK_CRASH_AT", "enospc:1")
    with pytest.raises(StorageError, match="No space left"):
        store.merge_backlinks([bl("https://b.test/"), bl("https://a.test/", status="lost", last_seen="2027-01-01")],
                              "ahrefs")
    monkeypatch.delenv("TIERLINK_CRASH_AT")
    assert store.all_backlinks() == before and not store.is_tier1_page("b.test/")
    assert store.merge_backlinks([bl("https://b.test/")], "ahrefs")["added"] == 1  # and it works again
    store.close()
    reopened = Store.open(home)
    assert reopened.backlink_count() == 2
    reopened.close()


def test_a_failed_workflow_write_changes_nothing_in_memory_or_on_disk(store, home, monkeypatch):
    """A full disk at the rename: StorageError, and the workflow is exactly as before."""
    store.insert("candidates", {"url": "https://c.test/"})
    before = (home / WORKFLOW_FILE).read_bytes()
    real_replace = os.replace

    def full_disk(src, dst):
        if str(dst).endswith(".json"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr("companion.store.backups.os.replace", full_disk)
    with pytest.raises(StorageError, match="No space left"):
        store.insert("candidates", {"url": "https://d.test/"})
    monkeypatch.setattr("companion.store.backups.os.replace", real_replace)
    assert (home / WORKFLOW_FILE).read_bytes() == before
    assert [c["url"] for c in store.all("candidates")] == ["https://c.test/"]
    assert not list(home.glob(".*.tmp"))
    store.close()
    reopened = Store.open(home)
    assert len(reopened.all("candidates")) == 1
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


# --- a home written before the SQLite store ----------------------------------------------------

LEGACY = Path(__file__).parent / "fixtures" / "home-before-sqlite"  # written by Tierlink at b3d4fb8


def test_a_home_with_backlinks_json_opens_into_the_database(home, capsys, cli):
    import shutil

    shutil.copytree(LEGACY, home)
    old = json.loads((home / "backlinks.json").read_text())["backlinks"]
    before = (home / "backlinks.json").read_bytes()
    s = Store.open(home)
    assert "moved 2 backlinks from backlinks.json" in capsys.readouterr().err
    records = s.all_backlinks()
    assert records == [old["1"], old["2"]]  # every field and its history, in the old order
    assert s.is_tier1_page("blog.test/post") and not s.is_tier1_page("gone.test/p")
    assert [c["url"] for c in s.all("candidates")] == ["https://spot.test/"]
    s.close()
    assert (home / "backlinks.json").read_bytes() == before  # kept as a backup until the user deletes it
    s = Store.open(home)  # once only
    assert s.backlink_count() == 2
    s.close()
    assert "moved" not in capsys.readouterr().err
    assert [i["url"] for i in cli.json("boost")] == ["https://www.blog.test/post/"]
