"""The pieces every OpenAPI entry is built from: plain types, a reference, an enum of one of the
interface's value lists, an optional query parameter, a JSON request body, and a 200 answer with
the shared error responses.

Public, in a module of their own, because the route modules (`companion/web/<feature>_api.py`)
write their own OPENAPI_PATHS and OPENAPI_SCHEMAS with them, and companion.web.openapi builds
the rest of the document with the same ones: one way to say "a JSON body" or "an id in the path".
"""

from __future__ import annotations

from companion.choices import CHOICES
from companion.core.limits import MAX_ID, MAX_URL_LENGTH

STR = {"type": "string"}
STR_LIST = {"type": "array", "items": STR}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
NULLABLE_STR = {"type": ["string", "null"]}

# An absolute http(s) URL as a browser parses it (WHATWG URL Standard), checked in full by
# companion.analysis.urls.check_url. Not `format: uri`: a page's a.href keeps `|`, `{` or `^`
# in its query, which RFC 3986 refuses and every browser sends, and takes `https://exämple.test/`.
URL_PATTERN = "^[Hh][Tt][Tt][Pp][Ss]?://"
URL = {"type": "string", "maxLength": MAX_URL_LENGTH, "pattern": URL_PATTERN,
       "description": "an absolute http(s) URL as a browser parses it (WHATWG URL Standard)"}
ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": MAX_ID}}


def enum_of(name: str, nullable: bool = False) -> dict:
    """An enum of one of the interface's value lists (companion.choices): never typed here."""
    values = list(CHOICES[name])
    return {"enum": values + [None]} if nullable else {"enum": values}


def query_param(name: str, schema: dict, description: str | None = None) -> dict:
    """An optional query parameter. Strings are never empty (`?status=` is a 400, not "no filter")."""
    if schema.get("type") == "string" and "enum" not in schema:
        schema = {"minLength": 1, **schema}
    out = {"name": name, "in": "query", "required": False, "schema": schema}
    return {**out, "description": description} if description else out


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


ERROR_CODES = {
    "400": "Bad input: malformed or deeply nested JSON, NaN, wrong types or values",
    "401": "Missing or wrong `Authorization: Bearer` token",
    "403": "Host not a loopback address on this port, or a web page's Origin",
    "404": "No such route or item",
    "405": "Method not allowed on this route",
    "413": "Body larger than 16 MiB (POST /api/import: larger than its own limit)",
    "415": "Wrong content type",
    "409": "Another import, or another recheck, is running (one at a time each)",
    "411": "An upload without a Content-Length",
    "507": "The data home's disk is full (or cannot be written): nothing was imported",
    "503": "Team mode: the shared PostgreSQL database cannot be reached (code `database_unavailable`, the "
           "message names its host, never the password): nothing was changed; the companion reconnects by itself",
}
COMMON_ERRORS = ("400", "401", "403", "404", "405", "413", "415", "503")


def error_responses(*codes: str) -> dict:
    return {code: {"description": ERROR_CODES[code], "content": {"application/json": {"schema": ref("Error")}}}
            for code in codes}


def ok(schema: dict, description: str = "OK", status: str = "200") -> dict:
    """The answer `status` with this JSON schema, and the error answers every route may give."""
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}},
            **error_responses(*COMMON_ERRORS)}


def request_body(schema: dict) -> dict:
    """A required JSON request body with this schema (also the rules it is checked against)."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}
