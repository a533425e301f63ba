"""The OpenAPI 3.1 description of the HTTP API, served at GET /api/openapi.json.

Hand-written as data, next to nothing else, so it is easy to read and to keep
true: tests/test_openapi.py compares its paths and methods with the app's URL
map (a route without a description, or a description without a route, fails)
and runs schemathesis against a live server to check that real answers match
these schemas and that no generated input yields a 5xx.

The schemas state what clients rely on (docs/CONTRACT.md) and stay open
(additional properties allowed), so adding a field is never a breaking change.
The request schemas are also the rules requests are checked against before any route
runs (companion.web.requestrules): write every limit from companion.core.limits (never a
literal), and where the library refuses a value with a code of its own, say so with
`x-error: {keyword: {code, message}}` (the draft check's `empty_draft`).
When you add a route: add its entry to PATHS (or OPENAPI_PATHS of its route module), reuse
`request_body`, `ok` and the shared error responses, and run tests/test_openapi.py and
tests/test_request_rules.py.
"""

from __future__ import annotations

import copy

from companion import __version__
from companion.analysis import profile
from companion.choices import CHOICES
from companion.core import weights as weight_table
from companion.core.limits import (BOOST_LIST, MAX_ANCHOR, MAX_DOMAIN, MAX_HEADER_VALUE, MAX_HEADERS, MAX_LINK_LIMIT,
                                   MAX_NOTE, MAX_SCORE, MAX_TAG, MAX_TAGS, MAX_TITLE, RECHECK_EVERY_DAYS, RECHECK_RANGES)
from companion.store import listing
from companion.store.records import BACKLINK_FIELD_NAMES
from companion.verdicts import graph
from companion.workflow import candidates
from companion.web.schemas import (BOOL, COMMON_ERRORS, ID_PARAM, INT, NULLABLE_STR, STR, STR_LIST, URL, enum_of,
                                   error_responses, ok, query_param, ref, request_body)
from companion.web.schemas import URL_PATTERN  # noqa: F401  (companion.web.requestrules reads it from here)

_PROFILE_LIST = {"type": "array", "maxItems": profile.MAX_ITEMS, "items": STR}
# A draft with no text at all is a 400 with the draft check's own code (x-error: companion.web.requestrules).
_DRAFT_TEXT = {"type": "string", "pattern": "\\S", 
               "x-error": {"pattern": {"code": "empty_draft", "message": "the draft is empty"}}}
_NOTE = {"type": "string", "maxLength": MAX_NOTE}
_TAGS = {"type": "array", "maxItems": MAX_TAGS, "items": {"type": "string", "maxLength": MAX_TAG}}
_VERDICT_SNAPSHOT = {"type": "object", "properties": {
    "score": {"type": "number", "minimum": 0, "maximum": MAX_SCORE},
    "reasons": {"type": "array", "maxItems": candidates.MAX_REASONS,
                "items": {"type": "string", "maxLength": candidates.MAX_REASON}},
    "labels": {"type": "array", "maxItems": candidates.MAX_LABELS,
               "items": {"type": "string", "maxLength": candidates.MAX_LABEL}}}}


def _range(type_, option: str) -> dict:
    """A recheck option's bounds (core.limits.RECHECK_RANGES, read by monitor.recheck too)."""
    low, high = RECHECK_RANGES[option]
    return {"type": type_, "minimum": low, "maximum": high}


