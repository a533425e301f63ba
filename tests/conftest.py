"""Shared fixtures: a temporary data home, the CLI as a user runs it, the corpus.

Nothing of ours is mocked: the CLI runs as a real subprocess against a real data
home in a temp folder; corpus pages are read from ../shared/corpus (tests that
need them skip, saying why, where that folder is absent).
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
    """Runs `python -m companion --home HOME ...` as a user would."""

    def __init__(self, home: Path):
        self.home = home

    def __call__(self, *args: str, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
        env = dict(os.environ, TIERLINK_HOME=str(self.home), PYTHONIOENCODING="utf-8")
        proc = subprocess.run([sys.executable, "-m", "companion", *args], input=input,
                              capture_output=True, env=env, timeout=300)
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

# `pg_cluster` / `pg_url`: a throwaway PostgreSQL for team mode (tests/pgutil.py), started on first use.
from pgutil import pg_cluster, pg_url  # noqa: E402,F401
