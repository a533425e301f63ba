"""The HTTP API routes (docs/CONTRACT.md, "HTTP API"), as one Flask blueprint.

Every route is a thin adapter: read the input with the helpers below, call one
Workspace method (never the store: tests/test_through_workspace.py), return its
JSON. The checks every request needs (Host, Origin, token, size limits, JSON
errors, security headers, and the body and query against the served OpenAPI
schemas: companion.web.requestrules) live in `companion.web.app`, so a route never
has to remember them.

To add a route: decorate a function with `@bp.get/post/...`, read the body with
`json_body()` and fields with `str_field()` / `int_arg()`, raise `BadInput` (or
any TierlinkError) for what the schemas cannot say, return a dict/list (or
`(data, status)`), and describe it (OPENAPI_PATHS of its route module, or
`companion/web/openapi.py`): the description's maxLength, enum, types and required
fields are then enforced with no code in the route (a test compares routes and description).
"""

from __future__ import annotations

import json
import re
import zlib

import orjson

from flask import Blueprint, current_app, g, request

from companion.core.limits import BOOST_LIST, MAX_DOMAIN, MAX_URL_LENGTH
from companion.store.records import BACKLINK_STATUSES
from companion import __version__
from companion.core.errors import BadInput, TierlinkError, TooLarge, UnsupportedMediaType

bp = Blueprint("api", __name__, url_prefix="/api")

def workspace():
    return current_app.extensions["tierlink"].workspace


# --- input helpers ----------------------------------------------------------

def _reject_constant(name: str):
    raise BadInput(f"the body contains {name}, which is not JSON")


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrub_surrogates(data):
    """Replace lone UTF-16 surrogates (valid JSON escapes, not text) with U+FFFD.

    A page's DOM can hold them and JSON.stringify escapes them as `\\udXXX`;
    left in, they break every later UTF-8 encode (lxml, the store, our own
    answer) far from here. Pairs were already joined by the parser, so any
    surrogate left in a str is lone. Iterative: the depth is the JSON's.
    """
    def fix(value):
        return _LONE_SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value

    data = fix(data)
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            for i, item in enumerate(node):
                node[i] = fix(item)
                stack.append(node[i])
        elif isinstance(node, dict):
            for key in list(node):
                value = fix(node.pop(key))
                node[fix(key)] = value
                stack.append(value)
    return data


def json_body(kind: type = dict):
    """The request body as JSON of the given type (dict by default), or a 4xx.

    Parsed here rather than with `request.get_json()` so every failure is ours
    to word: a wrong content type is 415; malformed JSON, invalid UTF-8, NaN or
    Infinity (Python's json accepts them, JSON does not) and nesting deep
    enough to raise RecursionError are 400 — never a 500. A body over the size
    limit is refused by werkzeug with 413 when it is read. Lone surrogates are
    replaced (see `_scrub_surrogates`), only paid for when the body has one.
    A `Content-Encoding: gzip` body is inflated first (`_gunzip`), within the same cap.
    The body is parsed once per request: the request rules (companion.web.requestrules)
    read it before the route, which then gets the same object.
    """
    data = g.get("tierlink_json_body", _UNREAD)
    if data is _UNREAD:
        data = g.tierlink_json_body = _parse_body()
    if not isinstance(data, kind):
        raise BadInput(f"the JSON body must be {'an object' if kind is dict else 'a ' + kind.__name__}")
    return data


_UNREAD = object()


def _parse_body():
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    raw = request.get_data()
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding and encoding != "identity":
        if encoding != "gzip":
            raise UnsupportedMediaType("send the body plain or with Content-Encoding: gzip")
        raw = _gunzip(raw, current_app.extensions["tierlink"].max_body)
    try:
        # orjson first: strict RFC 8259 (UTF-8 only, no NaN, depth ≤ 1024) and faster
        # than json on a page-sized body, most of an /api/analyze request's overhead
        # (docs/BENCHMARKS.md, "Figures behind code comments"). Whatever it refuses is re-read below so
        # the error (or a lone surrogate's repair) is worded one way.
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = _slow_json(raw)
    return data


