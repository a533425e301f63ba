"""One error type for the whole library, so the CLI and the API report alike.

Every expected failure (bad input, unknown id, a file in no known format) raises a
`TierlinkError` carrying a stable machine `code`, a one-line human `message` and the
HTTP status the API answers with. The CLI prints `message` on one line and exits
non-zero; the API wraps it as `{"error": {"code", "message"}}`.
"""


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

    def to_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


class BadInput(TierlinkError):
    """The caller sent something we cannot use (400)."""

    status = 400
    code = "bad_input"


class NotFound(TierlinkError):
    status = 404
    code = "not_found"


class Conflict(TierlinkError):
    status = 409
    code = "conflict"


class StorageError(TierlinkError):
    """The data could not be made durable (disk full, permissions): nothing was changed."""

    status = 507
    code = "storage_error"
