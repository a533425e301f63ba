"""The 14 exports from real accounts in ../shared/exports/real import as they should.

Why: our own samples carry the rules, but only files nobody on the project wrote
show what the tools really emit (SOURCES.md there says where each came from). Each
file is read from that folder, never copied; Search Console files are imported under
their original names (SOURCES.md), as bytes, since the property is read from the
name. Every count is made here independently, with the csv module and
urllib.parse, and every stored date must be one the file holds: a row without a date
never gets the import day. Refusals must say what the file is and what to export.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import pytest

from companion.core.errors import BadInput

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "exports" / "real"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"real exports not found at {REAL} (third-party data, "
                                                           "only in the team's checkout)")

GSC_NAMES = {  # file here -> (original name, the property its rows link to)
    "gsc-latest-links-johnmurch.csv": ("http___www.johnmurch.com_-Latest links-2020-07-15.csv",
                                       "http://www.johnmurch.com/"),
    "gsc-latest-links-oztimberfloor.csv": ("https___oztimberfloor.com.au_-Latest links-2026-05-18.csv",
                                           "https://oztimberfloor.com.au/"),
    "gsc-more-sample-links-oztimberfloor.csv": ("https___oztimberfloor.com.au_-More sample links-2026-05-18.csv",
                                                "https://oztimberfloor.com.au/"),
    "gsc-latest-links-saulz.csv": ("saulz.com-Latest links-2025-12-18.csv", "https://saulz.com/"),
    "gsc-latest-links-videotext.csv": ("videotext.io-Latest links-2026-03-11.csv", "https://videotext.io/"),
}
# file -> (format, source column, target column, date columns: first, last, lost)
LINK_FILES = {
    "ahrefs-backlinks-lamicrobyflo-via-gsheets.csv": ("ahrefs", "Referring page URL", "Target URL",
                                                      ("First seen", "Last seen", "Lost")),
    "ahrefs-backlinks-mdsupplies-utf8comma.csv": ("ahrefs", "Referring page URL", "Target URL",
                                                  ("First seen", "Last seen", "Lost")),
    "ahrefs-broken-backlinks-mdsupplies-utf8comma.csv": ("ahrefs", "Referring page URL", "Target URL",
                                                         (None, "Ref. page checked", None)),
    "semrush-backlinks-coinlineup.csv": ("semrush", "Source url", "Target url", ("First seen", "Last seen", None)),
    "semrush-backlinks-tokentopnews.csv": ("semrush", "Source url", "Target url", ("First seen", "Last seen", None)),
}
REFUSED = {  # file -> words the one-line refusal must hold (what it is, what to export instead)
    "gsc-top-linking-sites-saulz.csv": ("Top linking sites", "no page-level links", "Latest links"),
    "gsc-top-linking-text-videotext.csv": ("Top linking text", "no page-level links", "Latest links"),
    "gsc-top-target-pages-internal-oztimberfloor.csv": ("Top target pages", "internal links", "Latest links"),
    "moz-ose-derived-jcpenney-d3viz.csv": ("not a backlink export I know", "--format csv"),
}
TODAY = date.today().isoformat()
CLICK_IDS = {"fbclid", "gclid", "srsltid", "msclkid"}  # tracking parameters (CONTRACT: not a different page)


def rows_of(name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO((REAL / name).read_text(encoding="utf-8-sig"))))


def key(url: str) -> str:
    """A page key made without our code: host lower-cased without www., no trailing slash, no tracking
    parameters, the others sorted; percent-decoded (compare with `stored_key`)."""
    p = urlsplit(url.strip())
    host = (p.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    query = sorted((k, v) for k, v in parse_qsl(p.query, keep_blank_values=True)
                   if not k.lower().startswith("utm_") and k.lower() not in CLICK_IDS)
    return unquote(host + (p.path.rstrip("/") or "/") + ("?" + urlencode(query) if query else ""))


def stored_key(b: dict) -> tuple[str, str]:
    """A stored record's (source, target) page keys, percent-decoded as `key` makes them."""
    return unquote(b["source_key"]), unquote(b["target_key"])


def iso(value: str) -> str | None:
    """A date cell as the tools write it ('2026-02-18 20:53:16', '2025-07-08') in ISO form."""
    return value.strip().replace(" ", "T") or None


