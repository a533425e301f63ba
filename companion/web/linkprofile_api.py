"""The link profile's routes (issue 28): anchor mix, velocity, the disavow file and its review.

Thin over `companion.workflow.linkprofile` and `companion.verdicts.disavow`, as
`tierlink report` and `tierlink disavow` are; the dashboard's Profile view
(static/views/linkprofile.js) reads them.
"""

from __future__ import annotations

from companion.verdicts import disavow
from companion.web.api import bp, int_arg, json_body, not_null, str_field, text_arg, whole_number, workspace
from companion.web.schemas import BOOL, INT, STR, ok, query_param, ref, request_body
from companion.workflow import linkprofile
from companion.workflow.fields import check_fields


def _min_signal() -> int:
    return int_arg("min_signal", 1, minimum=1, maximum=len(disavow.SPAM_SIGNALS))


@bp.get("/linkprofile/anchors")
def anchor_mix():
    ws = workspace()
    return ws.anchor_mix()


@bp.get("/linkprofile/velocity")
def velocity():
    ws = workspace()
    return ws.velocity(as_of=text_arg("as_of", max_length=10))


@bp.get("/disavow")
def disavow_list():
    ws = workspace()
    return ws.disavow_entries(_min_signal())


@bp.post("/disavow/review")
def disavow_review():
    body = json_body()
    check_fields(body, ("kind", "value", "decision"))
    return workspace().disavow_review(str_field(body, "kind"), str_field(body, "value"),
                          str_field(body, "decision"))


@bp.post("/disavow/export")
def disavow_export():
    body = json_body()
    check_fields(body, ("min_signal",))
    minimum = whole_number(not_null(body, "min_signal"), "min_signal")
    ws = workspace()
    text, summary = ws.disavow_export(1 if minimum is None else minimum)
    return {**summary, "text": text}


@bp.post("/disavow/import")
def disavow_import():
    body = json_body()
    check_fields(body, ("text",))
    text = str_field(body, "text", max_length=disavow.MAX_BYTES)
    return workspace().disavow_import(text.encode("utf-8"))


_CLASS_COUNTS = {"type": "object", "additionalProperties": INT}
_MIX_ROW = {"type": "object", "required": ["total", "counts", "shares"],
            "properties": {"total": INT, "counts": _CLASS_COUNTS,
                           "shares": {"type": "object", "additionalProperties": {"type": "number"}}}}
_WEEK = {"type": "object", "required": ["week", "tier1", "tier2"],
         "properties": {"week": STR, "tier1": {"type": "object"}, "tier2": {"type": "object"}}}
_VELOCITY_BLOCK = {"type": "object", "required": ["url", "weeks", "trend"],
                   "properties": {"url": {"type": ["string", "null"]}, "weeks": {"type": "array", "items": _WEEK},
                                  "trend": {"type": "object"}}}
_ENTRY = {"type": "object", "required": ["kind", "value"],
          "properties": {"kind": {"enum": list(disavow.KINDS)}, "value": STR, "reason": STR}}
_MIN_SIGNAL = query_param("min_signal", {"type": "integer", "minimum": 1, "maximum": len(disavow.SPAM_SIGNALS),
                                    "default": 1}, "only pages with at least this many spam signals")

