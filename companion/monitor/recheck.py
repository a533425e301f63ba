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

import functools
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
from companion.analysis import indexability, urls
from companion.workflow.fields import now
from companion.core.errors import BadInput, TierlinkError
from companion.monitor import checks, outcomes
from companion.monitor.fetch import FetchError, Fetcher, PrivateAddress
from companion.monitor.politeness import Cancelled, HostGate
from companion.monitor.robots import RobotsCache
from companion.monitor.sitemaps import SitemapCache

ONLY = ("tier1", "placements")
HTML_TYPES = ("text/html", "application/xhtml+xml", "")
FLUSH_EVERY = 200  # pages whose check stamps are written in one durable write
LAST_RUN_SETTING = "recheck_last_run"
LAST_REPORT_SETTING = "recheck_last_report"  # what the dashboard shows of the last run (companion.monitor.runner.schedule_report)
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
    not_indexable: list[dict] = field(default_factory=list)  # {url, reasons}: pages search engines will not index

    def to_json(self) -> dict:
        changes = [dict(c, loss=is_loss(c["kind"], c["was"], c["now"])) for c in self.changes]
        return {"checked": self.checked, "unchanged": self.unchanged,
                "changes": sorted(changes, key=lambda c: (c["source_url"], c["target_url"], c["kind"])),
                "errors": sorted(self.errors, key=lambda e: e["url"]),
                "skipped": sorted(self.skipped, key=lambda s: s["url"]),
                "not_indexable": sorted(self.not_indexable, key=lambda s: s["url"])}


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
        self.verdicts: dict[str, tuple[str, dict]] = {}  # page key -> (url, indexability verdict)
        self.results: list[dict] = []  # one per backlink and placement checked (companion.monitor.checks)
        self.why = "cli"

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
                self.sitemaps = SitemapCache(fetcher, self.robots)
                with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="recheck") as pool:
                    for future in [pool.submit(self._host, group) for group in by_host.values()]:
                        future.result()
            self._flush()
            self._keep_indexability()
            finished = now()
            summary = self.summary.to_json()
            summary["outcomes"] = checks.counts(self.results)
            store.set_setting(LAST_RUN_SETTING, finished)
            store.set_setting(LAST_REPORT_SETTING, report(summary, finished, self.why, self.cancel.is_set()))
            outcomes_recorded(store, self.profile, self.results, summary["changes"])
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
            return self._no_answer(t, rules.error_kind or "connect", rules.error)
        if not rules.allowed(t.url):
            self._indexability(t, indexability.from_robots_only(rules.allows_google(t.url)))
            return self._skip(t, rules.disallow_all or "robots.txt disallows it for TierlinkBot")
        if rules.crawl_delay:
            self.gate.set_delay(t.host, rules.crawl_delay)
        try:
            resp = self.fetcher.get(t.url, follow=lambda nxt: self._may_follow(t, nxt))
        except FetchError as exc:
            if exc.kind == "refused":
                return self._skip(t, self._refused(exc))
            return self._no_answer(t, exc.kind, exc.reason)
        offsite = bool(resp.location) and urls.site_of(resp.location) != urls.site_of(t.url)
        if resp.location and not offsite:
            return self._skip(t, f"it redirects to {resp.location[:300]}, which robots.txt disallows")
        html_answer = resp.content_type in HTML_TYPES and not resp.location
        text = resp.text() if html_answer else ""
        verdict = outcomes.judge(outcomes.Page(t.url, status=resp.status, final_url=resp.final_url, offsite=offsite,
                                               html=text))
        if verdict is not None and verdict.rule in outcomes.CONTENT_LOSSES and self._links_still_there(t, resp, text):
            verdict = None  # a page that only reads like a not-found or parking page: my links are on it
        if verdict is not None:
            reason = verdict.reason
            if verdict.rule == "offsite_redirect":
                reason = f"{reason} ({resp.location[:300]})"
            if outcomes.marks_lost(verdict.outcome):
                self._gone(t, reason, resp.final_url, verdict.outcome)
                return self._receipts(t, resp, text)
            return self._failed(t, reason, verdict.outcome, answered=True)
        if not html_answer:
            return self._skip(t, f"not an HTML page ({resp.content_type})", stamp=True)
        self._judge(t, resp, rules, text)

    def _links_still_there(self, t: Target, resp, text: str) -> bool:
        """Whether every live link of mine on the page, and every placement, is in the fetched HTML
        (an analysis that records nothing): a post titled "How to fix a 404 page not found" is no soft 404."""
        from companion.verdicts import verdicts

        stored = self.store.backlinks_from(t.key)
        dry = verdicts.analyze_with_verdicts(self.store, self.profile(), t.url, text, headers=resp.headers,
                                             record_changes=False, origin="recheck")
        found_any = any(r.get("status") == "live" for r in stored) or dry.get("placements")
        return bool(found_any) and _all_seen(stored, dry) and _placements_seen(dry)

    def _no_answer(self, t: Target, kind: str, reason: str) -> None:
        """No answer from the host: `unreachable`, or `parked` for a lapsed domain (NXDOMAIN after an answer)."""
        verdict = outcomes.failure(t.url, kind, reason, checks.answered_before(self.store, t.key))
        if outcomes.marks_lost(verdict.outcome):
            return self._gone(t, verdict.reason, t.url, verdict.outcome, answered=False)
        self._failed(t, reason, verdict.outcome)

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

    def _indexability(self, t: Target, verdict: dict) -> None:
        """Keep a page's indexability verdict for the run's end (and the summary's not_indexable)."""
        with self._lock:
            self.verdicts[t.key] = (t.url, verdict)

    def _judge_indexability(self, t: Target, resp, rules, result: dict) -> None:
        """The page's own verdict (the analysis) with its host's: robots.txt for Googlebot, the
        sitemaps (read once per host per run), a redirect home that reads as a soft 404."""
        listed, note = self.sitemaps.for_url(t.url).status(t.url)
        self._indexability(t, indexability.with_host_evidence(
            result["indexability"], robots_allows_google=rules.allows_google(t.url), sitemap=listed,
            sitemap_note=note, soft_404_reason=indexability.redirect_soft_404(t.url, resp.final_url)))

    def _judge(self, t: Target, resp, rules, text: str) -> None:
        from companion.verdicts import verdicts

        store = self.store
        before = {p["id"]: p.get("status") or "unchecked" for p in store.find("placements", from_key=t.key)}
        stored = store.backlinks_from(t.key)
        analyze = functools.partial(verdicts.analyze_with_verdicts, store, self.profile(), t.url, text,
                                    headers=resp.headers, origin="recheck")
        if stored or before:
            # a page built by script: look without recording first, so a link the fetched HTML
            # lacks is never marked lost from it
            script = outcomes.needs_browser(text, no_links=False)
            if script is not None:
                dry = analyze(record_changes=False)
                if dry["counts"]["links"] and not (_all_seen(stored, dry) and _placements_seen(dry)):
                    return self._browser(t, script.reason)
        result = analyze()
        if result["counts"]["links"] == 0 and (stored or before):
            return self._browser(t, outcomes.needs_browser(text, no_links=True).reason)
        changes = [{"kind": c["kind"], "source_url": t.url, "target_url": c["target"], "was": c.get("was"),
                    "now": c.get("now"), "reason": change_reason(c["kind"], c.get("was"), c.get("now"))}
                   for c in result["changes"] if not c.get("since")]
        for p in result.get("placements") or []:
            was = before.get(p["id"], "unchecked")
            if p["status"] != was and not (was == "unchecked" and p["status"] == "live"):
                kind = f"placement_{p['status']}"
                changes.append({"kind": kind, "source_url": t.url, "target_url": p["to_url"],
                                "was": was, "now": p["status"], "reason": change_reason(kind, was, p["status"])})
        self._judge_indexability(t, resp, rules, result)
        # cut for size, and a stored link not seen before the cut: that link cannot be judged
        cut_unseen = bool(result.get("truncated")) and not _all_seen(stored, result)
        with self._lock:
            self.summary.checked += 1
            self.summary.changes.extend(changes)
            if not changes and not cut_unseen:
                self.summary.unchanged += 1
        if cut_unseen:
            self._skip(t, "the page is larger than 10 MiB: a link after the cut cannot be judged", stamp=False)
            self._stamp(t, {"check_failures": 0, "check_error": None, "final_url": resp.final_url})
            return
        self._outcome(t, "ok", "the page answered and was judged", answered=True,
                      extra={"check_failures": 0, "check_error": None, "final_url": resp.final_url})
        self._receipts(t, resp, text)

    def _receipts(self, t: Target, resp, text: str) -> None:
        """Proof of what a page holding my placements showed (companion.workflow.receipts)."""
        if t.placements:
            from companion.workflow import receipts

            receipts.keep_for_page(self.store, t.key, t.url, text, resp.body, final_url=resp.final_url,
                                   status=resp.status)

    # -- outcomes ---------------------------------------------------------------

    def _error_only(self, t: Target, reason: str) -> None:
        with self._lock:
            self.summary.errors.append({"url": t.url, "reason": reason})

    def _skip(self, t: Target, reason: str, stamp: bool = True) -> None:
        """Not judged (robots.txt, an address we do not fetch, not HTML): no outcome."""
        with self._lock:
            self.summary.skipped.append({"url": t.url, "reason": reason})
            if stamp:
                self._stamps.setdefault(t.key, {"checked_at": now()})

    def _stamp(self, t: Target, fields: dict) -> None:
        with self._lock:
            self._stamps[t.key] = {"checked_at": now(), **fields}

    def _outcome(self, t: Target, outcome: str, reason: str, *, answered: bool, extra: dict) -> None:
        """Store the page's outcome: on its placements now, on its backlinks with the next flush
        (in one write with the check stamps); the per-item results are kept for the run's end."""
        store = self.store
        stamp = now()
        results = checks.record_placements(store, t.key, t.url, outcome, reason, stamp, "crawler", answered)
        _, backlink_results = checks.backlink_updates(store.backlinks_from(t.key), t.url, outcome, reason, stamp,
                                                      "crawler", answered)
        with self._lock:
            self.results.extend(backlink_results + results)
            self._stamps[t.key] = {"checked_at": stamp, **extra,
                                   "_outcome": (outcome, reason, stamp, answered)}

    def _browser(self, t: Target, reason: str) -> None:
        """Needs a browser: skipped by the crawler (never lost), queued for the browser."""
        with self._lock:
            self.summary.skipped.append({"url": t.url, "reason": reason})
        self._outcome(t, "needs_browser", reason, answered=True, extra={})

    def _failed(self, t: Target, reason: str, outcome: str = "unreachable", *, answered: bool = False) -> None:
        """No judgement (blocked or unreachable): counted as a failure, never lost."""
        from companion.workflow import placements

        store = self.store
        failures = max([int(r.get("check_failures") or 0) for r in store.backlinks_from(t.key)] or [0]) + 1
        for p in store.find("placements", from_key=t.key):
            failures = max(failures, placements.note_failure(store, p, reason))
        if failures >= placements.FAILURES_NOTED:
            reason = f"{reason} ({failures} failed rechecks in a row)"
        with self._lock:
            self.summary.errors.append({"url": t.url, "reason": reason})
        self._outcome(t, outcome, reason, answered=answered, extra={"check_failures": failures, "check_error": reason})

    def _gone(self, t: Target, reason: str, final_url: str, outcome: str = "lost", *, answered: bool = True) -> None:
        """The page is gone (404/410, a soft 404, parked) or now another site: its links to me
        and my placements are lost."""
        changes = checks.mark_page_lost(self.store, t.key, t.url, reason, now())
        with self._lock:
            self.summary.checked += 1
            self.summary.changes.extend(changes)
            if not changes:
                self.summary.unchanged += 1
        self._outcome(t, outcome, reason, answered=answered,
                      extra={"check_failures": 0, "check_error": None, "final_url": final_url})

    def _keep_indexability(self) -> None:
        """The run's indexability verdicts: stored per page (what the boost list reads), and the
        pages search engines will not index listed in the summary."""
        from companion.workflow import indexstate

        indexstate.record(self.store, {key: v for key, (_url, v) in self.verdicts.items()})
        self.summary.not_indexable = [{"url": url, "reasons": [r for r, c in zip(v["reasons"], v["codes"])
                                                               if c in indexability.BLOCKING]}
                                      for url, v in self.verdicts.values() if v["state"] == indexability.NOT_INDEXABLE]

    def _flush(self) -> None:
        """Write the check stamps and outcomes onto the pages' backlink records: one durable write.

        Records are re-read here, so a change the analysis (or a visit) wrote
        meanwhile is kept."""
        with self._lock:
            stamps, self._stamps = self._stamps, {}
        store = self.store
        updates = []
        for key, fields in stamps.items():
            fields = dict(fields)
            found = fields.pop("_outcome", None)
            records = [dict(rec, **fields) for rec in store.backlinks_from(key)]
            if found is not None:
                outcome, reason, stamp, answered = found
                records, _ = checks.backlink_updates(records, records[0]["source_url"] if records else "",
                                                     outcome, reason, stamp, "crawler", answered)
            updates.extend(records)
        if updates:
            store.put_backlinks(updates)


