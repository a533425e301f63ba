"""The one call a recheck makes once its results are stored: alerts made, deliveries queued.

Never raises and never waits on a receiver: an alert that cannot be made is logged,
and the recheck's own result stands (the changes are in its summary and the store).
"""

from __future__ import annotations

import logging

from companion.alerts import records
from companion.alerts.delivery import queue

log = logging.getLogger("tierlink.alerts")


def after_recheck(ws, summary: dict) -> list[dict]:
    """Alerts for the run's changes and for broken targets; the new ones (queued for delivery)."""
    try:
        store = ws.store
        alerts, recovered = records.from_changes(summary.get("changes") or [])
        broken, broken_now = records.broken_target_alerts(store)
        new = records.record(store, alerts + broken, recovered, broken_now=broken_now)
        if new:
            queue.enqueue(store, ws.profile.alerts, new)
            worker = queue.running(ws)
            if worker is not None:
                worker.wake()
        return new
    except Exception as exc:  # noqa: BLE001 - alerts must never fail the recheck that found the changes
        log.error("alerts after the recheck: %s", getattr(exc, "message", None) or type(exc).__name__)
        return []
