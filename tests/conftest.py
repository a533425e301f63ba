"""Shared fixtures, defined once: a temporary data home, the CLI, the app in-process, the corpus.

Nothing of ours is mocked. The CLI runs in this process by default (click's
CliRunner isolation: its own stdin, stdout, stderr and environment) through the
same `main` the console script calls, against a real data home in a temp folder;
`subprocess_cli` runs it as a separate process, for what only a process shows
(signals, a process crashing, the README's commands). `client` is Flask's test
client on `create_app` with a test home: the whole app, every gate included,
without a socket; a real server (`server`, tests/serverutil.py) is for
socket-level, browser and signal tests. Corpus pages are read from ../shared/corpus
(tests that need them skip, saying why, where that folder is absent).
"""

from __future__ import annotations

import json as jsonlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Tests and fuzzers never send a packet past loopback: the recheck's fetcher refuses every host
# that is not a loopback literal, before any DNS lookup (companion/monitor/resolver.py). Set
# here, at import, so every test and every process a test starts (servers, the CLI) has it.
os.environ["TIERLINK_FETCH_LOOPBACK_ONLY"] = "1"

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "pages"
EXPORTS = SHARED / "exports"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def corpus_pages() -> list[Path]:
    return sorted(CORPUS.glob("*.html")) if CORPUS.is_dir() else []


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS} (only in the team's checkout)")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("TIERLINK_HOME", str(path))
    return path


class CLI:
    """Runs `tierlink ...` against HOME: in this process, or as `python -m companion` (`process=True`).

    Either way the answer is a CompletedProcess (returncode, stdout and stderr as bytes).
    """

    def __init__(self, home: Path, process: bool = False):
        self.home = home
        self.process = process

    def _run(self, args: tuple[str, ...], input: bytes | None) -> subprocess.CompletedProcess:
        if self.process:
            env = dict(os.environ, TIERLINK_HOME=str(self.home), PYTHONIOENCODING="utf-8")
            return subprocess.run([sys.executable, "-m", "companion", *args], input=input,
                                  capture_output=True, env=env, timeout=300)
        from click.testing import CliRunner

        from companion.cli.main import main

        with CliRunner().isolation(input=input, env={"TIERLINK_HOME": str(self.home)}) as (out, err, _):
            try:
                code = main(list(args))
            except SystemExit as exc:  # click's own exit on a broken pipe
                code = exc.code if isinstance(exc.code, int) else 1
            sys.stdout.flush()
            sys.stderr.flush()
            return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())

    def __call__(self, *args: str, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
        proc = self._run(args, input)
        if check and proc.returncode != 0:
            raise AssertionError(f"tierlink {' '.join(args)} exited {proc.returncode}:\n{proc.stderr.decode()}")
        return proc

    def json(self, *args: str, input: bytes | None = None):
        proc = self(*args, "--json", input=input)
        return jsonlib.loads(proc.stdout)

    def backlinks(self) -> list[dict]:
        """Every stored backlink, through `tierlink backlinks --json` page after page (it pages: 1,000 at most)."""
        rows, offset = [], 0
        while offset is not None:
            page = self.json("backlinks", "--limit", "1000", "--offset", str(offset))
            rows += page["backlinks"]
            offset = page["next_offset"]
        return rows

    def fails(self, *args: str, input: bytes | None = None) -> str:
        """Run a command that must fail; return its one-line message."""
        proc = self(*args, input=input, check=False)
        assert proc.returncode != 0, f"expected failure, got exit 0: {proc.stdout[:500]!r}"
        err = proc.stderr.decode().strip()
        assert "Traceback" not in err, err
        assert len(err.splitlines()) == 1, f"expected one line, got:\n{err}"
        return err


@pytest.fixture
def cli(home) -> CLI:
    return CLI(home)


@pytest.fixture
def subprocess_cli(home) -> CLI:
    return CLI(home, process=True)


@pytest.fixture
def ws(home):
    """A Workspace in the temporary home whose profile has the domain example.com (the samples' site)."""
    from companion.workspace import Workspace

    w = Workspace(home)
    w.set_profile({"domains": ["example.com"]})
    yield w
    w.close()


class AppServer:
    """The app in this process: Flask's test client on `create_app(home, PORT)`, with the token and
    the Host header a client of `tierlink serve --port PORT` sends. `request`, `api`, `home`,
    `token`, `host` answer like serverutil's CompanionServer, so a test moves between the two by
    its fixture; every gate in the app (Host, Origin, token, errors) runs. What happens before
    the app — waitress, the body gate on the socket, signals — needs the real `server`."""

    PORT = 8765

    def __init__(self, home: Path):
        from companion.web.app import create_app
        from companion.web.security import get_token

        self.home = Path(home)
        self.port = self.PORT
        self.host = f"127.0.0.1:{self.PORT}"
        self.app = create_app(self.home, self.PORT)
        self.token = get_token(self.home)

    def request(self, method: str, path: str, json=None, headers: dict | None = None, data=None, **_):
        from serverutil import Response

        sent = {"Host": self.host, "Authorization": f"Bearer {self.token}"}
        for name, value in (headers or {}).items():
            for existing in [k for k in sent if k.lower() == name.lower()]:
                del sent[existing]
            sent[name] = value
        if json is not None:
            data = jsonlib.dumps(json).encode()
            sent.setdefault("Content-Type", "application/json")
        client = self.app.test_client()  # one per request: tests may call from several threads
        r = client.open(path, method=method, headers={k: v for k, v in sent.items() if v is not None}, data=data)
        return Response(r.status_code, r.headers, r.get_data())

    def api(self, method: str, path: str, json=None, expect: int = 200):
        """The JSON answer of a call that must answer `expect`."""
        r = self.request(method, path, json=json)
        assert r.status == expect, f"{method} {path} -> {r.status} {r.text[:500]}"
        return r.json()

    def output(self, limit: int | None = None) -> str:
        return ""  # no separate process, no separate log: the test's own output has it

    def close(self) -> None:
        self.app.extensions["tierlink"].workspace.close()


@pytest.fixture
def client(home):
    """The app in process on the test's own home (`home`)."""
    c = AppServer(home)
    yield c
    c.close()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """The app in process, one per test module with its own data home (as `server` is)."""
    c = AppServer(tmp_path_factory.mktemp("companion") / "home")
    yield c
    c.close()


# `server`: a live `tierlink serve` subprocess per test module (tests/serverutil.py).
# The hook adds the server's log to a failing test's report.
from serverutil import pytest_runtest_makereport, server  # noqa: E402,F401

# `pg_cluster` / `pg_url`: a throwaway PostgreSQL for team mode (tests/pgutil.py), started on first use.
from pgutil import pg_cluster, pg_url  # noqa: E402,F401
