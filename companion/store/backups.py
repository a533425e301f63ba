"""Backups and recovery of the store's JSON files: durable writes, rotated backups, restoring.

The workflow (`workflow.json`) and the old backlink file of homes written before SQLite
(`backlinks.json`) are whole JSON documents. `AtomicJSONStorage` never writes the live
file in place (temp file, fsync, rotate three backups, `os.replace`, fsync the folder);
`open_document` restores a damaged file from its newest good backup, loudly, and with
none refuses to open rather than start empty; `migrate` brings an older document's
schema up to date; `repair` is `tierlink repair`. Apart from the workflow tables
(companion.store.workflow) because none of it knows what the documents hold.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import secrets
import sys
from pathlib import Path
from typing import Any, Callable, Iterable

from tinydb.storages import Storage

from companion.store import sqlstore
from companion.core.atomic import file_stamp, fsync_dir, move_aside
from companion.core.errors import StorageError

log = logging.getLogger("tierlink.store")

BACKLINKS_FILE = "backlinks.json"
WORKFLOW_FILE = "workflow.json"
BACKUPS = 3
SCHEMA_VERSION = 1
META = "meta"
CRASH_ENV = "TIERLINK_CRASH_AT"  # test hook: mid_temp|after_temp|mid_rotate|before_replace|after_replace|enospc

# Migrations: MIGRATIONS[file_kind][n] turns a schema-n document into schema n+1.
MIGRATIONS: dict[str, dict[int, Callable[[dict], dict]]] = {"backlinks": {}, "workflow": {}}


def _crash_point(name: str) -> None:
    """Die abruptly at a named step of a write (crash-safety tests only).

    TIERLINK_CRASH_AT=after_temp dies in the first write, after_temp:3 in the third (writes of
    both engines count: see companion.store.sqlstore.crash_point for the database's steps);
    enospc:3 makes the third and every later write fail half-way with ENOSPC (a full disk).
    """
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if sqlstore.writes_seen() < int(nth or 1):
        return
    if point == name:
        os._exit(99)
    if point == "enospc" and name == "mid_temp":  # a full disk: this and every later write fails
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))



def _backup_path(path: Path, n: int) -> Path:
    return path.with_name(f"{path.name}.bak{n}")


class Corrupt(Exception):
    """A file that exists but is not a readable store document."""


def _check_document(data: Any, tables: Iterable[str]) -> dict:
    if not isinstance(data, dict):
        raise Corrupt("the top level is not an object")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise Corrupt(f"table {name!r} is not an object")
    meta = data.get(META)
    if meta is not None:
        doc = meta.get("1")
        if not isinstance(doc, dict) or not isinstance(doc.get("schema"), int):
            raise Corrupt("the meta table has no schema version")
    return data


def load_document(path: Path, tables: Iterable[str] = ()) -> dict:
    """Parse a store file strictly. Raises Corrupt for empty, truncated or garbage content."""
    raw = path.read_bytes()
    if not raw.strip():
        raise Corrupt("the file is empty")
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise Corrupt(f"it does not parse as JSON ({str(exc)[:80]})") from None
    return _check_document(data, tables)


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


class AtomicJSONStorage(Storage):
    """TinyDB storage: whole-file atomic, durable writes with rotated backups, data kept in memory.

    `read()` returns the in-memory document (TinyDB mutates it, then calls
    `write()`); if a write fails, the cache is dropped so the next read comes
    from disk again and memory never claims what the disk does not hold.
    """

    def __init__(self, path, *, backups: int = BACKUPS, data: dict | None = None):
        self.path = Path(path)
        self.backups = backups
        self._data = data
        self.stamp = file_stamp(self.path)  # (inode, mtime, size) of the file our memory matches

    def read(self):
        if self._data is None:
            if not self.path.exists():
                return None
            try:
                self._data = load_document(self.path)
            except Corrupt as exc:
                raise StorageError(f"{self.path} became unreadable ({exc}); restart Tierlink to restore its backup") from None
        return self._data

    def write(self, data) -> None:
        try:
            self._write_file(data)
        except BaseException:
            self._data = None  # memory may hold a change the disk does not: re-read next time
            self.stamp = None
            raise
        self._data = data
        self.stamp = file_stamp(self.path)

    def close(self) -> None:
        self._data = None

    # -- the durable write -----------------------------------------------------------

    def _chunks(self, data: dict):
        # No indent: json's C encoder only runs without one (the pure-Python one dominated a save).
        yield json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")

    def _write_file(self, data: dict) -> None:
        sqlstore.count_write()
        path = self.path
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                try:
                    spec = os.environ.get(CRASH_ENV, "")
                    half = spec.partition(":")[0] in ("mid_temp", "enospc") and sqlstore.writes_seen() >= int(spec.partition(":")[2] or 1)
                    for chunk in self._chunks(data):
                        view = memoryview(chunk)
                        if half:
                            view = view[: max(1, len(view) // 2)]
                            os.write(fd, view)
                            _crash_point("mid_temp")
                        while view:
                            view = view[os.write(fd, view):]
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except ValueError as exc:  # NaN / Infinity: not JSON, would not parse back
                raise StorageError(f"refusing to store a value that is not valid JSON: {exc}") from None
            _crash_point("after_temp")
            if path.exists():
                self._rotate()
            _crash_point("before_replace")
            os.replace(tmp, path)
            tmp = None
            _crash_point("after_replace")
            fsync_dir(path.parent)
        except OSError as exc:
            raise StorageError(f"could not write {path}: {exc.strerror or exc}; nothing was changed") from None
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def _rotate(self) -> None:
        """bak2→bak3, bak1→bak2, live→bak1 (a hard link: the live file is never copied)."""
        for n in range(self.backups, 1, -1):
            older = _backup_path(self.path, n - 1)
            if older.exists():
                os.replace(older, _backup_path(self.path, n))
        _crash_point("mid_rotate")
        bak1 = _backup_path(self.path, 1)
        try:
            if bak1.exists():
                bak1.unlink()
            os.link(self.path, bak1)
        except OSError:
            _copy_file(self.path, bak1)


def _copy_file(src: Path, dst: Path) -> None:
    tmp = dst.with_name(f".{dst.name}.{secrets.token_hex(4)}.tmp")
    with open(src, "rb") as fin, open(tmp, "wb") as fout:
        while chunk := fin.read(1 << 20):
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    os.replace(tmp, dst)


def open_document(path: Path, kind: str, notices: list[str]) -> dict | None:
    """Load a store file, restoring the newest good backup if it is damaged.

    Returns the parsed document, or None when neither the file nor any backup
    exists (a fresh home). Raises StorageError when the file is damaged and no
    backup is good: the damaged file stays where it is, untouched.
    """
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            stale.unlink()  # a temp file left by a crash mid-write; the live file is intact
        except OSError:
            pass
    problem = None
    if path.exists():
        try:
            return load_document(path)
        except Corrupt as exc:
            problem = f"{path} could not be read: {exc}"
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from None
    backups = [_backup_path(path, n) for n in range(1, BACKUPS + 1)]
    existing = [b for b in backups if b.exists()]
    if problem is None:
        if not existing:
            return None
        problem = f"{path} is missing but backups exist"
    for backup in existing:
        try:
            data = load_document(backup)
        except (Corrupt, OSError):
            continue
        moved = move_aside(path)
        _copy_file(backup, path)
        fsync_dir(path.parent)
        message = f"{problem}. Restored the {kind} store from backup {backup.name}{moved}. Changes after that backup may be missing."
        notices.append(message)
        log.warning(message)
        print(f"tierlink: WARNING: {message}", file=sys.stderr)
        return data
    raise StorageError(
        f"{problem}, and no good backup ({path.name}.bak1-{BACKUPS}) exists. Refusing to start empty over it: "
        f"restore the file from your own backup, or move it away to start with an empty {kind} store")




def migrate(data: dict, kind: str, path: Path) -> tuple[dict, bool]:
    meta = data.setdefault(META, {})
    doc = meta.get("1") or {"schema": SCHEMA_VERSION}
    version = doc.get("schema", SCHEMA_VERSION)
    if version > SCHEMA_VERSION:
        raise StorageError(f"{path} was written by a newer Tierlink (schema {version}); upgrade Tierlink to open it")
    changed = "1" not in meta
    while version < SCHEMA_VERSION:
        step = MIGRATIONS[kind].get(version)
        if step is None:
            raise StorageError(f"{path} has schema {version} and no migration to {SCHEMA_VERSION} exists")
        data = step(data)
        version += 1
        changed = True
    data.setdefault(META, {})["1"] = dict(doc, schema=version)
    return data, changed


def repair(home: Path) -> list[dict]:
    """`tierlink repair`: check the data home's store files in full and restore each damaged one
    from its newest good backup, keeping the damaged file aside. One {"file", "status",
    "message"} per file; StorageError (nothing changed) when a damaged file has no good backup.
    The caller makes sure no `tierlink serve` has the files open."""
    home = Path(home)
    results = [sqlstore.repair(home / sqlstore.DB_FILE)]
    wf_path = home / WORKFLOW_FILE
    notices: list[str] = []
    found = open_document(wf_path, "workflow", notices)  # restores a damaged file, loudly
    if notices:
        results.append({"file": WORKFLOW_FILE, "status": "restored", "message": " ".join(notices)})
    else:
        results.append({"file": WORKFLOW_FILE, "status": "sound" if found is not None else "new",
                        "message": f"{WORKFLOW_FILE} " + ("reads correctly: nothing to repair" if found is not None
                                                          else "does not exist yet: nothing to repair")})
    return results

