"""Durable, atomic file writes (docs/SECURITY.md, Storage, item 13).

A reader never sees a half-written file: we write a temp file in the same folder,
fsync it, `os.replace` it over the target and fsync the folder so the rename itself
survives a power cut. Any OSError (a full disk included) leaves the old file intact
and surfaces as `StorageError`.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import time
from pathlib import Path

from companion.core.errors import StorageError


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_stamp(path) -> tuple | None:
    """(inode, mtime, size) of a file, or None if it is missing.

    A file replaced by `os.replace` (ours or another process's) gets a new
    inode, so comparing stamps tells a reader when to read again.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def write_bytes_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    path = Path(path)
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp_name, path)
        tmp_name = None
        fsync_dir(path.parent)
    except OSError as exc:
        raise StorageError(f"could not write {path}: {exc.strerror or exc}") from exc
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def move_aside(path: Path) -> str:
    """Move a damaged store file out of the way, kept for the user as `<name>.corrupt-<time>`;
    returns the words that say so ("" when there was no file)."""
    if not path.exists():
        return ""
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(2)}")
    os.replace(path, aside)
    return f"; the damaged file was kept as {aside.name}"


def dumps_json(obj) -> bytes:
    """Serialise strictly: NaN/Infinity are not JSON and would not parse back."""
    try:
        return json.dumps(obj, ensure_ascii=False, allow_nan=False, indent=1).encode("utf-8")
    except ValueError as exc:
        raise StorageError(f"refusing to store a value that is not valid JSON: {exc}") from exc


def write_json_atomic(path: Path, obj, mode: int = 0o600) -> None:
    write_bytes_atomic(path, dumps_json(obj), mode)
