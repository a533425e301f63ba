"""Uploaded exports: the multipart body spooled to temporary files in the data home, and the import job.

`POST /api/import` takes exports of any size a user has (an Ahrefs export of a
big site is gigabytes), so its body never sits in memory. `Spool` is fed the
body as it arrives from the socket (companion.web.bodygate calls it from waitress's
parser, before the app runs) and writes each file part straight to a file in a
fresh `.upload-*` folder of the data home — the same disk as the store, never a
RAM-backed /tmp. Werkzeug's sans-IO `MultipartDecoder` does the parsing; it
holds at most about one socket read at a time.

`ImportJob` is the one import that may run at a time and what it has done so
far, for `GET /api/import`: state, phase (receiving, reading, storing), bytes,
rows, and at the end the summary or the error. Every change goes through one
lock: the receiving side runs on waitress's event-loop thread, the import on a
worker thread, and the progress poll on another.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from companion.core.limits import DEFAULT_MAX_IMPORT
from companion.core.sizes import human_size
from companion.core.errors import BadInput, Conflict, StorageError, TierlinkError, TooLarge

UPLOAD_PREFIX = ".upload-"
MAX_FIELDS_BYTES = 64 * 1024  # the form's text fields (`format`): a few bytes in practice
MAX_PARTS = 200
_DECODER_BUFFER = 4 * 1024 * 1024  # above one socket read (server.WAITRESS_SETTINGS recv_bytes) plus a boundary
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def too_large_message(size: int, limit: int) -> str:
    """What a user told 'too large' needs: the limit, the size, and the way with no limit."""
    return (f"the upload is {human_size(size)}, above the companion's limit of {human_size(limit)} for an import; "
            f"import the file from a terminal instead, which has no size limit: tierlink import FILE "
            f"(or restart the companion with `tierlink serve --max-import-size SIZE`)")


def storage_error(exc: OSError, home: Path) -> StorageError:
    if exc.errno in _DISK_FULL:
        return StorageError(f"the disk holding the data home ({home}) is full: the upload was not kept and nothing "
                            "was imported; free some space, or import the file with `tierlink import FILE`",
                            code="disk_full")
    return StorageError(f"cannot write the upload into the data home ({home}): {exc.strerror or exc}; "
                        "nothing was imported")


def remove_leftovers(home: Path) -> None:
    """Upload folders a killed companion left behind (called by `serve`, which holds the home's lock)."""
    for folder in Path(home).glob(UPLOAD_PREFIX + "*"):
        shutil.rmtree(folder, ignore_errors=True)


class Received:
    """The parts of one spooled upload; handed to the app as `wsgi.input` (which reads as empty).

    `files`: [(the name the user's file had, its Path in the data home)];
    `fields`: the text fields. `cleanup()` removes the folder and is idempotent.
    """

    def __init__(self, folder: Path, files: list[tuple[str, Path]], fields: dict[str, str], ticket: int):
        self.folder = folder
        self.files = files
        self.fields = fields
        self.ticket = ticket

    # The WSGI input stream protocol: the body was consumed while it arrived.
    def read(self, *args) -> bytes:
        return b""

    def readline(self, *args) -> bytes:
        return b""

    def __iter__(self):
        return iter(())

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class Spool:
    """One multipart/form-data body written to a fresh folder in the data home as it arrives.

    `feed(bytes)` for every piece of the body, then `finish()` → Received. Any
    failure raises a TierlinkError (400 malformed, 413 fields too big, 507 disk
    full) after removing what was written; `discard()` does the same on abort.
    """

    def __init__(self, home: Path, boundary: bytes, ticket: int = 0):
        self.home = Path(home)
        self.ticket = ticket
        self.decoder = MultipartDecoder(boundary, max_form_memory_size=_DECODER_BUFFER, max_parts=MAX_PARTS)
        try:
            self.folder = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX, dir=self.home))
        except OSError as exc:
            raise storage_error(exc, self.home) from None
        self.files: list[tuple[str, Path]] = []
        self.fields: dict[str, str] = {}
        self._field_bytes = 0
        self._part = None  # the Field or File event being read
        self._out = None  # the open file of the current File part
        self._value = bytearray()  # the current Field's bytes
        self.done = False

    def feed(self, data: bytes) -> None:
        try:
            self.decoder.receive_data(data)
            self._drain()
        except TierlinkError:
            self.discard()
            raise
        except RequestEntityTooLarge:
            self.discard()
            raise BadInput("the multipart body is malformed (a part's headers never end)") from None
        except ValueError as exc:
            self.discard()
            raise BadInput(f"the multipart body is malformed ({str(exc)[:100]})") from None
        except OSError as exc:
            self.discard()
            raise storage_error(exc, self.home) from None

    def finish(self) -> Received:
        cut = BadInput("the multipart body ends before its closing boundary (was the upload cut short?)")
        try:
            self.feed(None)  # no new data: any failure now is a body that stops mid-way
        except BadInput:
            raise cut from None
        if not self.done:
            self.discard()
            raise cut
        return Received(self.folder, self.files, self.fields, self.ticket)

    def discard(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def _drain(self) -> None:
        while True:
            event = self.decoder.next_event()
            if isinstance(event, NeedData):
                return
            if isinstance(event, Epilogue):
                self.done = True
                return
            if isinstance(event, File):
                self._part = event
                path = self.folder / f"{len(self.files) + 1}.part"
                self._out = open(path, "xb")
                # Browsers send the base name; anything else keeps only its last component.
                name = event.filename.replace("\\", "/").rsplit("/", 1)[-1][:255]
                self.files.append((name, path))
            elif isinstance(event, Field):
                self._part = event
                self._value = bytearray()
            elif isinstance(event, Data):
                self._data(event)

    def _data(self, event: Data) -> None:
        if isinstance(self._part, File):
            self._out.write(event.data)
            if not event.more_data:
                self._out.close()
                self._out = None
            return
        self._field_bytes += len(event.data)
        if self._field_bytes > MAX_FIELDS_BYTES:
            raise TooLarge(f"the form's text fields are larger than {MAX_FIELDS_BYTES // 1024} KiB")
        self._value += event.data
        if not event.more_data:
            self.fields.setdefault(self._part.name, self._value.decode("utf-8", "replace"))


class ImportJob:
    """The one import at a time, as `GET /api/import` reports it.

    state: idle → running → done | failed (then running again for the next one).
    While running, `phase` says which part: `receiving` (bytes of the upload's
    body so far, of its Content-Length), `reading` (bytes of the files parsed, of
    their total; rows so far), `storing` (the merge into the store). `claim()`
    returns a ticket; only its holder moves the job on, so a late callback of an
    aborted upload cannot touch the next import.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_IMPORT):
        self.max_bytes = int(max_bytes)
        self._lock = threading.Lock()
        self._ticket = 0
        self._status = {"state": "idle"}
        self._file_sizes: dict[str, int] = {}
        self._file_done: dict[str, int] = {}

    def snapshot(self) -> dict:
        with self._lock:
            base = {"state": "idle", "phase": None, "rows": 0, "bytes": 0, "total_bytes": 0, "files": [],
                    "summary": None, "error": None}
            return {**base, **self._status, "max_bytes": self.max_bytes}

    def claim(self, total_bytes: int) -> int:
        with self._lock:
            if self._status.get("state") == "running":
                s = self._status
                raise Conflict(f"an import is already running ({s.get('phase')}: {human_size(s.get('bytes', 0))} "
                               f"of {human_size(s.get('total_bytes', 0))}); wait for it to finish "
                               "(GET /api/import follows it)", code="import_running")
            self._ticket += 1
            self._status = {"state": "running", "phase": "receiving", "rows": 0, "bytes": 0,
                            "total_bytes": int(total_bytes), "files": [], "summary": None, "error": None,
                            "started": time.time()}
            return self._ticket

    def _update(self, ticket: int, **changes) -> bool:
        with self._lock:
            if ticket != self._ticket or self._status.get("state") != "running":
                return False
            self._status.update(changes)
            return True

    def received(self, ticket: int, nbytes: int) -> None:
        with self._lock:
            if ticket == self._ticket and self._status.get("state") == "running":
                self._status["bytes"] = self._status.get("bytes", 0) + nbytes

    def reading(self, ticket: int, files: list[tuple[str, Path]]) -> None:
        sizes = {}
        for name, path in files:
            sizes[name] = sizes.get(name, 0) + path.stat().st_size
        with self._lock:
            if ticket == self._ticket:
                self._file_sizes, self._file_done = sizes, {}
        self._update(ticket, phase="reading", bytes=0, total_bytes=sum(sizes.values()), rows=0,
                     files=[name for name, _ in files])

    def progress(self, ticket: int):
        """A `progress(name, done, total, rows)` callback for Workspace.import_files."""
        rows_before: dict[str, int] = {}

        def callback(name, done, total, rows):
            with self._lock:
                if ticket != self._ticket or self._status.get("state") != "running":
                    return
                self._file_done[name] = done
                rows_before[name] = rows
                self._status["bytes"] = sum(self._file_done.values())
                self._status["rows"] = sum(rows_before.values())
                if self._status["bytes"] >= self._status.get("total_bytes", 0):
                    self._status["phase"] = "storing"
        return callback

    def storing(self, ticket: int) -> None:
        self._update(ticket, phase="storing")

    def finish(self, ticket: int, summary) -> None:
        rows = sum(s.get("rows_read", 0) for s in (summary if isinstance(summary, list) else [summary]))
        self._update(ticket, state="done", phase=None, summary=summary, rows=rows, finished=time.time())

    def fail(self, ticket: int, code: str, message: str) -> None:
        self._update(ticket, state="failed", phase=None, error={"code": code, "message": message},
                     finished=time.time())