def _gunzip(raw: bytes, cap: int) -> bytes:
    """A gzip body inflated, refused (413) once it would pass `cap` bytes.

    Any client may gzip a page-sized body (the extension measured it and sends a plain
    Blob instead, which was faster in the worker: docs/BENCHMARKS.md, "The extension").
    The compressed body was already capped
    before it was read (bodygate); the inflated one is capped here by the same
    limit, and never inflated past it: a small bomb costs at most `cap` + 1 bytes.
    """
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing only
    try:
        out = inflater.decompress(raw, cap + 1)
    except zlib.error:
        raise BadInput("the body is not valid gzip") from None
    if len(out) > cap:
        raise TooLarge(f"the body is larger than {cap // (1024 * 1024)} MiB once decompressed")
    if not inflater.eof or inflater.unused_data:
        raise BadInput("the gzip body is cut short or has data after its end")
    return out


def _slow_json(raw: bytes):
    try:
        # Strict UTF-8 (RFC 8259): json.loads(bytes) would also take UTF-16/32 and
        # decode with 'surrogatepass', letting raw surrogate bytes through.
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        if _SURROGATE_ESCAPE.search(raw):
            data = _scrub_surrogates(data)
    except RecursionError:
        raise BadInput("the JSON body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, TierlinkError):
            raise
        raise BadInput("the body is not valid JSON") from None
    return data


def str_field(body: dict, name: str, *, required: bool = True, max_length: int | None = None,
              default: str | None = None) -> str | None:
    value = body.get(name, default)
    if value is None:
        if required:
            raise BadInput(f"'{name}' is required")
        return None
    if not isinstance(value, str):
        raise BadInput(f"'{name}' must be a string")
    if max_length is not None and len(value) > max_length:
        raise BadInput(f"'{name}' is longer than {max_length} characters")
    return value


def url_field(body: dict, name: str, *, required: bool = True) -> str | None:
    """An http(s) page address by the one URL check (companion.analysis.urls.check_url), trimmed."""
    from companion.analysis.urls import check_url

    value = body.get(name)
    if value is None and not required:
        return None
    return check_url(value, name)


def fields_of(body: dict, names: tuple[str, ...]) -> dict:
    """The body as keyword arguments of a Workspace method: each of `names` (None when left out);
    any other field is refused by name (the request rules already did, from the description)."""
    from companion.workflow.fields import check_fields

    check_fields(body, names)
    return {name: body.get(name) for name in names}


def not_null(body: dict, name: str):
    """A body field that may be left out but not sent as null (the OpenAPI description gives
    it no null type): `{"limit": null}` is a 400, not "the default"."""
    if name in body and body[name] is None:
        raise BadInput(f"'{name}' must not be null: leave it out for the default")
    return body.get(name)


def whole_number(value, name: str):
    """An integer as JSON Schema counts one (draft 2020-12): 3 and 3.0 alike; None passes."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise BadInput(f"'{name}' must be a whole number")
    return value


def int_arg(name: str, default: int, *, minimum: int = 0, maximum: int = 1000) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw, 10)
    except ValueError:
        raise BadInput(f"'{name}' must be a whole number") from None
    if not minimum <= value <= maximum:
        raise BadInput(f"'{name}' must be between {minimum} and {maximum}")
    return value


def text_arg(name: str, *, max_length: int = MAX_URL_LENGTH) -> str | None:
    """A query parameter's text, or None when it is absent. Present but empty (`?status=`)
    is refused as the OpenAPI description says (minLength 1): an empty filter is a
    mistake to report, not "no filter"."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw == "":
        raise BadInput(f"'{name}' is empty: leave it out to mean no filter")
    if len(raw) > max_length:
        raise BadInput(f"'{name}' is longer than {max_length} characters")
    return raw


def choice_arg(name: str, choices: tuple[str, ...]) -> str | None:
    raw = text_arg(name)
    if raw is not None and raw not in choices:
        raise BadInput(f"'{name}' must be one of {', '.join(choices)}")
    return raw


# --- routes -------------------------------------------------------------------

@bp.get("/health")
def health():
    """The one route without a token: lets the extension tell 'not running' from 'not paired'.

    `status` is `degraded` with a `problem` ({code, message}) when the companion runs but
    its store does not work: a damaged database file (`store_damaged`), a team database
    it cannot reach (`database_unavailable`) or whose SSL settings fail (`database_ssl`);
    the dashboard and the extension show it. `notices`: what went wrong at start that the
    user must know (a store file restored from a backup), present only then. `store`:
    `embedded` or `postgresql` (the database is named by host only, never its password).
    """
    return workspace().health(__version__)


@bp.get("/openapi.json")
def openapi():
    from companion.web.openapi import spec

    return spec(request.host)


@bp.post("/analyze")
def analyze():
    body = json_body()
    url = url_field(body, "url")
    html = str_field(body, "html")
    headers = not_null(body, "headers")
    if headers is not None:
        from companion.analysis.analyze import header_values

        header_values(headers, "x-robots-tag")  # validates the shape: a 400 here, never later
    origin = str_field(body, "origin", required=False) or "visit"
    if origin not in ("visit", "browser_check"):
        raise BadInput("'origin' must be visit or browser_check")
    contacts = not_null(body, "contacts")
    if contacts is not None and not isinstance(contacts, bool):
        raise BadInput("'contacts' must be true or false")
    return workspace().analyze(url, html, headers, contacts=bool(contacts), origin=origin)


@bp.get("/profile")
def get_profile():
    return workspace().profile.to_json()


@bp.put("/profile")
def put_profile():
    return workspace().set_profile(json_body()).to_json()


@bp.post("/import")
def import_file():
    """multipart/form-data with one or more `file` parts (+ optional `format`), as a browser form sends it.

    Under `tierlink serve` the body was already spooled to the data home as it
    arrived (companion.web.bodygate); elsewhere (another WSGI server, Flask's test
    client) it is spooled here, the same way. One file answers its
    ImportSummary, several a list of them (as the CLI prints). The spooled files
    are removed whatever happens.
    """
    from companion.web import uploads

    state = current_app.extensions["tierlink"]
    received = request.environ.get("wsgi.input")
    if not isinstance(received, uploads.Received):
        received = _spool_here(state)
    job, ticket = state.imports, received.ticket
    try:
        # A form sent with no file chosen has one empty, nameless part.
        files = [(name, path) for name, path in received.files if name or path.stat().st_size]
        if not files:
            raise BadInput("the 'file' part is missing")
        # The store knows which formats exist and names them in its error; we only bound the size.
        fmt = received.fields.get("format") or "auto"
        if len(fmt) > 32:
            raise BadInput("'format' is not a known export format")
        job.reading(ticket, files)
        summaries = workspace().import_files(files, format=fmt, progress=job.progress(ticket))
        summary = summaries[0] if len(summaries) == 1 else summaries
        workspace().warm_up()  # the next page visit should not wait for the rebuild
        job.finish(ticket, summary)
        return summary
    except TierlinkError as exc:
        job.fail(ticket, exc.code, exc.message)
        raise
    except OSError as exc:
        error = uploads.storage_error(exc, state.home)
        job.fail(ticket, error.code, error.message)
        raise error from None
    except BaseException:
        job.fail(ticket, "internal_error", "the import failed; see the companion's log")
        raise
    finally:
        received.cleanup()


def _spool_here(state):
    """The upload spooled from the WSGI input stream (no companion.web.bodygate in front of the app)."""
    from companion.web import uploads
    from companion.web.bodygate import boundary_of

    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("send the export as multipart/form-data with a 'file' part")
    boundary = boundary_of(request.headers.get("Content-Type", "").partition(";")[2])
    length = request.content_length
    if not boundary:
        raise BadInput("the multipart Content-Type names no boundary")
    if length is not None and length > state.imports.max_bytes:  # exactly the cap is taken
        raise TooLarge(uploads.too_large_message(length, state.imports.max_bytes))
    request.max_content_length = state.imports.max_bytes
    ticket = state.imports.claim(length or 0)
    spool = None
    try:
        spool = uploads.Spool(state.home, boundary, ticket)
        while chunk := request.stream.read(1024 * 1024):
            spool.feed(chunk)
            state.imports.received(ticket, len(chunk))
        return spool.finish()
    except BaseException as exc:
        if spool is not None:
            spool.discard()
        if isinstance(exc, TierlinkError):
            state.imports.fail(ticket, exc.code, exc.message)
        else:
            state.imports.fail(ticket, "upload_failed", "the upload could not be read; nothing was imported")
        raise


@bp.get("/import")
def import_status():
    """The running or last import (companion.web.uploads.ImportJob): poll it while POST /api/import is in flight."""
    return current_app.extensions["tierlink"].imports.snapshot()


@bp.get("/choices")
def choices():
    """Every list of values the API accepts, so the dashboard never types one again."""
    from companion import choices as choices_mod

    return choices_mod.for_api()


@bp.get("/backlinks")
def backlinks():
    """One page of the backlink list, sorted and filtered in the database (companion.store.listing)."""
    from companion.choices import CHOICES
    from companion.store import listing

    follow = choice_arg("follow", ("true", "false"))
    page = listing.Page(
        limit=int_arg("limit", listing.DEFAULT_LIMIT, minimum=1, maximum=listing.MAX_LIMIT),
        offset=int_arg("offset", 0, maximum=2**53), sort=choice_arg("sort", CHOICES["backlink_sort"]) or listing.DEFAULT_SORT,
        order=choice_arg("order", CHOICES["backlink_order"]), status=choice_arg("status", BACKLINK_STATUSES),
        follow=None if follow is None else follow == "true", domain=text_arg("domain", max_length=MAX_DOMAIN),
        tool=choice_arg("tool", CHOICES["backlink_tool"]), q=text_arg("q", max_length=listing.MAX_QUERY_LENGTH))
    return workspace().backlinks_page(page)


@bp.get("/broken-targets")
def broken_targets():
    """Live links to a page of mine answering 4xx (a redirect wins each back), best first."""
    return workspace().broken_targets()


@bp.get("/boost")
def boost():
    spam = choice_arg("spam", ("hide", "show", "only")) or "hide"
    not_indexable = choice_arg("not_indexable", ("hide", "show", "only")) or "hide"
    return workspace().boost_list(int_arg("limit", BOOST_LIST[0], minimum=0, maximum=BOOST_LIST[1]), spam=spam,
                                  not_indexable=not_indexable)


@bp.get("/boost/hidden")
def boost_hidden():
    """How many tier-1 pages the default list leaves out, by reason: what an empty list says."""
    return workspace().boost_hidden()


@bp.get("/graph")
def tier_graph():
    """The tier graph built from the top `limit` pages of the boost list (companion.verdicts.graph)."""
    from companion.verdicts import graph

    return workspace().tier_graph(int_arg("limit", graph.DEFAULT_LIMIT, minimum=1, maximum=graph.MAX_LIMIT))


@bp.post("/drafts/check")
def check_draft():
    """A guest-post draft's DraftReport: exactly one of html, markdown, text (companion.verdicts.drafts)."""
    from companion.verdicts import drafts

    body = json_body()
    forms = {name: str_field(body, name, required=False) for name in drafts.FORMS}
    limit = whole_number(not_null(body, "limit"), "limit")
    return workspace().check_draft(host_url=url_field(body, "host_url", required=False), limit=limit, **forms)


# --- candidates and placements (companion.workflow.candidates, companion.workflow.placements) -----

@bp.post("/candidates")
def save_candidate():
    """The extension's one-click save: 201 with a new candidate, 200 when the page was saved before."""
    from companion.workflow import candidates

    doc, created = workspace().save_candidate(**fields_of(json_body(), candidates.SAVE_FIELDS))
    return doc, 201 if created else 200


@bp.get("/candidates")
def list_candidates():
    """Saved candidates with their outreach marks (dnc, pitched, due); `due=today|YYYY-MM-DD`:
    only the contacted ones whose follow-up is that day or earlier (companion.workflow.outreach)."""
    from companion.workflow import candidates

    return workspace().list_candidates(kind=choice_arg("kind", candidates.KINDS),
                                       status=choice_arg("status", candidates.STATUSES),
                                       due=text_arg("due", max_length=10))


@bp.patch("/candidates/<id>")
def update_candidate(id):
    return workspace().update_candidate(id, json_body())


@bp.delete("/candidates/<id>")
def delete_candidate(id):
    return {"deleted": workspace().delete_candidate(id)}


@bp.post("/placements")
def add_placement():
    """Log a tier-2 link: 201 new, 200 when the same from/to pair was logged before; `warnings` advise."""
    from companion.workflow import placements

    doc, warnings, created = workspace().add_placement(**fields_of(json_body(), placements.ADD_FIELDS))
    return {**doc, "warnings": warnings}, 201 if created else 200


@bp.delete("/placements/<id>")
def delete_placement(id):
    return {"deleted": workspace().delete_placement(id)}


@bp.get("/placements")
def list_placements():
    return workspace().list_placements(to_url=text_arg("to_url"))


# --- link monitoring (companion.monitor) ----------------------------------------

@bp.post("/recheck")
def start_recheck():
    """Start a recheck in the background (the CLI's options as JSON): 202; 409 while one runs."""
    from companion.monitor.recheck import Options

    body = json_body() if request.content_length else {}
    return workspace().recheck_runner().start(Options.from_json(body)), 202


@bp.get("/recheck")
def recheck_status():
    return workspace().recheck_runner().status()
