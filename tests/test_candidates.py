"""Candidates through the real companion (waitress in a subprocess): save, list, status
changes with history, delete, validation, placements from a placed tier-2 candidate,
and 20 threads saving and updating at once losing nothing. The CLI is checked
against the same library at the end."""

from __future__ import annotations

import json
import threading

import pytest
from serverutil import multipart

from companion.analysis.urls import page_key

TIER1 = "https://review.tier1.test/widgets-compared"


def save(app_server, expect=201, **body):
    return app_server.api("POST", "/api/candidates", json=body, expect=expect)


def error_of(r) -> dict:
    assert r.headers.get("Content-Type", "").startswith("application/json"), r
    return r.json()["error"]


def all_candidates(app_server, query=""):
    return app_server.api("GET", "/api/candidates" + query)


def test_save_is_201_then_200_for_the_same_page_and_kind(app_server):
    first = save(app_server, url="https://www.Guest.test/write-for-us/?utm_source=x#top", kind="tier2",
                 title="Write for us", note="editor: Ann", tags=["guest", "Guest", " outreach "])
    assert first["status"] == "new"
    assert page_key(first["url"]) == "guest.test/write-for-us" and "key" not in first  # the key is internal
    assert first["domain"] == "guest.test"
    assert first["tags"] == ["guest", "outreach"]  # trimmed, deduplicated case-insensitively
    assert first["history"][0]["to"] == "new"
    assert first["created_at"] == first["updated_at"]

    # Same page (scheme, www., slash, tracking parameter differ) and kind: updated, not duplicated.
    again = save(app_server, expect=200, url="http://guest.test/write-for-us", kind="tier2", note="editor: Bob")
    assert again["id"] == first["id"]
    assert again["note"] == "editor: Bob"
    assert again["title"] == "Write for us"  # not sent: kept
    assert again["tags"] == ["guest", "outreach"]
    mine = [c for c in all_candidates(app_server) if page_key(c["url"]) == "guest.test/write-for-us"]
    assert len(mine) == 1

    # The same page as another kind is another job: a second record.
    other = save(app_server, url="https://guest.test/write-for-us", kind="boost")
    assert other["id"] != first["id"]


def test_verdict_snapshot_from_the_body_keeps_only_score_reasons_labels(app_server):
    c = save(app_server, url="https://snap.test/a", kind="boost",
             verdict={"score": 71.5, "reasons": ["followed link in content"], "labels": ["tier1"],
                      "html": "<html>never stored</html>"})
    assert c["verdict"] == {"score": 71.5, "reasons": ["followed link in content"], "labels": ["tier1"]}
    assert "never stored" not in json.dumps(all_candidates(app_server))
    assert "never stored" not in (app_server.home / "workflow.json").read_text()


def test_verdict_snapshot_from_the_last_analysis_of_the_page(app_server):
    app_server.api("PUT", "/api/profile", json={"domains": ["example.com"]})
    url = "https://analysed.test/post"
    html = f'<html><head><title>Analysed post</title></head><body><p>See <a href="https://example.com/">us</a>.</p></body></html>'
    analysis = app_server.api("POST", "/api/analyze", json={"url": url, "html": html})
    c = save(app_server, url=url, kind="boost")
    assert c["verdict"] is not None
    assert c["verdict"]["labels"] == analysis["labels"]
    if analysis.get("boost"):
        assert c["verdict"]["score"] == analysis["boost"]["score"]
    assert c["title"] == "Analysed post"
    assert html not in (app_server.home / "workflow.json").read_text()


