"""Alerts over HTTP: the list (unseen first), marking them seen, a test per delivery channel.

Thin: companion.alerts.records and companion.alerts.channels do the work, and the CLI
(`tierlink alerts`) calls the same functions.
"""

from __future__ import annotations

from companion.alerts import channels, records
from companion.web.api import bp, int_arg, json_body, str_field, text_arg, workspace
from companion.core.errors import BadInput
from companion.web.schemas import BOOL, INT, NULLABLE_STR, STR, ok, ref, request_body


@bp.get("/alerts")
def list_alerts():
    ws = workspace()
    since = records.parse_since(text_arg("since", max_length=40))
    unseen = text_arg("unseen", max_length=5)
    if unseen not in (None, "true", "false"):
        raise BadInput("'unseen' must be true or false")
    return ws.alerts(since=since, unseen=unseen == "true", limit=int_arg("limit", 200, minimum=1))


def _body(*known: str) -> dict:
    body = json_body()
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise BadInput(f"unknown field '{unknown[0]}' (known: {', '.join(known)})")
    return body


@bp.post("/alerts/seen")
def alerts_seen():
    body = _body("until")
    until = records.parse_since(str_field(body, "until", required=False, max_length=40))
    return workspace().mark_alerts_seen(until)


@bp.post("/alerts/test")
def alerts_test():
    return workspace().test_alert_channel(str_field(_body("channel"), "channel", max_length=20))


_STAMP = {"type": "string", "maxLength": 40, "description": "ISO 8601 date or date and time (UTC unless a zone is given)"}

OPENAPI_SCHEMAS = {
    "Alert": {
        "type": "object",
        "required": ["id", "kind", "subject", "source_url", "target_url", "reason", "text", "created_at", "open",
                     "seen"],
        "properties": {
            "id": STR,
            "kind": {"type": "string", "enum": list(records.KINDS)},
            "subject": {"type": "string", "enum": ["backlink", "placement", "broken_target"]},
            "source_url": STR, "target_url": STR, "reason": STR,
            "was": {}, "now": {},
            "text": {"type": "string", "description": "one human line: what happened, where, why"},
            "created_at": STR, "open": BOOL, "resolved_at": NULLABLE_STR, "seen": BOOL,
        },
    },
    "AlertList": {
        "type": "object", "required": ["alerts", "total", "unseen_count", "latest", "desktop", "desktop_test"],
        "properties": {"alerts": {"type": "array", "items": ref("Alert")}, "total": INT,
                       "unseen_count": INT, "latest": NULLABLE_STR, "desktop": BOOL,
                       "desktop_test": NULLABLE_STR},
    },
}

OPENAPI_PATHS = {
    "/api/alerts": {
        "get": {
            "operationId": "listAlerts",
            "summary": "Alerts (each change that matters, once): unseen first, newest first; `since` keeps those "
                       "made after it (a poller passes the last `latest`)",
            "parameters": [
                {"name": "since", "in": "query", "required": False, "schema": {**_STAMP, "minLength": 1}},
                {"name": "unseen", "in": "query", "required": False,
                 "schema": {"type": "string", "enum": ["true", "false"]}},
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
            ],
            "responses": ok(ref("AlertList")),
        },
    },
    "/api/alerts/seen": {
        "post": {
            "operationId": "markAlertsSeen",
            "summary": "Mark the alerts made up to `until` (default: all) as seen",
            "requestBody": request_body({"type": "object", "additionalProperties": False,
                                       "properties": {"until": _STAMP}}),
            "responses": ok({"type": "object", "required": ["seen_until", "unseen_count"],
                              "properties": {"seen_until": NULLABLE_STR, "unseen_count": INT}}),
        },
    },
    "/api/alerts/test": {
        "post": {
            "operationId": "testAlertChannel",
            "summary": "Send a test through one delivery channel now; 400 when it is not set, 502 when the "
                       "receiver or SMTP server refused (the reason in the message)",
            "requestBody": request_body({"type": "object", "required": ["channel"], "additionalProperties": False,
                                       "properties": {"channel": {"type": "string",
                                                                  "enum": list(channels.CHANNELS)}}}),
            "responses": {**ok({"type": "object", "required": ["channel", "sent", "message"],
                                 "properties": {"channel": STR, "sent": BOOL, "message": STR}}),
                          "502": {"description": "The webhook or SMTP server did not take the test (code "
                                                 "`delivery_failed`)",
                                  "content": {"application/json": {"schema": ref("Error")}}}},
        },
    },
}