def import_gsc(ws, name: str) -> dict:
    original, _ = GSC_NAMES[name]
    return ws.import_files([(original, (REAL / name).read_bytes())])[0]


def test_the_folder_holds_the_fourteen_files():
    assert len(list(REAL.glob("*.csv"))) == 14
    assert set(GSC_NAMES) | set(LINK_FILES) | set(REFUSED) == {p.name for p in REAL.glob("*.csv")}


@pytest.mark.parametrize("name", list(LINK_FILES))
def test_tool_exports_import_every_row_with_its_own_dates(ws, name):
    fmt, src, tgt, (first_col, last_col, lost_col) = LINK_FILES[name]
    rows = rows_of(name)
    summary = ws.import_files([REAL / name])[0]
    pairs: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        pairs.setdefault((key(r[src]), key(r[tgt])), []).append(r)
    assert (summary["format"], summary["rows_read"], summary["skipped"]) == (fmt, len(rows), [])
    assert summary["added"] == summary["backlinks_total"] == len(pairs)
    stored = {stored_key(b): b for b in ws.store.all_backlinks()}
    assert set(stored) == set(pairs)
    file_dates = {iso(r[c]) for r in rows for c in (first_col, last_col, lost_col) if c} - {None}
    for pair, same in pairs.items():
        b = stored[pair]
        assert {b["first_seen"], b["last_seen"], b.get("lost_at")} - {None} <= file_dates, (pair, b)
        if len(same) == 1:  # one link: the record is that row
            r = same[0]
            assert b["last_seen"] == iso(r[last_col])
            assert b["first_seen"] == (iso(r[first_col]) if first_col else iso(r[last_col]))
            assert b["anchor"] == " ".join(r["Anchor"].split())
            assert ("nofollow" in b["rel"]) == (r["Nofollow"].lower() == "true")
    if TODAY not in file_dates:
        assert all(TODAY not in (b["first_seen"] or "") + (b["last_seen"] or "") for b in stored.values())


def test_ahrefs_lost_view_stores_every_link_lost_with_its_date(ws):
    rows = rows_of("ahrefs-backlinks-mdsupplies-utf8comma.csv")
    ws.import_files([REAL / "ahrefs-backlinks-mdsupplies-utf8comma.csv"])
    assert all(r["Lost"] for r in rows)  # the lost-links view
    stored = ws.store.all_backlinks()
    assert {b["status"] for b in stored} == {"lost"}
    assert {b["lost_at"] for b in stored} == {iso(r["Lost"]) for r in rows}


def test_ahrefs_via_google_sheets_reads_true_false(ws):
    rows = rows_of("ahrefs-backlinks-lamicrobyflo-via-gsheets.csv")
    ws.import_files([REAL / "ahrefs-backlinks-lamicrobyflo-via-gsheets.csv"])
    assert sum(r["Nofollow"] == "TRUE" for r in rows) == sum("nofollow" in b["rel"] for b in ws.store.all_backlinks())
    assert sum(r["Nofollow"] == "TRUE" for r in rows) > 0


def test_ahrefs_broken_backlinks_keep_the_target_code(ws):
    rows = rows_of("ahrefs-broken-backlinks-mdsupplies-utf8comma.csv")
    ws.import_files([REAL / "ahrefs-broken-backlinks-mdsupplies-utf8comma.csv"])
    codes = {(key(r["Referring page URL"]), key(r["Target URL"])): int(r["Target page HTTP code"]) for r in rows}
    stored = {stored_key(b): b["metrics"]["target_http_code"] for b in ws.store.all_backlinks()}
    assert stored == codes and set(codes.values()) == {404}


def test_semrush_lost_flag(ws):
    rows = rows_of("semrush-backlinks-coinlineup.csv")
    ws.import_files([REAL / "semrush-backlinks-coinlineup.csv"])
    lost = {(key(r["Source url"]), key(r["Target url"])) for r in rows if r["Lost link"] == "true"}
    live = {(key(r["Source url"]), key(r["Target url"])) for r in rows if r["Lost link"] == "false"}
    stored_lost = {stored_key(b) for b in ws.store.all_backlinks("lost")}
    assert stored_lost == lost - live and lost  # a pair with a live row among its rows stays live


