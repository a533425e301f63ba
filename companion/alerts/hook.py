"""The calls that make alerts: one after a check (recheck or browser) stores its outcomes, one after an import.

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


def after_check(store, profile, results: list[dict], changes: list[dict]) -> list[dict]:
    """Alerts for a check's changes and per-item outcomes (a soft 404 or a parked page marks a link
    lost too) and for broken targets; the new ones (queued for delivery)."""
    try:
        alerts, recovered = records.from_changes(changes)
        alerts, more = records.from_results(results, alerts)
        new = _record(store, profile.alerts, alerts, recovered + more)
        worker = queue.running(store)
        if new and worker is not None:
            worker.wake()
        return new
    except Exception as exc:  # noqa: BLE001 - alerts must never fail the check that found the changes
        log.error("alerts after a check: %s", getattr(exc, "message", None) or type(exc).__name__)
        return []


def after_recheck(store, profile, summary: dict) -> list[dict]:
    """A recheck's changes alone (no per-item results): `after_check` with none."""
    return after_check(store, profile, [], summary.get("changes") or [])


def after_import(store, profile) -> list[dict]:
    """A broken target the exports reveal (a live link to a page of mine answering 4xx) is an alert once."""
    try:
        return _record(store, profile.alerts, [])
    except Exception as exc:  # noqa: BLE001 - the import is stored; an alert missed is logged
        log.error("alerts after the import: %s", getattr(exc, "message", None) or type(exc).__name__)
        return []
