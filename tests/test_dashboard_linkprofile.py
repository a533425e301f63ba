"""The dashboard's Link profile view (companion/web/static/views/linkprofile.js) in Chromium.

Real exports (the French Ahrefs export of lamicrobyflo.fr, the Semrush export of
coinlineup.com with its link farms) and a few placements, served by a real `tierlink serve`;
the view drawn at 1366x768: three uPlot charts (anchor mix tier-1 and tier-2, velocity), the
tables holding the API's numbers, the CSV download holding the table's, the disavow review
answering a click, no script error and no CSP report. Screenshots go to tests/_artifacts/.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from serverutil import CompanionServer

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "exports" / "real"
EXPORTS = ["ahrefs-backlinks-lamicrobyflo-via-gsheets.csv", "semrush-backlinks-coinlineup.csv"]
ARTIFACTS = ROOT / "tests" / "_artifacts" / "dashboard"
CHROMIUM = "/usr/bin/chromium"
VENDOR = ROOT / "companion" / "web" / "static" / "vendor" / "uplot"
PROFILE = {"domains": ["lamicrobyflo.fr", "coinlineup.com"],
           "money_pages": [{"url": "https://lamicrobyflo.fr/", "keywords": ["micro-entreprise"]},
                           {"url": "https://lamicrobyflo.fr/chiffre-daffaires-et-revenus-quelle-difference/",
                            "keywords": ["revenu annuel"]},
                           {"url": "https://coinlineup.com/", "keywords": ["crypto news"]}]}


def test_the_vendored_chart_library_is_the_pinned_one():
    note = (VENDOR / "VERSION.md").read_text()
    assert "uPlot 1.6.32" in note and (VENDOR / "LICENSE").read_text().startswith("The MIT License")
    for name in ("uPlot.esm.js", "uPlot.min.css"):
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert f"`{name}` sha256 `{digest}`" in note, name


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not all((REAL / name).is_file() for name in EXPORTS):
        pytest.skip(f"the real exports are not in {REAL}")
    home = tmp_path_factory.mktemp("linkprofile") / "home"
    profile = home.parent / "profile.json"
    profile.write_text(json.dumps(PROFILE))
    for args in (["init", "--domain", "lamicrobyflo.fr"], ["profile", "load", str(profile)],
                 ["import", *(str(REAL / name) for name in EXPORTS)]):
        proc = subprocess.run([sys.executable, "-m", "companion", "--home", str(home), *args], capture_output=True,
                              timeout=600, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr.decode()
    srv = CompanionServer(home).start()
    top = srv.api("GET", "/api/boost?limit=3")
    for n, item in enumerate(top):
        srv.api("POST", "/api/placements", json={"from_url": f"https://my-blog.test/post-{n}", "to_url": item["url"],
                                                 "anchor": ["La Micro by Flo", "micro-entreprise", "ce guide"][n],
                                                 "date": f"2026-11-{10 + n:02d}"}, expect=201)
    yield srv
    srv.stop()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Debian's Chromium not found at {CHROMIUM}")
def test_the_view_at_1366x768(served):
    from playwright.sync_api import sync_playwright

    mix = served.api("GET", "/api/linkprofile/anchors")
    dis = served.api("GET", "/api/disavow")
    assert dis["proposals"] and mix["pages"] and mix["site"]["tier2"]["total"] == 3
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        page = context.new_page()
        errors, csp = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{served.base_url}/#token={served.token}")
        page.wait_for_selector("nav#tabs a.tab")
        page.click('a.tab[data-view="linkprofile"]')
        page.wait_for_selector("#lp-velocity canvas")
        page.wait_for_selector("#lp-proposals tbody tr")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "linkprofile-1366.png"))
        page.screenshot(path=str(ARTIFACTS / "linkprofile-1366-full.png"), full_page=True)
        canvases = page.eval_on_selector_all(".lp-chart canvas", "els => els.map(e => [e.width, e.height])")
        charts = page.eval_on_selector_all(".lp-chart", "els => els.map(e => e.getBoundingClientRect().right)")
        legend = page.inner_text("#lp-mix-tier1 .u-legend")
        table = page.eval_on_selector_all("#lp-mix-table tbody tr",
                                          "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
        with page.expect_download() as info:
            page.click("#lp-mix-table-csv")
        download = Path(info.value.path()).read_bytes().decode("utf-8-sig")
        # a drop in the disavow review, seen after the list is read again
        first = dis["proposals"][0]
        page.click("#lp-proposals tbody tr:first-child button:has-text('Drop')")
        page.wait_for_selector("#lp-proposals tbody tr.lp-dropped")
        browser.close()
    assert not errors, errors
    assert not csp, csp
    assert len(canvases) == 3 and all(w > 300 and h > 150 for w, h in canvases)
    assert max(charts) <= 1366  # nothing runs off the screen sideways
    for cls in mix["classes"]:
        assert cls in legend
    # the table holds the API's numbers: the whole site's tier-1 row first
    site = mix["site"]["tier1"]
    assert table[0] == ["Whole site", "tier1", *[str(site["shares"][c]) for c in mix["classes"]], str(site["total"])]
    assert len(table) == 2 * (1 + len(mix["pages"]))
    rows = list(csv.reader(io.StringIO(download)))
    assert rows[0][:2] == ["Page", "Tier"] and rows[1:] == table
    decided = {(p["kind"], p["value"]): p["decision"] for p in served.api("GET", "/api/disavow")["proposals"]}
    assert decided[(first["kind"], first["value"])] == "drop"
    assert re.match(r"^\d", table[0][2])