@pytest.mark.parametrize("name", [n for n in GSC_NAMES if "Latest links" in GSC_NAMES[n][0]])
def test_search_console_latest_links(ws, name):
    rows = rows_of(name)
    summary = import_gsc(ws, name)
    crawled = {key(r["Linking page"]): r["Last crawled"] for r in rows}
    assert (summary["format"], summary["rows_read"], summary["skipped"]) == ("gsc", len(rows), [])
    assert summary["added"] == len(crawled)
    stored = ws.store.all_backlinks()
    assert {b["target_url"] for b in stored} == {GSC_NAMES[name][1]}
    assert {stored_key(b)[0]: b["last_seen"] for b in stored} == crawled
    assert all(b["first_seen"] == b["last_seen"] for b in stored)


def test_search_console_more_sample_links_sets_no_date(ws):
    rows = rows_of("gsc-more-sample-links-oztimberfloor.csv")
    summary = import_gsc(ws, "gsc-more-sample-links-oztimberfloor.csv")
    assert (summary["format"], summary["rows_read"], summary["added"]) == ("gsc", len(rows), len(rows))
    assert {(b["first_seen"], b["last_seen"]) for b in ws.store.all_backlinks()} == {(None, None)}


@pytest.mark.parametrize("order", ["latest first", "sample first"])
def test_the_real_crawl_dates_survive_either_order(ws, order):
    names = ["gsc-latest-links-oztimberfloor.csv", "gsc-more-sample-links-oztimberfloor.csv"]
    for name in names if order == "latest first" else names[::-1]:
        import_gsc(ws, name)
    crawled = {key(r["Linking page"]): r["Last crawled"] for r in rows_of(names[0])}
    stored = ws.store.all_backlinks()
    assert len(stored) == 43
    assert {stored_key(b)[0]: (b["first_seen"], b["last_seen"]) for b in stored} == {k: (d, d) for k, d in crawled.items()}
    assert crawled[key("https://www.localelinkup.com/mauriconnect-car-rental-ltd")] == "2026-04-19"


@pytest.mark.parametrize("name", list(REFUSED))
def test_tables_without_backlinks_are_refused_with_what_to_do(cli, name):
    cli("init", "--domain", "example.com")
    err = cli.fails("import", str(REAL / name))
    assert name in err and all(w in err for w in REFUSED[name]), err
    assert cli.json("backlinks")["total"] == 0


def test_your_pages_linking_to_this_page_is_refused(ws):
    """The internal drill-down has the header of "More sample links" but lists the site's own pages.

    Made here from the internal "Top target pages" file's URLs (oztimberfloor's own pages):
    refused by its original file name, and by its content under any name.
    """
    own = [r["Target page"] for r in rows_of("gsc-top-target-pages-internal-oztimberfloor.csv")]
    data = ("Linking page\n" + "\n".join(own)).encode()
    for name in ("https___oztimberfloor.com.au_-Your pages linking to this page-2026-05-18.csv",
                 "https___oztimberfloor.com.au_-More sample links-2026-05-18.csv"):
        with pytest.raises(BadInput, match="Your pages linking to this page.*Latest links"):
            ws.import_files([(name, data)])
    ws.set_profile({"domains": ["oztimberfloor.com.au"]})
    with pytest.raises(BadInput, match="internal links"):
        ws.import_files([("links.csv", data)])
    assert ws.store.all_backlinks() == []


def test_the_edited_moz_file_imports_with_a_map(ws):
    rows = rows_of("moz-ose-derived-jcpenney-d3viz.csv")
    mapping = {"source_url": "Source", "target_url": "Target", "metric.page_authority": "Page Authority",
               "metric.domain_authority": "Domain Authority"}
    summary = ws.import_files([REAL / "moz-ose-derived-jcpenney-d3viz.csv"], format="csv", mapping=mapping)[0]
    pairs = {(key(r["Source"]), key(r["Target"])) for r in rows}
    assert (summary["rows_read"], summary["added"], summary["skipped"]) == (len(rows), len(pairs), [])
    stored = ws.store.all_backlinks()
    assert {(b["first_seen"], b["last_seen"]) for b in stored} == {(None, None)}  # the file has no dates
    first = rows[0]
    b = ws.store.get_backlink(first["Source"], first["Target"])
    assert b["metrics"]["page_authority"] == float(first["Page Authority"]) or \
        b["metrics"]["page_authority"] == int(float(first["Page Authority"]))