def _placements_seen(result: dict) -> bool:
    return all(p["status"] != "lost" for p in result.get("placements") or [])


def _all_seen(stored: list[dict], result: dict) -> bool:
    seen = {urls.safe_page_key(l["href"]) for l in result["links"] if l["target"] == "me"}
    return all(urls.safe_page_key(r["target_url"]) in seen for r in stored if r.get("status") == "live")


def outcomes_recorded(store, profile: Callable[[], Profile], results: list[dict], changes=()) -> None:
    """Called once the outcomes of a recheck run (or of a check in the browser) are stored,
    with one result per backlink and placement checked, in the shape companion.monitor.checks
    describes (`changed` says the outcome differs from the one before); `profile()` is the
    profile in force; `changes`: the run's RecheckSummary changes (a browser check has none).
    The one place where what follows a check (alerts) is called from."""
    from companion.alerts import hook

    hook.after_check(store, profile(), results, list(changes))  # alerts once, deliveries queued: never waits


def report(summary: dict, finished: str, why: str, cancelled: bool) -> dict:
    """The last run as the dashboard shows it: when, why, and counts (not every change)."""
    return {"finished_at": finished, "why": why, "cancelled": cancelled, "checked": summary["checked"],
            "unchanged": summary["unchanged"], "changes": len(summary["changes"]),
            "errors": len(summary["errors"]), "skipped": len(summary["skipped"]), "outcomes": summary["outcomes"]}


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
