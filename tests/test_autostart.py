"""`tierlink autostart enable|disable|status`: the login service for each system.

The Linux unit is written by the real CLI into a temp XDG_CONFIG_HOME and checked
by systemd itself (`systemd-analyze verify`, Debian's systemd package); the macOS
plist is read back with plistlib; the Windows Startup entry is read as text. All
three come from pure functions, so all three are checked here on Linux. The
command each one runs is run too, and answers on its port.

Nothing is enabled on this machine: the CLI runs with a PATH without systemctl,
so no user manager is ever asked to start or stop anything, and every file lands
under the test's temp folder.
"""

from __future__ import annotations

import http.client
import os
import plistlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from serverutil import CompanionServer, free_port

from companion.web import autostart

ROOT = Path(__file__).resolve().parents[1]


def cli(tmp: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    """`tierlink --home HOME ...` as a process, its config under tmp, no service manager on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERLINK_")}
    env.update(XDG_CONFIG_HOME=str(tmp / "config"), HOME=str(tmp / "user"), PATH=str(Path(sys.executable).parent),
               PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "companion", "--home", str(home), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)


@pytest.fixture
def where(tmp_path):
    home = tmp_path / "data home %x"  # a space and a % in the path: quoting is part of the test
    unit = tmp_path / "config" / "systemd" / "user" / "tierlink.service"
    return tmp_path, home, unit


def test_linux_enable_writes_an_enabled_unit_for_this_home_and_port(where):
    tmp, home, unit = where
    done = cli(tmp, home, "autostart", "enable", "--port", "8799", "--no-start")
    assert done.returncode == 0, done.stderr
    assert f"Tierlink starts at login: {unit}" in done.stdout
    text = unit.read_text()
    exec_start = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    assert exec_start == (f"ExecStart={sys.executable} -m companion --home "
                          f"\"{str(home).replace('%', '%%')}\" serve --port 8799")
    assert "WantedBy=default.target" in text and "Restart=on-failure" in text
    link = unit.parent / "default.target.wants" / "tierlink.service"
    assert link.is_symlink() and link.resolve() == unit.resolve()
    assert sorted(p.name for p in unit.parent.iterdir()) == ["default.target.wants", "tierlink.service"]  # no temp file left
    assert oct(unit.stat().st_mode & 0o777) == "0o644"

    # Enabling again rewrites it with the new port, one file, one link.
    assert cli(tmp, home, "autostart", "enable", "--port", "8800", "--no-start").returncode == 0
    assert "--port 8800" in unit.read_text() and link.is_symlink()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze not installed (Debian: apt-get install systemd); only this check is skipped")
def test_linux_unit_passes_systemd_analyze_verify(where):
    tmp, home, unit = where
    assert cli(tmp, home, "autostart", "enable", "--no-start").returncode == 0
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    # verify exits 0 for an unknown key or a bad value too, and says so on stderr: both must be clean.
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_the_command_it_runs_answers_on_its_port(tmp_path):
    """The service's argv, as each system's file holds it, really starts the companion."""
    home, port = tmp_path / "home", free_port()
    argv = autostart.serve_command(home, port)
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path,
                            env={k: v for k, v in os.environ.items() if not k.startswith("TIERLINK_")})
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the service's command did not answer"
            time.sleep(0.1)
        assert (home / "token").is_file()  # it runs on the home it was given
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def test_status_says_installed_enabled_and_running(where):
    tmp, home, unit = where
    done = cli(tmp, home, "autostart", "status")
    assert done.returncode == 0, done.stderr
    assert "Not installed" in done.stdout and "Running now: no" in done.stdout
    assert cli(tmp, home, "autostart", "enable", "--no-start").returncode == 0
    server = CompanionServer(home).start()
    try:
        done = cli(tmp, home, "autostart", "status")
        assert f"Installed: {unit} (enabled at login)" in done.stdout
        assert f"Running now: yes (pid {server.proc.pid})" in done.stdout
        import json

        as_json = json.loads(cli(tmp, home, "autostart", "status", "--json").stdout)
        assert as_json["installed"] and as_json["enabled"] and as_json["running"] and as_json["pid"] == server.proc.pid
    finally:
        server.stop()
    (unit.parent / "default.target.wants" / "tierlink.service").unlink()  # as `systemctl --user disable` does
    assert "installed but not enabled" in cli(tmp, home, "autostart", "status").stdout


def test_disable_removes_the_unit_and_its_link(where):
    tmp, home, unit = where
    assert cli(tmp, home, "autostart", "enable", "--no-start").returncode == 0
    done = cli(tmp, home, "autostart", "disable")
    assert done.returncode == 0, done.stderr
    assert "no longer starts at login" in done.stdout
    assert not unit.exists() and not (unit.parent / "default.target.wants" / "tierlink.service").is_symlink()
    done = cli(tmp, home, "autostart", "disable")
    assert done.returncode == 0 and "nothing to remove" in done.stdout


def test_a_database_password_is_never_written_into_the_service(where):
    tmp, home, unit = where
    done = cli(tmp, home, "--database", "postgresql://ann:s3cret@127.0.0.1/tierlink", "autostart", "enable", "--no-start")
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "~/.pgpass" in done.stderr and "s3cret" not in done.stderr + done.stdout
    assert not unit.exists()
    # Without a password (a password file, or peer authentication) team mode is carried over.
    done = cli(tmp, home, "--database", "postgresql://ann@127.0.0.1/tierlink", "--user", "ann", "autostart", "enable",
               "--no-start")
    assert done.returncode == 0, done.stderr
    assert "--database postgresql://ann@127.0.0.1/tierlink --user ann serve" in unit.read_text()


def test_macos_launch_agent(tmp_path):
    home = tmp_path / "home"
    argv = autostart.serve_command(home, 8765)
    result = autostart.enable(home, argv, start=False, system="macos", user_home=tmp_path / "user")
    path = tmp_path / "user" / "Library" / "LaunchAgents" / "dev.tierlink.companion.plist"
    assert result["path"] == str(path)
    agent = plistlib.loads(path.read_bytes())
    assert agent["Label"] == "dev.tierlink.companion"
    assert agent["ProgramArguments"] == [sys.executable, "-m", "companion", "--home", str(home), "serve", "--port", "8765"]
    assert agent["RunAtLoad"] is True and agent["KeepAlive"] == {"SuccessfulExit": False}
    assert agent["StandardErrorPath"] == str(home / "autostart.log")
    state = autostart.status(home, system="macos", user_home=tmp_path / "user")
    assert state["installed"] and state["enabled"] and state["running"] is False
    assert autostart.disable(home, stop=False, system="macos", user_home=tmp_path / "user")["removed"]
    assert not path.exists()


def test_windows_startup_entry(tmp_path):
    home = tmp_path / "50% home"
    argv = autostart.serve_command(home, 8765, python=r"C:\Program Files\Python312\python.exe")
    appdata = tmp_path / "AppData"
    result = autostart.enable(home, argv, start=False, system="windows", env={"APPDATA": str(appdata)})
    path = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "tierlink-companion.cmd"
    assert result["path"] == str(path) and result["enabled"] and not result["started"]
    text = path.read_bytes().decode()
    lines = text.split("\r\n")
    assert lines[0] == "@echo off" and lines[-1] == "" and "\n" not in text.replace("\r\n", "")
    home_word = '"' + str(home).replace("%", "%%") + '"'
    assert lines[2] == (f'start "Tierlink companion" /min cmd /c ""C:\\Program Files\\Python312\\python.exe" "-m" '
                        f'"companion" "--home" {home_word} "serve" "--port" "8765" >> '
                        f'"{str(home / "autostart.log").replace("%", "%%")}" 2>&1"')
    assert autostart.status(home, system="windows", env={"APPDATA": str(appdata)})["installed"]
    autostart.disable(home, stop=False, system="windows", env={"APPDATA": str(appdata)})
    assert not path.exists()