OPENAPI_SCHEMAS = {
    "AnchorMix": {
        "type": "object", "required": ["classes", "exact_threshold", "site", "pages", "warnings"],
        "properties": {
            "classes": {"type": "array", "items": {"enum": list(linkprofile.CLASSES)}},
            "exact_threshold": {"type": "number"},
            "site": {"type": "object", "required": ["tier1", "tier2"], "properties": {"tier1": _MIX_ROW, "tier2": _MIX_ROW}},
            "pages": {"type": "array", "items": {
                "type": "object", "required": ["url", "tier1", "tier2", "over_threshold", "examples"],
                "properties": {"url": STR, "tier1": _MIX_ROW, "tier2": _MIX_ROW, "over_threshold": BOOL,
                               "examples": {"type": "object"}}}},
            "warnings": {"type": "array", "items": {"type": "object", "required": ["code", "message"]}},
        },
    },
    "Velocity": {
        "type": "object", "required": ["as_of", "windows", "site", "pages"],
        "properties": {"as_of": STR, "windows": {"type": "array", "items": INT}, "site": _VELOCITY_BLOCK,
                       "pages": {"type": "array", "items": _VELOCITY_BLOCK}},
    },
    "DisavowReview": {
        "type": "object", "required": ["disavowed", "proposals", "healthy"],
        "properties": {"disavowed": {"type": "array", "items": _ENTRY},
                       "proposals": {"type": "array", "items": {**_ENTRY, "properties": {
                           **_ENTRY["properties"], "decision": {"enum": ["keep", "drop", None]}, "pages": INT}}},
                       "healthy": {"type": "array", "items": _ENTRY}},
    },
}

OPENAPI_PATHS = {
    "/api/linkprofile/anchors": {
        "get": {"operationId": "anchorMix",
                "summary": "Anchor classes (brand, exact, partial, url, generic, image, other) per money page and "
                           "for the whole site, tier-1 links and my tier-2 placements, with the exact-share warnings",
                "responses": ok(ref("AnchorMix"))},
    },
    "/api/linkprofile/velocity": {
        "get": {"operationId": "linkVelocity",
                "summary": "New and lost links per ISO week (tier-1 from first seen / lost dates, tier-2 from "
                           "placements), per money page and site, with the 4/12/26-week trend",
                "parameters": [query_param("as_of", {"type": "string", "format": "date", "maxLength": 10},
                                      "the last week shown (default: today)")],
                "responses": ok(ref("Velocity"))},
    },
    "/api/disavow": {
        "get": {"operationId": "disavowReview",
                "summary": "What is disavowed, what the spam signals propose (with my keep/drop), and disavowed "
                           "pages that no longer look spam (to review)",
                "parameters": [_MIN_SIGNAL], "responses": ok(ref("DisavowReview"))},
    },
    "/api/disavow/review": {
        "post": {"operationId": "disavowDecide", "summary": "Keep or drop one proposal before export",
                 "requestBody": request_body({"type": "object", "required": ["kind", "value", "decision"],
                                            "additionalProperties": False,
                                            "properties": {"kind": {"enum": list(disavow.KINDS)},
                                                           "value": {"type": "string", "minLength": 1, "maxLength": 2048},
                                                           "decision": {"enum": list(disavow.DECISIONS)}}}),
                 "responses": ok(_ENTRY)},
    },
    "/api/disavow/export": {
        "post": {"operationId": "disavowExport",
                 "summary": "Google's disavow file (in `text`): what is disavowed and the proposals not dropped; "
                            "what it holds is marked disavowed",
                 "requestBody": request_body({"type": "object", "additionalProperties": False,
                                            "properties": {"min_signal": {"type": "integer", "minimum": 1,
                                                                          "maximum": len(disavow.SPAM_SIGNALS)}}}),
                 "responses": ok({"type": "object", "required": ["text", "domains", "urls"],
                                   "properties": {"text": STR, "domains": INT, "urls": INT, "left_out": INT,
                                                  "dropped": INT}})},
    },
    "/api/disavow/import": {
        "post": {"operationId": "disavowImport",
                 "summary": "Read a disavow file (Google's format, in `text`): its entries are marked disavowed",
                 "requestBody": request_body({"type": "object", "required": ["text"], "additionalProperties": False,
                                            "properties": {"text": {"type": "string", "maxLength": disavow.MAX_BYTES}}}),
                 "responses": ok({"type": "object", "required": ["added", "known", "skipped"],
                                   "properties": {"added": INT, "known": INT, "skipped_count": INT,
                                                  "skipped": {"type": "array"}}})},
    },
}
