"""The companion's Flask application: one factory, every request through the same gates.

`create_app(home, port)` builds the app that `tierlink serve` runs under waitress
(companion.web.server). The port is part of the app because the Host allow-list and
the dashboard's own Origin both name it.

Order of work for every request, whatever the path (API, dashboard, static):

1. Host allow-list (403) — first, so a DNS-rebound page learns nothing, not even
   whether a route exists.
2. Origin deny-list (403) — web origins other than the dashboard's own; this also
   refuses CORS preflights from web pages. No CORS header is ever sent.
3. Everything but `/api/health`, the dashboard shell and static files needs the
   `Authorization: Bearer` token (401), unknown paths included.
3b. The JSON body and query parameters against the request schemas of the served
   OpenAPI description (companion.web.requestrules): 400 naming the field.
4. The route. Bad input raises TierlinkError (its status) or a werkzeug
   HTTPException; both become `{"error": {"code", "message"}}`, as does any
   unexpected exception (500, logged without request content). Never an HTML page.
5. Security headers on every response (CSP, nosniff, no-referrer, no-store).

One access-log line per request: method, route, status, milliseconds — never the
query string, body, page content or token.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from flask import Flask, Response, current_app, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from companion.core import foreground
from companion.core.limits import DEFAULT_MAX_IMPORT, MAX_BODY
from companion.web import security
from companion.core.atomic import file_stamp
from companion.core.errors import TierlinkError, Unauthorized, code_for_status, error_body

log = logging.getLogger("tierlink.http")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

PLACEHOLDER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tierlink</title></head>
<body><h1>Tierlink companion is running</h1>
<p>Open the address <code>tierlink serve</code> printed (it carries the token) to use the dashboard.</p>
</body></html>
"""

class TokenSource:
    """The token as the file says now: `tierlink token --rotate` takes effect at once.

    The file is re-read only when its stat changes, so a request costs one stat().
    """

    def __init__(self, home: Path):
        self.home = Path(home)
        self._stamp = None
        self._token = security.get_token(self.home)

    def current(self) -> str:
        stamp = file_stamp(security.token_path(self.home))
        if stamp != self._stamp:
            self._token = security.get_token(self.home)
            self._stamp = stamp
        return self._token


@dataclass
class State:
    """What the app shares between threads; kept in app.extensions['tierlink']."""

    home: Path
    port: int
    workspace: object
    tokens: TokenSource
    # The one import at a time and its progress (companion.web.uploads); its max_bytes is
    # POST /api/import's own body cap (`tierlink serve --max-import-size`).
    imports: object = None
    max_body: int = MAX_BODY
    # Endpoints served without the token: the health check (so the extension can tell
    # "not running" from "not paired") and the dashboard's shell and static files
    # (the dashboard then calls the API with the token from its #fragment). Every
    # other request needs the token, unknown paths included: an allow-list, so a new
    # route is protected unless someone decides otherwise here.
    open_endpoints: set = field(default_factory=lambda: {"api.health", "index", "static"})
    # The request schemas of GET /api/openapi.json, compiled once (companion.web.requestrules).
    rules: object = None


class _JSONProvider(DefaultJSONProvider):
    """Answers in UTF-8 as built (no key sorting), and never a 500 for odd text.

    A lone surrogate in a str (from a page, a stored record) cannot be encoded
    as UTF-8; then the answer is re-serialised with ASCII escapes (`\\udXXX`),
    which is valid JSON that every client parses.
    """

    sort_keys = False
    ensure_ascii = False

    def response(self, *args, **kwargs) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj) + b"\n"  # fast path: an Analysis can list thousands of links
        except TypeError:  # a lone surrogate, or a type orjson does not know: the careful path
            body = None
        if body is not None:
            return self._app.response_class(body, mimetype=self.mimetype)
        try:
            body = (self.dumps(obj, separators=(",", ":")) + "\n").encode("utf-8")
        except UnicodeEncodeError:
            body = (self.dumps(obj, separators=(",", ":"), ensure_ascii=True) + "\n").encode("ascii")
        return self._app.response_class(body, mimetype=self.mimetype)


class _Flask(Flask):
    json_provider_class = _JSONProvider

    def log_exception(self, exc_info) -> None:
        """One line, where it happened, never the message (it may quote a page or a token)."""
        _log_unexpected(exc_info[1])


def _log_unexpected(exc: BaseException | None) -> None:
    tb = getattr(exc, "__traceback__", None)
    frame = traceback.extract_tb(tb)[-1] if tb else None
    where = f"{frame.filename}:{frame.lineno} in {frame.name}" if frame else "?"
    try:
        method, rule = request.method, getattr(request.url_rule, "rule", "-")
    except RuntimeError:
        method, rule = "-", "-"
    log.error("unexpected %s at %s (%s %s)", type(exc).__name__, where, method, rule)


