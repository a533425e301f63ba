"""Every list of values the interface accepts is written once and offered the same everywhere.

Why: the lists were typed again in the OpenAPI description, the CLI and the
dashboard and drifted (the API description once lost `bing`, which the server
accepts). companion.choices gathers each list from the code that checks it; this
test fails if the OpenAPI enums, the CLI's choices, `GET /api/choices` (what the
dashboard builds its options from) or the dashboard's own code differ from it.
"""

from __future__ import annotations

import re

import click

from companion.choices import CHOICES
from companion.cli.main import tierlink
from companion.importers import FORMATS
from companion.monitor import recheck
from companion.store.records import BACKLINK_STATUSES
from companion.web.openapi import spec
from companion.workflow import candidates, placements
from conftest import ROOT

STATIC = ROOT / "companion" / "web" / "static"
# The lists the dashboard offers as options (selects, board columns).
DASHBOARD_OPTIONS = ("import_format", "backlink_status", "candidate_kind", "candidate_status", "via")


def test_each_list_is_the_one_the_code_checks():
    assert CHOICES["import_format"] == ("auto", *FORMATS) and "bing" in CHOICES["import_format"]
    assert CHOICES["candidate_kind"] == candidates.KINDS
    assert CHOICES["candidate_status"] == candidates.STATUSES
    assert CHOICES["placement_status"] == placements.STATUSES
    assert CHOICES["via"] == placements.VIA
    assert CHOICES["backlink_status"] == BACKLINK_STATUSES
    assert CHOICES["recheck_only"] == recheck.ONLY


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
