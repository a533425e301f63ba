"""The extension in Firefox: `web-ext lint` on the Firefox build, and a smoke
test running it in headless firefox-esr with `web-ext run`, showing that the
companion receives a page's analyze request from a moz-extension:// origin.

web-ext comes from npm (scripts/test installs it into .venv/node); firefox-esr
from Debian. Tests skip, saying why, where either is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from extensionutil import MY_DOMAIN, ROOT, Companion, Relay, Site

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")


def web_ext() -> str | None:
    local = ROOT / ".venv" / "node" / "node_modules" / ".bin" / "web-ext"
    if os.environ.get("WEB_EXT"):
        return os.environ["WEB_EXT"]
    if local.exists():
        return str(local)
    return shutil.which("web-ext")


needs_web_ext = pytest.mark.skipif(web_ext() is None, reason="web-ext not installed (scripts/test installs it with npm into .venv/node)")


@pytest.fixture(scope="module")
def firefox_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([str(ROOT / "scripts" / "build-extension"), "--out", str(out), "--unpacked"],
                   check=True, capture_output=True, timeout=120)
    return out


def test_build_writes_both_zips_with_the_right_manifests(firefox_build):
    import zipfile
    for browser in ("chrome", "firefox"):
        with zipfile.ZipFile(firefox_build / f"tierlink-{browser}.zip") as z:
            names = set(z.namelist())
            manifest = json.loads(z.read("manifest.json"))
        assert {"background.js", "content.js", "popup.html", "options.html", "lib/settings.js"} <= names
        assert not any(n.startswith("test/") or n == "package.json" for n in names)
        assert manifest["manifest_version"] == 3
        if browser == "chrome":
            assert manifest["background"] == {"service_worker": "background.js", "type": "module"}
            assert "browser_specific_settings" not in manifest
        else:
            assert manifest["background"] == {"scripts": ["background.js"], "type": "module"}
            assert manifest["browser_specific_settings"]["gecko"]["id"] == "tierlink@tierlink.dev"
            assert manifest["browser_specific_settings"]["gecko"]["strict_min_version"] == "128.0"


@needs_web_ext
@pytest.mark.parametrize("which", ["build", "source"])
def test_web_ext_lint_has_no_errors(firefox_build, which):
    source = firefox_build / "firefox" if which == "build" else ROOT / "extension"
    proc = subprocess.run([web_ext(), "lint", "--source-dir", str(source), "--output", "json", "--no-config-discovery",
                           "--ignore-files", "test/**", "package.json"],
                          capture_output=True, timeout=300)
    report = json.loads(proc.stdout)
    assert report["errors"] == [], json.dumps(report["errors"], indent=2)
    assert report["summary"]["errors"] == 0


SEED = """// TEST ONLY (written by tests/test_extension_firefox.py into a temporary copy):
// pairs the extension with the test's companion, as a user does in the options page.
const api = globalThis.browser ?? globalThis.chrome;
await api.storage.local.set(%s);
"""


@pytest.mark.browser
@needs_web_ext
@pytest.mark.skipif(FIREFOX is None, reason="firefox-esr not installed (apt-get install firefox-esr)")
def test_firefox_sends_the_page_from_a_moz_extension_origin(firefox_build, tmp_path):
    companion = Companion(tmp_path / "home")
    companion.cli("init", "--domain", MY_DOMAIN)
    companion.start()
    relay = Relay(companion.port)
    site = Site()
    ext = tmp_path / "ext"
    shutil.copytree(firefox_build / "firefox", ext)
    (ext / "test-seed.js").write_text(SEED % json.dumps({"companionUrl": relay.url, "token": companion.token}))
    bg = ext / "background.js"
    bg.write_text("import './test-seed.js';\n" + bg.read_text())
    log = tmp_path / "web-ext.log"
    env = dict(os.environ, MOZ_HEADLESS="1")
    proc = subprocess.Popen([web_ext(), "run", "--source-dir", str(ext), "--firefox", FIREFOX, "--no-reload",
                             "--no-input", "--no-config-discovery", "--start-url", site.url("wait.html")],
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    target = site.url("post.html")
    try:
        deadline = time.monotonic() + 120
        sent = []
        while time.monotonic() < deadline and not sent:
            if proc.poll() is not None:
                break
            sent = [r for r in relay.analyzed() if r["url"] == target]
            time.sleep(0.5)
        assert sent, f"no analyze request for {target}; relay saw {relay.requests}\n{log.read_text(errors='replace')[-3000:]}"
        assert sent[0]["origin"].startswith("moz-extension://"), sent[0]
        assert sent[0]["authorization"] == f"Bearer {companion.token}"
        assert sent[0]["status"] == 200, sent[0]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        site.close()
        relay.close()
        companion.stop()
