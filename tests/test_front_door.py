"""The front door: a newcomer's first `scripts/run` in a fresh clone.

Why: the README's first command is `scripts/run` (with `--port 8766` as its
example). From a fresh `git clone` it must make its virtual environment, install
the project and serve on the port it was given, and the newcomer's first screen
must be the dashboard address and the token, not a page of setuptools warnings.

Fresh means fresh: the branch's last commit cloned into a temporary folder, its own
new .venv (no existing environment reused), a temporary data home. It takes as long
as a first install does (about a minute here), hence `slow`.

The one thing filtered out of the output is pip saying that the machine's own pip
configuration names a package folder that does not exist ("WARNING: Location
'file:///…' is ignored"): that is this machine's setting, not the project's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from serverutil import ROOT, CompanionServer, free_port

pytestmark = pytest.mark.slow

_MACHINE_PIP_CONFIG = re.compile(r"^WARNING: Location '[^']*' is ignored: it is neither a file nor a directory\.$")
_WARNING = re.compile(r"warn|deprecat|!!|\*{10}", re.I)


class FreshRun(CompanionServer):
    """`scripts/run --port P --home H` of a clone, started and stopped as the test server is."""

    def __init__(self, clone: Path, home: Path):
        super().__init__(home)
        self.clone = clone

    def command(self, *args: str) -> list[str]:
        return [str(self.clone / "scripts" / "run"), "--port", str(self.port), "--home", str(self.home)]

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "TIERLINK_HOME")}
        venv_bin = str(Path(sys.prefix) / "bin")  # this test's own environment is not the newcomer's
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
        return env

    def __enter__(self) -> "FreshRun":
        # a first install makes a venv and installs every dependency: minutes on a busy machine
        return self.start(timeout=300)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_fresh_clone_scripts_run_serves_on_the_given_port_and_prints_no_warnings(tmp_path):
    clone = tmp_path / "tierlink"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, capture_output=True, timeout=120)
    assert not (clone / ".venv").exists()
    run = FreshRun(clone, tmp_path / "home")
    run.port = free_port()
    with run:
        r = run.request("GET", "/api/health")
        assert r.status == 200 and r.json()["status"] == "ok"
        output = run.output(limit=None)
    assert (clone / ".venv" / "bin" / "tierlink").exists(), "the clone got its own environment"
    lines = [line for line in output.splitlines() if line.strip() and not _MACHINE_PIP_CONFIG.match(line.strip())]
    assert not [line for line in lines if _WARNING.search(line)], "set-up printed warnings:\n" + output
    assert f"dashboard at http://127.0.0.1:{run.port}/" in lines[0], output
    assert lines[1].startswith("API token") and run.token in lines[1]
