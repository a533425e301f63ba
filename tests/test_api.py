"""The HTTP API's routes (in process: `app_server`, every gate of the app included), and on a
live `tierlink serve` what needs a socket or a process: parallel clients, one instance per
home, loopback only, clean shutdown, token rotation."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from serverutil import CompanionServer, free_port, multipart

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "api"

PAGE = """<!doctype html><html lang="en"><head><title>Widgets compared</title></head><body>
<nav><a href="/">Home</a></nav>
<article><p>We tried many. The <a href="https://www.example.com/pricing">link tool pricing</a> page
explains it; see also <a href="https://rival.test/x" rel="nofollow">a rival</a>.</p></article>
<footer><a href="/about">About</a></footer></body></html>"""

PROFILE = {"domains": ["example.com"],
           "money_pages": [{"url": "https://example.com/pricing", "keywords": ["link tool pricing"]}],
           "competitors": ["rival.test"], "owned_sites": ["my-other-blog.test"], "guest_post_link_limit": 2}


def test_health(app_server):
    r = app_server.request("GET", "/api/health", headers={"Authorization": None})
    assert r.status == 200
    assert r.json() == {"status": "ok", "version": __import__("companion").__version__, "store": "embedded",
                        "domains_set": False}


def test_profile_round_trip(app_server):
    saved = app_server.api("PUT", "/api/profile", json=PROFILE)
    assert saved["domains"] == ["example.com"]
    assert saved["competitors"] == ["rival.test"]
    assert app_server.api("GET", "/api/profile") == saved
    assert app_server.api("GET", "/api/health")["domains_set"] is True
    # The same file the CLI reads: the two front ends agree.
    assert json.loads((app_server.home / "profile.json").read_text())["domains"] == ["example.com"]


def test_analyze_a_small_page(app_server):
    app_server.api("PUT", "/api/profile", json=PROFILE)
    a = app_server.api("POST", "/api/analyze", json={"url": "https://blog.test/widgets", "html": PAGE})
    assert a["url"] == "https://blog.test/widgets"
    assert a["title"] == "Widgets compared"
    by_href = {l["href"]: l for l in a["links"]}
    me = by_href["https://www.example.com/pricing"]
    assert me["target"] == "me" and me["follow"] is True and me["position"] == "content"
    assert by_href["https://rival.test/x"]["target"] == "competitor"
    assert by_href["https://blog.test/about"]["target"] == "internal"
    assert "tier1" in a["labels"]
    assert a["counts"]["links"] == 4


def test_analyze_accepts_a_non_ascii_page(app_server):
    html = "<html><head><title>Café — ünïcødé ✓</title></head><body><a href='https://x.test/é'>é</a></body></html>"
    a = app_server.api("POST", "/api/analyze", json={"url": "https://blog.test/caf%C3%A9", "html": html})
    assert a["title"] == "Café — ünïcødé ✓"


def test_analyze_an_empty_page_is_not_a_500(app_server):
    r = app_server.request("POST", "/api/analyze", json={"url": "https://blog.test/empty", "html": ""})
    assert r.status in (200, 400), r


needs_importing = pytest.mark.skipif(importlib.util.find_spec("companion.importing") is None,
                                     reason="companion.importing (the export importers, issue: store/import) "
                                            "has not landed: Workspace.import_bytes cannot run yet")


@needs_importing
def test_import_then_backlinks(app_server):
    data = (FIXTURES / "semrush-backlinks.csv").read_bytes()
    body, ctype = multipart({"format": "semrush"}, {"file": ("semrush-backlinks.csv", data)})
    r = app_server.request("POST", "/api/import", data=body, headers={"Content-Type": ctype})
    assert r.status == 200, f"{r}\n{app_server.output()}"
    summary = r.json()
    assert summary["format"] == "semrush"
    assert summary["rows_read"] > 0 and summary["backlinks_total"] > 0
    everything = app_server.api("GET", "/api/backlinks?limit=1000")["backlinks"]
    assert len(everything) == summary["backlinks_total"]
    live = app_server.api("GET", "/api/backlinks?status=live&limit=1000")["backlinks"]
    lost = app_server.api("GET", "/api/backlinks?status=lost&limit=1000")["backlinks"]
    assert len(live) + len(lost) == len(everything)
    assert all(b["status"] == "live" for b in live)
    # Imported backlinks make tier-1 pages: the boost list now has entries.
    app_server.api("PUT", "/api/profile", json={**PROFILE, "domains": ["example.com"]})
    items = app_server.api("GET", "/api/boost?limit=5")
    assert 0 < len(items) <= 5
    assert {"url", "domain", "target", "score", "reasons", "metrics", "placements"} <= set(items[0])


@needs_importing
def test_import_of_garbage_is_400_not_500(app_server):
    body, ctype = multipart({}, {"file": ("x.csv", b"\x00\x01\x02 not an export")})
    r = app_server.request("POST", "/api/import", data=body, headers={"Content-Type": ctype})
    assert 400 <= r.status < 500, r


def test_import_without_a_file_is_400(app_server):
    body, ctype = multipart({"format": "auto"})
    r = app_server.request("POST", "/api/import", data=body, headers={"Content-Type": ctype})
    assert r.status == 400 and r.json()["error"]["code"] == "bad_input", r


def test_import_needs_multipart(app_server):
    r = app_server.request("POST", "/api/import", json={"file": "x"})
    assert r.status == 415, r


def test_backlinks_answer_a_page_and_boost_a_list(app_server):
    page = app_server.api("GET", "/api/backlinks")
    assert set(page) == {"backlinks", "total", "total_exact", "offset", "limit", "next_offset"}
    assert (page["offset"], page["limit"]) == (0, 100) and len(page["backlinks"]) == min(100, page["total"])
    assert app_server.api("GET", "/api/backlinks?status=lost&limit=5")["limit"] == 5
    assert app_server.api("GET", "/api/boost?limit=0") == []
    assert isinstance(app_server.api("GET", "/api/boost"), list)


def test_index_serves_the_dashboard_shell(app_server):
    r = app_server.request("GET", "/", headers={"Authorization": None})
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
    assert b"Tierlink" in r.body
    assert app_server.token not in r.text


# --- serve: lock, host, shutdown ------------------------------------------------------

def run_cli(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, TIERLINK_HOME=str(home), PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "companion", "--home", str(home), *args],
                          capture_output=True, text=True, env=env, timeout=timeout)


def test_second_serve_on_the_same_home_names_the_pid(tmp_path):
    with CompanionServer(tmp_path / "home") as first:
        proc = run_cli(first.home, "serve", "--port", str(free_port()))
        assert proc.returncode != 0
        message = proc.stderr.strip()
        assert len(message.splitlines()) == 1 and "Traceback" not in message, message
        assert f"pid {first.proc.pid}" in message, message
        # The first one is untouched.
        assert first.request("GET", "/api/health").status == 200


def test_sigterm_stops_cleanly_and_releases_the_lock(tmp_path):
    srv = CompanionServer(tmp_path / "home").start()
    pid = srv.proc.pid
    assert (srv.home / "serve.lock").read_text().strip() == str(pid)
    started = time.monotonic()
    code = srv.stop()
    assert code == 0, srv.output()
    assert time.monotonic() - started < 10
    assert "stopped" in srv.output()
    with CompanionServer(srv.home) as again:  # the lock is free again
        assert again.request("GET", "/api/health").status == 200


def test_sigint_stops_cleanly(tmp_path):
    srv = CompanionServer(tmp_path / "home").start()
    srv.proc.send_signal(signal.SIGINT)
    assert srv.proc.wait(timeout=15) == 0, srv.output()
    srv.proc = None


def test_serve_prints_the_dashboard_address_and_the_token(tmp_path):
    with CompanionServer(tmp_path / "home") as srv:
        out = srv.output()
        assert f"http://127.0.0.1:{srv.port}/#token={srv.token}" in out
        assert srv.token in out


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com", "", "::1", "127.0.0.2"])
def test_serve_refuses_any_host_but_127_0_0_1(tmp_path, host):
    proc = run_cli(tmp_path / "home", "serve", "--host", host, "--port", str(free_port()))
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1 and "127.0.0.1" in proc.stderr, proc.stderr
    assert not (tmp_path / "home" / "serve.lock").exists() or not (tmp_path / "home" / "serve.lock").read_text()


def test_serve_accepts_localhost_as_127_0_0_1(tmp_path):
    with CompanionServer(tmp_path / "home", extra_args=("--host", "localhost")) as srv:
        assert f"http://127.0.0.1:{srv.port}/#token=" in srv.output()


def test_serve_on_a_busy_port_says_so(tmp_path):
    with CompanionServer(tmp_path / "a") as srv:
        proc = run_cli(tmp_path / "b", "serve", "--port", str(srv.port))
        assert proc.returncode != 0
        assert "in use" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


# --- token command -----------------------------------------------------------------------

def test_token_is_made_once_and_private(tmp_path):
    home = tmp_path / "home"
    first = run_cli(home, "token")
    assert first.returncode == 0, first.stderr
    token = first.stdout.strip()
    assert len(token) >= 43
    assert run_cli(home, "token").stdout.strip() == token
    assert (home / "token").stat().st_mode & 0o777 == 0o600
    data = json.loads(run_cli(home, "token", "--json").stdout)
    assert data["token"] == token


def test_rotate_takes_effect_on_a_running_server(tmp_path):
    with CompanionServer(tmp_path / "home") as srv:
        old = srv.token
        proc = run_cli(srv.home, "token", "--rotate", "--json")
        assert proc.returncode == 0, proc.stderr
        new = json.loads(proc.stdout)["token"]
        assert new != old
        assert srv.request("GET", "/api/profile", headers={"Authorization": f"Bearer {old}"}).status == 401
        assert srv.request("GET", "/api/profile", headers={"Authorization": f"Bearer {new}"}).status == 200


def test_concurrent_first_use_agrees_on_one_token(tmp_path):
    home = tmp_path / "home"
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    procs = [subprocess.Popen([sys.executable, "-m", "companion", "--home", str(home), "token"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(4)]
    tokens = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(tokens) == 1 and tokens == {(home / "token").read_text().strip()}
    assert [p.name for p in home.iterdir()] == ["token"]  # no temp files left behind


def test_parallel_clients_all_get_answers(server):
    """waitress serves with threads; the shared Workspace must hold up (no 5xx, no dropped request)."""
    from concurrent.futures import ThreadPoolExecutor

    server.api("PUT", "/api/profile", json=PROFILE)

    def one(i: int) -> int:
        if i % 3 == 0:
            return server.request("GET", "/api/profile").status
        if i % 3 == 1:
            return server.request("GET", "/api/boost?limit=3").status
        html = PAGE.replace("Widgets compared", f"Widgets {i}")
        return server.request("POST", "/api/analyze", json={"url": f"https://blog.test/p{i}", "html": html}).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(one, range(48)))
    assert statuses == [200] * 48, f"{statuses}\n{server.output()}"
