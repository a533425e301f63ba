"""One recheck at a time per data home, across processes.

`tierlink recheck` on the command line and a run started from the dashboard (or
the schedule) in `tierlink serve` must not crawl the same sites twice at once:
that would double the load on every host and break the politeness promise. The
lock is the kernel's (flock on `recheck.lock` in the home), so it is released
even when the process is killed.
"""

from __future__ import annotations

import errno
import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from companion.errors import Conflict
from companion.home import ensure_home

LOCK_FILE = "recheck.lock"


class RecheckRunning(Conflict):
    code = "recheck_running"


@contextmanager
def recheck_lock(home: Path):
    path = ensure_home(Path(home)) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise RecheckRunning("a recheck is already running for this data home") from None
            raise
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