def error_response(status: int, code: str, message: str) -> Response:
    response = jsonify(error_body(code, message))
    response.status_code = status
    return response


def create_app(home: Path, port: int, *, workspace=None, max_import_size: int | None = None) -> Flask:
    """The companion app for one data home served on one loopback port.

    `workspace` lets a test or an embedding program share an already open
    Workspace; by default one is opened here and shared by every thread.
    `max_import_size`: the body cap of POST /api/import (default 4 GiB); every
    other route keeps MAX_BODY.
    """
    from companion.web.uploads import ImportJob
    from companion.workspace import Workspace

    home = Path(home)
    app = _Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY)
    app.extensions["tierlink"] = State(home=home, port=int(port),
                                       workspace=workspace if workspace is not None else Workspace(home),
                                       tokens=TokenSource(home),
                                       imports=ImportJob(max_import_size or DEFAULT_MAX_IMPORT))

    app.before_request(_gate)
    app.after_request(_headers)
    app.register_error_handler(TierlinkError, _tierlink_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)

    from companion.web import routes
    from companion.web.api import bp

    routes.load()  # every route module adds its routes to bp before it is registered
    app.register_blueprint(bp)
    from companion.web.openapi import spec
    from companion.web.requestrules import RequestRules

    app.extensions["tierlink"].rules = RequestRules(spec())
    app.add_url_rule("/", "index", _index)
    app.wsgi_app = _AccessLog(app.wsgi_app)
    return app


def _state() -> State:
    return current_app.extensions["tierlink"]


def _gate():
    """Host, then Origin, then the token: see the module docstring for why this order."""
    state = _state()
    env = request.environ
    security.check_host(env.get("HTTP_HOST"), state.port)
    security.check_origin(env.get("HTTP_ORIGIN"), state.port)
    if request.endpoint not in state.open_endpoints:
        if not security.bearer_matches(env.get("HTTP_AUTHORIZATION"), state.tokens.current()):
            raise Unauthorized("send the token as 'Authorization: Bearer <token>' "
                                        "(`tierlink token` prints it)")
    state.rules.check()  # the body and query against the served description: 400 naming the field
    return None


def _headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    if request.path.startswith("/api/") or request.path == "/":
        # Answers carry the user's research; the index is tiny. Static assets may be cached.
        response.headers["Cache-Control"] = "no-store"
    for name in [h for h in response.headers.keys() if h.lower().startswith("access-control-")]:
        del response.headers[name]
    if request.url_rule is not None:
        request.environ["tierlink.route"] = request.url_rule.rule
    return response


def _index():
    """The dashboard's shell (companion/web/static/index.html), or a placeholder without it."""
    static = Path(current_app.static_folder or "")
    if (static / "index.html").is_file():
        response = current_app.send_static_file("index.html")
        response.cache_control.no_store = True
        return response
    return Response(PLACEHOLDER_PAGE, mimetype="text/html")


def _tierlink_error(exc: TierlinkError):
    return error_response(exc.status, exc.code, exc.message)


def _http_error(exc: HTTPException):
    original = getattr(exc, "original_exception", None)
    if original is not None:  # an unexpected error Flask wrapped (already logged by log_exception)
        return _internal_error(original)
    status = exc.code or 500
    code = code_for_status(status)
    message = {413: f"the body is larger than {MAX_BODY // (1024 * 1024)} MiB",
               404: "no such route", 405: f"{request.method} is not allowed here"}.get(
        status, (exc.description or exc.name or "").split("\n")[0][:300])
    response = error_response(status, code, message)
    allow = exc.get_headers() if status == 405 else []
    for name, value in allow:
        if name.lower() == "allow":
            response.headers["Allow"] = value
    return response


def _unexpected_error(exc: Exception):
    # Log where it happened, not what it said: an exception message may quote the page.
    _log_unexpected(exc)
    return _internal_error(exc)


def _internal_error(exc: BaseException):
    known = _state().workspace.explain(exc)  # a damaged store file: 503 store_damaged, never a 500
    if known is not None:
        return _tierlink_error(known)
    return error_response(500, "internal_error", f"internal error ({type(exc).__name__}); see the companion's log")


class _AccessLog:
    """WSGI wrapper that logs one line per request once the status is known, and marks the
    request as being answered meanwhile: the server's background passes wait for it
    (companion.core.foreground).

    Outside Flask so it also times requests refused by the gate and errors.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen = {}

        def _start(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)

        try:
            with foreground.answering():
                return self.wsgi_app(environ, _start)
        finally:
            route = environ.get("tierlink.route")
            if route is None:
                raw = environ.get("PATH_INFO", "")[:100]
                route = "(unrouted) " + raw.encode("unicode_escape", "replace").decode("ascii", "replace")
            log.info("%s %s %s %.1fms", environ.get("REQUEST_METHOD", "-")[:10], route,
                     seen.get("status", "-"), (time.perf_counter() - started) * 1000)
