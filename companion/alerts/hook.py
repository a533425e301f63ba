"""The calls that make alerts: one after a recheck stores its results, one after an import.

Never raise and never wait on a receiver: an alert that cannot be made is logged, and
the recheck's or the import's own result stands (the changes are in its summary and
the store). New alerts are queued for the webhook when one is set; the delivery
thread of `tierlink serve` sends them (woken at once when it runs in this process).
"""

from __future__ import annotations

import logging

from companion.alerts import records
from companion.alerts.delivery import queue

log = logging.getLogger("tierlink.alerts")


def _record(store, settings: dict, alerts: list[dict], recovered=()) -> list[dict]:
    broken, broken_now = records.broken_target_alerts(store)
    new = records.record(store, alerts + broken, recovered, broken_now=broken_now)
    if new:
        queue.enqueue(store, settings, new)
    return new


def after_recheck(store, profile, summary: dict) -> list[dict]:
    """Alerts for the run's changes and for broken targets; the new ones (queued for delivery)."""
    try:
        alerts, recovered = records.from_changes(summary.get("changes") or [])
        new = _record(store, profile.alerts, alerts, recovered)
        worker = queue.running(store)
        if new and worker is not None:
            worker.wake()
        return new
    except Exception as exc:  # noqa: BLE001 - alerts must never fail the recheck that found the changes
        log.error("alerts after the recheck: %s", getattr(exc, "message", None) or type(exc).__name__)
        return []


def after_import(store, profile) -> list[dict]:
    """A broken target the exports reveal (a live link to a page of mine answering 4xx) is an alert once."""
    try:
        return _record(store, profile.alerts, [])
    except Exception as exc:  # noqa: BLE001 - the import is stored; an alert missed is logged
        log.error("alerts after the import: %s", getattr(exc, "message", None) or type(exc).__name__)
        return []
