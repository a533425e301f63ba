"""Requests first: a long background pass gives way while the server answers a request.

Why: `tierlink serve` runs long passes in threads, the longest the boost scores of every
tier-1 page after a profile change (minutes at a million backlinks:
companion.store.tier1.reconcile). They run Python and so hold the GIL. A request that reads
many rows from SQLite lets the GIL go at each row and must then wait for the busy thread to
let it go again (the interpreter's switch interval, 5 ms): the link velocity (~450 rows at a
million backlinks) took 2.5-3 s beside such a thread instead of 0.5 s alone, and the reports
measured 1-2.5 s for the whole length of the pass (docs/BENCHMARKS.md, issue 28).

So the web app marks each request while it answers it (`answering`), and a pass calls
`give_way()` between small steps: while a request is being answered the pass waits, for at
most GRACE seconds of each request, so that a request waiting on the pass itself (a write
behind the pass's transaction, the boost list) delays it only that long. Where nothing is
marked (the CLI, an import run by hand) `give_way` returns at once.
"""

from __future__ import annotations

import itertools
import threading
import time
from contextlib import contextmanager

GRACE = 2.0  # seconds of a request a pass waits for, at most

_cond = threading.Condition()
_started: dict[int, float] = {}  # request number -> when it started (time.monotonic)
_numbers = itertools.count()


@contextmanager
def answering():
    """Mark the current request as being answered (the web app's outermost wrapper)."""
    number = next(_numbers)
    with _cond:
        _started[number] = time.monotonic()
    try:
        yield
    finally:
        with _cond:
            del _started[number]
            _cond.notify_all()


def give_way() -> None:
    """Wait while a request (begun less than GRACE seconds ago) is being answered."""
    if not _started:  # the usual case: nothing to wait for, no lock taken
        return
    with _cond:
        while _started:
            left = max(_started.values()) + GRACE - time.monotonic()
            if left <= 0:
                return
            _cond.wait(left)