def test_list_filters_by_kind_and_status(app_server):
    a = save(app_server, url="https://filter.test/a", kind="boost")
    b = save(app_server, url="https://filter.test/b", kind="tier2")
    app_server.api("PATCH", f"/api/candidates/{b['id']}", json={"status": "contacted"})
    boosts = all_candidates(app_server, "?kind=boost")
    assert a["id"] in [c["id"] for c in boosts] and all(c["kind"] == "boost" for c in boosts)
    contacted = all_candidates(app_server, "?status=contacted")
    assert [c["id"] for c in contacted if page_key(c["url"]).startswith("filter.test")] == [b["id"]]
    both = all_candidates(app_server, "?kind=tier2&status=contacted")
    assert b["id"] in [c["id"] for c in both]
    assert all_candidates(app_server, "?kind=boost&status=contacted") == [c for c in contacted if c["kind"] == "boost"]
    for query, word in (("?kind=tier3", "kind"), ("?status=done", "status")):
        r = app_server.request("GET", "/api/candidates" + query)
        assert r.status == 400 and word in error_of(r)["message"], r


def test_status_changes_are_kept_in_history_and_can_go_back(app_server):
    c = save(app_server, url="https://flow.test/post", kind="tier2")
    for status in ("contacted", "rejected", "contacted", "placed"):
        c = app_server.api("PATCH", f"/api/candidates/{c['id']}", json={"status": status})
        assert c["status"] == status
    assert [(h["from"], h["to"]) for h in c["history"]] == [
        (None, "new"), ("new", "contacted"), ("contacted", "rejected"), ("rejected", "contacted"),
        ("contacted", "placed")]
    assert all(h["at"].endswith("Z") for h in c["history"])
    # Same status again, or only a note: no new history entry.
    c = app_server.api("PATCH", f"/api/candidates/{c['id']}", json={"status": "placed", "note": "waiting for it to go live"})
    assert len(c["history"]) == 5 and c["note"] == "waiting for it to go live"
    c = app_server.api("PATCH", f"/api/candidates/{c['id']}", json={"tags": ["b", "a", "B"], "title": "Flow"})
    assert c["tags"] == ["b", "a"] and c["title"] == "Flow"
    stored = next(x for x in all_candidates(app_server) if x["id"] == c["id"])
    assert stored == c


def test_delete_then_it_is_gone_and_unknown(app_server):
    c = save(app_server, url="https://delete.test/x", kind="boost")
    assert app_server.api("DELETE", f"/api/candidates/{c['id']}") == {"deleted": c["id"]}
    assert c["id"] not in [x["id"] for x in all_candidates(app_server)]
    r = app_server.request("DELETE", f"/api/candidates/{c['id']}")
    assert r.status == 404 and error_of(r)["code"] == "not_found"


@pytest.mark.parametrize("method,body", [("PATCH", {"status": "contacted"}), ("DELETE", None)])
def test_unknown_id_is_404(app_server, method, body):
    r = app_server.request(method, "/api/candidates/doesnotexist", json=body)
    assert r.status == 404, r
    assert error_of(r) == {"code": "not_found", "message": "no candidate with id 'doesnotexist'"}


@pytest.mark.parametrize("body,words", [
    ({"url": "https://bad.test/", "kind": "tier3"}, "'kind' must be one of boost, tier2"),
    ({"url": "https://bad.test/"}, "'kind' must be one of boost, tier2"),
    ({"url": "ftp://bad.test/file", "kind": "boost"}, "'url' must be an absolute http(s) URL"),
    ({"url": "javascript:alert(1)", "kind": "boost"}, "'url' must be an absolute http(s) URL"),
    ({"url": "https://", "kind": "boost"}, "'url' must be an absolute http(s) URL"),
    ({"kind": "boost"}, "'url' is required"),
    ({"url": "https://bad.test/" + "a" * 9000, "kind": "boost"}, "longer than 8192"),
    ({"url": "https://bad.test/", "kind": "boost", "note": "n" * 10_001}, "'note' is longer than 10,000"),
    ({"url": "https://bad.test/", "kind": "boost", "tags": "seo"}, "'tags' must be a list of strings"),
    ({"url": "https://bad.test/", "kind": "boost", "tags": [1]}, "'tags' must be a list of strings"),
    ({"url": "https://bad.test/", "kind": "boost", "tags": [f"t{i}" for i in range(51)]}, "at most 50 tags"),
    ({"url": "https://bad.test/", "kind": "boost", "tags": ["x" * 101]}, "longer than 100"),
    ({"url": "https://bad.test/", "kind": "boost", "verdict": {"score": "high"}}, "'verdict.score' must be a number"),
    ({"url": "https://bad.test/", "kind": "boost", "verdict": {"score": 101}}, "between 0 and 100"),
    ({"url": "https://bad.test/", "kind": "boost", "verdict": {"reasons": "x"}}, "'verdict.reasons' must be a list"),
    ({"url": "https://bad.test/", "kind": "boost", "tag": ["x"]}, "unknown field 'tag'"),
])
def test_invalid_saves_are_400_with_a_clear_message(app_server, body, words):
    r = app_server.request("POST", "/api/candidates", json=body)
    assert r.status == 400, r
    err = error_of(r)
    assert err["code"] == "bad_input" and words in err["message"], err
    assert not [c for c in all_candidates(app_server) if c["domain"] == "bad.test"]


