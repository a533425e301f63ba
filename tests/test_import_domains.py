"""An import into a home with no domains takes them from the export's targets and says so in one line.

Why (issue 22 item 1): a user who skipped `tierlink init` imported the coinlineup
Semrush export silently; with no domain, the links to coinlineup.com were then read as
external and a visit of a page still linking there stored the backlink as lost. The
import now saves the site(s) the export's rows link to (those holding a real share of
them) in the profile, and says which: on stderr for the CLI, as the summary's
`notice` for the dashboard.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from serverutil import CompanionServer, upload_files

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "exports" / "real"
COINLINEUP = REAL / "semrush-backlinks-coinlineup.csv"
needs_real = pytest.mark.skipif(not COINLINEUP.is_file(), reason="real exports not found (team checkout only)")


def domains(home: Path) -> list[str]:
    path = home / "profile.json"
    return json.loads(path.read_text())["domains"] if path.exists() else []


@needs_real
def test_the_cli_takes_the_domain_from_a_real_export_and_says_so_in_one_line(cli):
    proc = cli("import", str(COINLINEUP))
    err = [line for line in proc.stderr.decode().splitlines() if "domain" in line]
    assert err == ["note: no domain was set: using coinlineup.com from this export's targets (change it in Profile, "
                   "or with \"tierlink init --domain … --force\")"]
    assert domains(cli.home) == ["coinlineup.com"]
    # the next import finds the domain set: no word about it, nothing changed
    again = cli("import", str(COINLINEUP), "--json")
    assert "no domain was set" not in again.stderr.decode() and "notice" not in json.loads(again.stdout)
    assert domains(cli.home) == ["coinlineup.com"]


@needs_real
def test_a_set_domain_is_never_replaced(cli):
    cli("init", "--domain", "example.com")
    summary = cli.json("import", str(COINLINEUP))
    assert "notice" not in summary and domains(cli.home) == ["example.com"]


def test_several_sites_are_taken_when_each_holds_a_real_share_and_named_with_it(cli, tmp_path):
    rows = ([f"https://s{i}.test/,https://shop.a-site.co.uk/p{i},x" for i in range(12)]
            + [f"https://t{i}.test/,https://blog.b-site.com/{i},x" for i in range(7)]
            + ["https://u.test/,https://c-site.org/,x"])  # 5%: a page that happens to be linked beside
    path = tmp_path / "links.csv"
    path.write_text("source_url,target_url,anchor\n" + "\n".join(rows) + "\n")
    summary = cli.json("import", str(path))
    assert domains(cli.home) == ["a-site.co.uk", "b-site.com"]
    assert summary["notice"].startswith("no domain was set: using a-site.co.uk (60% of the links), "
                                        "b-site.com (35% of the links) from this export's targets")


@needs_real
def test_the_dashboard_import_takes_the_domain_and_shows_the_notice(tmp_path):
    with CompanionServer(tmp_path / "home") as srv:
        assert srv.api("GET", "/api/profile")["domains"] == []
        status, summary = upload_files(srv, [COINLINEUP])
        assert status == 200, summary
        assert summary["notice"].startswith("no domain was set: using coinlineup.com")
        assert (summary["rows_read"], summary["added"], summary["merged"]) == (2000, 1899, 101)
        assert srv.api("GET", "/api/profile")["domains"] == ["coinlineup.com"]
