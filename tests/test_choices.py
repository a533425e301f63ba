"""Every list of values the interface accepts is written once and offered the same everywhere.

Why: the lists were typed again in the OpenAPI description, the CLI and the
dashboard and drifted (the API description once lost `bing`, which the server
accepts). companion.choices gathers each list from the code that checks it. This
test holds each list against something it was *not* built from — the importer
modules on disk, what the running app accepts and refuses, the values
docs/CONTRACT.md promises — and then checks that the OpenAPI enums, the CLI's
choices and `GET /api/choices` served by the app (what the dashboard builds its
options from) carry those same lists, and that the dashboard's code types none.
"""


from __future__ import annotations

import ast
import re

import click

from companion.choices import CHOICES
from companion.cli.main import tierlink
from companion.web.openapi import spec
from conftest import ROOT

STATIC = ROOT / "companion" / "web" / "static"
# The lists the dashboard offers as options (selects, board columns).
DASHBOARD_OPTIONS = ("import_format", "backlink_status", "candidate_kind", "candidate_status", "via")


def _importer_modules_on_disk() -> list[str]:
    """The `name=` of each `FORMAT = Format(name=...)` in companion/importers/*.py, read with ast
    (not through the package's own discovery), in the modules' `order=`."""
    found = []
    for path in sorted((ROOT / "companion" / "importers").glob("*.py")):
        for node in ast.parse(path.read_text("utf-8")).body:
            if (isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["FORMAT"]
                    and isinstance(node.value, ast.Call)):
                words = {k.arg: k.value for k in node.value.keywords}
                assert "name" in words, f"{path.name}: FORMAT without a name="
                order = words["order"].value if "order" in words else 1000
                found.append((order, words["name"].value))
    return [name for _, name in sorted(found)]


def test_import_formats_are_the_importer_modules_on_disk():
    """A new tool is one new module: `auto`, then one format per module holding a FORMAT, in their order."""
    modules = _importer_modules_on_disk()
    assert {"ahrefs", "semrush", "moz", "majestic", "gsc", "bing", "csv"} <= set(modules), modules
    assert CHOICES["import_format"] == ("auto", *modules)


def _contract_values(shape: str, field: str) -> set[str]:
    """The values docs/CONTRACT.md promises for `field` of a shape: `"field": "a"|"b"|...`."""
    text = (ROOT / "docs" / "CONTRACT.md").read_text("utf-8")
    block = text.split(f"**{shape}**", 1)[1].split("\n\n", 1)[0]
    m = re.search(r'"%s":\s*((?:"[\w-]+"\|?)+)' % re.escape(field), block)
    assert m, f"docs/CONTRACT.md, {shape}: no values for {field}"
    return set(re.findall(r'"([\w-]+)"', m.group(1)))


def test_stored_statuses_are_the_ones_the_contract_promises():
    assert set(CHOICES["backlink_status"]) == _contract_values("Backlink", "status")
    assert set(CHOICES["placement_status"]) == _contract_values("Placement", "status")
    assert set(CHOICES["candidate_kind"]) == _contract_values("Candidate", "kind")


def _refused(answer) -> None:
    assert answer.status == 400, f"{answer.status} {answer.text[:300]}"
    assert set(answer.json()["error"]) == {"code", "message"}


def test_the_app_accepts_each_listed_value_and_refuses_one_outside(client):
    """The lists are what the running companion accepts: every value of each goes through its
    route, and a value outside is a 400 in the one error shape."""
    page = "https://tier1.test/post"
    ids = {}
    for kind in CHOICES["candidate_kind"]:
        ids[kind] = client.api("POST", "/api/candidates", {"url": page, "kind": kind}, expect=201)["id"]
    _refused(client.request("POST", "/api/candidates", json={"url": page, "kind": "tier9"}))

    for status in CHOICES["candidate_status"]:
        assert client.api("PATCH", f"/api/candidates/{ids['boost']}", {"status": status})["status"] == status
    _refused(client.request("PATCH", f"/api/candidates/{ids['boost']}", json={"status": "pitched"}))

    for i, via in enumerate(CHOICES["via"]):
        placed = client.api("POST", "/api/placements", {"from_url": f"https://host{i}.test/a", "to_url": page,
                                                         "via": via}, expect=201)
        assert placed["via"] == via and placed["status"] in CHOICES["placement_status"]
    _refused(client.request("POST", "/api/placements", json={"from_url": "https://h.test/", "to_url": page,
                                                              "via": "carrier_pigeon"}))

    for status in CHOICES["backlink_status"]:
        assert client.request("GET", f"/api/backlinks?status={status}").status == 200
    _refused(client.request("GET", "/api/backlinks?status=dead"))

    for form in CHOICES["draft_format"]:
        report = client.api("POST", "/api/drafts/check", {form: "read https://tier1.test/post today"})
        assert "warnings" in report
    _refused(client.request("POST", "/api/drafts/check", json={"latex": "read https://tier1.test/post"}))

    _refused(client.request("POST", "/api/recheck", json={"only": "everything"}))


