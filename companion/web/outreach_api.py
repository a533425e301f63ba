"""Outreach routes: the do-not-contact list, the outreach settings, Find contacts
(companion.workflow.dnc, companion.workflow.outreach, companion.monitor.contactpages).

The candidate routes themselves (save, list with `?due=`, PATCH with `follow_up` and
`override_dnc`) stay in companion.web.api; these are the ones outreach adds.
"""

from __future__ import annotations

from companion.core.errors import BadInput
from companion.core.limits import MAX_DNC_REASON, MAX_DNC_VALUE
from companion.web.api import bp, json_body, str_field, workspace
from companion.web.schemas import ok, request_body

STR = {"type": "string"}


@bp.get("/dnc")
def list_dnc():
    return workspace().dnc_list()


@bp.post("/dnc")
def add_dnc():
    """Put a domain, a `*.` wildcard or an address on the list: 201, or 200 when it was there (reason updated)."""
    body = json_body()
    extra = sorted(set(body) - {"value", "reason"})
    if extra:
        raise BadInput(f"unknown field {extra[0]!r}; expected value, reason")
    doc, created = workspace().dnc_add(str_field(body, "value", max_length=MAX_DNC_VALUE),
                                       str_field(body, "reason", required=False, max_length=MAX_DNC_REASON))
    return doc, 201 if created else 200


@bp.delete("/dnc/<id>")
def remove_dnc(id):
    return {"deleted": workspace().dnc_remove(id)["id"]}


@bp.get("/outreach/settings")
def outreach_settings():
    return workspace().outreach_settings()


@bp.put("/outreach/settings")
def put_outreach_settings():
    return workspace().outreach_settings(json_body())


@bp.post("/candidates/<id>/find-contacts")
def find_contacts(id):
    """Fetch the site's contact page politely (robots.txt, the recheck's guard and delay) and keep
    what it shows with the candidate; `fetched` says what was asked of the site."""
    body = json_body() if _has_body() else {}
    extra = sorted(set(body) - {"allow_private_hosts"})
    if extra:
        raise BadInput(f"unknown field {extra[0]!r}; expected allow_private_hosts")
    return workspace().find_contacts(id, allow_private=body.get("allow_private_hosts", False))


def _has_body() -> bool:
    from flask import request

    return bool(request.content_length)


_DNC_ENTRY = {
    "type": "object", "required": ["id", "value", "kind", "reason"],
    "properties": {"id": STR, "value": {"type": "string", "description": "a domain, *.domain or an address"},
                   "kind": {"enum": ["domain", "email"]}, "reason": STR,
                   "added_by": {"type": ["string", "null"]}, "added_at": STR},
}
_SETTINGS = {
    "type": "object", "required": ["pitch_window_days", "follow_up_days"],
    "properties": {"pitch_window_days": {"type": "integer", "minimum": 1, "maximum": 3650},
                   "follow_up_days": {"type": "integer", "minimum": 0, "maximum": 365}},
}
ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}


def _body(schema: dict, required: bool = True) -> dict:
    return {**request_body(schema), "required": required}


OPENAPI_SCHEMAS = {"DncEntry": _DNC_ENTRY, "OutreachSettings": _SETTINGS}
OPENAPI_PATHS = {
    "/api/dnc": {
        "get": {"operationId": "listDnc", "summary": "The do-not-contact list (team-wide in team mode)",
                "responses": ok({"type": "array", "items": {"$ref": "#/components/schemas/DncEntry"}})},
        "post": {"operationId": "addDnc",
                 "summary": "Put a domain, a *.wildcard (the domain and its subdomains) or an e-mail address on the "
                            "do-not-contact list with a reason: 201; 200 when it was there (the reason is updated)",
                 "requestBody": _body({"type": "object", "required": ["value"], "additionalProperties": False,
                                       "properties": {"value": {"type": "string", "minLength": 1, "maxLength": MAX_DNC_VALUE},
                                                      "reason": {"type": "string", "maxLength": MAX_DNC_REASON}}}),
                 "responses": {**ok({"$ref": "#/components/schemas/DncEntry"}, "Already listed"),
                               "201": {"description": "Added", "content": {"application/json": {
                                   "schema": {"$ref": "#/components/schemas/DncEntry"}}}}}},
    },
    "/api/dnc/{id}": {
        "delete": {"operationId": "removeDnc", "summary": "Take an entry off the list (by its id or its value)",
                   "parameters": [ID_PARAM],
                   "responses": ok({"type": "object", "required": ["deleted"], "properties": {"deleted": STR}}),
                   },
    },
    "/api/outreach/settings": {
        "get": {"operationId": "outreachSettings",
                "summary": "The pitch window (days a site counts as pitched) and the default follow-up delay",
                "responses": ok({"$ref": "#/components/schemas/OutreachSettings"})},
        "put": {"operationId": "setOutreachSettings", "summary": "Change either setting (whole days)",
                "requestBody": _body({"type": "object", "additionalProperties": False,
                                      "properties": _SETTINGS["properties"]}),
                "responses": ok({"$ref": "#/components/schemas/OutreachSettings"})},
    },
    "/api/candidates/{id}/find-contacts": {
        "post": {"operationId": "findContacts",
                 "summary": "Fetch the site's contact page (robots.txt obeyed, the recheck's guard and delay; "
                            "loopback and private hosts only with allow_private_hosts) and keep the contact routes "
                            "it shows with the candidate; `fetched` lists each request and why one was skipped",
                 "parameters": [ID_PARAM],
                 "requestBody": _body({"type": "object", "additionalProperties": False,
                                       "properties": {"allow_private_hosts": {"type": "boolean"}}}, required=False),
                 "responses": ok({"allOf": [{"$ref": "#/components/schemas/Candidate"}, {
                     "type": "object", "required": ["fetched"],
                     "properties": {"fetched": {"type": "array", "items": {"type": "object", "required": ["url"]}}}}]})},
    },
}
