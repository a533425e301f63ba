"""The request rules the API serves are the rules it keeps (issue 24).

The test walks GET /api/openapi.json on a real `tierlink serve` and, for every string with a
`maxLength` and every `enum` in a request body (JSON or multipart) or a query parameter,
sends one value one character over the maximum and one value outside the enum, each in an
otherwise valid request, expecting 400 in the one error shape with a message naming the
field. It reads the document the server serves, so a route a feature module adds
(companion.web.routes.MODULES) and describes is walked the day it is added; the last test
shows the gate (companion.web.requestrules) covers such a route without a line of its own.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import textwrap

from serverutil import ROOT, multipart

OUTSIDE = "not-one-of-these-\u2603"


def _resolve(doc: dict, schema: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        node = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _valid(doc: dict, schema: dict, name: str):
    """A small value the schema accepts (URLs distinct per field: from_url and to_url must differ)."""
    schema = _resolve(doc, schema)
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    types = schema.get("type")
    kind = next((t for t in types if t != "null"), None) if isinstance(types, list) else types
    if kind == "object" or "properties" in schema:
        required = list(schema.get("required", []))
        for branch in schema.get("oneOf", [])[:1]:
            required += branch.get("required", [])
        return {k: _valid(doc, schema.get("properties", {}).get(k, {}), k) for k in required}
    if kind == "array":
        return []
    if kind == "integer" or kind == "number":
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    if "://" in str(schema.get("pattern", "")) or schema.get("format") == "uri":  # an http(s) URL
        return f"https://rules.test/{name}"
    if schema.get("format") == "date":
        return "2026-01-01"
    return "x"


def _probes(doc: dict, schema: dict, path: tuple = ()):
    """(path into the value, bad value, what is probed) for every maxLength string and enum below `schema`."""
    schema = _resolve(doc, schema)
    if "enum" in schema:
        yield path, OUTSIDE, "enum"
    if schema.get("type") == "string" and "maxLength" in schema:
        yield path, "x" * (schema["maxLength"] + 1), f"maxLength {schema['maxLength']}"
    for name, sub in schema.get("properties", {}).items():
        yield from _probes(doc, sub, path + (name,))
    if isinstance(schema.get("items"), dict):
        yield from _probes(doc, schema["items"], path + (0,))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for branch in extra.get("oneOf", [extra]):
            yield from _probes(doc, branch, path + ("x-probe",))


def _put(value, path: tuple, bad):
    """`value` with `bad` at `path` (lists and objects on the way made as needed)."""
    if not path:
        return bad
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        return [_put(value[0] if isinstance(value, list) and value else {}, rest, bad)]
    out = dict(value) if isinstance(value, dict) else {}
    out[head] = _put(out.get(head, {}), rest, bad)
    return out


def _field(path: tuple) -> str:
    return next(str(p) for p in reversed(path) if not isinstance(p, int) and p != "x-probe")


def _item_url(server, doc: dict, path: str) -> str:
    """An item path with a real id: the collection's POST creates one (a 404 would say nothing of the body)."""
    if "{" not in path:
        return path
    collection = path[: path.index("/{")]
    schema = doc["paths"][collection]["post"]["requestBody"]["content"]["application/json"]["schema"]
    made = server.api("POST", collection, json=_valid(doc, schema, "item"), expect=201)
    return path[: path.index("{")] + made["id"] + path[path.index("}") + 1:]


def _refused(r, field: str) -> str | None:
    """None when `r` is a 400 in the one error shape naming `field`, else what is wrong."""
    try:
        body = r.json()
    except ValueError:
        return f"{r.status}, not JSON: {r.text[:120]!r}"
    err = body.get("error") if isinstance(body, dict) else None
    if r.status != 400 or not isinstance(err, dict) or set(err) != {"code", "message"}:
        return f"{r.status} {r.text[:160]}"
    if field not in err["message"]:
        return f"400 but the message does not name {field!r}: {err['message'][:160]!r}"
    return None


def walk(server) -> tuple[list[str], list[str]]:
    """(every probe sent, the probes the server did not refuse as it should)."""
    doc = server.api("GET", "/api/openapi.json")
    sent, wrong = [], []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            content = (op.get("requestBody") or {}).get("content", {})
            for name, bad, what, send in _operation_probes(server, doc, path, method, op, content):
                label = f"{method.upper()} {path} {name}: {what}"
                sent.append(label)
                problem = _refused(send(), name)
                if problem:
                    wrong.append(f"{label} -> {problem}")
    return sent, wrong