@pytest.mark.parametrize("body,words", [
    ({"status": "done"}, "'status' must be one of new, contacted, placed, live, rejected"),
    ({"status": None}, "'status' must be one of"),
    ({}, "nothing to change"),
    ({"stauts": "new"}, "unknown field 'stauts'"),
    ({"anchor": "x"}, "send 'to_url'"),
    ({"note": 5}, "'note' must be a string"),
])
def test_invalid_updates_are_400_and_change_nothing(app_server, body, words):
    c = app_server.request("POST", "/api/candidates", json={"url": "https://badpatch.test/", "kind": "tier2"}).json()
    r = app_server.request("PATCH", f"/api/candidates/{c['id']}", json=body)
    assert r.status == 400, r
    assert words in error_of(r)["message"], error_of(r)
    assert next(x for x in all_candidates(app_server) if x["id"] == c["id"]) == c


def _import_tier1(app_server):
    csv = f"source_url,target_url,anchor\r\n{TIER1},https://example.com/pricing,widget pricing\r\n".encode()
    body, ctype = multipart({"format": "csv"}, {"file": ("mine.csv", csv)})
    r = app_server.request("POST", "/api/import", data=body, headers={"Content-Type": ctype})
    assert r.status == 200, f"{r}\n{app_server.output()}"


def test_marking_a_tier2_candidate_placed_with_to_url_records_the_placement(app_server):
    _import_tier1(app_server)
    c = save(app_server, url="https://spot.test/roundup", kind="tier2")
    r = app_server.request("PATCH", f"/api/candidates/{c['id']}", json={"to_url": TIER1})
    assert r.status == 400 and "set 'status' to placed" in error_of(r)["message"]

    out = app_server.api("PATCH", f"/api/candidates/{c['id']}",
                     json={"status": "placed", "to_url": TIER1, "anchor": "widget comparison", "via": "roundup"})
    assert out["status"] == "placed"
    placement = out["placement"]
    assert out["placement_id"] == placement["id"]
    assert out["warnings"] == []  # TIER1 is a known tier-1 page
    assert placement["from_url"] == "https://spot.test/roundup"
    assert page_key(placement["from_url"]) == "spot.test/roundup"
    assert page_key(placement["to_url"]) == "review.tier1.test/widgets-compared"
    assert (placement["anchor"], placement["via"], placement["candidate_id"]) == ("widget comparison", "roundup", c["id"])
    listed = app_server.api("GET", "/api/placements?to_url=" + TIER1)
    assert [p["id"] for p in listed] == [placement["id"]]

    # Saying it again (now live) updates the same placement instead of counting the link twice.
    out = app_server.api("PATCH", f"/api/candidates/{c['id']}", json={"status": "live", "to_url": TIER1, "via": "guest_post"})
    assert out["placement"]["id"] == placement["id"] and out["placement"]["via"] == "guest_post"
    assert len(app_server.api("GET", "/api/placements?to_url=" + TIER1)) == 1

    # A boost candidate has no placement to record.
    b = save(app_server, url="https://boostonly.test/", kind="boost")
    r = app_server.request("PATCH", f"/api/candidates/{b['id']}", json={"status": "placed", "to_url": TIER1})
    assert r.status == 400 and "only a tier2 candidate" in error_of(r)["message"]


