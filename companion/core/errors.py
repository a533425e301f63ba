"""One error type for the whole library, so the CLI and the API report alike.

Every expected failure (bad input, unknown id, a file in no known format) raises a
`TierlinkError` carrying a stable machine `code`, a one-line human `message` and the
HTTP status the API answers with. The CLI prints `message` on one line and exits
non-zero; the API answers `error_body(code, message)`, the one place that shape is
built (Flask's handlers, waitress's own refusals and the CLI-free library alike).

Every class a user can meet is here, so a front end never imports a feature module
just to name its errors. Exceptions that never leave the module that raises them
(a fetch that failed, a damaged database file being restored) stay with their code.
"""


def error_body(code: str, message: str) -> dict:
    """The JSON error shape of every refusal: `{"error": {"code", "message"}}`."""
    return {"error": {"code": code, "message": message}}


# Our snake_case codes for HTTP statuses refused before a route runs (werkzeug, waitress).
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 406: "not_acceptable", 408: "timeout", 411: "length_required",
              413: "too_large", 414: "uri_too_long", 415: "unsupported_media_type",
              431: "headers_too_large", 500: "internal_error", 501: "not_implemented"}


def code_for_status(status: int) -> str:
    return HTTP_CODES.get(status, f"http_{status}")


class TierlinkError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class BadInput(TierlinkError):
    """The caller sent something we cannot use (400)."""

    status = 400
    code = "bad_input"


class Unauthorized(TierlinkError):
    """No token, or not the current one (401)."""

    status = 401
    code = "unauthorized"


class Forbidden(TierlinkError):
    """A Host or Origin this service never answers (403): DNS rebinding, web pages."""

    status = 403
    code = "forbidden"


class NotFound(TierlinkError):
    status = 404
    code = "not_found"


class Conflict(TierlinkError):
    """Something else holds what the request needs (409): an import or recheck runs."""

    status = 409
    code = "conflict"


class AlreadyRunning(Conflict):
    """A second `tierlink serve` on one data home (the first holds serve.lock)."""

    code = "already_running"


class RecheckRunning(Conflict):
    """One recheck at a time per data home, CLI included."""

    code = "recheck_running"


class TooLarge(TierlinkError):
    status = 413
    code = "too_large"


class UnsupportedMediaType(TierlinkError):
    status = 415
    code = "unsupported_media_type"


class StorageError(TierlinkError):
    """The data could not be made durable (disk full, permissions): nothing was changed."""

    status = 507
    code = "storage_error"
