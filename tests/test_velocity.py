"""Link velocity and the tier-2 pacing guard (companion/workflow/linkprofile.py).

The velocity series of a real export is checked against the file's dates counted here with
the csv module and datetime's ISO calendar (not the code's week function): each row's First
seen is a new link in its ISO week, each Lost date a lost link in its week.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date

import pytest

from conftest import SHARED
from companion.workflow import linkprofile, placements
from companion.workspace import Workspace

REAL = SHARED / "exports" / "real"
MD = REAL / "ahrefs-backlinks-mdsupplies-utf8comma.csv"


def iso_monday(text: str) -> str:
    year, week, _ = date.fromisoformat(text[:10]).isocalendar()
    return date.fromisocalendar(year, week, 1).isoformat()


def test_velocity_of_a_real_export_matches_its_dates_counted_with_csv(cli, home):
    if not MD.is_file():
        pytest.skip("real export not found")
    with open(MD, encoding="utf-8-sig", newline="") as f:
        data = list(csv.DictReader(f))
    new = Counter(iso_monday(r["First seen"]) for r in data if r["First seen"])
    lost = Counter(iso_monday(r["Lost"]) for r in data if r["Lost"])
    assert sum(new.values()) == 51 and sum(lost.values()) == 51  # every row has both dates
    cli("init", "--domain", "mdsupplies.com")
    cli("import", str(MD))
    with Workspace(home) as ws:
        ws.set_profile({**ws.profile.to_json(), "money_pages": [{"url": "https://mdsupplies.com/", "keywords": ["x"]}]})
        report = linkprofile.velocity(ws.store, ws.profile, as_of="2026-09-06")
    # the money page's own series: the rows whose target is its page, counted the same way
    home_rows = [r for r in data if r["Target URL"].rstrip("/").split("//")[1].removeprefix("www.") == "mdsupplies.com"]
    assert len(home_rows) == 6
    page = report["pages"][0]["weeks"]
    assert {w["week"]: w["tier1"]["new"] for w in page if w["tier1"]["new"]} == \
        dict(Counter(iso_monday(r["First seen"]) for r in home_rows))
    assert {w["week"]: w["tier1"]["lost"] for w in page if w["tier1"]["lost"]} == \
        dict(Counter(iso_monday(r["Lost"]) for r in home_rows))
    series = report["site"]["weeks"]
    assert series[-1]["week"] == "2026-08-31" and series[0]["week"] == min(new)
    got_new = {w["week"]: w["tier1"]["new"] for w in series if w["tier1"]["new"]}
    got_lost = {w["week"]: w["tier1"]["lost"] for w in series if w["tier1"]["lost"]}
    assert got_new == dict(new)
    assert got_lost == dict(lost)
    assert all(w["tier2"] == {"new": 0, "lost": 0} for w in series)
    # consecutive weeks, none missing
    days = [date.fromisoformat(w["week"]) for w in series]
    assert all((b - a).days == 7 for a, b in zip(days, days[1:]))
    # the trend: the last 4 weeks (Aug 10 - Sep 6) hold the lost links of those weeks
    trend = report["site"]["trend"]["tier1"]["4w"]
    last4 = {w["week"] for w in series[-4:]}
    assert trend["lost"] == sum(n for wk, n in lost.items() if wk in last4)
    assert trend["new"] == sum(n for wk, n in new.items() if wk in last4)
    assert trend["net"] == trend["new"] - trend["lost"]


def test_tier2_pacing_guard(cli, home, tmp_path):
    """Three tier-2 links to one tier-1 page in a week are fine (the default); the fourth is
    warned about, in the placement form and the draft check alike; so is an anchor the page
    already got; another week starts again. The per-week threshold is the profile's."""
    from companion.verdicts import drafts

    export = tmp_path / "links.csv"
    export.write_text("From,To,Text\nhttps://t1.test/post,https://example.com/,Example\n", encoding="utf-8")
    cli("init", "--domain", "example.com")
    cli("import", str(export), "--format", "csv", "--map", "source_url=From,target_url=To,anchor=Text")
    with Workspace(home) as ws:
        codes = []
        for i, day in enumerate(["2026-11-02", "2026-11-04", "2026-11-08"]):  # one ISO week (Mon-Sun)
            _p, warned = placements.add(ws.store, ws.profile, f"https://g{i}.test/", "https://t1.test/post",
                                        anchor=f"anchor {i}", date=day)
            codes.append([w["code"] for w in warned])
        assert codes == [[], [], []]
        _p, warned = placements.add(ws.store, ws.profile, "https://g9.test/", "https://t1.test/post",
                                    anchor="anchor 9", date="2026-11-05")
        assert [w["code"] for w in warned] == ["tier2_pace"]
        assert "would get 4 tier-2 links in the week of 2026-11-02 (threshold 3)" in warned[0]["message"]
        # logging the same placement again (an update) does not count it twice
        _p, warned = placements.add(ws.store, ws.profile, "https://g0.test/", "https://t1.test/post",
                                    anchor="anchor 0", date="2026-11-02")
        assert [w["code"] for w in warned] == ["tier2_pace"]  # 4 in that week, itself counted once
        _p, warned = placements.add(ws.store, ws.profile, "https://g5.test/", "https://t1.test/post",
                                    anchor="Anchor  1", date="2026-11-09")
        assert [w["code"] for w in warned] == ["tier2_same_anchor"]  # next week: pace fine, anchor not
        # the draft check gives the same guard (for today's week: none placed this week)
        report = drafts.check_draft(ws.store, ws.profile, html='<p><a href="https://t1.test/post">anchor 2</a></p>')
        assert [w["code"] for w in report["warnings"] if w["code"].startswith("tier2_")] == ["tier2_same_anchor"]
        ws.set_profile({**ws.profile.to_json(), "tier2_per_week": 5})
        assert linkprofile.tier2_pacing_warnings(ws.store, ws.profile, "https://t1.test/post", "new", "2026-11-03") == []
        # the velocity of tier-2 links: 4 new in the week of Nov 2, 1 in the week of Nov 9
        series = linkprofile.velocity(ws.store, ws.profile, as_of="2026-11-15")["site"]["weeks"]
        assert {w["week"]: w["tier2"]["new"] for w in series if w["tier2"]["new"]} == {"2026-11-02": 4, "2026-11-09": 1}


