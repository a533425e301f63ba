"""The gates that must run before a byte of a request's body is read, inside waitress.

waitress reads a whole request body (into memory, then a temp file) before the
app sees the request. With one 16 MiB cap for every route that was harmless;
`POST /api/import` now takes exports up to `--max-import-size` (4 GiB by
default), and a web page or an unpaired local process must not be able to make
the companion swallow gigabytes before the app's Host/Origin/token checks say
no. So the request parser is extended: once the headers are complete, and
before the body is touched,

1. Host, Origin and the token are checked exactly as companion.web.app's gate does
   (403/401); only a request with a body is gated here (the app gates every
   request again), and a body on any route but /api/health needs the token;
2. the body is capped by route: the import's own limit for `POST /api/import`,
   16 MiB (companion.web.app.MAX_BODY) for everything else, announced
   (Content-Length) or chunked — 413, with the limit, the size and the CLI
   command that has no limit for an import;
3. for `POST /api/import`: one import at a time (409), multipart/form-data only
   (415), a Content-Length (411: browsers always send one); then the body goes
   to companion.web.uploads.Spool as it arrives, file parts straight to disk in the
   data home, and the app receives the parts (`Received`) as `wsgi.input`.

A refusal is a waitress error answer (made JSON by server._json_waitress_errors)
sent without reading the body, and the connection is closed. The channel is
extended so an upload cut off mid-way (client gone, timeout) removes its
files and frees the import slot at once.

This leans on waitress's parser and channel classes (HTTPRequestParser.received,
HTTPChannel.parser_class/handle_close), stable since waitress 1.x;
tests/test_import_upload.py fails loudly if that ever changes.
"""

from __future__ import annotations

import copy
import logging

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.utilities import Error, RequestEntityTooLarge

from companion.web import security
from companion.core.errors import TierlinkError, TooLarge, Unauthorized, UnsupportedMediaType
from companion.web.uploads import Spool, too_large_message

log = logging.getLogger("tierlink.upload")

IMPORT_PATH = "/api/import"


class GateError(Error):
    """A waitress error answer carrying our code and message (see server._json_waitress_errors)."""

    def __init__(self, exc: TierlinkError):
        super().__init__(exc.message)
        self.code = exc.status
        self.reason = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 409: "Conflict",
                       411: "Length Required", 413: "Request Entity Too Large", 415: "Unsupported Media Type",
                       507: "Insufficient Storage"}.get(exc.status, "Error")
        self.tierlink_code = exc.code
        self.tierlink_message = exc.message


class _SpoolReceiver:
    """waitress's body-receiver protocol (received/completed/error/getfile/getbuf) over a Spool."""

    completed = False
    error = None

    def __init__(self, spool: Spool, length: int, job, ticket: int):
        self.spool, self.remain, self.job, self.ticket = spool, length, job, ticket
        self.result = None
        self.closed = False

    def __len__(self) -> int:
        return 0

    def received(self, data: bytes) -> int:
        if self.completed:
            return 0
        take = data[:self.remain]
        try:
            self.spool.feed(take)
            self.remain -= len(take)
            self.job.received(self.ticket, len(take))
            if self.remain <= 0:
                self.result = self.spool.finish()
                self.completed = True
        except TierlinkError as exc:
            self.error = GateError(exc)
            self.completed = True
            self.job.fail(self.ticket, exc.code, exc.message)
        return len(take)

    def getfile(self):
        return self.result

    def getbuf(self):
        return self

    def close(self) -> None:
        """Called by waitress when the request is done with, or by the channel when cut off."""
        if self.closed:
            return
        self.closed = True
        if self.result is not None:
            self.result.cleanup()
        else:
            self.spool.discard()
        if not self.completed:
            self.job.fail(self.ticket, "upload_interrupted",
                          f"the upload stopped after {self.spool_bytes()} (the connection closed); nothing was imported")
        else:
            # The app finishes the job before the request is closed; this only fires when it never ran.
            self.job.fail(self.ticket, "upload_not_imported", "the upload was received but not imported")

    def spool_bytes(self) -> str:
        from companion.web.uploads import human_size

        return human_size(self.job.snapshot().get("bytes", 0))


