"""A real PostgreSQL for the team-mode tests: a throwaway cluster the suite starts itself.

Why a cluster of our own (and not a server that happens to run on the machine): the
tests stop and restart it (the outage test), create a database per test, and must
never touch anyone's data. Debian's `postgresql` package gives `initdb` and `pg_ctl`
(scripts/test installs it when missing); as root they run as the `postgres` user,
since initdb refuses to run as root. The cluster listens on a free loopback port
only, and asks for a password over TCP (scram-sha-256), so the tests can check the
password never leaks.

Where PostgreSQL is absent, `pg_cluster` skips the test and says why (CI sets
TIERLINK_REQUIRE_POSTGRES=1, which makes that a failure instead).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from serverutil import free_port

ROLE = "tierlink"
PASSWORD = "s3cret-" + secrets.token_hex(6)  # unique: a leak of it anywhere is found by a plain search


def pg_bin() -> Path | None:
    """The newest Debian PostgreSQL bin folder (or $TIERLINK_PG_BIN), or None when absent."""
    explicit = os.environ.get("TIERLINK_PG_BIN")
    if explicit:
        return Path(explicit) if (Path(explicit) / "initdb").exists() else None
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def why_no_postgres() -> str | None:
    """Why a cluster cannot be started here, or None when it can."""
    if pg_bin() is None:
        return "PostgreSQL is not installed (Debian's `postgresql` package; scripts/test installs it as root)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run initdb as"
    return None


class PgCluster:
    """initdb + pg_ctl in a temporary folder, on a free loopback port."""

    def __init__(self, *, fsync: bool = False):
        self.fsync = fsync  # off for tests (speed); on for benchmarks (a fair fight with SQLite's FULL sync)
        self.bin = pg_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tierlink-pg-"))
        self.data = self.dir / "db"
        self.log = self.dir / "log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        os.chmod(self.dir, 0o700)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120, cwd="/")

    def init(self) -> "PgCluster":
        pwfile = self.dir / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
                  "--auth-host=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C")
        pwfile.unlink()
        self.start()
        self.psql(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}' CREATEDB")
        return self

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync={'on' if self.fsync else 'off'} -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.log), "-o", opts, "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def psql(self, sql: str, db: str = "postgres") -> str:
        return self._run("psql", "-h", str(self.dir), "-p", str(self.port), "-U", "postgres", "-d", db,
                         "-v", "ON_ERROR_STOP=1", "-qAtc", sql).stdout

    def new_database(self) -> str:
        """A fresh, empty database owned by the test role: its URL (with the password)."""
        name = "t_" + secrets.token_hex(5)
        self.psql(f"CREATE DATABASE {name} OWNER {ROLE}")
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql://{ROLE}:{PASSWORD}@127.0.0.1:{self.port}/{name}"

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_cluster() -> PgCluster:
    """A new cluster; skips saying why where PostgreSQL is absent, except in CI
    (TIERLINK_REQUIRE_POSTGRES=1, set by .ci/run), where these tests must run."""
    reason = why_no_postgres()
    if reason:
        if os.environ.get("TIERLINK_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"TIERLINK_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    return PgCluster().init()


@pytest.fixture(scope="session")
def pg_cluster():
    """One cluster for the session (each test takes its own database from it)."""
    cluster = start_cluster()
    yield cluster
    cluster.destroy()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """A fresh database for one test."""
    return pg_cluster.new_database()
