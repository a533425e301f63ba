"""Placements through the real companion: add and list, warnings, validation, the
counts the verdicts and the draft check read, and the CSV exports (candidates and
placements) opening cleanly: BOM, CRLF, the csv module reads them back, formula guard."""

from __future__ import annotations

import csv
import io

import pytest
from serverutil import multipart

from companion.analysis.urls import page_key
from companion.workflow import placements
from companion.store.store import Store

TIER1 = "https://review.tier1.test/widgets-compared"


@pytest.fixture(scope="module", autouse=True)
def tier1_page(app_server):
    """One known tier-1 page (a page in my backlink list) and my domain in the profile."""
    app_server.api("PUT", "/api/profile", json={"domains": ["example.com"]})
    csv_bytes = f"source_url,target_url,anchor\r\n{TIER1},https://example.com/pricing,widget pricing\r\n".encode()
    body, ctype = multipart({"format": "csv"}, {"file": ("mine.csv", csv_bytes)})
    r = app_server.request("POST", "/api/import", data=body, headers={"Content-Type": ctype})
    assert r.status == 200, f"{r}\n{app_server.output()}"


def add(app_server, expect=201, **body):
    return app_server.api("POST", "/api/placements", json=body, expect=expect)


def test_add_then_list_and_filter_by_target(app_server):
    p = add(app_server, from_url="https://www.guest.test/my-post/?utm_medium=x", to_url=TIER1 + "/",
            anchor="  widget   comparison ", via="guest_post", date="2026-10-01", note="paid nothing")
    assert p["warnings"] == []
    assert page_key(p["from_url"]) == "guest.test/my-post" and page_key(p["to_url"]) == "review.tier1.test/widgets-compared"
    assert "from_key" not in p and "to_key" not in p  # the page keys are internal
    assert p["anchor"] == "widget comparison" and p["via"] == "guest_post" and p["date"] == "2026-10-01"
    other = add(app_server, from_url="https://social.test/thread/1", to_url="https://elsewhere.test/a", via="social")
    assert other["via"] == "social" and len(other["date"]) == 10  # today by default

    everything = app_server.api("GET", "/api/placements")
    assert {p["id"], other["id"]} <= {x["id"] for x in everything}
    assert all("warnings" not in x for x in everything)  # advice, not data
    to_tier1 = app_server.api("GET", "/api/placements?to_url=http://review.tier1.test/widgets-compared")
    assert [x["id"] for x in to_tier1] == [p["id"]]

    # The same link again updates it (200), it is not counted twice.
    again = add(app_server, expect=200, from_url="https://guest.test/my-post", to_url=TIER1, via="niche_edit")
    assert again["id"] == p["id"] and again["via"] == "niche_edit" and again["anchor"] == "widget comparison"
    assert len(app_server.api("GET", "/api/placements?to_url=" + TIER1)) == 1


def test_warnings_for_an_unknown_tier1_page_my_own_site_and_a_repeated_anchor(app_server):
    p = add(app_server, from_url="https://w1.test/a", to_url="https://not-linking.test/page", anchor="blue widgets")
    assert [w["code"] for w in p["warnings"]] == ["not_tier1"]
    assert "not in your backlink list" in p["warnings"][0]["message"]
    p = add(app_server, from_url="https://w2.test/a", to_url="https://www.example.com/pricing")
    assert [w["code"] for w in p["warnings"]] == ["links_to_my_site"]
    add(app_server, from_url="https://w3.test/a", to_url=TIER1, anchor="Blue  Widgets")
    p = add(app_server, from_url="https://w4.test/a", to_url=TIER1, anchor="blue widgets")
    # used twice in all (repeated_anchor), and already once to this very tier-1 page (the pacing guard)
    assert [w["code"] for w in p["warnings"]] == ["repeated_anchor", "tier2_same_anchor"]


@pytest.mark.parametrize("body,words", [
    ({"to_url": TIER1}, "'from_url' is required"),
    ({"from_url": "https://x.test/"}, "'to_url' is required"),
    ({"from_url": "mailto:a@b.test", "to_url": TIER1}, "'from_url' must be an absolute http(s) URL"),
    ({"from_url": "https://x.test/", "to_url": "ftp://y.test/"}, "'to_url' must be an absolute http(s) URL"),
    ({"from_url": TIER1 + "?utm_source=a", "to_url": TIER1}, "the same page"),
    ({"from_url": "https://x.test/", "to_url": TIER1, "via": "carrier_pigeon"}, "'via' must be one of guest_post"),
    ({"from_url": "https://x.test/", "to_url": TIER1, "date": "yesterday"}, "'date' must be a date as YYYY-MM-DD"),
    ({"from_url": "https://x.test/", "to_url": TIER1, "date": "2026-02-30"}, "'date' must be a date as YYYY-MM-DD"),
    ({"from_url": "https://x.test/", "to_url": TIER1, "anchor": "a" * 501}, "'anchor' is longer than 500"),
    ({"from_url": "https://x.test/", "to_url": TIER1, "anchor": 7}, "'anchor' must be a string"),
    ({"from_url": "https://x.test/", "to_url": TIER1, "note": "n" * 10_001}, "'note' is longer than 10,000"),
    ({"from_url": "https://x.test/", "to_url": TIER1, "link": "x"}, "unknown field 'link'"),
])
def test_invalid_placements_are_400_with_a_clear_message(app_server, body, words):
    before = app_server.api("GET", "/api/placements")
    r = app_server.request("POST", "/api/placements", json=body)
    assert r.status == 400, r
    err = r.json()["error"]
    assert err["code"] == "bad_input" and words in err["message"], err
    assert app_server.api("GET", "/api/placements") == before


