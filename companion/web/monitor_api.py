"""Routes of monitoring: the browser queue, placement receipts and the recheck schedule.

Thin layers over companion.monitor.browser_checks, companion.workflow.receipts and
companion.monitor.runner.schedule_report (the CLI calls the same functions).
"""

from __future__ import annotations

from companion.web.api import bp, json_body, workspace
from companion.web.schemas import ID_PARAM, INT, STR, ok, ref

NULLABLE_STR = {"type": ["string", "null"]}


@bp.get("/browser-checks")
def browser_checks():
    return workspace().browser_checks()


@bp.post("/browser-checks/request")
def request_browser_checks():
    """Ask the extension to check the queued pages now; a body, if sent, must be JSON (it carries nothing)."""
    from flask import request

    if request.content_length:
        json_body()
    return workspace().request_browser_checks()


@bp.get("/placements/<id>/receipts")
def placement_receipts(id):
    return workspace().receipts(id)


@bp.get("/recheck/schedule")
def recheck_schedule():
    return workspace().recheck_schedule()


OPENAPI_SCHEMAS = {
    "BrowserQueue": {
        "type": "object", "required": ["pages", "total", "requested_at"],
        "properties": {
            "pages": {"type": "array", "items": {
                "type": "object", "required": ["url", "outcome", "reason", "checked_at", "backlinks", "placements"],
                "properties": {"url": STR, "outcome": {"enum": ["blocked", "needs_browser"]}, "reason": NULLABLE_STR,
                               "checked_at": NULLABLE_STR, "backlinks": INT, "placements": INT}}},
            "total": INT,
            "requested_at": {"type": ["string", "null"], "description": "when the dashboard last asked the "
                             "extension to check the queue now"},
        },
    },
    "Receipt": {
        "type": "object",
        "required": ["id", "placement_id", "at", "url", "final_url", "status", "found", "anchor", "rel", "context",
                     "sha256", "via"],
        "properties": {
            "id": STR, "placement_id": STR, "at": STR, "url": STR, "final_url": STR,
            "status": {"type": ["integer", "null"], "description": "HTTP status (null: seen in the browser)"},
            "found": {"type": "boolean"}, "anchor": NULLABLE_STR,
            "rel": {"type": ["array", "null"], "items": STR},
            "context": {"type": "string", "description": "the text of the block around the link"},
            "sha256": STR, "via": {"enum": ["crawler", "browser"]},
        },
    },
    "RecheckSchedule": {
        "type": "object",
        "required": ["every_days", "delay", "concurrency", "last_run", "next_run", "running", "last_report"],
        "properties": {
            "every_days": {"type": ["number", "null"]}, "delay": {"type": "number"}, "concurrency": INT,
            "last_run": NULLABLE_STR, "next_run": NULLABLE_STR, "running": {"type": "boolean"},
            "last_report": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["finished_at", "checked", "outcomes"],
                "properties": {"finished_at": STR, "why": STR, "cancelled": {"type": "boolean"}, "checked": INT,
                               "unchanged": INT, "changes": INT, "errors": INT, "skipped": INT,
                               "outcomes": {"type": "object"}}}]},
        },
    },
}

OPENAPI_PATHS = {
    "/api/browser-checks": {
        "get": {"operationId": "browserChecks",
                "summary": "The pages the crawler could not judge (blocked, needs_browser), for the browser to check",
                "responses": ok(ref("BrowserQueue"))},
    },
    "/api/browser-checks/request": {
        "post": {"operationId": "requestBrowserChecks",
                 "summary": "Ask the extension to check the queued pages now (it starts at its next look)",
                 "responses": ok(ref("BrowserQueue"))},
    },
    "/api/placements/{id}/receipts": {
        "get": {"operationId": "placementReceipts", "summary": "Proof of what a placement's page showed, newest first",
                "parameters": [ID_PARAM],
                "responses": ok({"type": "object", "required": ["placement_id", "receipts"],
                                  "properties": {"placement_id": STR,
                                                 "receipts": {"type": "array", "items": ref("Receipt")}}})},
    },
    "/api/recheck/schedule": {
        "get": {"operationId": "recheckSchedule",
                "summary": "The recheck schedule: settings, last run with outcomes by kind, next run",
                "responses": ok(ref("RecheckSchedule"))},
    },
}
