"""Importing real export formats (tests/fixtures/exports, copies of ../shared/exports).

Each sample is imported through the real CLI into a real data home, and the
values asserted are read from the files themselves. The same files re-saved as
Excel would (UTF-8 BOM, CRLF, TRUE/FALSE, re-formatted dates, decimal commas)
are generated here and must import the same. Bad files give one line and change
nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from companion.core.errors import BadInput
from companion.importers import parse
from companion.workspace import Workspace

SAMPLES = Path(__file__).resolve().parent / "fixtures" / "exports"

# file -> (format, rows_read, added, skipped lines)
EXPECTED = {
    "ahrefs-v3.csv": ("ahrefs", 15, 14, []),          # one exact duplicate row
    "ahrefs-v3utf8.csv": ("ahrefs", 15, 14, []),
    "ahrefs-v2legacy.csv": ("ahrefs", 11, 10, []),    # row 11 repeats row 1
    "semrush-backlinks.csv": ("semrush", 15, 14, []),
    "moz-ose-legacy.csv": ("moz", 11, 10, []),
    "majestic-backlinks.csv": ("majestic", 13, 11, [12]),  # line 12: FlagMention (not a link); 1 duplicate
    "gsc-latest-links.csv": ("gsc", 12, 12, []),
    "gsc-more-sample-links.csv": ("gsc", 10, 10, []),
    "bing-referring-pages.csv": ("bing", 11, 10, []),
}


def records(ws) -> dict[tuple[str, str], dict]:
    return {(r["source_key"], r["target_key"]): r for r in ws.store.all_backlinks()}


def rec(ws, source, target):
    r = ws.store.get_backlink(source, target)
    assert r is not None, (source, target)
    return r


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_sample_imports_with_the_right_counts(cli, name):
    cli("init", "--domain", "example.com")
    summary = cli.json("import", str(SAMPLES / name))
    fmt, rows, added, skipped = EXPECTED[name]
    assert set(summary) == {"format", "rows_read", "added", "updated", "merged", "skipped", "skipped_rows", "truncated",
                            "backlinks_total"}
    assert summary["rows_read"] == summary["added"] + summary["updated"] + summary["merged"] + summary["skipped_rows"]
    assert (summary["format"], summary["rows_read"], summary["added"], summary["updated"]) == (fmt, rows, added, 0)
    assert [s["line"] for s in summary["skipped"]] == skipped
    assert summary["backlinks_total"] == added
    again = cli.json("import", str(SAMPLES / name))
    assert (again["added"], again["updated"], again["backlinks_total"]) == (0, 0, added)


def test_ahrefs_v3_values(ws):
    ws.import_files([SAMPLES / "ahrefs-v3.csv"])
    r = rec(ws, "https://widgetweekly.example.org/best-widgets-2025/", "https://www.example.com/blog/best-widgets/")
    assert r["anchor"] == "Best widgets, reviewed" and r["rel"] == [] and r["follow"] is True
    assert r["metrics"]["dr"] == 54 and r["metrics"]["ur"] == 18.4 and r["metrics"]["traffic"] == 1730
    assert r["metrics"]["referring_domains"] == 311 and r["metrics"]["external_links"] == 42
    assert r["first_seen"] == "2025-03-14T09:21:07" and r["last_seen"] == "2025-11-30T22:04:51"
    assert r["title"] == "Best widgets of 2025, reviewed | Widget Weekly" and r["origins"] == ["ahrefs"]
    # same page, second target, nofollow
    r = rec(ws, "https://widgetweekly.example.org/best-widgets-2025/", "https://www.example.com/shop/blue-widget")
    assert r["rel"] == ["nofollow"] and r["follow"] is False and r["anchor"] == "Blue Widget (buy)"
    assert rec(ws, "https://forum.diy.test/t/which-widget-lasts-longest/8812",
               "https://www.example.com/shop/blue-widget")["rel"] == ["ugc"]
    assert rec(ws, "https://blog.tinkerers.test/widget-care-tips",
               "https://www.example.com/guides/widget-care")["rel"] == ["sponsored"]
    assert rec(ws, "https://talk.example.net/r/widgets/comments/abc123/",
               "https://www.example.com/guides/widget-care")["rel"] == ["nofollow", "ugc"]
    lost = rec(ws, "https://deals.shopper.test/spring-widget-sale", "https://www.example.com/shop/")
    assert lost["status"] == "lost" and lost["lost_at"] == "2025-06-08T12:44:10"
    assert lost["target_url"] == "https://www.example.com/shop/"  # utm_* tracking dropped
    assert lost["rel"] == ["nofollow", "sponsored"]
    assert rec(ws, "https://gallery.example.net/widgets/photo-14",
               "https://www.example.com/shop/blue-widget")["type"] == "image"
    assert rec(ws, "https://cafe.example.org/équipement/favoris",
               "https://www.example.com/blog/best-widgets/")["anchor"] == "widget « Bleu »"
    assert rec(ws, "https://obzor.example.net/vidzhety", "https://www.example.com/shop/blue-widget")["status"] == "lost"
    assert {r["status"] for r in ws.store.all_backlinks()} == {"live", "lost"}
    assert len(ws.store.all_backlinks("lost")) == 3


def test_ahrefs_v2_values(ws):
    ws.import_files([SAMPLES / "ahrefs-v2legacy.csv"])
    r = rec(ws, "https://forum.diy.test/t/which-widget/8812", "https://www.example.com/shop/blue-widget")
    assert r["rel"] == ["nofollow", "ugc"] and r["metrics"]["dr"] == 41 and r["metrics"]["ur"] == 12
    assert r["last_seen"] == "2020-12-01T03:10:44"
    assert rec(ws, "https://blog.tinkerers.test/widget-care-tips", "https://www.example.com/guides/widget-care")["rel"] == ["sponsored"]
    gone = rec(ws, "https://partners.example.org/widget-makers", "https://www.example.com/partners")
    assert gone["status"] == "lost" and gone["lost_at"] == "2020-05-11T04:00:00"
    assert rec(ws, "https://gallery.example.net/widgets/photo-14", "https://www.example.com/shop/blue-widget")["type"] == "image"


def test_semrush_values(ws):
    ws.import_files([SAMPLES / "semrush-backlinks.csv"])
    r = rec(ws, "https://talk.example.net/r/widgets/comments/abc123/", "https://www.example.com/guides/widget-care")
    assert r["rel"] == ["nofollow", "ugc"] and r["metrics"]["page_ascore"] == 56 and r["first_seen"] == "2025-09-12"
    deals = rec(ws, "https://deals.shopper.test/spring-widget-sale", "https://www.example.com/shop/")
    assert deals["status"] == "lost" and deals["rel"] == ["nofollow", "sponsored"]
    assert rec(ws, "https://blog.tinkerers.test/widget-care-tips", "https://www.example.com/guides/widget-care")["rel"] == ["sponsored"]
    assert rec(ws, "https://embed.example.net/frame/reviews", "https://www.example.com/reviews")["type"] == "frame"
    assert rec(ws, "https://mail.example.org/subscribe", "https://www.example.com/newsletter")["type"] == "form"
    assert sorted(r["source_url"] for r in ws.store.all_backlinks("lost")) == [
        "https://deals.shopper.test/spring-widget-sale", "https://obzor.example.net/vidzhety",
        "https://partners.example.org/widget-makers"]


def test_moz_values(ws):
    summary = ws.import_files([SAMPLES / "moz-ose-legacy.csv"])[0]
    assert summary["skipped"] == []
    forum = rec(ws, "https://forum.diy.test/t/which-widget/8812", "https://www.example.com/shop/blue-widget")
    assert forum["rel"] == ["nofollow"] and forum["metrics"]["spam_score"] == 4
    assert forum["metrics"]["page_authority"] == 21 and forum["metrics"]["domain_authority"] == 41
    assert forum["last_seen"] == "2018-05-14"  # from the preamble's export date
    assert rec(ws, "https://old.example.net/widgets", "https://www.example.com/")["type"] == "redirect"
    assert rec(ws, "https://jp.example.org/guide/widgets", "https://www.example.com/")["follow"] is True


def test_majestic_values(ws):
    summary = ws.import_files([SAMPLES / "majestic-backlinks.csv"])[0]
    assert summary["skipped"] == [{"line": 12, "reason": "Majestic marks this a mention, not a link"}]
    forum = rec(ws, "https://forum.diy.test/t/which-widget-lasts-longest/8812", "https://www.example.com/shop/blue-widget")
    assert forum["rel"] == ["nofollow"] and forum["metrics"]["citation_flow"] == 18 and forum["metrics"]["trust_flow"] == 9
    assert forum["first_seen"] == "2025-05-02" and forum["last_seen"] == "2025-12-01"
    assert rec(ws, "https://obzor.example.net/vidzhety", "https://www.example.com/shop/blue-widget")["status"] == "lost"
    assert rec(ws, "https://gallery.example.net/widgets/photo-14", "https://www.example.com/shop/blue-widget")["type"] == "image"
    assert ws.store.get_backlink("https://news.example.org/2025/10/local-makers", "https://www.example.com/") is None


def test_gsc_rows_attach_to_stored_links_and_match_encoded_urls(ws):
    ws.import_files([SAMPLES / "ahrefs-v3.csv"])
    before = ws.store.backlink_count()
    s = ws.import_files([SAMPLES / "gsc-latest-links.csv"])[0]
    # 10 of the 12 linking pages are stored already (the %C3%A9 URL matches the é one);
    # page 3 of the directory is new and gets a placeholder to my home page
    assert s["added"] == 1 and s["backlinks_total"] == before + 1
    cafe = rec(ws, "https://cafe.example.org/%C3%A9quipement/favoris", "https://www.example.com/blog/best-widgets/")
    assert cafe["origins"] == ["ahrefs", "gsc"]
    new = rec(ws, "https://links.directory.test/widgets-gadgets?page=3&sort=az,desc", "https://example.com/")
    assert new["target_known"] is False and new["rel_known"] is False and new["last_seen"] == "2025-11-20"
    # a later export naming the real target replaces the placeholder
    ws.store.merge_backlinks([{"source_url": "https://links.directory.test/widgets-gadgets?page=3&sort=az,desc",
                               "target_url": "https://www.example.com/shop/", "anchor": "shop", "rel": [],
                               "last_seen": "2025-12-02"}], "semrush")
    assert ws.store.get_backlink("https://links.directory.test/widgets-gadgets?page=3&sort=az,desc",
                                 "https://example.com/") is None
    real = rec(ws, "https://links.directory.test/widgets-gadgets?page=3&sort=az,desc", "https://www.example.com/shop/")
    assert real["origins"] == ["semrush", "gsc"]


def test_gsc_target_from_file_name(ws):
    data = (SAMPLES / "gsc-more-sample-links.csv").read_bytes()
    s = ws.import_bytes("https___www.mysite.test_-More sample links-2025-12-18.csv", data, "auto")
    assert s["format"] == "gsc" and s["added"] == 10
    assert {r["target_url"] for r in ws.store.all_backlinks()} == {"https://www.mysite.test/"}


def test_gsc_without_a_domain_says_what_to_do(cli):
    err = cli.fails("import", str(SAMPLES / "gsc-latest-links.csv"))
    assert "init --domain" in err


@pytest.mark.parametrize("name,phrase", [("gsc-top-linking-sites.csv", "Top linking sites"),
                                         ("gsc-top-target-pages.csv", "Top target pages"),
                                         ("gsc-top-linking-text.csv", "Top linking text"),
                                         ("bing-referring-domains.csv", "Referring domains")])
def test_tables_without_page_level_links_are_refused(cli, name, phrase):
    cli("init", "--domain", "example.com")
    err = cli.fails("import", str(SAMPLES / name))
    assert phrase in err and "no page-level links" in err and name in err


def test_search_console_internal_links_tables_are_refused_with_what_to_export(cli, ws):
    """Internal links are not backlinks: "Top target pages" of internal links (its own header), and
    "Your pages linking to this page" (the header of More sample links, the site's own pages in it)."""
    cli("init", "--domain", "example.com")
    err = cli.fails("import", str(SAMPLES / "gsc-top-target-pages-internal.csv"))
    assert "Top target pages" in err and "internal links" in err and "Latest links" in err
    own = b"Linking page\nhttps://www.example.com/blog/best-widgets/\nhttps://example.com/shop/\n"
    for name in ("https___www.example.com_-Your pages linking to this page-2026-05-10 (1).csv",  # by its name
                 "https___www.example.com_-More sample links-2026-05-10.csv",  # every page on the property
                 "links.csv"):  # every page on my domain
        with pytest.raises(BadInput, match="Your pages linking to this page.*Latest links"):
            ws.import_bytes(name, own)
    assert ws.store.all_backlinks() == []
    mixed = own + b"https://blog.other.test/widgets\n"  # one real backlink: not the internal table
    assert ws.import_bytes("links.csv", mixed)["added"] == 3


def test_bing_pages(ws):
    ws.import_files([SAMPLES / "bing-referring-pages.csv"])
    r = rec(ws, "https://forum.diy.test/t/which-widget-lasts-longest/8812", "https://www.example.com/shop/blue-widget")
    assert r["anchor"] == 'the "Blue Widget" guide' and r["rel_known"] is False


def test_merge_across_tools_keeps_origins_and_the_strongest_link(ws):
    out = ws.import_files([SAMPLES / "ahrefs-v3.csv", SAMPLES / "semrush-backlinks.csv",
                           SAMPLES / "majestic-backlinks.csv", SAMPLES / "bing-referring-pages.csv"])
    assert [s["format"] for s in out] == ["ahrefs", "semrush", "majestic", "bing"]
    r = rec(ws, "https://widgetweekly.example.org/best-widgets-2025/", "https://www.example.com/blog/best-widgets/")
    assert r["origins"] == ["ahrefs", "semrush", "majestic", "bing"]
    assert r["metrics"]["dr"] == 54 and r["metrics"]["page_ascore"] == 38 and r["metrics"]["trust_flow"] == 24
    # the forum link: ugc in Ahrefs; Semrush (same date) says nofollow+ugc; Bing knows no rel and changes nothing
    forum = rec(ws, "https://forum.diy.test/t/which-widget-lasts-longest/8812", "https://www.example.com/shop/blue-widget")
    assert forum["follow"] is False
    total = out[-1]["backlinks_total"]
    # everything again: nothing added, nothing changed
    again = ws.import_files([SAMPLES / "ahrefs-v3.csv", SAMPLES / "semrush-backlinks.csv",
                             SAMPLES / "majestic-backlinks.csv", SAMPLES / "bing-referring-pages.csv"])
    assert [(s["added"], s["updated"]) for s in again] == [(0, 0)] * 4 and again[-1]["backlinks_total"] == total


def test_several_files_on_the_cli_print_a_list(cli):
    out = cli.json("import", str(SAMPLES / "ahrefs-v3.csv"), str(SAMPLES / "semrush-backlinks.csv"))
    assert isinstance(out, list) and [s["format"] for s in out] == ["ahrefs", "semrush"]
    human = cli("import", str(SAMPLES / "moz-ose-legacy.csv")).stdout.decode()
    assert "moz: 11 rows read" in human


# --- the same files after a trip through Excel -----------------------------------------------

def _rows(name: str) -> list[list[str]]:
    raw = (SAMPLES / name).read_bytes()
    text = raw.decode("utf-16") if raw[:2] == b"\xff\xfe" else raw.decode("utf-8-sig")
    delim = "\t" if "\t" in text.split("\n", 1)[0] else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))


