"""GET /api/openapi.json tells the truth: the same routes as the app, and schemathesis
finds no 5xx and no answer outside the described schemas on a live server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from companion.web.app import create_app
from companion.web.openapi import spec

IGNORED_METHODS = {"HEAD", "OPTIONS"}  # answered by Flask for every route; not API operations


def app_routes(tmp_path) -> set[tuple[str, str]]:
    app = create_app(tmp_path / "home", 8765)
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue  # the dashboard shell and static files are not API
        path = rule.rule.replace("<", "{").replace(">", "}")
        path = "/".join(p.split(":")[-1] if p.startswith("{") else p for p in path.split("/"))
        for method in rule.methods - IGNORED_METHODS:
            out.add((method.lower(), path))
    return out


def described_routes() -> set[tuple[str, str]]:
    return {(method, path) for path, ops in spec()["paths"].items() for method in ops}


def test_description_lists_exactly_the_app_routes(tmp_path):
    assert described_routes() == app_routes(tmp_path)


def test_description_is_served_and_valid_openapi_31(server):
    doc = server.api("GET", "/api/openapi.json")
    assert doc["openapi"].startswith("3.1")
    assert doc["servers"] == [{"url": server.base_url}]
    import jsonschema_rs  # a dependency of the companion (companion.web.requestrules)

    for name, schema in doc["components"]["schemas"].items():
        jsonschema_rs.meta.validate({"$schema": "https://json-schema.org/draft/2020-12/schema", **schema})
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op.get("operationId") and op.get("responses"), (method, path)


def test_every_operation_but_health_requires_the_token():
    doc = spec()
    assert doc["security"] == [{"bearer": []}]
    open_ops = [(m, p) for p, ops in doc["paths"].items() for m, op in ops.items() if op.get("security") == []]
    assert open_ops == [("get", "/api/health")]


def _schemathesis() -> list[str]:
    exe = Path(sys.executable).with_name("schemathesis")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("schemathesis")
    if not found:
        pytest.fail("schemathesis is not installed (pip install -e '.[test]')")
    return [found]


def test_schemathesis_finds_no_server_error_and_no_schema_violation(server):
    """Bounded fuzzing of every operation with the token; the whole run takes well under a minute.

    Request side too (`--checks all`): a request the description calls invalid (a string over its
    maxLength, a value outside an enum, a field of the wrong type or not described) must be refused
    with a 4xx (negative_data_rejection), which companion.web.requestrules does from these very
    schemas. Left out: positive_data_acceptance, which expects every schema-valid request to succeed;
    what JSON Schema cannot say (a URL a browser cannot parse, from_url and to_url the same page, a
    boost candidate given a to_url, an empty export) is refused by the library with a 400, rightly.

    Fuzzed URLs get stored and POST /api/recheck fetches them: the server runs with the suite's
    TIERLINK_FETCH_LOOPBACK_ONLY=1 (tests/conftest.py), so a fuzzed host such as `0.com` is
    refused before any lookup and nothing leaves loopback."""
    assert server.env().get("TIERLINK_FETCH_LOOPBACK_ONLY") == "1"
    cmd = [*_schemathesis(), "run", f"{server.base_url}/api/openapi.json",
           "-H", f"Authorization: Bearer {server.token}",
           "--checks", "all", "--exclude-checks", "positive_data_acceptance",
           "--max-examples", "20", "--seed", "1", "--workers", "1",
           "--phases", "examples,coverage,fuzzing",
           "--generation-database", "none", "--no-color", "--request-timeout", "30"]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, cwd=server.home.parent)
    report = proc.stdout[-12000:] + proc.stderr[-4000:]
    assert proc.returncode == 0, f"schemathesis failed:\n{report}\n--- server log ---\n{server.output()}"