def _operation_probes(server, doc, path, method, op, content):
    url = None

    def target():
        nonlocal url
        url = url or _item_url(server, doc, path)
        return url

    if "application/json" in content:
        schema = content["application/json"]["schema"]
        base = _valid(doc, schema, "body")
        for where, bad, what in _probes(doc, schema):
            body = _put(copy.deepcopy(base), where, bad)
            yield _field(where), bad, what, lambda body=body: server.request(method.upper(), target(), json=body)
    if "multipart/form-data" in content:
        schema = content["multipart/form-data"]["schema"]
        for where, bad, what in _probes(doc, schema):
            if len(where) == 1:
                data, ctype = multipart({where[0]: bad}, {"file": ("links.csv", b"source_url,target_url\r\n")})
                yield where[0], bad, what, lambda data=data, ctype=ctype: server.request(
                    method.upper(), target(), data=data, headers={"Content-Type": ctype})
    for param in op.get("parameters", []):
        if param["in"] != "query":
            continue
        for where, bad, what in _probes(doc, param["schema"]):
            query = "?" + param["name"] + "=" + bad.replace("\u2603", "%E2%98%83")
            yield param["name"], bad, what, lambda query=query: server.request(method.upper(), target() + query)


def test_every_max_length_and_enum_the_api_serves_is_kept(server):
    sent, wrong = walk(server)
    # The walk reaches what it must: bodies, nested fields, list items, query parameters.
    for expected in ("POST /api/candidates note: maxLength 10000", "POST /api/candidates tags: maxLength 100",
                     "PATCH /api/candidates/{id} status: enum", "POST /api/placements via: enum",
                     "POST /api/analyze headers: maxLength 8192", "GET /api/backlinks q: maxLength 200", "GET /api/boost spam: enum",
                     "POST /api/import format: enum", "POST /api/candidates reasons: maxLength"):
        assert any(label.startswith(expected) or expected in label for label in sent), (expected, sent)
    assert len(sent) >= 30, sent
    assert not wrong, "\n".join(wrong)


def test_a_route_module_is_checked_by_its_description_alone(tmp_path):
    """A feature module (companion.web.routes.MODULES) that describes a maxLength and an enum gets
    both enforced with no check in its route: the gate compiles every module's OPENAPI_PATHS."""
    (tmp_path / "probe_api.py").write_text(textwrap.dedent('''
        from companion.web.api import bp, json_body

        @bp.post("/probe")
        def probe():
            return {"echo": json_body()}

        OPENAPI_PATHS = {"/api/probe": {"post": {
            "operationId": "probe", "summary": "a route module's route",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"word": {"type": "string", "maxLength": 5},
                                                 "colour": {"enum": ["red", "blue"]}}}}}},
            "responses": {"200": {"description": "OK"}}}}}
    '''))
    script = textwrap.dedent(f'''
        import json, sys
        sys.path.insert(0, {str(tmp_path)!r})
        from companion.web import routes
        routes.MODULES = routes.MODULES + ("probe_api",)
        from companion.web.app import create_app
        from companion.web.security import get_token
        app = create_app({str(tmp_path / "home")!r}, 8765)
        client = app.test_client()
        auth = {{"Authorization": "Bearer " + get_token({str(tmp_path / "home")!r}), "Host": "127.0.0.1:8765"}}
        out = {{}}
        for name, body in (("ok", {{"word": "short", "colour": "red"}}), ("long", {{"word": "longer"}}),
                           ("colour", {{"colour": "green"}})):
            r = client.post("/api/probe", json=body, headers=auth)
            out[name] = [r.status_code, r.get_json()]
        print(json.dumps(out))
    ''')
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["ok"] == [200, {"echo": {"word": "short", "colour": "red"}}]
    assert out["long"] == [400, {"error": {"code": "bad_input", "message": "'word' is longer than 5 characters"}}]
    assert out["colour"][0] == 400 and out["colour"][1]["error"]["message"].startswith("'colour' must be one of red, blue")