def _excel(rows, *, delim=",", date_style="us", decimal=".") -> bytes:
    out = []
    for i, row in enumerate(rows):
        if i == 0:
            out.append(row)
            continue
        new = []
        for cell in row:
            if cell in ("true", "false"):
                cell = cell.upper()
            elif re.fullmatch(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?", cell):
                d = datetime.fromisoformat(cell)
                if date_style == "us":  # Excel en-US: 3/14/2025 9:21 (seconds dropped)
                    cell = f"{d.month}/{d.day}/{d.year}" + (f" {d.hour}:{d.minute:02d}" if " " in cell else "")
                else:  # Excel de-DE: 14.03.2025 09:21
                    cell = d.strftime("%d.%m.%Y") + (d.strftime(" %H:%M") if " " in cell else "")
            elif decimal == "," and re.fullmatch(r"\d+\.\d+", cell):
                cell = cell.replace(".", ",")
            new.append(cell)
        out.append(new)
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator="\r\n").writerows(out)
    return buf.getvalue().encode("utf-8-sig")


def _minute(value: str) -> str:
    return value[:16]


@pytest.mark.parametrize("name", ["ahrefs-v3.csv", "ahrefs-v2legacy.csv", "semrush-backlinks.csv",
                                  "majestic-backlinks.csv", "moz-ose-legacy.csv"])
