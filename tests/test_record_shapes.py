"""One public shape per record (backlink, candidate, placement), made by the library.

Why: the CLI, the API and the CSV export each shaped the same records their own
way and drifted (`tierlink backlinks --json` hid the page keys, the API showed
them, the export also dropped `history`). Each record now has one public shape
(companion.store.records.public_backlink, candidates.public, placements.public);
here the same home is read through all three front ends and they must agree, field
for field and in order; the export's columns are the same fields, its nested
object flattened (`metrics.dr`, `verdict.score`).
"""

from __future__ import annotations

import csv
import io

from companion.store.records import BACKLINK_FIELD_NAMES
from companion.workflow import candidates, outreach, placements
from conftest import EXPORTS

SAMPLE = EXPORTS / "ahrefs-v3.csv"


def _export(cli, tmp_path, table) -> tuple[list[str], list[dict]]:
    out = tmp_path / f"{table}.csv"
    cli("export", table, "--out", str(out))
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def _columns(record: dict, nested: str | None) -> list[str]:
    """The CSV columns a public record makes: its fields in order, the nested object's keys flattened."""
    cols = []
    for k, v in record.items():
        if k == nested:
            cols += [f"{nested}.{sub}" for sub in v]
        else:
            cols.append(k)
    return cols


def _home_with_everything(cli, tmp_path):
    cli("init", "--domain", "example.com")
    if SAMPLE.is_file():
        cli("import", str(SAMPLE))
    else:  # the project's own CSV when ../shared is absent
        f = tmp_path / "links.csv"
        f.write_text("source_url,target_url,anchor\nhttps://blog.test/post,https://example.com/,hello\n")
        cli("import", str(f), "--format", "csv")
    linker = cli.json("backlinks")["backlinks"][0]["source_url"]
    cand = cli.json("save", "https://spot.test/write-for-us", "--kind", "tier2", "--tag", "guest")
    cli.json("candidates", "update", cand["id"], "--status", "placed", "--to-url", linker, "--anchor", "a fair review",
             "--via", "guest_post")
    cli.json("placements", "add", "--from", "https://my-blog.test/post", "--to", linker, "--via", "own_site")


def test_backlinks_cli_api_and_export_agree(cli, client, tmp_path):
    _home_with_everything(cli, tmp_path)
    from_cli = cli.json("backlinks", "--limit", "1000")
    from_api = client.api("GET", "/api/backlinks?limit=1000")
    assert from_cli == from_api and from_cli["backlinks"] and from_cli["total"] == len(from_cli["backlinks"])
    # the list's rows add `authority` (the tools' values on one scale); the export is the records
    from_cli = [{k: v for k, v in r.items() if k != "authority"} for r in from_cli["backlinks"]]
    for record in from_cli:
        assert list(record)[:len(BACKLINK_FIELD_NAMES)] == list(BACKLINK_FIELD_NAMES)
        assert "source_key" not in record and "target_key" not in record
    columns, rows = _export(cli, tmp_path, "backlinks")
    fixed = [c for c in _columns(from_cli[0], "metrics") if not c.startswith("metrics.")]
    assert columns[:len(fixed)] == fixed and "history" in columns
    metric_cols = sorted({f"metrics.{k}" for r in from_cli for k in r["metrics"]})
    assert columns[len(fixed):] == metric_cols
    assert sorted(r["source_url"] for r in rows) == sorted(r["source_url"] for r in from_cli)


def test_candidates_cli_api_and_export_agree(cli, client, tmp_path):
    _home_with_everything(cli, tmp_path)
    from_cli = cli.json("candidates")
    from_api = client.api("GET", "/api/candidates")
    assert from_cli == from_api and len(from_cli) == 1
    record = from_cli[0]
    # the public fields, then the outreach marks every list adds (companion.workflow.outreach.MARKS)
    assert list(record) == [name for name, _ in candidates.PUBLIC_FIELDS] + list(outreach.MARKS) and "key" not in record
    columns, rows = _export(cli, tmp_path, "candidates")
    # the verdict snapshot (None until the page was analysed) always makes its three columns
    assert columns == [c for name in record
                       for c in (["verdict.score", "verdict.reasons", "verdict.labels"] if name == "verdict" else [name])]
    assert rows[0]["id"] == record["id"] and rows[0]["status"] == "placed" and "new→placed" in rows[0]["history"]


def test_placements_cli_api_and_export_agree(cli, client, tmp_path):
    _home_with_everything(cli, tmp_path)
    from_cli = cli.json("placements")
    from_api = client.api("GET", "/api/placements")
    assert from_cli == from_api and len(from_cli) == 2
    for record in from_cli:  # the public fields, then the page's indexability as last seen
        assert list(record) == [name for name, _ in placements.PUBLIC_FIELDS] + ["indexability"]
        assert "from_key" not in record and "to_key" not in record
    columns, rows = _export(cli, tmp_path, "placements")
    assert columns == list(from_cli[0])[:-1] + ["indexability.state", "indexability.reasons"]
    assert {r["id"] for r in rows} == {r["id"] for r in from_cli}


def test_a_record_missing_fields_still_has_the_whole_shape(ws):
    """Records written before a field existed (or by a tool that has no such column) show
    every field with its default, so no reader has to guess what a missing key means."""
    ws.store.put_backlinks([{"source_url": "https://old.test/a", "target_url": "https://example.com/",
                             "anchor": "x", "rel": [], "status": "live"}])
    from companion.store.records import public_backlink

    record = public_backlink(ws.store.all_backlinks()[0])
    assert list(record) == list(BACKLINK_FIELD_NAMES)
    assert record["history"] == [] and record["metrics"] == {} and record["lost_at"] is None
