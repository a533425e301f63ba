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

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
        return json.loads(proc.stdout)

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


class Client:
    """Flask's test client on `create_app(home, port)`, with the token and the Host header a
    client of `tierlink serve --port PORT` sends; `request` answers like serverutil's server
    (status, headers, json()) so a test can move between the two."""

    PORT = 8765

    def __init__(self, home: Path):
        from companion.web.app import create_app
        from companion.web.security import get_token

        self.home = home
        self.app = create_app(home, self.PORT)
        self.token = get_token(home)
        self.flask = self.app.test_client()

    def request(self, method: str, path: str, body=None, headers: dict | None = None):
        sent = {"Host": f"127.0.0.1:{self.PORT}", "Authorization": f"Bearer {self.token}"}
        sent.update(headers or {})
        sent = {k: v for k, v in sent.items() if v is not None}
        kwargs = {"json": body} if body is not None and not isinstance(body, (bytes, str)) else {"data": body}
        return self.flask.open(path, method=method, headers=sent, **kwargs)

    def api(self, method: str, path: str, body=None):
        """The JSON answer of a route that must succeed."""
        r = self.request(method, path, body)
        assert r.status_code < 400, (r.status_code, r.get_data(as_text=True)[:500])
        return r.get_json()

    def close(self) -> None:
        self.app.extensions["tierlink"].workspace.close()


@pytest.fixture
def client(home):
    c = Client(home)
    yield c
    c.close()


@pytest.fixture
def ws(home):
    """A Workspace in the temporary home whose profile has the domain example.com (the samples' site)."""
    from companion.workspace import Workspace

    w = Workspace(home)
    w.set_profile({"domains": ["example.com"]})
    yield w
    w.close()


# `server`: a live `tierlink serve` subprocess per test module (tests/serverutil.py).
# The hook adds the server's log to a failing test's report.
from serverutil import pytest_runtest_makereport, server  # noqa: E402,F401
