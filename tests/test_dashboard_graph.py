"""The tier graph's rules (companion/web/static/graphmodel.js) under Node's test runner.

The graph is built and laid out in the browser, so its rules are JavaScript;
they are pure functions, so Node runs them without a browser. Skips, saying why,
where Node is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST = ROOT / "tests" / "js" / "dashboard_graphmodel.test.mjs"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed (node --test runs the graph's JS tests)")
def test_graph_model_rules():
    # graphmodel.js is a plain ES module without a package.json "type": detect it.
    proc = subprocess.run(["node", "--experimental-detect-module", "--no-warnings", "--test", str(TEST)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
