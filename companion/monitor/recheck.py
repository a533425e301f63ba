"""A recheck run: fetch the stored tier-1 pages and my placement pages, judge them as a visit would.

What is rechecked: every page in the backlink list (live and lost links: a lost
link can come back) and every page holding one of my placements, oldest check
first (`checked_at` on the records; never checked first of all), optionally only
one kind, only pages not checked for `older_than` days, at most `limit`.

How a page is judged, and why:

* robots.txt disallows it → `skipped`, never fetched (companion.monitor.robots).
* an address we do not fetch (loopback, private, ...) → `skipped`.
* no answer (timeout, DNS, TLS, connection), 5xx, 429 or another 4xx → `errors`,
  never lost: one failed fetch is no evidence. Failures in a row are counted on
  the records (`check_failures`, `check_error`); from 3 the error says so.
* 404 or 410 → every live link from the page is `lost`, with that reason; a
  redirect to another site → `lost`, with the reason (where it goes).
* an HTML answer → the same analysis and change detection as a visit
  (companion.verdicts.verdicts.analyze_with_verdicts, origin `recheck`), with the
  response's `X-Robots-Tag` counting in follow and indexability. My placements on
  the page get their status from the same analysis.
* HTML with no links at all from a page where a visit saw some → `skipped`
  ("needs a browser": it is built by JavaScript); never lost.
* a page cut for size (over 10 MiB) where a stored link was not seen before
  the cut → `skipped`: a link after the cut cannot be judged.

The RecheckSummary (docs/CONTRACT.md): `checked` pages judged (fetched and answered
with HTML, 404/410 or an off-site redirect), `unchanged` of them with no change,
`changes`, `errors`, `skipped`.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from typing import Callable
from urllib.parse import urlsplit

from companion.analysis.profile import Profile
from companion.core.limits import RECHECK_CONCURRENCY, RECHECK_DELAY, RECHECK_RANGES, RECHECK_TIMEOUT
from companion.analysis import urls
from companion.workflow.fields import now
from companion.core.errors import BadInput, TierlinkError
from companion.monitor.fetch import FetchError, Fetcher, PrivateAddress
from companion.monitor.politeness import Cancelled, HostGate
from companion.monitor.robots import RobotsCache

ONLY = ("tier1", "placements")
HTML_TYPES = ("text/html", "application/xhtml+xml", "")
FLUSH_EVERY = 200  # pages whose check stamps are written in one durable write
LAST_RUN_SETTING = "recheck_last_run"
log = logging.getLogger("tierlink.recheck")


@dataclass
class Options:
    """The options of `tierlink recheck`, also the body of POST /api/recheck."""

    only: str | None = None
    limit: int | None = None
    older_than: float | None = None  # days
    delay: float = RECHECK_DELAY
    timeout: float = RECHECK_TIMEOUT
    concurrency: int = RECHECK_CONCURRENCY
    allow_private_hosts: bool = False

    @classmethod
    def from_json(cls, body: dict) -> "Options":
        if not isinstance(body, dict):
            raise BadInput("the options must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(body) - known)
        if unknown:
            raise BadInput(f"unknown option '{unknown[0]}' (known: {', '.join(sorted(known))})")
        return cls(**body).checked()

    def checked(self) -> "Options":
        if self.only is not None and self.only not in ONLY:
            raise BadInput("'only' must be tier1 or placements")
        self.limit = _number(self.limit, "limit", *RECHECK_RANGES["limit"], whole=True, optional=True)
        self.older_than = _number(self.older_than, "older_than", *RECHECK_RANGES["older_than"], optional=True)
        self.delay = _number(self.delay, "delay", *RECHECK_RANGES["delay"])
        self.timeout = _number(self.timeout, "timeout", *RECHECK_RANGES["timeout"])
        self.concurrency = _number(self.concurrency, "concurrency", *RECHECK_RANGES["concurrency"], whole=True)
        if not isinstance(self.allow_private_hosts, bool):
            raise BadInput("'allow_private_hosts' must be true or false")
        return self


def _number(value, name: str, low: float, high: float, *, whole: bool = False, optional: bool = False):
    if value is None and optional:
        return None
    if whole and isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON Schema's integer (draft 2020-12) counts 1.0 as one, as the description does
    kinds = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value != value or not low <= value <= high:
        raise BadInput(f"'{name}' must be a {'whole ' if whole else ''}number from {low:g} to {high:g}")
    return value


@dataclass
class Target:
    url: str
    key: str
    checked_at: str | None = None
    tier1: bool = False
    placements: bool = False

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc.rpartition("@")[2].lower()


def plan(store, opts: Options) -> list[Target]:
    """The pages to recheck, oldest check first."""
    targets: dict[str, Target] = {}
    if opts.only in (None, "tier1"):
        for rec in store.all_backlinks():
            key = rec.get("source_key") or urls.safe_page_key(rec["source_url"])
            if not key:
                continue
            t = targets.get(key)
            if t is None:
                t = targets[key] = Target(rec["source_url"], key, rec.get("checked_at"), tier1=True)
            elif _older(rec.get("checked_at"), t.checked_at):
                t.checked_at = rec.get("checked_at")
    if opts.only in (None, "placements"):
        for p in store.all("placements"):
            key = p.get("from_key") or urls.safe_page_key(p.get("from_url") or "")
            if not key:
                continue
            t = targets.get(key)
            if t is None:
                t = targets[key] = Target(p["from_url"], key, p.get("checked_at"))
            elif _older(p.get("checked_at"), t.checked_at):
                t.checked_at = p.get("checked_at")
            t.placements = True
    chosen = list(targets.values())
    if opts.older_than is not None:
        cutoff = (datetime.now(timezone.utc) - timedelta(days=opts.older_than)).strftime("%Y-%m-%dT%H:%M:%SZ")
        chosen = [t for t in chosen if not t.checked_at or t.checked_at < cutoff]
    chosen.sort(key=lambda t: (t.checked_at or "", t.url))
    return chosen[: opts.limit] if opts.limit else chosen


def is_loss(kind: str, was, now) -> bool:
    """A change that costs me a link or its value: lost, or no longer followed."""
    if kind in ("lost", "placement_lost", "placement_nofollow"):
        return True
    return kind == "rel_changed" and was == "follow" and now != "follow"


def change_reason(kind: str, was, now) -> str:
    """The "why" of a change, in words a link builder reads (every change has one)."""
    if kind == "rel_changed":
        if now == "follow":
            return f"the link is followed again (it was {was})"
        said = ("the page now tells search engines not to follow its links (robots meta tag or X-Robots-Tag)"
                if now == "nofollow (page)" else f'the link now carries rel="{str(now).replace(",", " ")}"')
        return f"{said}: it no longer passes link value" if was == "follow" else f"{said} (was {was}): still not followed"
    return {
        "lost": "the link is no longer on the page",
        "anchor_changed": "the link's anchor text changed",
        "restored": "the link is back on the page",
        "new": "a link to your site that was not in your list",
        "placement_lost": "your tier-2 link is no longer on the page",
        "placement_nofollow": "your tier-2 link is there but no longer followed",
        "placement_live": "your tier-2 link is on the page and followed",
    }.get(kind, kind.replace("_", " "))


def _older(a: str | None, b: str | None) -> bool:
    return not a or (bool(b) and a < b)


@dataclass
class Summary:
    checked: int = 0
    unchanged: int = 0
    changes: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        changes = [dict(c, loss=is_loss(c["kind"], c["was"], c["now"])) for c in self.changes]
        return {"checked": self.checked, "unchanged": self.unchanged,
                "changes": sorted(changes, key=lambda c: (c["source_url"], c["target_url"], c["kind"])),
                "errors": sorted(self.errors, key=lambda e: e["url"]),
                "skipped": sorted(self.skipped, key=lambda s: s["url"])}


class Run:
    """One recheck of a data home's store; `execute()` returns the RecheckSummary.

    `store`: the home's Store (its `home` holds the recheck lock); `profile()`: the site
    profile in force, asked for each page judged (the service's user may change it while a
    run goes on, and a run judging with an older one would rescore every tier-1 page back
    and forth with the service). Taken explicitly rather than a Workspace: the monitor sits
    below the workspace layer and needs only these two.
    `progress(done, total)` is called after each page; `cancel` (an Event) stops
    the run between requests. `done`/`total` may be read from other threads.
    """

    def __init__(self, store, profile: Callable[[], Profile], opts: Options, *, progress=None,
                 cancel: threading.Event | None = None, private_hint: str = ""):
        self.store = store
        self.profile = profile
        self.opts = opts
        self.private_hint = private_hint  # how the user allows private hosts, where they are
        self.progress = progress
        self.cancel = cancel or threading.Event()
        self.summary = Summary()
        self.done = 0
        self.total = 0
        self._lock = threading.Lock()
        self._stamps: dict[str, dict] = {}

    def execute(self) -> dict:
        from companion.monitor.lock import recheck_lock

        store = self.store
        with recheck_lock(store.home):
            targets = plan(store, self.opts)
            self.total = len(targets)
            by_host: dict[str, list[Target]] = {}
            for t in targets:
                by_host.setdefault(t.host, []).append(t)
            gate = HostGate(self.opts.delay, self.cancel)
            workers = max(1, min(self.opts.concurrency, len(by_host)))
            with Fetcher(timeout=self.opts.timeout, allow_private=self.opts.allow_private_hosts, gate=gate,
                         pool_size=workers) as fetcher:
                self.fetcher, self.gate, self.robots = fetcher, gate, RobotsCache(fetcher)
                with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="recheck") as pool:
                    for future in [pool.submit(self._host, group) for group in by_host.values()]:
                        future.result()
            self._flush()
            store.set_setting(LAST_RUN_SETTING, now())
        summary = self.summary.to_json()
        from companion.alerts import hook

        hook.after_recheck(self.store, self.profile(), summary)  # alerts made once, deliveries queued: never waits on a receiver
        return summary

    # -- per host, per page -----------------------------------------------------------

    def _host(self, group: list[Target]) -> None:
        for target in group:
            if self.cancel.is_set():
                return
            try:
                self._check(target)
            except Cancelled:
                return
            except TierlinkError as exc:  # e.g. the store refused a write: this page only
                self._error_only(target, exc.message)
            except Exception as exc:  # noqa: BLE001 - a page from outside must not end the whole run
                log.error("recheck of one page failed: %s", type(exc).__name__)
                self._error_only(target, f"internal error ({type(exc).__name__}); see the log")
            with self._lock:
                self.done += 1
                done = self.done
                flush = len(self._stamps) >= FLUSH_EVERY
            if flush:
                self._flush()
            if self.progress:
                self.progress(done, self.total)

    def _check(self, t: Target) -> None:
        try:
            rules = self.robots.rules(t.url)
        except FetchError as exc:  # refused: an address we do not fetch
            return self._skip(t, self._refused(exc))
        if rules.error:
            return self._failed(t, rules.error)
        if not rules.allowed(t.url):
            return self._skip(t, rules.disallow_all or "robots.txt disallows it for TierlinkBot")
        if rules.crawl_delay:
            self.gate.set_delay(t.host, rules.crawl_delay)
        try:
            resp = self.fetcher.get(t.url, follow=lambda nxt: self._may_follow(t, nxt))
        except FetchError as exc:
            return self._skip(t, self._refused(exc)) if exc.kind == "refused" else self._failed(t, exc.reason)
        if resp.location:
            if urls.site_of(resp.location) != urls.site_of(t.url):
                return self._gone(t, f"the page redirects to another site ({resp.location[:300]})", resp.final_url)
            return self._skip(t, f"it redirects to {resp.location[:300]}, which robots.txt disallows")
        if resp.status in (404, 410):
            return self._gone(t, f"the page answers {resp.status}", resp.final_url)
        if resp.status >= 300 or resp.status < 200:
            return self._failed(t, f"the page answers HTTP {resp.status}")
        if resp.content_type not in HTML_TYPES:
            return self._skip(t, f"not an HTML page ({resp.content_type})", stamp=True)
        self._judge(t, resp)

    def _refused(self, exc: FetchError) -> str:
        if isinstance(exc, PrivateAddress) and self.private_hint:
            return f"{exc.reason} ({self.private_hint})"
        return exc.reason

    def _may_follow(self, t: Target, nxt: str) -> bool:
        """Redirects are followed within the page's site, where robots.txt allows."""
        if urls.site_of(nxt) != urls.site_of(t.url):
            return False
        try:
            rules = self.robots.rules(nxt)
        except FetchError:
            return True  # the fetcher refuses it, with the reason
        if rules.crawl_delay:
            self.gate.set_delay(urlsplit(nxt).netloc.lower(), rules.crawl_delay)
        return rules.allowed(nxt)

    def _judge(self, t: Target, resp) -> None:
        from companion.verdicts import verdicts

        store = self.store
        before = {p["id"]: p.get("status") or "unchecked" for p in store.find("placements", from_key=t.key)}
        stored = store.backlinks_from(t.key)
        result = verdicts.analyze_with_verdicts(store, self.profile(), t.url, resp.text(), headers=resp.headers,
                                                origin="recheck")
        if result["counts"]["links"] == 0 and (stored or before):
            return self._skip(t, "needs a browser: the fetched HTML has no links, a visit saw some "
                                 "(the page is built by JavaScript)", stamp=True)
        changes = [{"kind": c["kind"], "source_url": t.url, "target_url": c["target"], "was": c.get("was"),
                    "now": c.get("now"), "reason": change_reason(c["kind"], c.get("was"), c.get("now"))}
                   for c in result["changes"] if not c.get("since")]
        for p in result.get("placements") or []:
            was = before.get(p["id"], "unchecked")
            if p["status"] != was and not (was == "unchecked" and p["status"] == "live"):
                kind = f"placement_{p['status']}"
                changes.append({"kind": kind, "source_url": t.url, "target_url": p["to_url"],
                                "was": was, "now": p["status"], "reason": change_reason(kind, was, p["status"])})
        # cut for size, and a stored link not seen before the cut: that link cannot be judged
        cut_unseen = bool(result.get("truncated")) and not _all_seen(stored, result)
        with self._lock:
            self.summary.checked += 1
            self.summary.changes.extend(changes)
            if not changes and not cut_unseen:
                self.summary.unchanged += 1
            self._stamps[t.key] = {"checked_at": now(), "check_failures": 0, "check_error": None,
                                   "final_url": resp.final_url}
        if cut_unseen:
            self._skip(t, "the page is larger than 10 MiB: a link after the cut cannot be judged", stamp=False)

    # -- outcomes ---------------------------------------------------------------

    def _error_only(self, t: Target, reason: str) -> None:
        with self._lock:
            self.summary.errors.append({"url": t.url, "reason": reason})

    def _skip(self, t: Target, reason: str, stamp: bool = True) -> None:
        with self._lock:
            self.summary.skipped.append({"url": t.url, "reason": reason})
            if stamp:
                self._stamps.setdefault(t.key, {"checked_at": now()})

    def _failed(self, t: Target, reason: str) -> None:
        from companion.workflow import placements

        store = self.store
        failures = max([int(r.get("check_failures") or 0) for r in store.backlinks_from(t.key)] or [0]) + 1
        for p in store.find("placements", from_key=t.key):
            failures = max(failures, placements.note_failure(store, p, reason))
        if failures >= placements.FAILURES_NOTED:
            reason = f"{reason} ({failures} failed rechecks in a row)"
        with self._lock:
            self.summary.errors.append({"url": t.url, "reason": reason})
            self._stamps[t.key] = {"checked_at": now(), "check_failures": failures, "check_error": reason}

    def _gone(self, t: Target, reason: str, final_url: str) -> None:
        """The page is gone (404/410) or now another site: its links to me and my placements are lost."""
        from companion.workflow import placements

        store = self.store
        stamp = now()
        changes, updates = [], []
        for rec in store.backlinks_from(t.key):
            if rec.get("status") != "live":
                continue
            changes.append({"kind": "lost", "source_url": t.url, "target_url": rec["target_url"],
                            "was": rec.get("anchor") or "", "now": None, "reason": reason})
            history = list(rec.get("history") or []) + [{"at": stamp, "kind": "lost", "was": "live", "now": "lost",
                                                         "reason": reason}]
            updates.append(dict(rec, status="lost", history=history))
        if updates:
            store.put_backlinks(updates)
        for p in store.find("placements", from_key=t.key):
            p = placements.with_status(p)
            if p["status"] != "lost":
                changes.append({"kind": "placement_lost", "source_url": t.url, "target_url": p["to_url"],
                                "was": p["status"], "now": "lost", "reason": reason})
            placements.set_status(store, p, "lost", reason, stamp)
        with self._lock:
            self.summary.checked += 1
            self.summary.changes.extend(changes)
            if not changes:
                self.summary.unchanged += 1
            self._stamps[t.key] = {"checked_at": stamp, "check_failures": 0, "check_error": None,
                                   "final_url": final_url}

    def _flush(self) -> None:
        """Write the check stamps onto the pages' backlink records: one durable write.

        Records are re-read here, so a change the analysis (or a visit) wrote
        meanwhile is kept."""
        with self._lock:
            stamps, self._stamps = self._stamps, {}
        store = self.store
        updates = [dict(rec, **fields) for key, fields in stamps.items() for rec in store.backlinks_from(key)]
        if updates:
            store.put_backlinks(updates)


def _all_seen(stored: list[dict], result: dict) -> bool:
    seen = {urls.safe_page_key(l["href"]) for l in result["links"] if l["target"] == "me"}
    return all(urls.safe_page_key(r["target_url"]) in seen for r in stored if r.get("status") == "live")


def run(store, profile: Callable[[], Profile], opts: Options, *, progress=None, cancel=None,
        private_hint: str = "") -> dict:
    """Recheck now: the RecheckSummary. `private_hint` ends the reason of a page skipped for its
    private address: how to allow those where the user is (the CLI's flag, the dashboard's box)."""
    return Run(store, profile, opts, progress=progress, cancel=cancel, private_hint=private_hint).execute()


def elapsed_since(stamp: str | None) -> float | None:
    """Seconds since an ISO stamp written by `now()`, None without one."""
    if not stamp:
        return None
    try:
        then = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return time.time() - then.timestamp()
