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
import subprocess
import sys

import pytest

from companion.store.sqlstore import DB_FILE
from companion.store.store import WORKFLOW_FILE, Store
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