def test_the_cli_accepts_each_listed_value(cli, tmp_path):
    for table in CHOICES["export_table"]:
        cli("export", table, "--out", str(tmp_path / f"{table}.csv"))
        assert (tmp_path / f"{table}.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for only in CHOICES["recheck_only"]:
        assert cli.json("recheck", "--only", only)["checked"] == 0


def _walk(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from _walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (i,))


def test_openapi_enums_are_the_lists():
    """Every enum in the description that names one of our lists is that list, in its order;
    the places that must carry one do."""
    lists = {tuple(v for v in values): name for name, values in CHOICES.items()}
    doc = spec()
    found = {}
    for path, node in _walk(doc):
        if "enum" in node:
            values = tuple(v for v in node["enum"] if v is not None)
            overlap = [name for name, vals in CHOICES.items() if set(values) & set(vals) and len(set(values) & set(vals)) >= 2]
            if overlap:
                assert values in lists, f"{'/'.join(map(str, path))}: {values} is none of {list(CHOICES)}"
                found.setdefault(lists[values], []).append(path)
    schemas = doc["components"]["schemas"]
    assert schemas["Candidate"]["properties"]["kind"]["enum"] == list(CHOICES["candidate_kind"])
    assert schemas["Candidate"]["properties"]["status"]["enum"] == list(CHOICES["candidate_status"])
    assert schemas["Placement"]["properties"]["via"]["enum"] == list(CHOICES["via"])
    assert schemas["PlacementStatus"]["enum"] == list(CHOICES["placement_status"])
    assert schemas["Backlink"]["properties"]["status"]["enum"] == list(CHOICES["backlink_status"])
    fmt = doc["paths"]["/api/import"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert fmt["properties"]["format"]["enum"] == list(CHOICES["import_format"])
    assert set(found) >= {"import_format", "backlink_status", "candidate_kind", "candidate_status", "via",
                          "placement_status", "recheck_only"}


def _options(command: click.Command, prefix=()):
    yield prefix, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _options(sub, prefix + (name,))


def test_cli_choices_are_the_lists():
    """Every click.Choice of every command is one of the lists; the options that take one do."""
    seen = {}
    for path, command in _options(tierlink):
        for param in command.params:
            if isinstance(param.type, click.Choice):
                values = tuple(param.type.choices)
                assert values in {v: k for k, v in CHOICES.items()}, f"tierlink {' '.join(path)} {param.name}: {values}"
                seen[(" ".join(path), param.name)] = values
    assert seen[("import", "fmt")] == CHOICES["import_format"]
    assert seen[("backlinks", "status")] == CHOICES["backlink_status"]
    assert seen[("save", "kind")] == seen[("candidates", "kind")] == CHOICES["candidate_kind"]
    assert seen[("candidates", "status")] == seen[("candidates update", "status")] == CHOICES["candidate_status"]
    assert seen[("candidates update", "via")] == seen[("placements add", "via")] == CHOICES["via"]
    assert seen[("recheck", "only")] == CHOICES["recheck_only"]
    assert seen[("export", "table")] == CHOICES["export_table"]


def test_the_dashboard_gets_the_lists_from_the_api(client):
    """GET /api/choices is the lists, with a label each; the dashboard's code types none of them."""
    answer = client.api("GET", "/api/choices")
    assert {name: tuple(c["value"] for c in values) for name, values in answer.items()} == CHOICES
    assert all(c["label"] for values in answer.values() for c in values)
    offered = {name: CHOICES[name] for name in DASHBOARD_OPTIONS}
    for js in STATIC.rglob("*.js"):
        text = js.read_text("utf-8")
        for name, values in offered.items():
            for value in values:
                # an <option> (or a [value, label] pair) spelled out for a listed value is a second copy
                assert not re.search(r'value:\s*"%s"' % re.escape(value), text), f"{js.name} spells out {name} {value!r}"
                assert not re.search(r'\[\s*"%s"\s*,\s*"' % re.escape(value), text), f"{js.name} lists {name} {value!r}"
            if len(values) >= 3:
                quoted = [v for v in values if f'"{v}"' in text]
                assert len(quoted) < len(values), f"{js.name} holds the whole {name} list"