_VERDICT = {
    "type": ["object", "null"],
    "required": ["score", "reasons"],
    "properties": {
        "score": {"type": "number", "minimum": 0, "maximum": MAX_SCORE},
        "reasons": STR_LIST,
        "suggestions": {"type": "array", "items": ref("Suggestion")},
    },
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["code", "message"], "additionalProperties": False,
            "properties": {"code": STR, "message": STR}}},
    },
    "Health": {
        "type": "object", "required": ["status", "version", "store", "domains_set"],
        "properties": {"status": {"enum": ["ok", "degraded"],
                                  "description": "degraded: running, but the store does not work (see problem)"},
                       "version": STR,
                       "problem": {"type": "object", "required": ["code", "message"],
                                   "description": "why the status is degraded: store_damaged (run `tierlink "
                                                  "repair`), database_unavailable, database_ssl",
                                   "properties": {"code": STR, "message": STR}},
                       "domains_set": {"type": "boolean", "description": "whether the profile names my domains"},
                       "store": {"enum": ["embedded", "postgresql"],
                                 "description": "where the shared data lives: the data home, or a team's "
                                                "PostgreSQL database (its address is never shown here)"},
                       "notices": {"type": "array", "items": STR,
                                   "description": "start-up warnings, e.g. a store file restored from a backup"}},
    },
    "Profile": {
        "type": "object",
        "properties": {
            "domains": _PROFILE_LIST,
            "money_pages": {"type": "array", "maxItems": profile.MAX_ITEMS, "items": {
                "type": "object", "required": ["url"],
                "properties": {"url": STR, "keywords": STR_LIST}}},
            "competitors": _PROFILE_LIST,
            "owned_sites": _PROFILE_LIST,
            "guest_post_link_limit": {"type": "integer", "minimum": 0, "maximum": MAX_LINK_LIMIT},
            "weights": {"type": "object", "propertyNames": {"enum": list(weight_table.DEFAULTS)},
                        "additionalProperties": {"type": "number", "minimum": -profile.MAX_WEIGHT,
                                                 "maximum": profile.MAX_WEIGHT},
                        "description": "signal name → weight (`tierlink weights` lists them)"},
            "recheck_every_days": {"type": ["number", "null"], "minimum": RECHECK_EVERY_DAYS[0], "maximum": RECHECK_EVERY_DAYS[1],
                                   "description": "`tierlink serve` rechecks every N days in the background"},
            "recheck_delay": {**_range(["number", "null"], "delay"),
                              "description": "seconds between two requests to one host in a scheduled recheck"},
            "recheck_concurrency": {**_range(["integer", "null"], "concurrency"),
                                    "description": "hosts checked at once in a scheduled recheck"},
            "brand_names": {**STR_LIST, "description": "my brand as people write it (anchor class `brand`); "
                                                        "empty: the domains' names"},
            "exact_anchor_max_share": {"type": "number", "minimum": 0, "maximum": 100,
                                       "description": "warn above this exact-match anchor share (%) of a money page"},
            "tier2_per_week": {"type": "integer", "minimum": 1, "maximum": 1000,
                               "description": "warn when one tier-1 page would get more tier-2 links in a week"},
            "alerts": {"type": "object", "description": "alert delivery channels, each off until set "
                                                        "(companion/analysis/alert_settings.py); the SMTP password is "
                                                        "never here: `password_env` names the environment variable",
                       "properties": {"desktop": BOOL,
                                      "webhook": {"type": ["object", "null"], "properties": {"url": STR}},
                                      "mail": {"type": ["object", "null"], "properties": {
                                          "host": STR, "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                                          "user": STR, "password_env": STR, "from": STR,
                                          "to": {"oneOf": [STR, STR_LIST]},
                                          "hour": {"type": "integer", "minimum": 0, "maximum": 23}}}}},
        },
    },
    "Link": {
        "type": "object",
        "required": ["href", "valid", "text", "rel", "follow", "position", "internal", "target"],
        "properties": {
            "href": {"type": "string", "description": "the browser's a.href for the link (WHATWG URL "
                     "Standard); as written when `valid` is false"},
            "valid": {"type": "boolean", "description": "false when a browser cannot parse the href"},
            "text": STR, "rel": STR_LIST, "follow": BOOL, "internal": BOOL,
            "position": {"enum": ["content", "navigation", "header", "footer", "sidebar", "comments"]},
            "target": {"enum": ["me", "tier1", "competitor", "owned", "internal", "other"]},
        },
    },
    "Suggestion": {
        "type": "object", "required": ["tier1_url", "anchor", "why"],
        "properties": {"tier1_url": STR, "anchor": STR, "why": STR,
                       "warnings": {"type": "array", "description": "the tier-2 pacing guard (verdicts only)",
                                    "items": {"type": "object", "required": ["code", "message"],
                                              "properties": {"code": STR, "message": STR}}}},
    },
    "Analysis": {
        "type": "object",
        "required": ["url", "canonical", "title", "lang", "robots", "indexable", "links", "counts",
                     "labels", "changes"],
        "properties": {
            "browser_check": {"type": ["object", "null"], "description": "present for a check in the browser "
                              "(origin browser_check, or a visit of a queued page): the outcome recorded",
                              "properties": {"outcome": STR, "reason": STR}},
            "url": STR, "canonical": NULLABLE_STR, "title": STR, "lang": NULLABLE_STR,
            "robots": {"type": "object", "required": ["noindex", "nofollow"],
                       "properties": {"noindex": BOOL, "nofollow": BOOL}},
            "indexable": BOOL,
            "indexability": ref("Indexability"),
            "links": {"type": "array", "items": ref("Link")},
            "counts": {"type": "object", "required": ["links", "internal", "external", "external_follow"],
                       "properties": {k: INT for k in ("links", "internal", "external", "external_follow")}},
            "labels": STR_LIST,
            "boost": _VERDICT,
            "tier2": _VERDICT,
            "changes": {"type": "array", "items": {
                "type": "object", "required": ["kind", "target"],
                "properties": {"kind": STR, "target": STR}}},
            "placements": {"type": "array", "description": "present when the page holds my placements",
                           "items": {"type": "object", "required": ["id", "to_url", "status"],
                                     "properties": {"id": STR, "to_url": STR, "status": ref("PlacementStatus")}}},
            "broken_targets": {"type": "array", "description": "present with the label broken_target",
                               "items": {"type": "object", "required": ["target", "http_code", "reason"],
                                         "properties": {"target": STR, "http_code": INT, "reason": STR}}},
        },
    },
    "ImportSummary": {
        "type": "object",
        "description": "Every row read is counted once: rows_read = added + updated + merged + skipped_rows",
        "required": ["format", "rows_read", "added", "updated", "merged", "skipped", "skipped_rows", "truncated",
                     "backlinks_total"],
        "properties": {
            "format": STR, "rows_read": INT, "added": INT, "updated": INT, "backlinks_total": INT,
            "merged": {"type": "integer", "description": "rows that repeat a link already read from the same "
                                                         "file, or a stored link they change nothing in"},
            "skipped_rows": {"type": "integer", "description": "rows skipped (the list below names at most 1000, "
                                                               "its last entry counting the rest)"},
            "truncated": {"type": "integer", "description": "rows kept with their anchor or title cut to its "
                                                            f"limit ({MAX_ANCHOR} / {MAX_TITLE} characters)"},
            "skipped": {"type": "array", "items": {
                "type": "object", "required": ["reason"],
                "properties": {"line": {"type": ["integer", "null"]}, "reason": STR,
                               "rows": {"type": "integer", "description": "on the last entry: the rows not listed"}}}},
            "notice": {"type": "string", "description": "said once, e.g. the domains taken from the export's "
                                                        "targets when none was set"},
        },
    },
    "ImportStatus": {
        "type": "object",
        "required": ["state", "phase", "rows", "bytes", "total_bytes", "files", "summary", "error", "max_bytes"],
        "properties": {
            "state": {"enum": ["idle", "running", "done", "failed"]},
            "phase": {"type": ["string", "null"], "enum": ["receiving", "reading", "storing", None],
                      "description": "while running: receiving the upload (bytes of the body's Content-Length), "
                                     "reading the files (bytes of their total size, rows so far), storing"},
            "rows": INT, "bytes": INT, "total_bytes": INT,
            "files": {"type": "array", "items": STR, "description": "the uploaded files' names"},
            "summary": {"description": "when done: what POST /api/import answered",
                        "oneOf": [{"type": "null"}, ref("ImportSummary"),
                                  {"type": "array", "items": ref("ImportSummary")}]},
            "error": {"type": ["object", "null"], "required": ["code", "message"],
                      "properties": {"code": STR, "message": STR}},
            "max_bytes": {"type": "integer", "description": "the largest upload POST /api/import takes "
                                                            "(`tierlink serve --max-import-size`)"},
            "started": {"type": "number"}, "finished": {"type": "number"},
        },
    },
    "Backlink": {
        "type": "object",
        "description": "companion.store.records.public_backlink: every field, always (the page keys are internal)",
        "required": list(BACKLINK_FIELD_NAMES),
        "properties": {
            "source_url": STR, "target_url": STR, "anchor": STR, "rel": STR_LIST, "follow": BOOL,
            "status": enum_of("backlink_status"),
            "first_seen": NULLABLE_STR, "last_seen": NULLABLE_STR, "lost_at": NULLABLE_STR, "title": STR,
            "type": NULLABLE_STR, "origins": STR_LIST, "metrics": {"type": "object"},
            "history": {"type": "array", "items": {"type": "object"}}, "target_known": BOOL,
            "checked_at": NULLABLE_STR, "check_failures": INT, "check_error": NULLABLE_STR,
            "final_url": NULLABLE_STR,
        },
    },
    "BacklinkPage": {
        "type": "object",
        "required": ["backlinks", "total", "total_exact", "offset", "limit", "next_offset"],
        "properties": {
            "backlinks": {"type": "array", "items": {"allOf": [ref("Backlink"), {
                "type": "object", "required": ["authority"], "properties": {"authority": ref("Authority")}}]}},
            "total": INT,
            "total_exact": {"type": "boolean",
                            "description": "false when a text search `q` matches more than 10,000 rows: they are "
                                           "counted only that far and `total` is 10,000 (show \"10,000+\"); "
                                           "`next_offset` still says whether a next page exists"},
            "offset": INT, "limit": INT, "next_offset": {"type": ["integer", "null"]},
        },
    },
    "Authority": {
        "type": "object",
        "description": "a backlink's authority from whichever tool supplied it (companion.core.authority): the "
                       "tool's own values and metric names, and `common`, the value on one 0..100 scale the list "
                       "sorts by (the domain's, else the page's)",
        "required": ["page", "domain", "page_label", "domain_label", "tool", "common"],
        "properties": {"page": {"type": ["number", "null"]}, "domain": {"type": ["number", "null"]},
                       "page_label": NULLABLE_STR, "domain_label": NULLABLE_STR, "tool": NULLABLE_STR,
                       "common": {"type": ["number", "null"], "minimum": 0, "maximum": MAX_SCORE}},
    },
    "Choices": {
        "type": "object",
        "description": "every list of values the API accepts (companion.choices), for the dashboard's options",
        "required": list(CHOICES),
        "additionalProperties": {"type": "array", "items": {
            "type": "object", "required": ["value", "label"], "properties": {"value": STR, "label": STR}}},
    },
    "BrokenTarget": {
        "type": "object",
        "required": ["source_url", "target_url", "anchor", "follow", "http_code", "reason"],
        "properties": {
            "source_url": STR, "target_url": STR, "anchor": STR, "follow": BOOL,
            "http_code": {"type": "integer", "minimum": 400, "maximum": 499,
                          "description": "what the target page answered when the tool checked it "
                                         "(Ahrefs' Target page HTTP code; stored as metrics.target_http_code)"},
            "last_seen": NULLABLE_STR, "metrics": {"type": "object"}, "title": STR,
            "reason": STR,
        },
    },
    "CandidateVerdict": {
        "type": ["object", "null"],
        "properties": {"score": {"type": ["number", "null"], "minimum": 0, "maximum": MAX_SCORE},
                       "reasons": STR_LIST, "labels": STR_LIST},
    },
    "Candidate": {
        "type": "object",
        "required": ["id", "url", "kind", "status", "title", "domain", "note", "tags", "verdict",
                     "created_at", "updated_at", "history", "placement_id"],
        "properties": {
            "id": STR, "url": STR, "title": STR, "domain": STR,
            "note": {"type": "string", "description": "every member's note (after their name when several)"},
            "notes": {"type": "array", "description": "one note per member who wrote one", "items": {
                "type": "object", "required": ["by", "text"],
                "properties": {"by": NULLABLE_STR, "at": NULLABLE_STR, "text": STR}}},
            "kind": enum_of("candidate_kind"),
            "status": enum_of("candidate_status"),
            "tags": STR_LIST, "verdict": ref("CandidateVerdict"),
            "created_at": STR, "updated_at": STR,
            "saved_by": {"type": "string", "description": "who saved it (--user, $TIERLINK_USER or the login name)"},
            "history": {"type": "array", "items": {
                "type": "object", "required": ["at", "from", "to"],
                "properties": {"at": STR, "from": NULLABLE_STR, "to": STR,
                               "by": {"type": "string", "description": "who made this change"},
                               "event": {"type": "string", "description": "saved: the page was saved again "
                                                                          "(by a teammate, or with a new note)"}}}},
            "placement_id": NULLABLE_STR,
            "contacts": {"type": ["object", "null"], "description": "the site's contact routes read from the page "
                         "and its contact page (companion.analysis.contacts): emails, pages, authors, social; each "
                         "entry says where it was found (found, page)",
                         "properties": {k: {"type": "array", "items": {"type": "object"}}
                                        for k in ("emails", "pages", "authors", "social")}},
            "last_contacted": NULLABLE_STR, "pitched_by": NULLABLE_STR,
            "follow_up": {"type": ["string", "null"], "description": "YYYY-MM-DD: when to write again"},
            "dnc": {"type": ["object", "null"], "description": "the do-not-contact entry covering it (lists only)"},
            "pitched": {"type": "array", "description": "the same site's pitches within the window (lists only)",
                        "items": {"type": "object"}},
            "due": {"type": "boolean", "description": "contacted, follow-up today or earlier (lists only)"},
            "warnings": {"type": "array", "description": "on save and on the move to contacted: already_pitched "
                         "(who, when), do_not_contact", "items": {"type": "object", "required": ["code", "message"]}},
        },
    },
    "Placement": {
        "type": "object",
        "required": ["id", "date", "from_url", "to_url", "anchor", "via", "note", "candidate_id", "created_at",
                     "updated_at", "status", "checked_at", "history"],
        "properties": {
            "id": STR, "from_url": STR, "to_url": STR, "anchor": STR,
            "via": enum_of("via"),
            "date": {"type": "string", "format": "date"}, "note": STR, "candidate_id": NULLABLE_STR,
            "placed_by": {"type": "string", "description": "who logged it (--user, $TIERLINK_USER or the login name)"},
            "indexability": ref("Indexability"),
            "created_at": STR, "updated_at": STR,
            "status": ref("PlacementStatus"), "checked_at": NULLABLE_STR,
            "history": {"type": "array", "items": {
                "type": "object", "required": ["at", "was", "now"],
                "properties": {"at": STR, "was": STR, "now": STR, "reason": STR}}},
            "warnings": {"type": "array", "items": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": STR, "message": STR}}},
        },
    },
    "PlacementStatus": enum_of("placement_status"),
    "RecheckSummary": {
        "type": "object", "required": ["checked", "unchanged", "changes", "errors", "skipped"],
        "properties": {
            "checked": INT, "unchanged": INT,
            "changes": {"type": "array", "items": {
                "type": "object", "required": ["kind", "source_url", "target_url", "was", "now", "reason", "loss"],
                "properties": {"kind": STR, "source_url": STR, "target_url": STR, "was": {},
                               "now": {}, "reason": STR, "loss": BOOL}}},
            "errors": {"type": "array", "items": {
                "type": "object", "required": ["url", "reason"], "properties": {"url": STR, "reason": STR}}},
            "skipped": {"type": "array", "items": {
                "type": "object", "required": ["url", "reason"], "properties": {"url": STR, "reason": STR}}},
            "not_indexable": {"type": "array", "description": "pages search engines will not index, with why",
                              "items": {"type": "object", "required": ["url", "reasons"],
                                        "properties": {"url": STR, "reasons": STR_LIST}}},
            "outcomes": {"type": "object", "description": "check outcomes counted by kind (ok, lost, soft_404, "
                         "parked, blocked, unreachable, needs_browser)",
                         "properties": {k: {"type": "object", "additionalProperties": INT}
                                        for k in ("backlink", "placement")}},
        },
    },
    "Indexability": {
        "type": "object", "required": ["state", "reasons", "codes", "sitemap", "robots_txt"],
        "description": "whether search engines will index the page, from its own signals (meta robots, "
                       "X-Robots-Tag for Google, canonical, robots.txt for Googlebot, a soft 404) with the "
                       "evidence; the sitemap is a reason, never a verdict",
        "properties": {
            "state": {"enum": ["indexable", "not_indexable", "unknown"]},
            "reasons": STR_LIST, "codes": STR_LIST,
            "sitemap": {"enum": ["listed", "not listed", "no sitemap", None]},
            "robots_txt": {"enum": ["allowed", "disallowed", None]},
            "checked_at": NULLABLE_STR,
        },
    },
    "RecheckStatus": {
        "type": "object", "required": ["state", "done", "total", "summary"],
        "properties": {"state": {"enum": ["idle", "running", "done"]}, "done": INT, "total": INT,
                       "summary": {"oneOf": [{"type": "null"}, ref("RecheckSummary")]},
                       "error": STR},
    },
    "BoostItem": {
        "type": "object",
        "required": ["url", "domain", "target", "score", "reasons", "metrics", "placements"],
        "properties": {
            "url": STR, "domain": STR, "target": STR, "score": {"type": "number"},
            "reasons": STR_LIST, "metrics": {"type": "object"}, "placements": INT,
            "authority": {"type": "object", "description": "the page and domain authority the score used, in the "
                                                            "tool's own words: {value, metric} or null each",
                          "properties": {k: {"type": ["object", "null"], "required": ["value", "metric"],
                                             "properties": {"value": {"type": "number"}, "metric": STR}}
                                         for k in ("page", "domain")}},
            "spam": {"type": "boolean", "description": "a link farm, flagged by the exporter, a network of generated "
                                                      "pages or a search-result page (listed only with spam=show)"},
            "not_indexable": {"type": "boolean", "description": "search engines will not index it (listed only with "
                                                               "not_indexable=show|only; its reason first)"},
            "indexability": ref("Indexability"),
        },
    },
    "DraftReport": {
        "type": "object",
        "required": ["links", "own_links", "limit", "warnings", "suggestions"],
        "properties": {
            "links": {"type": "array", "items": {
                "type": "object", "required": ["href", "text", "rel", "follow", "target"],
                "properties": {
                    "href": STR, "text": STR, "rel": STR_LIST, "follow": BOOL,
                    "target": {"enum": ["me", "tier1", "competitor", "owned", "internal", "other"]}}}},
            "own_links": INT, "limit": INT,
            "warnings": {"type": "array", "items": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": STR, "message": STR, "href": STR}}},
            "suggestions": {"type": "array", "items": ref("Suggestion")},
        },
    },
}

PATHS = {
    "/api/health": {
        "get": {"operationId": "health", "summary": "Is the companion running (no token needed)",
                "security": [], "responses": ok(ref("Health"))},
    },
    "/api/openapi.json": {
        "get": {"operationId": "openapi", "summary": "This description",
                "responses": ok({"type": "object"})},
    },
    "/api/analyze": {
        "post": {
            "operationId": "analyze", "summary": "Analyse a page the user visits: links, labels, verdicts, changes",
            "requestBody": request_body({
                "type": "object", "required": ["url", "html"],
                "properties": {"url": URL,
                               "html": {"type": "string"},
                               "origin": {"enum": ["visit", "browser_check"],
                                          "description": "browser_check: the extension checks a page the "
                                                         "crawler could not (blocked, needs_browser)"},
                               "headers": {"type": "object", "maxProperties": MAX_HEADERS,
                                           "description": "the page's response headers, e.g. X-Robots-Tag "
                                                          "(which counts in robots and follow)",
                                           "additionalProperties": {"oneOf": [
                                               {"type": "string", "maxLength": MAX_HEADER_VALUE},
                                               {"type": "array", "items": {"type": "string", "maxLength": MAX_HEADER_VALUE}}]}},
                               "contacts": {"type": "boolean", "description": "also read the site's contact routes "
                                            "(the answer's `contacts`, kept for the save that follows)"}}}),
            "responses": ok(ref("Analysis")),
        },
    },
    "/api/profile": {
        "get": {"operationId": "getProfile", "summary": "The site profile", "responses": ok(ref("Profile"))},
        "put": {"operationId": "putProfile", "summary": "Replace the site profile",
                "requestBody": request_body(ref("Profile")), "responses": ok(ref("Profile"))},
    },
    "/api/import": {
        "post": {
            "operationId": "importBacklinks",
            "summary": "Import one or more backlink exports (all-or-nothing per file). The body is streamed to the "
                       "data home as it arrives, up to `max_bytes` of GET /api/import (4 GiB unless `tierlink serve "
                       "--max-import-size`); 413 beyond, naming `tierlink import FILE`, which has no limit. One "
                       "import at a time (409); poll GET /api/import for progress while this request runs",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream",
                                        "description": "repeat the part to send several files"},
                               "format": {"type": "string", **enum_of("import_format")}}}}}},
            "responses": {**ok({"oneOf": [ref("ImportSummary"), {"type": "array", "items": ref("ImportSummary")}]},
                                "One ImportSummary, or a list of them for several files"),
                          **error_responses("409", "411", "507")},
        },
        "get": {
            "operationId": "importStatus",
            "summary": "The running or last import: state, phase, bytes, rows, and the summary or error at the end",
            "responses": ok(ref("ImportStatus")),
        },
    },
    "/api/choices": {
        "get": {
            "operationId": "choices",
            "summary": "Every list of values the API accepts (import formats, statuses, kinds, via...), with labels",
            "responses": ok(ref("Choices")),
        },
    },
    "/api/backlinks": {
        "get": {
            "operationId": "listBacklinks",
            "summary": "One page of the stored backlinks, sorted and filtered in the database (an index walk "
                       "whatever the list's size), with `total` (the rows the filters match) and `next_offset` "
                       "(null on the last page)",
            "parameters": [
                query_param("limit", {"type": "integer", "minimum": 1, "maximum": listing.MAX_LIMIT, "default": listing.DEFAULT_LIMIT}),
                query_param("offset", {"type": "integer", "minimum": 0, "maximum": 2**53, "default": 0}),
                query_param("sort", {"type": "string", **enum_of("backlink_sort"), "default": "authority"},
                       "authority: the tools' values on one scale (domain authority, else the page's own); "
                       "first_seen, last_seen, domain (the linking page's host)"),
                query_param("order", {"type": "string", **enum_of("backlink_order")},
                       "desc by default (asc for domain); unknown values last in desc, first in asc"),
                query_param("status", {"type": "string", **enum_of("backlink_status")}),
                query_param("follow", {"type": "string", "enum": ["true", "false"]}),
                query_param("domain", {"type": "string", "minLength": 1, "maxLength": MAX_DOMAIN},
                       "only links from pages on this host (`www.` and case ignored)"),
                query_param("tool", {"type": "string", **enum_of("backlink_tool")}, "only links this tool supplied"),
                query_param("q", {"type": "string", "minLength": 1, "maxLength": listing.MAX_QUERY_LENGTH, "pattern": "[^\\W_]"},
                       "full-text search of the URLs, anchor and title: every word must match (stemmed)"),
            ],
            "responses": ok(ref("BacklinkPage")),
        },
    },
    "/api/broken-targets": {
        "get": {
            "operationId": "brokenTargets",
            "summary": "Live links to a page of mine answering 4xx (a redirect wins each back), followed and high DR first",
            "responses": ok({"type": "array", "items": ref("BrokenTarget")}),
        },
    },
    "/api/boost": {
        "get": {
            "operationId": "boostList",
            "summary": "Tier-1 pages worth boosting, best first (live followed links and authority lead; equal "
                       "scores fall to page, then domain authority). Spam pages are left out; spam=show "
                       "interleaves them with the followed pages in score order, spam=only lists them alone (best "
                       "score first); each item says `spam`",
            "parameters": [{"name": "limit", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 0, "maximum": BOOST_LIST[1], "default": BOOST_LIST[0]}},
                           {"name": "spam", "in": "query", "required": False,
                            "schema": {"type": "string", "enum": ["hide", "show", "only"], "default": "hide"}},
                           {"name": "not_indexable", "in": "query", "required": False,
                            "description": "pages a visit or a recheck found search engines will not index: left "
                                           "out (hide), in score order (show) or alone (only)",
                            "schema": {"type": "string", "enum": ["hide", "show", "only"], "default": "hide"}}],
            "responses": ok({"type": "array", "items": ref("BoostItem")}),
        },
    },
    "/api/boost/hidden": {
        "get": {
            "operationId": "boostHidden",
            "summary": "How many scored tier-1 pages the default boost list leaves out, each counted once under "
                       "the first reason that holds: disavowed, not indexable (not_indexable=show|only lists "
                       "them), spam (spam=show|only). What the dashboard says when the list is empty",
            "responses": ok({"type": "object", "required": ["disavowed", "not_indexable", "spam"],
                              "additionalProperties": False,
                              "properties": {"disavowed": INT, "not_indexable": INT, "spam": INT}}),
        },
    },
    "/api/graph": {
        "get": {
            "operationId": "tierGraph",
            "summary": "The tier graph from the top `limit` pages of the boost list, in its order (never spam): "
                       "nodes (money pages, tier-1 pages, my placements as tier-2 pages, in that order) and edges",
            "parameters": [query_param("limit", {"type": "integer", "minimum": 1, "maximum": graph.MAX_LIMIT, "default": graph.DEFAULT_LIMIT})],
            "responses": ok({
                "type": "object", "required": ["nodes", "edges", "totals"],
                "properties": {
                    "nodes": {"type": "array", "items": {
                        "type": "object", "required": ["id", "key", "tier", "url"],
                        "properties": {"id": STR, "key": STR, "tier": {"enum": [0, 1, 2]},
                                       "url": NULLABLE_STR, "rank": INT, "score": {"type": "number"}}}},
                    "edges": {"type": "array", "items": {
                        "type": "object", "required": ["from", "to", "lost", "follow", "kind"],
                        "properties": {"from": STR, "to": STR, "lost": BOOL, "follow": BOOL,
                                       "kind": {"enum": ["t1", "t2"]}}}},
                    "totals": {"type": "object"}}}),
        },
    },
    "/api/drafts/check": {
        "post": {
            "operationId": "checkDraft",
            "summary": "Check a guest-post draft's links: targets, own links against the limit, warnings, "
                       "tier-1 suggestions. Exactly one of html (at most 2 MiB), markdown or text (at most "
                       "512 KiB); 413 beyond; an empty or binary draft is a 400",
            "requestBody": request_body({
                "type": "object",
                "oneOf": [{"required": ["html"]}, {"required": ["markdown"]}, {"required": ["text"]}],
                "properties": {"html": _DRAFT_TEXT, "markdown": _DRAFT_TEXT, "text": _DRAFT_TEXT,
                               "host_url": URL,
                               "limit": {"type": "integer", "minimum": 0, "maximum": MAX_LINK_LIMIT}}}),
            "responses": ok(ref("DraftReport")),
        },
    },
    "/api/candidates": {
        "post": {
            "operationId": "saveCandidate",
            "summary": "Save a page as a boost or tier2 candidate (201); the same page and kind again updates it (200). "
                       "The verdict snapshot comes from the last analysis of the page, or from `verdict`",
            "requestBody": request_body({
                "type": "object", "required": ["url", "kind"], "additionalProperties": False,
                "properties": {"url": URL, "kind": enum_of("candidate_kind"),
                               "title": {"type": "string", "maxLength": MAX_TITLE},
                               "note": _NOTE,
                               "tags": _TAGS,
                               "verdict": _VERDICT_SNAPSHOT}}),
            "responses": {**ok(ref("Candidate"), "Updated: this page was saved with this kind before"),
                          "201": {"description": "Created",
                                  "content": {"application/json": {"schema": ref("Candidate")}}}},
        },
        "get": {
            "operationId": "listCandidates", "summary": "Saved candidates, most recently changed first",
            "parameters": [{"name": "kind", "in": "query", "required": False,
                            "schema": {"type": "string", **enum_of("candidate_kind")}},
                           {"name": "status", "in": "query", "required": False,
                            "schema": {"type": "string",
                                       **enum_of("candidate_status")}},
                           query_param("due", {"type": "string", "pattern": "^(today|[0-9]{4}-[0-9]{2}-[0-9]{2})$"},
                                  "only contacted candidates whose follow-up is this day (today or YYYY-MM-DD) "
                                  "or earlier")],
            "responses": ok({"type": "array", "items": ref("Candidate")}),
        },
    },
    "/api/candidates/{id}": {
        "patch": {
            "operationId": "updateCandidate",
            "summary": "Change status (kept in history), note, tags or title. For a tier2 candidate set to placed "
                       "or live, `to_url` (+ anchor, via, date) records the placement; the answer then carries "
                       "`placement` and `warnings`",
            "parameters": [ID_PARAM],
            "requestBody": request_body({
                "type": "object", "additionalProperties": False, "minProperties": 1,
                "properties": {"status": enum_of("candidate_status"),
                               "note": _NOTE,
                               "title": {"type": "string", "maxLength": MAX_TITLE},
                               "tags": _TAGS,
                               "to_url": URL, "anchor": {"type": "string", "maxLength": MAX_ANCHOR},
                               "via": enum_of("via"),
                               "date": {"type": "string", "format": "date"},
                               "follow_up": {"type": ["string", "null"], "format": "date",
                                             "description": "when to write again (null clears it); with status "
                                                            "contacted, instead of today + follow_up_days"},
                               "override_dnc": {"type": "boolean", "description": "mark a do-not-contact "
                                                "candidate contacted anyway (the history records it)"}}}),
            "responses": {**ok(ref("Candidate")), "409": {
                "description": "do_not_contact: the site or an address it shows is on the do-not-contact list "
                               "(send override_dnc: true to go on)",
                "content": {"application/json": {"schema": ref("Error")}}}},
        },
        "delete": {
            "operationId": "deleteCandidate", "summary": "Remove a candidate (placements it recorded stay)",
            "parameters": [ID_PARAM],
            "responses": ok({"type": "object", "required": ["deleted"], "properties": {"deleted": STR}}),
        },
    },
    "/api/placements": {
        "post": {
            "operationId": "addPlacement",
            "summary": "Log a tier-2 link (201); the same from/to pages again updates it (200). `warnings` say when "
                       "to_url is not a known tier-1 page (accepted anyway) or the anchor is overused",
            "requestBody": request_body({
                "type": "object", "required": ["from_url", "to_url"], "additionalProperties": False,
                "properties": {"from_url": URL, "to_url": URL, "anchor": {"type": "string", "maxLength": MAX_ANCHOR},
                               "via": enum_of("via"),
                               "date": {"type": "string", "format": "date"},
                               "note": _NOTE, "candidate_id": STR}}),
            "responses": {**ok(ref("Placement"), "Updated: this link was logged before"),
                          "201": {"description": "Created",
                                  "content": {"application/json": {"schema": ref("Placement")}}}},
        },
        "get": {
            "operationId": "listPlacements", "summary": "The tier-2 links I built, newest first",
            "parameters": [{"name": "to_url", "in": "query", "required": False,
                            "description": "only placements pointing at this tier-1 page", "schema": URL}],
            "responses": ok({"type": "array", "items": ref("Placement")}),
        },
    },
    "/api/recheck": {
        "post": {
            "operationId": "startRecheck",
            "summary": "Recheck the stored tier-1 pages and my placement pages in the background (the options of "
                       "`tierlink recheck`): 202 with the status; 409 while a recheck runs",
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": False,
                "properties": {"only": enum_of("recheck_only", nullable=True),
                               "limit": _range(["integer", "null"], "limit"),
                               "older_than": _range(["number", "null"], "older_than"),
                               "delay": _range("number", "delay"), "timeout": _range("number", "timeout"),
                               "concurrency": _range("integer", "concurrency"),
                               "allow_private_hosts": BOOL}}}}},
            "responses": {"202": {"description": "Started",
                                  "content": {"application/json": {"schema": ref("RecheckStatus")}}},
                          **error_responses(*COMMON_ERRORS, "409")},
        },
        "get": {
            "operationId": "recheckStatus", "summary": "The running or last recheck: state, progress, summary",
            "responses": ok(ref("RecheckStatus")),
        },
    },
    "/api/placements/{id}": {
        "delete": {
            "operationId": "deletePlacement", "summary": "Remove a placement logged by mistake",
            "parameters": [ID_PARAM],
            "responses": ok({"type": "object", "required": ["deleted"], "properties": {"deleted": STR}}),
        },
    },
}


def spec(host: str | None = None) -> dict:
    """The description; `servers` names the address the client used (one of the allowed Hosts)."""
    from companion.web import routes  # route modules import this module's helpers: import late

    doc = {
        "openapi": "3.1.0",
        "info": {"title": "Tierlink companion", "version": __version__,
                 "description": "Local API of the Tierlink companion. Every route except /api/health needs "
                                "`Authorization: Bearer <token>` (`tierlink token`). Requests must use Host "
                                "127.0.0.1, localhost or [::1] with the served port."},
        "servers": [{"url": f"http://{host}"}] if host else [],
        "components": {
            "schemas": copy.deepcopy({**SCHEMAS, **routes.described("schemas")}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": copy.deepcopy({**PATHS, **routes.described("paths")}),
    }
    return doc
