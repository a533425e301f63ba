"""My guest posts over HTTP (docs/CONTRACT.md, "Guest posts"): the routes and their description.

Thin adapters over companion.workflow.guestposts (marking, the host page index and its setting)
and companion.verdicts.guestlinks (suggested pages, the editor's note), as `tierlink guest-posts`.
"""

from __future__ import annotations

from companion.core.limits import MAX_TITLE
from companion.core.errors import BadInput
from companion.workflow.guestposts import HOST_PATTERN
from companion.web.api import bp, choice_arg, json_body, str_field, text_arg, url_field, workspace
from companion.web.schemas import BOOL, ID_PARAM, INT, NULLABLE_STR, STR, STR_LIST, URL, enum_of, ok, query_param, ref, request_body


@bp.get("/guest-posts")
def list_guest_posts():
    """My guest posts, oldest first; `needs_links=true`: only those with no internal link seen."""
    needs = choice_arg("needs_links", ("true", "false")) == "true"
    return workspace().guest_posts(needs_links=needs, host=text_arg("host", max_length=253))


@bp.post("/guest-posts")
def mark_guest_post():
    """Mark a page as my guest post: 201 new, 200 when it was marked before."""
    from companion.workflow import guestposts

    body = json_body()
    unknown = sorted(set(body) - {"url", "title", "via"})
    if unknown:
        raise BadInput(f"unknown field '{unknown[0]}' (known: url, title, via)")
    via = str_field(body, "via", required=False, default="dashboard")
    if via not in guestposts.API_VIA:
        raise BadInput(f"'via' must be one of {', '.join(guestposts.API_VIA)}")
    doc, created = workspace().mark_guest_post(url_field(body, "url"), via=via,
                                               title=str_field(body, "title", required=False, max_length=MAX_TITLE))
    return doc, 201 if created else 200


@bp.delete("/guest-posts/<id>")
def unmark_guest_post(id):
    return {"removed": workspace().unmark_guest_post(id)["id"]}


@bp.get("/guest-post-index")
def guest_post_index():
    """Whether the host page index is on."""
    return {"enabled": workspace().guest_post_index()}


@bp.put("/guest-post-index")
def set_guest_post_index():
    body = json_body()
    if set(body) != {"enabled"}:
        raise BadInput("send {\"enabled\": true|false}")
    return {"enabled": workspace().guest_post_index(body["enabled"])}


@bp.delete("/guest-post-hosts/<host>")
def forget_host(host):
    """Forget every page seen on a host."""
    return {"host": host, "forgotten": workspace().forget_guest_post_host(host)}


_GUEST_POST_DOC = {
    "type": "object", "required": ["id", "url", "key", "host", "title", "marked_at", "via"],
    "properties": {"id": STR, "url": STR, "key": STR, "host": STR, "title": STR, "marked_at": STR,
                   "via": enum_of("guest_post_via")},
}
_INDEX = {"type": "object", "required": ["enabled"], "properties": {"enabled": BOOL}}

OPENAPI_SCHEMAS = {
    "GuestPost": {
        "type": "object",
        "required": ["id", "url", "host", "title", "marked_at", "via", "internal_links", "linking_pages",
                     "needs_links", "indexability", "indexed_pages", "suggestions", "note"],
        "properties": {
            "id": STR, "url": STR, "key": STR, "host": STR, "title": STR, "marked_at": NULLABLE_STR,
            "via": NULLABLE_STR,
            "internal_links": {**INT, "description": "pages of its host seen linking to it"},
            "linking_pages": {**STR_LIST, "description": "up to five of them"},
            "needs_links": BOOL, "indexability": ref("Indexability"),
            "indexed_pages": {**INT, "description": "pages of its host in the local index"},
            "suggestions": {"type": "array", "description": "up to three pages of its host to ask for a link from "
                                                            "(only when it has none)",
                            "items": {"type": "object", "required": ["url", "title", "anchor", "why"],
                                      "properties": {"url": STR, "title": STR, "anchor": STR, "why": STR,
                                                     "weight": {"type": "number"}}}},
            "note": {**STR, "description": "a note for the editor, ready to send (empty when it has links)"},
        },
    },
}

OPENAPI_PATHS = {
    "/api/guest-posts": {
        "get": {
            "operationId": "listGuestPosts",
            "summary": "My guest posts, oldest first, each with the internal links seen toward it, its indexability, "
                       "and (with none) up to three suggested source pages on its host and a note for the editor",
            "parameters": [query_param("needs_links", {"type": "string", "enum": ["true", "false"]},
                                  "true: only the guest posts with no internal link seen"),
                           query_param("host", {"type": "string", "maxLength": 253}, "only the guest posts on this host")],
            "responses": ok({"type": "array", "items": ref("GuestPost")}),
        },
        "post": {
            "operationId": "markGuestPost",
            "summary": "Mark a page as my guest post (201); marked before: 200. Its host's pages are indexed from now on",
            "requestBody": request_body({
                "type": "object", "required": ["url"], "additionalProperties": False,
                "properties": {"url": URL, "title": {"type": "string", "maxLength": MAX_TITLE},
                               "via": enum_of("guest_post_marked_from")}}),
            "responses": {**ok(_GUEST_POST_DOC, "Marked before"),
                          "201": {"description": "Marked", "content": {"application/json": {"schema": _GUEST_POST_DOC}}}},
        },
    },
    "/api/guest-posts/{id}": {
        "delete": {
            "operationId": "unmarkGuestPost", "summary": "No longer count a page as my guest post",
            "parameters": [ID_PARAM],
            "responses": ok({"type": "object", "required": ["removed"], "properties": {"removed": STR}}),
        },
    },
    "/api/guest-post-index": {
        "get": {"operationId": "guestPostIndex", "summary": "Whether pages seen on my guest posts' hosts are indexed",
                "responses": ok(_INDEX)},
        "put": {"operationId": "setGuestPostIndex", "summary": "Turn the host page index on or off",
                "requestBody": request_body({**_INDEX, "additionalProperties": False}), "responses": ok(_INDEX)},
    },
    "/api/guest-post-hosts/{host}": {
        "delete": {
            "operationId": "forgetGuestPostHost", "summary": "Forget every page seen on a host",
            "parameters": [{"name": "host", "in": "path", "required": True,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 253,
                                       "pattern": HOST_PATTERN}}],
            "responses": ok({"type": "object", "required": ["host", "forgotten"],
                              "properties": {"host": STR, "forgotten": INT}}),
        },
    },
}