def test_delete_a_placement_logged_by_mistake(app_server):
    p = add(app_server, from_url="https://oops.test/a", to_url=TIER1)
    assert app_server.api("DELETE", f"/api/placements/{p['id']}") == {"deleted": p["id"]}
    assert p["id"] not in [x["id"] for x in app_server.api("GET", "/api/placements")]
    r = app_server.request("DELETE", f"/api/placements/{p['id']}")
    assert r.status == 404 and r.json()["error"] == {"code": "not_found", "message": f"no placement with id {p['id']!r}"}


def test_list_filter_must_be_a_url(app_server):
    r = app_server.request("GET", "/api/placements?to_url=javascript:alert(1)")
    assert r.status == 400 and "'to_url'" in r.json()["error"]["message"], r


def test_counts_for_the_verdicts_and_the_draft_check(tmp_path):
    """The library functions other features read, on a store of their own."""
    with Store.open(tmp_path / "home") as store:
        placements.add(store, None, "https://a.test/1", TIER1, anchor="Blue Widgets")
        placements.add(store, None, "https://b.test/1", TIER1 + "?utm_source=x", anchor="blue  widgets")
        placements.add(store, None, "https://c.test/1", "https://other.test/p", anchor="")
        assert placements.anchor_counts(store) == {"blue widgets": 2}
        assert placements.placement_count_by_target(store) == {"review.tier1.test/widgets-compared": 2,
                                                               "other.test/p": 1}
        assert {p["from_key"] for p in placements.placements_to(store, "review.tier1.test/widgets-compared")} == {
            "a.test/1", "b.test/1"}
        assert store.is_placement_page("c.test/1") and not store.is_placement_page("d.test/1")


HOSTILE = ["=HYPERLINK(\"http://evil.test\",\"click\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "Zürich, «quotes» \"and\"; ü"]


def _read_export(cli, table: str, tmp_path) -> tuple[bytes, list[dict]]:
    out = tmp_path / f"{table}.csv"
    cli("export", table, "--out", str(out))
    raw = out.read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    return raw, rows


def test_exports_open_cleanly_and_guard_formulas(cli, tmp_path):
    cid = cli.json("save", "https://export.test/page", "--kind", "tier2", "--title", HOSTILE[0], "--note",
                   "line one\nline two", "--tag", HOSTILE[1], "--tag", HOSTILE[5])["id"]
    cli.json("candidates", "update", cid, "--status", "contacted")
    cli.json("placements", "add", "--from", "https://export.test/page", "--to", TIER1, f"--anchor={HOSTILE[2]}",
             "--via", "guest_post", "--date", "2026-11-01")
    cli.json("placements", "add", "--from", "https://export.test/other", "--to", TIER1, f"--anchor={HOSTILE[3]}")

    raw, rows = _read_export(cli, "candidates", tmp_path)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads it as UTF-8
    assert raw.count(b"\r\n") >= 2 and b"\n" not in raw.replace(b"\r\n", b"").replace(b"line one\nline two", b"")
    assert list(rows[0])[:4] == ["id", "kind", "status", "url"]
    (row,) = rows
    assert row["title"] == "'" + HOSTILE[0]
    assert row["tags"] == "'" + HOSTILE[1] + "; " + HOSTILE[5]  # lists joined by '; ', guarded as one cell
    assert row["note"] == "line one\nline two"
    assert row["status"] == "contacted" and row["history"].endswith("new→contacted")
    assert "key" not in row

    raw, rows = _read_export(cli, "placements", tmp_path)
    assert raw.startswith(b"\xef\xbb\xbf") and raw.endswith(b"\r\n")
    assert list(rows[0]) == ["id", "date", "from_url", "to_url", "anchor", "via", "note", "candidate_id",
                             "placed_by", "created_at", "updated_at", "status", "checked_at", "history",
                             "check_failures", "check_error", "indexability.state", "indexability.reasons"]
    # the public shape (placements.public) as the CLI and API list it, with the page's indexability
    assert {r["status"] for r in rows} == {"unchecked"} and {r["checked_at"] for r in rows} == {""}
    anchors = sorted(r["anchor"] for r in rows)
    assert cli.json("placements", "delete", rows[0]["id"]) == {"deleted": rows[0]["id"]}
    assert len(cli.json("placements")) == 1
    assert anchors == sorted("'" + a for a in HOSTILE[2:4])
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "-", "@", "\t")), value


def test_twenty_threads_logging_placements_at_once_lose_nothing_and_count_each_link_once(app_server):
    import threading

    errors: list[str] = []
    barrier = threading.Barrier(20)

    def work(t: int):
        try:
            barrier.wait(timeout=30)
            for i in range(3):
                r = app_server.request("POST", "/api/placements", json={
                    "from_url": f"https://race{t}.test/p{i}", "to_url": TIER1, "anchor": f"a{t}-{i}"})
                if r.status != 201:
                    errors.append(f"{t}/{i}: {r}")
                # every thread also logs the same shared link: stored once
                r = app_server.request("POST", "/api/placements", json={"from_url": "https://shared-race.test/",
                                                                     "to_url": TIER1})
                if r.status not in (200, 201):
                    errors.append(f"shared {t}/{i}: {r}")
        except Exception as exc:
            errors.append(f"thread {t}: {exc!r}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(20)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    assert not errors, "\n".join(errors[:10]) + "\n" + app_server.output()
    listed = app_server.api("GET", "/api/placements?to_url=" + TIER1)
    race = {p["from_url"]: p for p in listed if "race" in p["from_url"]}
    assert len(race) == 20 * 3 + 1
    assert all(race[f"https://race{t}.test/p{i}"]["anchor"] == f"a{t}-{i}" for t in range(20) for i in range(3))
