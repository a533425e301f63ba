"""Start-up on a damaged database, as a user meets it: `tierlink serve` and the CLI.

tests/test_store.py proves the library rule (a file that will not parse is moved
aside and the newest good backup restored, loudly; with no good backup the store
refuses to open). Here the same rule is checked where the user sees it:

* `tierlink serve` on an empty, truncated, garbage or missing backlinks.sqlite or
  workflow.json with a backup: it starts, says WARNING on stderr naming the file
  and the backup, reports the same text in `GET /api/health` `notices`, and serves
  the backup's data (never an empty database).
* The same without any backup: `tierlink serve` refuses to start, exits non-zero
  with one line naming the path and the fix, and leaves the file untouched.
* A CLI command with `--json` on a damaged file: the warning goes to stderr, the
  JSON on stdout stays one clean document.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from companion.store.sqlstore import DB_FILE
from companion.store.backups import WORKFLOW_FILE
from companion.store.store import Store
from serverutil import CompanionServer


def populate(home):
    """Two writes to each store: the workflow's bak1 holds the state before its last write,
    the database's the state after its last import."""
    s = Store.open(home)
    for name in ("a", "b"):
        s.merge_backlinks([{"source_url": f"https://{name}.test/post", "target_url": "https://example.com/",
                            "anchor": "tool", "last_seen": "2026-01-01"}], "ahrefs")
        s.insert("candidates", {"url": f"https://{name}.test/", "kind": "boost", "status": "new"})
    s.close()


def damage(path, how: str) -> bytes | None:
    for side in path.parent.glob(path.name + "-*"):  # the database's WAL goes with it
        side.unlink()
    content = path.read_bytes()
    new = {"empty": b"", "truncated": content[: len(content) // 2], "garbage": b"\x00\xffnot json{{{",
           "missing": None}[how]
    if new is None:
        path.unlink()
    else:
        path.write_bytes(new)
    return new


DAMAGES = ["empty", "truncated", "garbage", "missing"]


@pytest.mark.parametrize("how", DAMAGES)
@pytest.mark.parametrize("which", [DB_FILE, WORKFLOW_FILE])
def test_serve_restores_backup_loudly(tmp_path, which, how):
    home = tmp_path / "home"
    populate(home)
    damage(home / which, how)
    with CompanionServer(home) as srv:
        log = srv.output(None)
        health = srv.api("GET", "/api/health")
        backlinks = {r["source_url"] for r in srv.api("GET", "/api/backlinks?limit=1000")["backlinks"]}
        cands = {c["url"] for c in srv.api("GET", "/api/candidates")}
    assert "WARNING" in log and which in log and "Restored" in log and "bak1" in log, log
    notices = health.get("notices")
    assert notices and len(notices) == 1 and which in notices[0] and "backup" in notices[0], health
    # the backup's data, never an empty store
    if which == DB_FILE:
        assert backlinks == {"https://a.test/post", "https://b.test/post"}
        assert cands == {"https://a.test/", "https://b.test/"}
    else:  # everything but that file's last write
        assert backlinks == {"https://a.test/post", "https://b.test/post"} and cands == {"https://a.test/"}
        json.loads((home / which).read_bytes())
    if how != "missing":
        assert len(list(home.glob(which + ".corrupt-*"))) == 1  # the damaged file is kept for the user


@pytest.mark.parametrize("how", ["empty", "truncated", "garbage"])
@pytest.mark.parametrize("which", [DB_FILE, WORKFLOW_FILE])
def test_serve_refuses_without_a_backup(tmp_path, which, how):
    home = tmp_path / "home"
    populate(home)
    for bak in home.glob(which + ".bak*"):
        bak.unlink()
    left = damage(home / which, how)
    srv = CompanionServer(home)
    proc = subprocess.run(srv.command("serve", "--port", str(srv.port)), capture_output=True, env=srv.env(),
                          timeout=60)
    err = proc.stderr.decode().strip()
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "tierlink: error:" in line]
    assert len(lines) == 1, err
    message = lines[0]
    assert str(home / which) in message and "no good backup" in message, message
    assert "restore the file from your own backup" in message and "move it away" in message, message
    assert (home / which).read_bytes() == left  # untouched
    assert not list(home.glob("*.corrupt-*"))
    assert b"dashboard at" not in proc.stdout  # it never started listening


