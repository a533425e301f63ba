"""Pausing the cyclic garbage collector while a million records are built or loaded
(an import, the verdicts' tier-1 index): apart so any bulk work can use it."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

_gc_lock = threading.Lock()
_gc_pauses = 0


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while a million records are built or loaded.

    Building that many dicts triggers full collections that walk every live object
    again and again (a large share of an import's time: docs/BENCHMARKS.md). Records
    hold no reference cycles, so nothing is lost by collecting afterwards.
    Nested and concurrent pauses are counted; the collector resumes after the last.

    On resuming, everything alive is frozen (`gc.freeze()`): moved out of the
    collector's reach for good, a list splice. What a pause builds is the store's
    records or the verdicts' tier-1 index: long-lived and acyclic, freed by reference
    counting when replaced, frozen or not. Left in the collector's generations, the
    first full collection after a million-backlink load walked all of it with the GIL
    held, stalling every request in `tierlink serve`. The price: cyclic garbage made by
    other threads during a pause is never collected, a few objects a request (the
    figures of both: docs/BENCHMARKS.md, "Figures behind code comments").
    """
    global _gc_pauses
    with _gc_lock:
        _gc_pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0:
                gc.freeze()
                gc.enable()