@pytest.mark.parametrize("style", [dict(delim=",", date_style="us"), dict(delim=";", date_style="de", decimal=",")])
def test_excel_resaved_files_import_the_same(home, tmp_path, name, style):
    original = Workspace(tmp_path / "a")
    resaved = Workspace(tmp_path / "b")
    try:
        s1 = original.import_files([SAMPLES / name])[0]
        data = _excel(_rows(name), **style)
        assert data[:3] == b"\xef\xbb\xbf" and b"\r\n" in data
        s2 = resaved.import_bytes(name, data, "auto")
        assert (s2["format"], s2["rows_read"], s2["added"], s2["skipped"]) == \
               (s1["format"], s1["rows_read"], s1["added"], s1["skipped"])
        a, b = records(original), records(resaved)
        assert a.keys() == b.keys()
        for key in a:
            for field in ("anchor", "rel", "follow", "status", "type", "title"):
                assert a[key].get(field) == b[key].get(field), (key, field)
            for field in ("first_seen", "last_seen", "lost_at"):
                if a[key].get(field):
                    assert _minute(a[key][field]) == _minute(b[key][field]), (key, field)
            assert a[key]["metrics"] == b[key]["metrics"], key
    finally:
        original.close()
        resaved.close()


def test_dates_in_many_forms():
    from companion.importers.values import DateParser

    p = DateParser()
    assert p("2025-03-14 09:21:07") == "2025-03-14T09:21:07"
    assert p("2025-03-14T09:21:07Z") == "2025-03-14T09:21:07"
    assert p("2025-03-14T11:21:07+02:00") == "2025-03-14T09:21:07"
    assert p("24.11.2026 14:03") == "2026-11-24T14:03:00"
    assert p("11/24/2026") == "2026-11-24"
    assert p("3/14/25 9:21 PM") == "2025-03-14T21:21:00"
    assert p("Mar 14, 2025") == "2025-03-14" and p("14 March 2025") == "2025-03-14"
    assert p("45730") == "2025-03-14"
    with pytest.raises(ValueError):
        p("31/02/2025")
    # an ambiguous slash date follows the file's other dates
    q = DateParser()
    pending = q("03/04/2025")
    q("24/11/2026")
    assert q.resolve(pending) == "2025-04-03"