class GatedParser(HTTPRequestParser):
    """HTTPRequestParser plus the checks above, run the moment the headers are complete."""

    state = None  # the app's companion.web.app.State; set on the subclass made by `install`

    def received(self, data):
        before = self.headers_finished
        consumed = super().received(data)
        if not before and self.headers_finished and not self.empty:
            try:
                self._gate()
            except TierlinkError as exc:
                self.error = GateError(exc)
                self.completed = True
                self.expect_continue = False  # never invite a body we refuse
                # The app's access log never sees this request: one line here, never headers or body.
                path = self.path[:100].encode("unicode_escape", "replace").decode("ascii", "replace")
                log.info("%s %s %s refused before the body (%s)", self.command[:10], path, exc.status, exc.code)
        return consumed

    def _has_body(self) -> bool:
        return self.chunked or self.content_length > 0

    def _gate(self) -> None:
        if self.error is not None and not isinstance(self.error, RequestEntityTooLarge):
            return  # a malformed request: waitress's own 400/431/501 stands
        if not self._has_body():
            return
        state = self.state
        headers = self.headers
        security.check_host(headers.get("HOST"), state.port)
        security.check_origin(headers.get("ORIGIN"), state.port)
        if self.path != "/api/health" and not security.bearer_matches(headers.get("AUTHORIZATION"),
                                                                      state.tokens.current()):
            raise Unauthorized("send the token as 'Authorization: Bearer <token>' "
                                        "(`tierlink token` prints it)")
        is_import = self.command == "POST" and self.path == IMPORT_PATH
        cap = state.imports.max_bytes if is_import else state.max_body
        # A per-request copy of the settings, so waitress's own check of a chunked body uses this route's cap.
        # An import of exactly `--max-import-size` bytes is taken (waitress refuses from its setting on up).
        self.adj = copy.copy(self.adj)
        self.adj.max_request_body_size = cap + 1 if is_import else cap
        if not self.chunked and self.content_length >= self.adj.max_request_body_size:
            raise TooLarge(too_large_message(self.content_length, cap) if is_import
                           else f"the body is larger than {cap // (1024 * 1024)} MiB")
        if is_import:
            self._start_import()

    def _start_import(self) -> None:
        ctype = self.headers.get("CONTENT_TYPE", "")
        mimetype, _, params = ctype.partition(";")
        if mimetype.strip().lower() != "multipart/form-data":
            raise UnsupportedMediaType("send the export as multipart/form-data with a 'file' part")
        boundary = boundary_of(params)
        if not boundary:
            raise TierlinkError("the multipart Content-Type names no boundary", code="bad_input")
        if self.chunked:
            raise TierlinkError("send the upload with a Content-Length (as browsers do)", code="length_required",
                                status=411)
        job = self.state.imports
        ticket = job.claim(self.content_length)
        try:
            spool = Spool(self.state.home, boundary, ticket)
        except TierlinkError as exc:
            job.fail(ticket, exc.code, exc.message)
            raise
        self.body_rcv = _SpoolReceiver(spool, self.content_length, job, ticket)

    def close(self):
        body_rcv = self.body_rcv
        if body_rcv is not None:
            body_rcv.getbuf().close()


def boundary_of(params: str) -> bytes | None:
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "boundary":
            value = value.strip().strip('"')
            if 0 < len(value) <= 200:
                return value.encode("latin-1", "replace")
    return None


class GatedChannel(HTTPChannel):
    def handle_close(self):
        # A request cut off mid-body (client gone, channel timeout) is never serviced,
        # so waitress never closes it: do, so its spooled files go and the import slot frees.
        request = self.request
        if request is not None:
            self.request = None
            try:
                request.close()
            except Exception:  # noqa: BLE001 - closing a dead connection must not raise
                log.exception("closing an interrupted request")
        super().handle_close()


def install(server, app) -> None:
    """Make a waitress server (create_server's result) gate bodies for this app."""
    state = app.extensions["tierlink"]
    parser = type("TierlinkParser", (GatedParser,), {"state": state})
    server.channel_class = type("TierlinkChannel", (GatedChannel,), {"parser_class": parser})
