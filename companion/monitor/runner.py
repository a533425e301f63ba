"""Rechecks inside `tierlink serve`: started from the API, or on the profile's schedule.

One Runner per store (a data home's: `runner_for(store, profile)`, the profile in force
asked for when it is needed). `start(options)` begins a run in a background thread
and returns at once (POST /api/recheck answers 202); `status()` is what GET
/api/recheck shows: `{"state": "idle"|"running"|"done", "done", "total", "summary"}`.
A second start while one runs is refused (409), and so is one while
`tierlink recheck` runs on the same home (companion.monitor.lock).

The schedule: with `"recheck_every_days": N` in the profile, `serve` starts a run
whenever the last one (any: CLI, dashboard or schedule) is N days old or there
was none, looking every SCHEDULE_POLL seconds, and logs each start and end.
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Callable

from companion.analysis.profile import Profile
from companion.core.errors import RecheckRunning
from companion.monitor.lock import recheck_lock
from companion.monitor.recheck import LAST_RUN_SETTING, Options, Run, elapsed_since

log = logging.getLogger("tierlink.recheck")
SCHEDULE_POLL = 300.0  # seconds between two looks at the schedule
# Runs here are started from the dashboard, the API or the schedule: the way to allow private
# hosts is named for those (a dashboard user has no command line flag to pass).
PRIVATE_HINT = "tick “Also fetch loopback and private addresses” to fetch it; in the API: \"allow_private_hosts\": true"
_RUNNERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_RUNNERS_LOCK = threading.Lock()


class Runner:
    def __init__(self, store, profile: Callable[[], Profile]):
        self.store = store
        self.profile = profile
        self._lock = threading.Lock()
        self._run: Run | None = None
        self._thread: threading.Thread | None = None
        self._summary: dict | None = None
        self._error: str | None = None
        self.cancel = threading.Event()

    def status(self) -> dict:
        with self._lock:
            run, thread = self._run, self._thread
            if run is None:
                return {"state": "idle", "done": 0, "total": 0, "summary": None}
            running = thread is not None and thread.is_alive()
            body = {"state": "running" if running else "done", "done": run.done, "total": run.total,
                    "summary": None if running else self._summary}
            if self._error and not running:
                body["error"] = self._error
            return body

    def start(self, opts: Options, *, why: str = "requested") -> dict:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise RecheckRunning("a recheck is already running: GET /api/recheck shows its progress")
            with recheck_lock(self.store.home):  # refused now, not in the thread, when the CLI is running one
                pass
            self._run = Run(self.store, self.profile, opts, cancel=self.cancel, private_hint=PRIVATE_HINT)
            self._run.why = why
            self._summary = self._error = None
            self._thread = threading.Thread(target=self._work, args=(self._run, why), name="recheck", daemon=True)
            self._thread.start()
        return self.status()

    def _work(self, run: Run, why: str) -> None:
        log.info("recheck started (%s)", why)
        try:
            summary = run.execute()
        except Exception as exc:  # noqa: BLE001 - reported in the status and the log, never lost
            with self._lock:
                self._error = getattr(exc, "message", None) or f"{type(exc).__name__}"
            log.error("recheck failed: %s", self._error)
            return
        with self._lock:
            self._summary = summary
        log.info("recheck finished: %d checked, %d unchanged, %d changes, %d errors, %d skipped",
                 summary["checked"], summary["unchanged"], len(summary["changes"]), len(summary["errors"]),
                 len(summary["skipped"]))

    def stop(self, timeout: float = 5.0) -> None:
        """Stop a running run between two requests (the service shuts down)."""
        self.cancel.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    # -- the schedule -------------------------------------------------------------

    def due_in(self) -> float | None:
        """Seconds until the next scheduled run (0: due now), None without a schedule. The last
        run's time is in the store, so a restart neither forgets nor repeats it."""
        days = self.profile().recheck_every_days
        if not days:
            return None
        since = elapsed_since(self.store.get_setting(LAST_RUN_SETTING))
        return 0.0 if since is None else max(0.0, days * 86400 - since)

    def due(self) -> bool:
        return self.due_in() == 0.0

    def scheduled_options(self) -> Options:
        """The profile's settings for a scheduled run (its delay and concurrency, else the defaults)."""
        profile = self.profile()
        opts = Options()
        if profile.recheck_delay is not None:
            opts.delay = profile.recheck_delay
        if profile.recheck_concurrency is not None:
            opts.concurrency = profile.recheck_concurrency
        return opts

    def start_schedule(self, poll: float = SCHEDULE_POLL) -> threading.Thread:
        def loop():
            while not self.cancel.is_set():
                wait = poll
                try:
                    if self.due():
                        self.start(self.scheduled_options(),
                                   why=f"every {self.profile().recheck_every_days:g} days, from the profile")
                    else:
                        left = self.due_in()
                        wait = poll if left is None else min(poll, max(1.0, left))  # wake when it falls due
                except RecheckRunning:
                    pass
                except Exception as exc:  # noqa: BLE001 - the schedule must outlive one bad look
                    log.error("recheck schedule: %s", getattr(exc, "message", None) or type(exc).__name__)
                self.cancel.wait(wait)

        days = self.profile().recheck_every_days
        if days:
            log.info("recheck scheduled every %g days (profile recheck_every_days)", days)
        thread = threading.Thread(target=loop, name="recheck-schedule", daemon=True)
        thread.start()
        return thread


def schedule_report(store, profile: Callable[[], Profile]) -> dict:
    """What the dashboard shows of the schedule: its settings, the last run (any: CLI, dashboard,
    schedule) with its outcomes by kind, the next run, and whether one runs now."""
    from datetime import datetime, timedelta, timezone

    from companion.monitor.recheck import LAST_REPORT_SETTING

    runner = runner_for(store, profile)
    prof = profile()
    last = store.get_setting(LAST_RUN_SETTING)
    left = runner.due_in()
    next_run = None
    if left is not None:
        next_run = (datetime.now(timezone.utc) + timedelta(seconds=left)).strftime("%Y-%m-%dT%H:%M:%SZ")
    defaults = Options()
    return {"every_days": prof.recheck_every_days,
            "delay": prof.recheck_delay if prof.recheck_delay is not None else defaults.delay,
            "concurrency": prof.recheck_concurrency if prof.recheck_concurrency is not None
            else defaults.concurrency,
            "last_run": last, "next_run": next_run, "running": runner.status()["state"] == "running",
            "last_report": store.get_setting(LAST_REPORT_SETTING)}


def runner_for(store, profile: Callable[[], Profile]) -> Runner:
    """The Runner of this store (made on first use; the same one for every later call)."""
    with _RUNNERS_LOCK:
        runner = _RUNNERS.get(store)
        if runner is None:
            runner = _RUNNERS[store] = Runner(store, profile)
        return runner


def stop(store) -> None:
    """Stop the run of this store, if one was ever made (the service shuts down); `store` None:
    nothing was opened, so nothing runs."""
    with _RUNNERS_LOCK:
        runner = _RUNNERS.get(store) if store is not None else None
    if runner is not None:
        runner.stop()