def test_numbers_and_booleans():
    from companion.importers.values import parse_bool, parse_number

    assert [parse_number(v) for v in ("54", "18.4", "18,4", "1,234", "12 840", "1.234,5", "", "n/a", "nan")] == \
           [54, 18.4, 18.4, 1234, 12840, 1234.5, None, None, None]
    assert [parse_bool(v) for v in ("true", "TRUE", "Yes", "1", "+", "", "false", "FALSE", "No", "0")] == \
           [True] * 5 + [False] * 5


# --- generic CSV --------------------------------------------------------------------------------

def test_generic_csv_with_a_mapping(cli):
    data = "From;To;Text;NF\nhttps://a.test/x;https://example.com/;hello;yes\nnot a url;https://example.com/;x;no\n"
    path = cli.home.parent / "mine.csv"
    path.write_bytes(data.encode("cp1252"))
    out = cli.json("import", str(path), "--format", "csv", "--map", "source_url=From,target_url=To,anchor=Text,nofollow=NF")
    assert (out["format"], out["added"], out["skipped"]) == ("csv", 1, [{"line": 3, "reason": "no valid referring page URL ('not a url')"}])
    rows = cli.json("backlinks")["backlinks"]
    assert rows[0]["rel"] == ["nofollow"] and rows[0]["anchor"] == "hello" and "source_key" not in rows[0]
    err = cli.fails("import", str(path), "--map", "source_url=Nope,target_url=To")
    assert "Nope" in err
    assert "FIELD=COLUMN" in cli.fails("import", str(path), "--map", "garbage")


