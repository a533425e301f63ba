"""Deliveries waiting to go out: persisted, sent by one background thread, retried with backoff.

Why a queue in the store and a thread: a recheck must never wait for a receiver
(a slow or dead webhook would hold every check behind it), and a delivery must
survive a restart — the companion stopped, the CLI's recheck ended, the network
down for an hour. So the recheck only writes a pending delivery (one small write)
and wakes the worker; the worker of `tierlink serve` sends what is due, also
what another process queued (it looks every POLL seconds), and sends the daily
mail digest when it is due.

Exactly once as far as we can: a delivery is claimed (`sending`) in one atomic
step before its POST, so two companions on one team database never both send it;
a claim older than STALE seconds (its process died mid-send) is taken back.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from datetime import datetime, timezone

from companion.alerts.delivery import mail, webhook
from companion.alerts.records import stamp

TABLE = "alert_deliveries"
BACKOFF = (5.0, 30.0, 120.0, 600.0, 3600.0)  # seconds before the 2nd, 3rd, ... try
MAX_ATTEMPTS = len(BACKOFF) + 1
POLL = 30.0  # seconds between two looks at the store for work queued elsewhere
STALE = 600.0
KEEP_DONE_DAYS = 7  # sent or given-up deliveries are kept this long (`tierlink alerts --deliver` counts them)
MAIL_RETRY = 900.0  # seconds before a failed digest is tried again
log = logging.getLogger("tierlink.alerts")


def enqueue(store, settings: dict, alerts: list[dict]) -> dict | None:
    """A pending webhook delivery of these alerts when a webhook is set (else None)."""
    hook = (settings or {}).get("webhook")
    if not alerts or not hook:
        return None
    return store.insert(TABLE, {"channel": "webhook", "url": hook["url"], "body": webhook.payload(alerts),
                                "alert_ids": [a["id"] for a in alerts], "state": "pending", "attempts": 0,
                                "next_at": time.time(), "last_error": None, "created_at": stamp(),
                                "sent_at": None})


def _claim(store, doc_id: str, now: float) -> dict | None:
    claimed = {}

    def change(cur: dict) -> dict:
        taken = cur.get("state") == "sending" and now - float(cur.get("claimed_at") or 0) < STALE
        if cur.get("state") not in ("pending", "sending") or taken or float(cur.get("next_at") or 0) > now:
            return {}
        claimed.update(cur)
        return {"state": "sending", "claimed_at": now}

    store.update_with(TABLE, doc_id, change)
    return claimed or None


def send_due(store, backoff=BACKOFF, now: float | None = None) -> float | None:
    """Send every due delivery once; the time of the next one due later (None: none waits)."""
    now = time.time() if now is None else now
    following = None
    cutoff = datetime.fromtimestamp(now - KEEP_DONE_DAYS * 86400, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for doc in store.all(TABLE):
        if doc.get("state") not in ("pending", "sending"):
            if (doc.get("created_at") or "") < cutoff:
                store.remove(TABLE, doc["id"])  # done long ago: the table stays small
            continue
        if doc.get("state") == "pending" and float(doc.get("next_at") or 0) > now:
            following = min(following or doc["next_at"], doc["next_at"])
            continue
        claimed = _claim(store, doc["id"], now)
        if not claimed:
            continue
        error = webhook.post(claimed["url"], claimed["body"])
        attempts = int(claimed.get("attempts") or 0) + 1
        if error is None:
            store.update(TABLE, doc["id"], {"state": "sent", "attempts": attempts, "sent_at": stamp(),
                                            "last_error": None})
            continue
        if attempts >= min(MAX_ATTEMPTS, len(backoff) + 1):
            log.warning("alert webhook gave up after %d tries: %s", attempts, error)
            store.update(TABLE, doc["id"], {"state": "failed", "attempts": attempts, "last_error": error})
            continue
        later = time.time() + backoff[attempts - 1]
        log.info("alert webhook failed (try %d): %s; again in %gs", attempts, error, backoff[attempts - 1])
        store.update(TABLE, doc["id"], {"state": "pending", "attempts": attempts, "next_at": later,
                                        "last_error": error})
        following = min(following or later, later)
    return following


class Worker:
    """The one delivery thread of a store in `tierlink serve` (or a test); `profile()` is the profile in force."""

    def __init__(self, store, profile, *, backoff=BACKOFF, poll: float = POLL):
        self.store, self.profile, self.backoff, self.poll = store, profile, tuple(backoff), poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mail_retry_at = 0.0

    def start(self) -> "Worker":
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="alerts-delivery", daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            wait = self.poll
            try:
                following = send_due(self.store, self.backoff)
                if following is not None:
                    wait = max(0.05, min(wait, following - time.time()))
                self._digest()
            except Exception as exc:  # noqa: BLE001 - the worker must outlive one bad round
                log.error("alert delivery: %s", getattr(exc, "message", None) or type(exc).__name__)
            self._wake.wait(wait)

    def _digest(self) -> None:
        settings = (self.profile().alerts or {}).get("mail")
        if not settings or time.time() < self._mail_retry_at or not mail.due(self.store, settings):
            return
        try:
            sent = mail.send_digest(self.store, settings)
            log.info("alert digest mailed (%d alerts and follow-ups)", sent) if sent else None
        except mail.MailError as exc:
            self._mail_retry_at = time.time() + MAIL_RETRY
            log.warning("alert digest not sent: %s", exc)


_WORKERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def start(store, profile, **kw) -> Worker:
    """Start (once) the delivery worker of this store; `profile()` gives the profile in force."""
    with _LOCK:
        worker = _WORKERS.get(store)
        if worker is None:
            worker = _WORKERS[store] = Worker(store, profile, **kw)
        return worker.start()


def running(store) -> Worker | None:
    with _LOCK:
        return _WORKERS.get(store) if store is not None else None


def stop(store) -> None:
    worker = running(store)
    if worker is not None:
        worker.stop()
