"""`tierlink autostart`: run `tierlink serve` from login on, as a per-user login service.

Why: the extension and the dashboard only work while the companion runs, and a
user who must remember to start it in a terminal each morning sees the badge read
OFF instead. Each system has its own per-user way, so one file is written for it:

* Linux: a systemd user unit, `$XDG_CONFIG_HOME/systemd/user/tierlink.service`
  (default `~/.config`), enabled by the same link `systemctl --user enable` makes
  in `default.target.wants/`: written by us, so enabling works without a running
  user manager (over ssh, in a container), and `systemctl --user` starts it now
  where one answers.
* macOS: a LaunchAgent, `~/Library/LaunchAgents/dev.tierlink.companion.plist`
  (RunAtLoad), loaded with `launchctl bootstrap gui/UID` to start it now.
* Windows: a command file in the user's Startup folder, which Windows runs at login.

The service runs this Python (`sys.executable -m companion`, so the virtualenv it
was installed in) with the current data home and port, and team mode's database
and user when they are set. A database URL holding a password is refused: the
login service's file is plain text, the password belongs in a password file
(PGPASSFILE or ~/.pgpass), and the URL without it works the same.

Each file comes from a pure function of the command (tests/test_autostart.py
checks all three on Linux: the unit with `systemd-analyze verify`, the plist with
plistlib) and is written atomically (companion.core.atomic), so a login never
finds half a file. `disable` stops what it can and removes the file and the link.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from companion.core.atomic import write_bytes_atomic
from companion.core.errors import BadInput, TierlinkError

UNIT_NAME = "tierlink.service"
AGENT_LABEL = "dev.tierlink.companion"
STARTUP_NAME = "tierlink-companion.cmd"
LOG_NAME = "autostart.log"  # in the data home: what the login service printed (macOS, Windows)
LOCK_FILE = "serve.lock"  # companion.web.server's lock: held while a `tierlink serve` runs on the home
SYSTEMS = ("linux", "macos", "windows")


def this_system() -> str:
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform == "darwin":
        return "macos"
    if sys.platform in ("win32", "cygwin"):
        return "windows"
    raise TierlinkError(f"tierlink autostart knows Linux (systemd), macOS and Windows, not {sys.platform}")


def serve_command(home: Path, port: int, *, database: str | None = None, user: str | None = None,
                  python: str | None = None) -> list[str]:
    """The argv the login service runs: this Python, the data home, the port (team mode's too)."""
    if not 0 < int(port) < 65536:
        raise BadInput(f"--port {port} is not a TCP port")
    argv = [python or sys.executable, "-m", "companion", "--home", str(Path(home).absolute())]
    if database:
        if urlsplit(database).password is not None:
            raise BadInput("the database URL holds a password, which a login service would keep in a plain file: "
                           "put the password in ~/.pgpass (or PGPASSFILE) and give the URL without it")
        argv += ["--database", database]
    if user:
        argv += ["--user", user]
    return argv + ["serve", "--port", str(int(port))]


# --- the three files, pure ---------------------------------------------------------------

def _systemd_word(arg: str) -> str:
    """One ExecStart word: `%` and `$` doubled (specifiers, variables), quoted when it has spaces."""
    word = arg.replace("%", "%%").replace("$", "$$")
    if any(c in word for c in ' \t"\'\\;') or not word:
        word = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word


def systemd_unit(argv: list[str]) -> str:
    """The user unit. Restarts after a crash, not after a clean stop or a refusal to start twice."""
    return "\n".join([
        "# Written by `tierlink autostart enable`; `tierlink autostart disable` removes it.",
        "[Unit]",
        "Description=Tierlink companion (tierlink serve)",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(_systemd_word(a) for a in argv),
        "Environment=PYTHONUNBUFFERED=1",
        "Restart=on-failure",
        "RestartSec=10",
        # `tierlink serve` exits 1 when another one already runs on the home: do not loop on it.
        "RestartPreventExitStatus=1 2",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ])


def launch_agent(argv: list[str], log: Path) -> bytes:
    """The LaunchAgent plist: run at login, again after a crash, output to the data home's log."""
    return plistlib.dumps({
        "Label": AGENT_LABEL,
        "ProgramArguments": list(argv),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "ThrottleInterval": 10,
        "EnvironmentVariables": {"PYTHONUNBUFFERED": "1"},
        "StandardOutPath": str(log),
        "StandardErrorPath": str(log),
        "ProcessType": "Interactive",
    })


def _cmd_word(arg: str) -> str:
    """A cmd.exe word: quoted, `%` doubled (cmd expands %VAR% even inside quotes)."""
    if '"' in arg:
        raise BadInput(f"a path with a double quote cannot be run from a Windows command file: {arg}")
    return '"' + arg.replace("%", "%%") + '"'


def windows_startup(argv: list[str], log: Path) -> str:
    """The Startup folder's command file: starts the companion minimised, its output to the log."""
    command = " ".join(_cmd_word(a) for a in argv)
    return "\r\n".join([
        "@echo off",
        "rem Written by `tierlink autostart enable`; `tierlink autostart disable` removes it.",
        f'start "Tierlink companion" /min cmd /c "{command} >> {_cmd_word(str(log))} 2>&1"',
        "",
    ])


# --- where they go ---------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """Where a system's login entry lives, and the link that enables it (systemd only)."""
    system: str
    path: Path
    link: Path | None = None


def place(system: str, env: dict | None = None, user_home: Path | None = None) -> Place:
    env = os.environ if env is None else env
    user_home = Path(user_home) if user_home is not None else Path.home()
    if system == "linux":
        config = Path(env.get("XDG_CONFIG_HOME") or user_home / ".config")
        folder = config / "systemd" / "user"
        return Place(system, folder / UNIT_NAME, folder / "default.target.wants" / UNIT_NAME)
    if system == "macos":
        return Place(system, user_home / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist")
    if system == "windows":
        appdata = Path(env.get("APPDATA") or user_home / "AppData" / "Roaming")
        return Place(system, appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / STARTUP_NAME)
    raise TierlinkError(f"unknown system {system!r}")


def entry_content(system: str, argv: list[str], home: Path) -> bytes:
    log = Path(home).absolute() / LOG_NAME
    if system == "linux":
        return systemd_unit(argv).encode()
    if system == "macos":
        return launch_agent(argv, log)
    return windows_startup(argv, log).encode()


# --- enable / disable / status -------------------------------------------------------------

def _run(*argv: str) -> tuple[bool, str]:
    """Run a service-manager command; (ok, what it said). Missing tools are a 'no', not a crash."""
    if shutil.which(argv[0]) is None:
        return False, f"{argv[0]} not found"
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    said = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode == 0, said[-1] if said else f"exit {done.returncode}"


def enable(home: Path, argv: list[str], *, start: bool = True, system: str | None = None,
           env: dict | None = None, user_home: Path | None = None) -> dict:
    """Write (or rewrite) the login entry and enable it; start it now when asked and possible."""
    system = system or this_system()
    where = place(system, env, user_home)
    try:
        where.path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(where.path, entry_content(system, argv, home), mode=0o644)
        if where.link is not None:
            where.link.parent.mkdir(parents=True, exist_ok=True)
            if where.link.is_symlink() or where.link.exists():
                where.link.unlink()
            where.link.symlink_to(where.path)
    except OSError as exc:
        raise TierlinkError(f"cannot write {where.path}: {exc.strerror or exc}") from None
    result = {"system": system, "path": str(where.path), "command": argv, "enabled": True,
              "started": False, "start_note": "not asked (--no-start)" if not start else ""}
    if start:
        if running(home)["running"]:
            result["start_note"] = "a tierlink serve already runs for this home; the login service takes over at next login"
        elif system == "linux":
            ok, said = _run("systemctl", "--user", "daemon-reload")
            if ok:
                ok, said = _run("systemctl", "--user", "restart", UNIT_NAME)
            result["started"], result["start_note"] = ok, "" if ok else said
        elif system == "macos":
            domain = f"gui/{os.getuid()}"
            _run("launchctl", "bootout", f"{domain}/{AGENT_LABEL}")
            ok, said = _run("launchctl", "bootstrap", domain, str(where.path))
            result["started"], result["start_note"] = ok, "" if ok else said
        else:
            result["start_note"] = "it starts at the next login"
    return result


def disable(home: Path, *, stop: bool = True, system: str | None = None, env: dict | None = None,
            user_home: Path | None = None) -> dict:
    """Stop the login service where we can, remove its file and link. Idempotent."""
    system = system or this_system()
    where = place(system, env, user_home)
    removed = where.path.exists() or (where.link is not None and where.link.is_symlink())
    if stop and removed:
        if system == "linux":
            _run("systemctl", "--user", "stop", UNIT_NAME)
        elif system == "macos":
            _run("launchctl", "bootout", f"gui/{os.getuid()}/{AGENT_LABEL}")
    try:
        for path in (where.link, where.path):
            if path is not None and (path.is_symlink() or path.exists()):
                path.unlink()
    except OSError as exc:
        raise TierlinkError(f"cannot remove {exc.filename}: {exc.strerror}") from None
    if stop and removed and system == "linux":
        _run("systemctl", "--user", "daemon-reload")
    return {"system": system, "path": str(where.path), "removed": bool(removed)}


def running(home: Path) -> dict:
    """Whether a `tierlink serve` holds the home's lock now (whoever started it), and its pid."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock, and `tierlink serve` itself needs it
        return {"running": None, "pid": None}
    path = Path(home) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return {"running": False, "pid": None}
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            return {"running": True, "pid": int(pid) if pid.isdigit() else None}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return {"running": False, "pid": None}
    finally:
        os.close(fd)


def status(home: Path, *, system: str | None = None, env: dict | None = None, user_home: Path | None = None) -> dict:
    """Installed? enabled at login? running now (the lock; systemd's own word where it answers)?"""
    system = system or this_system()
    where = place(system, env, user_home)
    installed = where.path.is_file()
    enabled = installed and (where.link is None or where.link.is_symlink() or where.link.exists())
    result = {"system": system, "path": str(where.path), "installed": installed, "enabled": enabled,
              **running(home), "service": None}
    if installed and system == "linux":
        ok, said = _run("systemctl", "--user", "is-active", UNIT_NAME)
        result["service"] = said if said in ("active", "inactive", "failed", "activating") else None
    return result