def test_export_then_import_round_trip(cli, tmp_path):
    cli("import", str(SAMPLES / "ahrefs-v3.csv"))
    out = tmp_path / "backlinks.csv"
    cli("export", "backlinks", "--out", str(out))
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") >= 15
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(table) == 14 and table[0]["metrics.dr"] == "54"
    again = cli.json("import", str(out))
    assert (again["format"], again["added"]) == ("csv", 0)
    cli("save", "https://x.test/", "--kind", "boost", check=False)  # candidates come from another feature
    cli("export", "candidates", "--out", str(tmp_path / "c.csv"))
    assert (tmp_path / "c.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "folder" in cli.fails("export", "backlinks", "--out", str(tmp_path))


def test_formula_cells_are_defused_in_exports(ws, tmp_path):
    from companion.workflow.export import export_table

    ws.store.merge_backlinks([{"source_url": "https://evil.test/", "target_url": "https://example.com/",
                               "anchor": "=HYPERLINK(\"http://x\")", "last_seen": "2026-01-01"}], "csv")
    export_table(ws.store, "backlinks", tmp_path / "b.csv")
    assert "'=HYPERLINK" in (tmp_path / "b.csv").read_text("utf-8-sig")


# --- bad files: one line, nothing changed ------------------------------------------------------

def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    v3 = (SAMPLES / "ahrefs-v3.csv").read_bytes()
    files = {
        "unknown": (b"colour,size,price\nred,10,3.50\n", "not a backlink export"),
        "truncated utf-16": (v3[:-1], "cut short"),
        "binary": (bytes(range(256)) * 40, "binary"),
        "png": (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG"),
        "xlsx": (b"PK\x03\x04" + bytes(100), "Excel"),
        "empty": (b"", "empty"),
        "blank lines": (b"\r\n\r\n", "empty"),
    }
    out = {}
    for key, (data, phrase) in files.items():
        path = tmp / (key.replace(" ", "-") + ".csv")
        path.write_bytes(data)
        out[key] = (path, phrase)
    return out


@pytest.mark.parametrize("kind", ["unknown", "truncated utf-16", "binary", "png", "xlsx", "empty", "blank lines"])
def test_bad_file_gives_one_line_and_changes_nothing(cli, tmp_path, kind):
    cli("import", str(SAMPLES / "semrush-backlinks.csv"))
    before = cli.json("backlinks")
    path, phrase = _bad_files(tmp_path)[kind]
    err = cli.fails("import", str(path))
    assert phrase in err, err
    if kind in ("unknown", "truncated utf-16", "binary", "empty"):
        assert "ahrefs" in err and "semrush" in err and "majestic" in err
    # a good file next to a bad one is not imported either
    cli.fails("import", str(SAMPLES / "ahrefs-v3.csv"), str(path))
    assert cli.json("backlinks") == before


def test_forced_format_that_does_not_fit(cli):
    err = cli.fails("import", str(SAMPLES / "semrush-backlinks.csv"), "--format", "moz")
    assert "does not look like a moz export" in err
    assert "'xls' is not one of" in cli.fails("import", str(SAMPLES / "semrush-backlinks.csv"), "--format", "xls")
    assert "cannot read" in cli.fails("import", str(SAMPLES / "nope.csv"))


def test_bad_rows_are_skipped_with_their_line(ws):
    lines = (SAMPLES / "semrush-backlinks.csv").read_text("utf-8").split("\n")
    lines[4] = lines[4].replace("https://jp.example.org/guide/widgets", "jp example guide")
    lines[6] = lines[6].replace("2025-02-17", "someday")
    lines.insert(8, "short,row")
    s = ws.import_bytes("semrush.csv", "\n".join(lines).encode(), "auto")
    assert [x["line"] for x in s["skipped"]] == [5, 7, 9]
    assert "unreadable date" in s["skipped"][1]["reason"] and "fields" in s["skipped"][2]["reason"]
    assert s["added"] == 12 and s["rows_read"] == 16


def test_moz_line_numbers_count_the_preamble(ws):
    lines = (SAMPLES / "moz-ose-legacy.csv").read_text("utf-8").split("\n")
    assert lines[5].startswith("URL,Title")  # header on line 6
    lines[7] = "ftp://nope," + lines[7].split(",", 1)[1]  # line 8
    s = ws.import_bytes("moz.csv", "\n".join(lines).encode(), "moz")
    assert [x["line"] for x in s["skipped"]] == [8]


def test_multiline_field_keeps_line_numbers(ws):
    # the Ahrefs sample's "Left context" spans two lines (row 13): the row after it is on line 16
    text = (SAMPLES / "ahrefs-v3.csv").read_bytes().decode("utf-16")
    lines = text.split("\n")
    assert lines[15].startswith('"Best widgets of 2025')
    lines[15] = lines[15].replace("https://widgetweekly.example.org/best-widgets-2025/", "nope", 1)
    s = ws.import_bytes("a.csv", "\n".join(lines).encode("utf-16"), "auto")
    assert [x["line"] for x in s["skipped"]] == [16]


def test_parse_is_pure_and_rejects_unknown_format_names():
    with pytest.raises(BadInput, match="unknown format"):
        parse("x.csv", data=b"a,b\n", format="excel")
    parsed = parse("x.csv", data=(SAMPLES / "ahrefs-v3utf8.csv").read_bytes())
    assert parsed.format == "ahrefs" and len(parsed.rows) == 15


def test_cp1252_file(ws):
    data = "Source Url,Anchor text,Target Url\nhttps://a.test/,caf\u00e9 \u2013 bon,https://example.com/\n"
    s = ws.import_bytes("w.csv", data.encode("cp1252"), "bing")
    assert s["added"] == 1
    assert ws.store.all_backlinks()[0]["anchor"] == "café – bon"


def test_api_entry_point_returns_one_summary(ws):
    s = ws.import_bytes("ahrefs.csv", (SAMPLES / "ahrefs-v3.csv").read_bytes(), "ahrefs")
    assert s["format"] == "ahrefs" and s["added"] == 14
    with pytest.raises(BadInput):
        ws.import_bytes("x.csv", b"", "auto")
    assert json.dumps(s)