def test_velocity_refuses_a_bad_date(home):
    from companion.core.errors import BadInput

    with Workspace(home) as ws, pytest.raises(BadInput, match="as_of"):
        linkprofile.velocity(ws.store, ws.profile, as_of="yesterday")


def test_report_commands_print_the_api_numbers_as_json_and_csv(cli, home):
    """`tierlink report velocity|anchors` --json is the library's document; --csv its table."""
    if not MD.is_file():
        pytest.skip("real export not found")
    cli("init", "--domain", "mdsupplies.com")
    cli("import", str(MD))
    data = cli.json("report", "velocity", "--as-of", "2026-09-06")
    rows = list(csv.reader(cli("report", "velocity", "--as-of", "2026-09-06", "--csv").stdout.decode().splitlines()))
    assert rows[0] == ["page", "week", "tier1_new", "tier1_lost", "tier2_new", "tier2_lost"]
    want = [["site", w["week"], str(w["tier1"]["new"]), str(w["tier1"]["lost"]), "0", "0"]
            for w in data["site"]["weeks"] if w["tier1"]["new"] or w["tier1"]["lost"]]
    assert rows[1:] == want and sum(int(r[2]) for r in rows[1:]) == 51
    mix = cli.json("report", "anchors")
    assert mix["site"]["tier1"]["total"] == 0  # every link of this export is lost: no live anchor
    rows = list(csv.reader(cli("report", "anchors", "--csv").stdout.decode().splitlines()))
    assert rows[0] == ["page", "tier", "class", "links", "share"] and len(rows) == 1 + 2 * 7
    human = cli("report", "velocity", "--as-of", "2026-09-06").stdout.decode()
    assert "whole site [tier1] last 4w: +" in human
    assert "as_of" in cli.fails("report", "velocity", "--as-of", "soon")


def test_both_stores_count_the_link_profile_alike(tmp_path, pg_url):
    """Team mode (PostgreSQL) counts the anchor mix and the velocity with the same rules as the
    embedded store: the real coinlineup export imported into both gives the same reports."""
    if not (REAL / "semrush-backlinks-coinlineup.csv").is_file():
        pytest.skip("real export not found")
    export = str(REAL / "semrush-backlinks-coinlineup.csv")
    profile = {"domains": ["coinlineup.com"], "brand_names": ["Coin Lineup"],
               "money_pages": [{"url": "https://coinlineup.com/", "keywords": ["crypto news"]}]}
    reports = []
    for name, database in (("a", None), ("b", pg_url)):
        with Workspace(tmp_path / name, database=database) as ws:
            ws.set_profile(profile)
            ws.import_files([export])
            reports.append((linkprofile.anchor_mix(ws.store, ws.profile),
                            linkprofile.velocity(ws.store, ws.profile, as_of="2026-01-04")))
    assert reports[0][0]["site"]["tier1"]["total"] > 1000
    assert reports[0] == reports[1]


def test_the_popups_suggestions_carry_the_pacing_guard(cli, home, tmp_path):
    """A tier-1 page that got three tier-2 links this week is still suggested on a fitting page
    (the popup's list), with the pacing warning under it; another page without."""
    export = tmp_path / "links.csv"
    export.write_text("From,To,Text,Title\n"
                      "https://t1.test/garden-hose-review,https://example.com/,Example,Garden hose review and guide\n"
                      "https://t2.test/garden-hose-tips,https://example.com/,Example,Garden hose tips for beginners\n",
                      encoding="utf-8")
    cli("init", "--domain", "example.com")
    cli("import", str(export), "--format", "csv", "--map", "source_url=From,target_url=To,anchor=Text,title=Title")
    today = date.today().isoformat()
    with Workspace(home) as ws:
        for i in range(3):
            placements.add(ws.store, ws.profile, f"https://g{i}.test/", "https://t1.test/garden-hose-review",
                           anchor=f"hose {i}", date=today)
        html = ("<html><head><title>Write for us: garden hose guides</title></head><body><h1>Write for us</h1>"
                "<p>We accept guest posts about the garden hose: a review, a guide for beginners, tips.</p>"
                "<p>Submit a guest post on garden hose care.</p></body></html>")
        result = ws.analyze("https://blog.test/write-for-us", html)
    suggestions = {s["tier1_url"]: s for s in (result.get("tier2") or {}).get("suggestions", [])}
    assert "https://t1.test/garden-hose-review" in suggestions and "https://t2.test/garden-hose-tips" in suggestions
    warned = suggestions["https://t1.test/garden-hose-review"]["warnings"]
    assert [w["code"] for w in warned] == ["tier2_pace"] and "would get 4 tier-2 links" in warned[0]["message"]
    assert "warnings" not in suggestions["https://t2.test/garden-hose-tips"]
