"""One definition of every limit (issue 23): the companion's table (companion/core/limits.py)
is what the importers, the API and the extension all read.

The extension cannot import Python, so scripts/extension-limits writes the values it needs
into extension/lib/limits.js; these tests fail when the two disagree, and when the extension
types a cap of its own again instead of reading that file.
"""

from __future__ import annotations

import re
import subprocess
import sys

from serverutil import ROOT

from companion.core import limits


def test_the_extension_file_is_the_companions_table():
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "extension-limits"), "--check"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    text = (ROOT / "extension" / "lib" / "limits.js").read_text("utf-8")
    found = dict(re.findall(r"export const (\w+) = (\d+);", text))
    assert found == {name: str(getattr(limits, name)) for name in limits.FOR_EXTENSION}


def test_the_check_fails_on_a_stale_file(tmp_path):
    """--check is able to fail: a copy of the script beside a stale file says so."""
    (tmp_path / "scripts").mkdir()
    (tmp_path / "extension" / "lib").mkdir(parents=True)
    (tmp_path / "scripts" / "extension-limits").write_text((ROOT / "scripts" / "extension-limits").read_text("utf-8"))
    (tmp_path / "extension" / "lib" / "limits.js").write_text("export const MAX_NOTE = 5000;\n")
    (tmp_path / "companion").symlink_to(ROOT / "companion")
    run = subprocess.run([sys.executable, str(tmp_path / "scripts" / "extension-limits"), "--check"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "out of date" in run.stderr


def test_the_extension_types_no_cap_of_its_own():
    """The caps the companion enforces appear in the extension only through lib/limits.js."""
    values = {str(getattr(limits, name)) for name in limits.FOR_EXTENSION} | {"5000", "2 \\* 1024 \\* 1024"}
    offenders = []
    for path in sorted((ROOT / "extension").rglob("*")):
        if path.suffix not in (".js", ".html") or "test" in path.parts or "node_modules" in path.parts \
                or path.name == "limits.js":
            continue
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if re.search(r"(slice\(0, |maxlength=\"|= )(" + "|".join(sorted(values)) + r")\b", line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_built_packages_carry_the_companions_caps(tmp_path):
    """scripts/build-extension writes lib/limits.js from the table as it packs (not the checkout's copy)."""
    import runpy
    import zipfile

    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "build-extension"), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    expected = runpy.run_path(str(ROOT / "scripts" / "extension-limits"))["source"]()
    assert f"export const MAX_NOTE = {limits.MAX_NOTE};" in expected
    for browser in ("chrome", "firefox"):
        with zipfile.ZipFile(tmp_path / f"tierlink-{browser}.zip") as z:
            assert z.read("lib/limits.js").decode("utf-8") == expected