def test_twenty_threads_saving_and_updating_at_once_lose_nothing(app_server):
    """Each thread saves its own pages, re-saves one shared page, and moves its pages along;
    afterwards every record is there exactly once with the last value each thread wrote."""
    threads_n, per_thread = 20, 5
    errors: list[str] = []
    barrier = threading.Barrier(threads_n)
    shared_url = "https://shared.race.test/page"

    def work(t: int):
        try:
            barrier.wait(timeout=30)
            for i in range(per_thread):
                r = app_server.request("POST", "/api/candidates", json={
                    "url": f"https://race.test/t{t}/p{i}", "kind": "tier2", "note": f"thread {t} page {i}",
                    "tags": [f"t{t}"]})
                if r.status != 201:
                    errors.append(f"save {t}/{i}: {r}")
                    continue
                r2 = app_server.request("POST", "/api/candidates", json={"url": shared_url, "kind": "boost",
                                                                      "tags": ["shared"]})
                if r2.status not in (200, 201):
                    errors.append(f"shared {t}/{i}: {r2}")
                cid = r.json()["id"]
                r3 = app_server.request("PATCH", f"/api/candidates/{cid}",
                                    json={"status": "contacted", "note": f"contacted {t}/{i}"})
                if r3.status != 200:
                    errors.append(f"patch {t}/{i}: {r3}")
        except Exception as exc:  # reported below, never swallowed
            errors.append(f"thread {t}: {exc!r}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    assert not errors, "\n".join(errors[:10]) + "\n--- server log ---\n" + app_server.output()

    race = [c for c in all_candidates(app_server) if c["domain"] == "race.test"]
    assert len(race) == threads_n * per_thread + 1  # + the shared page, saved 100 times, stored once
    shared = [c for c in race if page_key(c["url"]) == "shared.race.test/page"]
    assert len(shared) == 1 and shared[0]["kind"] == "boost"
    mine = {c["url"]: c for c in race if page_key(c["url"]) != "shared.race.test/page"}
    for t in range(threads_n):
        for i in range(per_thread):
            c = mine[f"https://race.test/t{t}/p{i}"]
            assert c["status"] == "contacted" and c["note"] == f"contacted {t}/{i}" and c["tags"] == [f"t{t}"]
            assert [h["to"] for h in c["history"]] == ["new", "contacted"]
    # What the server answered is what is on disk.
    on_disk = json.loads((app_server.home / "workflow.json").read_text())["candidates"]
    assert len([d for d in on_disk.values() if d["domain"] == "race.test"]) == len(race)


def test_cli_save_list_and_update(cli):
    proc = cli("save", "https://cli.test/page", "--kind", "tier2", "--note", "from the CLI",
               "--tag", "a", "--tag", "b", "--title", "CLI page", "--json")
    out = json.loads(proc.stdout)
    assert out["tags"] == ["a", "b"] and out["title"] == "CLI page" and out["status"] == "new"
    assert "saved" in proc.stderr.decode()
    cid = out["id"]
    proc = cli("save", "https://www.cli.test/page/", "--kind", "tier2", "--json")
    assert json.loads(proc.stdout)["id"] == cid and "updated" in proc.stderr.decode()
    assert [c["id"] for c in cli.json("candidates", "--kind", "tier2", "--status", "new")] == [cid]
    assert cli.json("candidates", "--status", "placed") == []
    upd = cli.json("candidates", "update", cid, "--status", "placed", "--to-url", TIER1, "--anchor", "cli anchor")
    assert upd["status"] == "placed" and upd["placement"]["anchor"] == "cli anchor"
    assert upd["warnings"][0]["code"] == "not_tier1"  # this home has no backlinks
    human = cli("candidates").stdout.decode()
    assert "cli.test/page" in human and "placed" in human
    assert "'tier3' is not one of 'boost', 'tier2'" in cli.fails("save", "https://cli.test/x", "--kind", "tier3")
    assert "'done' is not one of 'new'" in cli.fails("candidates", "--status", "done")
    assert "no candidate with id 'nope'" in cli.fails("candidates", "update", "nope", "--status", "new")
    assert cli.json("candidates", "delete", cid) == {"deleted": cid}
    assert cli.json("candidates") == []


def test_cli_and_server_share_a_home(server):
    """The CLI may change a home the server is running on: the store's lock file and
    reload-on-change make both see each other's writes, and neither overwrites the other."""
    from conftest import CLI

    cli = CLI(server.home)
    from_cli = cli.json("save", "https://x.test/cli", "--kind", "boost")
    server.api("POST", "/api/candidates", {"url": "https://x.test/api", "kind": "tier2"}, expect=201)
    placed = cli.json("placements", "add", "--from", "https://x.test/cli", "--to", TIER1)
    urls_seen = {c["url"] for c in server.api("GET", "/api/candidates")}
    assert {"https://x.test/cli", "https://x.test/api"} <= urls_seen
    assert placed["id"] in {p["id"] for p in server.api("GET", "/api/placements")}
    assert {c["url"] for c in cli.json("candidates")} >= {"https://x.test/cli", "https://x.test/api"}
    assert cli.json("candidates", "delete", from_cli["id"]) == {"deleted": from_cli["id"]}
    assert "https://x.test/cli" not in {c["url"] for c in server.api("GET", "/api/candidates")}


def test_lone_surrogates_from_a_dom_are_stored_as_replacement_characters(tmp_path):
    """A DOM can hold lone UTF-16 surrogates; they must never make the durable write fail."""
    from companion.workflow import candidates
    from companion.store.store import Store

    with Store.open(tmp_path / "home") as store:
        c, _ = candidates.save(store, "https://s.test/", "boost", note="a\ud800b", tags=["x\udc00"],
                               verdict={"score": 1, "reasons": ["r\ud800"], "labels": []})
        assert (c["note"], c["tags"], c["verdict"]["reasons"]) == ("a\ufffdb", ["x\ufffd"], ["r\ufffd"])
    with Store.open(tmp_path / "home") as store:
        assert candidates.list_candidates(store)[0]["note"] == "a\ufffdb"


def test_saving_never_rewrites_the_backlink_list(tmp_path):
    """Why a save costs the same with a million backlinks (scripts/bench_save.py): candidates and
    placements go to the small workflow file only; the backlink database is not touched."""
    from companion.workflow import candidates, placements
    from companion.workspace import Workspace

    ws = Workspace(tmp_path / "home")
    try:
        ws.store.merge_backlinks([{"source_url": f"https://linker{i}.test/post", "target_url": "https://example.com/",
                                   "anchor": "x"} for i in range(50)], origin="test")
        files = [tmp_path / "home" / name for name in ("backlinks.sqlite", "backlinks.sqlite-wal")]

        def stamps():
            return [(s.st_ino, s.st_mtime_ns, s.st_size) for s in (f.stat() for f in files)]

        before = stamps()
        c, _ = candidates.save(ws.store, "https://spot.test/", "tier2", note="n", tags=["t"])
        candidates.save(ws.store, "https://spot.test/", "tier2", note="again")
        candidates.update(ws.store, ws.profile, c["id"], {"status": "placed", "to_url": "https://linker3.test/post", "anchor": "a"})
        placements.add(ws.store, ws.profile, "https://other.test/", "https://linker4.test/post")
        candidates.remove(ws.store, c["id"])
        assert stamps() == before
    finally:
        ws.close()