def test_cli_json_stays_clean_on_restore(tmp_path):
    home = tmp_path / "home"
    populate(home)
    damage(home / WORKFLOW_FILE, "garbage")
    srv = CompanionServer(home)
    proc = subprocess.run(srv.command("candidates", "--json"), capture_output=True, env=srv.env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert [c["url"] for c in json.loads(proc.stdout)] == ["https://a.test/"]
    err = proc.stderr.decode()
    assert "WARNING" in err and WORKFLOW_FILE in err and "bak1" in err


def test_cli_refuses_without_a_backup_on_one_line(tmp_path):
    home = tmp_path / "home"
    populate(home)
    for bak in home.glob(WORKFLOW_FILE + ".bak*"):
        bak.unlink()
    damage(home / WORKFLOW_FILE, "truncated")
    env = CompanionServer(home).env()
    proc = subprocess.run([sys.executable, "-m", "companion", "save", "https://c.test/", "--kind", "tier2"],
                          capture_output=True, env=env, timeout=60)
    err = proc.stderr.decode().strip()
    assert proc.returncode != 0 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert str(home / WORKFLOW_FILE) in err and "no good backup" in err


def populate_big(home, n: int = 3000) -> None:
    """A database of a few hundred pages (an import: bak1 holds it too), closed cleanly."""
    s = Store.open(home)
    s.merge_backlinks([{"source_url": f"https://site{i}.test/post/{i}", "target_url": "https://example.com/",
                        "anchor": f"widget review number {i}", "title": f"Widgets, part {i}",
                        "last_seen": "2026-01-01"} for i in range(n)], "ahrefs")
    s.insert("candidates", {"url": "https://a.test/", "kind": "boost", "status": "new"})
    s.close()
    assert (home / (DB_FILE + ".clean")).exists() and (home / (DB_FILE + ".bak1")).exists()


def damage_in_place(path, offset: int, size: int = 32 * 1024) -> None:
    """Overwrite `size` bytes at `offset` as a bad disk would: same file, size and mtime."""
    st = path.stat()
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(bytes((i * 7 + 13) % 251 for i in range(size)))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size


def test_damage_inside_a_clean_closed_database_is_found_while_serving(tmp_path):
    """Issue 23 item 5: 32 KiB overwritten in the middle of a clean-closed database. `serve`
    starts at once (the stamp matches), the check in the background finds the damage: health
    says degraded with store_damaged, no request answers 500, writes answer 503; after the
    server stops, `tierlink repair` restores the backup's rows and keeps the damaged file aside."""
    home = tmp_path / "home"
    populate_big(home)
    path = home / DB_FILE
    damage_in_place(path, path.stat().st_size // 2 // 4096 * 4096)
    with CompanionServer(home) as srv:
        deadline = time.monotonic() + 60
        health = srv.api("GET", "/api/health")
        while health["status"] == "ok" and time.monotonic() < deadline:
            time.sleep(0.2)
            health = srv.api("GET", "/api/health")
        assert health["status"] == "degraded", health
        assert health["problem"]["code"] == "store_damaged" and "tierlink repair" in health["problem"]["message"]
        answers = [srv.request("GET", p) for p in ("/api/boost?limit=500", "/api/backlinks", "/api/candidates",
                                                 "/api/broken-targets")]
        for r in answers:
            assert r.status != 500, r
            assert r.status == 200 or (r.status == 503 and r.json()["error"]["code"] == "store_damaged"), r
        saved = srv.request("POST", "/api/candidates", json={"url": "https://b.test/", "kind": "boost"})
        assert saved.status == 503 and saved.json()["error"]["code"] == "store_damaged", saved
        # clean restarts do not hide it: the damaged file is checked in full at the next start
    repaired = subprocess.run([sys.executable, "-m", "companion", "repair"], capture_output=True,
                              env=srv.env(), timeout=120)
    assert repaired.returncode == 0, repaired.stderr
    assert b"Restored" in repaired.stdout and b"bak1" in repaired.stdout, repaired.stdout
    assert len(list(home.glob(DB_FILE + ".corrupt-*"))) == 1
    with CompanionServer(home) as srv:
        health = srv.api("GET", "/api/health")
        assert health["status"] == "ok" and "problem" not in health, health
        assert srv.api("GET", "/api/backlinks?limit=1")["total"] == 3000
        assert srv.request("POST", "/api/candidates", json={"url": "https://b.test/", "kind": "boost"}).status == 201
        time.sleep(1)
        assert srv.api("GET", "/api/health")["status"] == "ok"  # the background check found nothing


def test_repair_says_when_there_is_nothing_to_do_or_no_backup(tmp_path):
    home = tmp_path / "home"
    populate_big(home, 200)
    env = CompanionServer(home).env()

    def repair():
        return subprocess.run([sys.executable, "-m", "companion", "repair"], capture_output=True, env=env, timeout=120)

    sound = repair()
    assert sound.returncode == 0 and b"nothing to repair" in sound.stdout, sound
    with CompanionServer(home) as srv:  # a running companion: repair waits for it to stop
        busy = repair()
        assert busy.returncode == 1 and b"stop it before" in busy.stderr, busy.stderr
        assert srv.proc.poll() is None
    for bak in home.glob(DB_FILE + ".bak*"):
        bak.unlink()
    damage_in_place(home / DB_FILE, 0, 8192)
    before = (home / DB_FILE).read_bytes()
    none = repair()
    err = none.stderr.decode().strip()
    assert none.returncode == 1 and len(err.splitlines()) == 1 and "no good backup" in err, err
    assert (home / DB_FILE).read_bytes() == before and not list(home.glob("*.corrupt-*"))


def test_damage_to_the_first_pages_at_start_restores_the_backup(tmp_path):
    """Issue 23 item 5: the first pages overwritten, size and mtime kept: the first start used
    to exit 'database disk image is malformed; nothing was changed' beside a good .bak1."""
    home = tmp_path / "home"
    populate_big(home, 500)
    damage_in_place(home / DB_FILE, 0, 32 * 1024)
    with CompanionServer(home) as srv:
        log = srv.output(None)
        health = srv.api("GET", "/api/health")
        assert srv.api("GET", "/api/backlinks?limit=1")["total"] == 500
    assert "WARNING" in log and "Restored" in log and "bak1" in log, log
    assert health["status"] == "ok" and "bak1" in health["notices"][0], health
    assert len(list(home.glob(DB_FILE + ".corrupt-*"))) == 1


def test_a_cli_command_meeting_damage_says_so_on_one_line(tmp_path):
    """No background check in a CLI command: the first query that meets a damaged page says what
    happened and what to do (one line, exit 1), never 'internal error: DatabaseError'."""
    home = tmp_path / "home"
    populate_big(home)
    path = home / DB_FILE
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:  # a leaf page in the middle of the list
        pages = [p for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE name = 'backlinks' AND pagetype = 'leaf'")]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    (home / (DB_FILE + ".clean")).write_text(json.dumps([path.stat().st_ino, path.stat().st_size,
                                                         path.stat().st_mtime_ns]))  # as the clean close left it
    damage_in_place(path, (pages[len(pages) // 2] - 1) * page_size, page_size)
    env = CompanionServer(home).env()
    # an export reads every row (the backlinks list reads one page, which may miss the damaged one)
    proc = subprocess.run([sys.executable, "-m", "companion", "export", "backlinks", "--out", str(tmp_path / "all.csv")],
                          capture_output=True, env=env, timeout=120)
    err = proc.stderr.decode().strip()
    assert proc.returncode == 1 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "is damaged" in err and "tierlink repair" in err and "internal error" not in err, err
