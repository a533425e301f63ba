"""A Workspace is one data home opened for work: its profile and its store.

Both front ends go through it: the CLI opens one per command, the HTTP service
opens one at start and shares it between threads (the store serialises access
with its own lock). Features that need the profile and the store together
(analysis with verdicts, imports, candidates, drafts) are methods or functions
taking a Workspace, so the CLI and the API cannot drift apart.
"""

from __future__ import annotations

import threading
from pathlib import Path

from companion.analysis import profile as profile_mod
from companion.analysis import urls
from companion.core.atomic import file_stamp
from companion.core.home import ensure_home


class Workspace:
    """`database`: a PostgreSQL URL for team mode (else $TIERLINK_DATABASE, else the embedded
    store); `user`: who is working (else $TIERLINK_USER, else the login name)."""

    def __init__(self, home: Path, database: str | None = None, user: str | None = None):
        from companion.core import team

        self.home = Path(home)
        self.database = team.resolve_database(database)
        self.user = team.resolve_user(user)
        self._profile_cache: tuple | None = None
        self._verdicts: dict[str, dict] = {}  # page key -> last verdict snapshot (memory only)
        self._lock = threading.Lock()
        self._store = None  # opened on first use: commands that never touch the store never open it
        self._store_lock = threading.Lock()

    @property
    def profile(self) -> profile_mod.Profile:
        """The profile, re-read only when it changed (every request asks for it): its file's
        stamp, or in team mode the database's version of it (another member may change it)."""
        if self.database:
            stamp = ("db", self.store.table_versions.get("profile"))
        else:
            stamp = file_stamp(profile_mod.profile_path(self.home))
        cached = self._profile_cache
        if cached and cached[0] == stamp:
            return cached[1]
        if self.database:
            data = self.store.profile_data()
            prof = profile_mod.validate(data) if data is not None else profile_mod.Profile()
        else:
            prof = profile_mod.load(self.home)
        self._profile_cache = (stamp, prof)
        return prof

    def set_profile(self, data: dict) -> profile_mod.Profile:
        """Validate and store the profile (in team mode, the whole team's)."""
        return self._store_profile(data, only_if_missing=False)[0]

    def init_profile(self, data: dict) -> tuple[profile_mod.Profile, bool]:
        """Store the profile unless one is stored already (`tierlink init` on a team database,
        which must not undo a teammate's profile): (the profile in force, written)."""
        return self._store_profile(data, only_if_missing=True)

    def _store_profile(self, data: dict, *, only_if_missing: bool) -> tuple[profile_mod.Profile, bool]:
        prof = profile_mod.validate(data)
        self._profile_cache = None
        if self.database:
            written = self.store.set_profile_data(prof.to_json(), only_if_missing=only_if_missing)
            return (prof if written else self.profile), written
        ensure_home(self.home)
        if only_if_missing and profile_mod.profile_path(self.home).exists():
            return self.profile, False
        return profile_mod.save(self.home, prof), True

    def analyze(self, url: str, html: str | bytes, headers: dict | None = None, *, contacts: bool = False,
                origin: str = "visit") -> dict:
        """The full Analysis of a page the user visits or saved: links, labels, verdicts, changes.

        `headers`: the page's response headers where known (X-Robots-Tag counts). `contacts`:
        also read the site's contact routes from the page (the popup asks, as the user may
        save it): in the answer and kept with the verdict for the save that follows. `origin`:
        `visit`, or `browser_check` (the extension checking a page the crawler could not);
        a check in the browser, or a visit of a page queued for one, replaces the crawler's
        outcome (companion.monitor.browser_checks) and says so in `browser_check`."""
        from companion.monitor import browser_checks
        from companion.verdicts import verdicts

        found: dict = {}

        def read_contacts(analysis: dict, doc) -> None:
            from companion.analysis import contacts as contacts_mod

            found["contacts"] = contacts_mod.extract(analysis["url"], doc, analysis["links"], html)

        with self.store.reading():  # one connection and each fact read once for the request
            check = browser_checks.wanted(self.store, url, origin) if isinstance(html, str) else None
            blocked = check is not None and (rule := browser_checks.page_rule(url, html)) is not None \
                and rule.outcome in ("blocked", "needs_browser")
            result = verdicts.analyze_with_verdicts(self.store, self.profile, url, html, headers=headers,
                                                    record_changes=not blocked,
                                                    origin="browser_check" if origin == "browser_check" else "discovered",
                                                    on_document=read_contacts if contacts else None)
            if "contacts" in found:
                result["contacts"] = found["contacts"]
            if check is not None:
                result["browser_check"] = browser_checks.record(self.store, lambda: self.profile, check, url, html, result, origin)
        key = urls.safe_page_key(result["url"])
        if key:
            snapshot = {"labels": list(result["labels"]), "title": result["title"]}
            if "contacts" in found:
                snapshot["contacts"] = found["contacts"]
            for kind in ("boost", "tier2"):
                if result.get(kind):
                    snapshot[kind] = {"score": result[kind]["score"], "reasons": list(result[kind]["reasons"])}
            with self._lock:
                kept = self._verdicts.get(key)
                if "contacts" not in snapshot and kept and "contacts" in kept:
                    snapshot["contacts"] = kept["contacts"]  # a later visit without the popup keeps them
                self._verdicts[key] = snapshot
                if len(self._verdicts) > 5000:
                    self._verdicts.pop(next(iter(self._verdicts)))
        return result

    def last_verdict(self, url: str) -> dict | None:
        """The verdict of the last analysis of this page in this process, if any (never its HTML)."""
        key = urls.safe_page_key(url)
        with self._lock:
            return self._verdicts.get(key) if key else None

    def boost_list(self, limit: int = 50, *, spam: str = "hide", not_indexable: str = "hide") -> list[dict]:
        from companion.verdicts import verdicts

        return verdicts.boost_list(self.store, self.profile, limit, spam=spam, not_indexable=not_indexable)

    def boost_hidden(self) -> dict[str, int]:
        """How many tier-1 pages the default boost list leaves out, by reason (verdicts.boost_hidden)."""
        from companion.verdicts import verdicts

        return verdicts.boost_hidden(self.store, self.profile)

    def tier_graph(self, limit: int) -> dict:
        """The tier graph built from the top `limit` pages of the boost list (companion.verdicts.graph)."""
        from companion.verdicts import graph

        return graph.tier_graph(self.store, self.profile, limit)

    def health(self, version: str) -> dict:
        """GET /api/health's body (the shape the extension builds against: README, "HTTP API").
        Never opens the store (it is open while `tierlink serve` runs); asks an open one what
        stops it working (a damaged file, a team database out of reach: a short probe)."""
        from companion.core.errors import TierlinkError

        body: dict = {"status": "ok", "version": version, "store": "postgresql" if self.database else "embedded"}
        store = self._store
        problem = store.problem() if store is not None else None
        if problem:
            body["status"] = "degraded"
            body["problem"] = problem
        if store is not None and store.restored_from_backup:
            body["notices"] = list(store.restored_from_backup)
        try:
            domains = self.profile.domains if problem is None or not self.database else None
        except TierlinkError:
            domains = None
        if domains is None:  # the team's profile is out of reach: the last one read, if any
            domains = self._profile_cache[1].domains if self._profile_cache else []
        body["domains_set"] = bool(domains)
        return body

    def explain(self, exc: BaseException):
        """The TierlinkError to answer for an unexpected exception the store recognises (a damaged
        page met mid-read: 503 store_damaged), or None."""
        store = self._store
        return store.explain(exc) if store is not None else None

    @property
    def open_store(self):
        """The Store if something already opened it, else None (never opens it: GET /api/health)."""
        return self._store

    @property
    def store(self):
        """The data home's Store, opened once per Workspace (one TinyDB instance per file)."""
        store = self._store
        if store is None:
            from companion.store.opening import open_store

            with self._store_lock:
                if self._store is None:
                    self._store = open_store(self.home, database=self.database, scorer=self._scorer)
                store = self._store
        return store

    def _scorer(self):
        """The verdicts' scorer for the profile in force, handed to the store when it opens it:
        each backlink write scores the tier-1 pages it touches (None until the store is open:
        team mode reads the profile through the store)."""
        if self._store is None:
            return None
        from companion.verdicts import verdicts

        return verdicts.scorer(self.profile)

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with self._store_lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def import_files(self, items, format: str = "auto", mapping: dict | None = None,
                     progress=None, on_note=None) -> list[dict]:
        """Import backlink exports (paths, or (name, bytes) pairs): one ImportSummary per file.

        Every file is parsed before anything is stored, so a file that cannot be
        read as a whole changes nothing; each file is then one durable write.
        """
        from companion import importing

        def set_domains(domains: list[str]):
            return self.set_profile({**self.profile.to_json(), "domains": domains})

        return importing.import_files(self.store, self.profile, items, format=format, mapping=mapping, progress=progress,
                                      on_note=on_note, set_domains=set_domains)

    def import_bytes(self, name: str, data: bytes, format: str = "auto", mapping: dict | None = None) -> dict:
        """Import one uploaded export (POST /api/import): its ImportSummary."""
        return self.import_files([(name, data)], format=format, mapping=mapping)[0]

    # --- the library, one method per thing a front end does ----------------------------
    # The API's routes and the CLI's commands call these, never the store themselves, so both
    # save a candidate, log a placement or check a draft through the same function.

    def backlinks_page(self, page) -> dict:
        """One page of the backlink list (a companion.store.listing.Page): GET /api/backlinks, `tierlink backlinks`."""
        return self.store.backlinks_page(page)

    def broken_targets(self) -> list[dict]:
        """Live links to a page of mine answering 4xx, best first (companion.verdicts.broken)."""
        from companion.verdicts import broken

        return broken.broken_targets(self.store)

    def warm_up(self) -> None:
        """Rebuild the verdicts' caches in the background after an import, so the next page visit does not wait."""
        from companion.verdicts import verdicts

        verdicts.warm_up(lambda: self.store, self.profile)

    def check_draft(self, *, html=None, markdown=None, text=None, host_url=None, limit=None) -> dict:
        """A guest-post draft's DraftReport (companion.verdicts.drafts): exactly one of html, markdown, text."""
        from companion.verdicts import drafts

        return drafts.check_draft(self.store, self.profile, html=html, markdown=markdown, text=text,
                                  host_url=host_url, limit=limit)

    def save_candidate(self, url, kind, *, title=None, note=None, tags=None, verdict=None,
                       contacts: dict | None = None) -> tuple[dict, bool]:
        """Save a page as a candidate: (candidate with its outreach marks and `warnings`, created).
        Without a `verdict`, the snapshot (and the site's contacts) are those of the last analysis
        of the page in this process (the popup's save follows its analysis)."""
        from companion.workflow import outreach

        last = self.last_verdict(url) if isinstance(url, str) else None
        return outreach.save(self.store, url, kind, title=title, note=note, tags=tags, verdict=verdict,
                             last=last, user=self.user, contacts=contacts)

    def list_candidates(self, kind: str | None = None, status: str | None = None, due: str | None = None) -> list[dict]:
        """Saved candidates with their outreach marks; `due` (today or YYYY-MM-DD): only the contacted
        ones whose follow-up is that day or earlier."""
        from companion.workflow import outreach

        if due is not None:
            return [c for c in outreach.due_today(self.store, due) if kind in (None, c["kind"])]
        return outreach.list_candidates(self.store, kind=kind, status=status)

    def update_candidate(self, id, changes: dict) -> dict:
        """Change a candidate (a tier2 one placed with `to_url` also logs the placement; a move to
        `contacted` is warned of pitches and refused for a do-not-contact site without override)."""
        from companion.workflow import outreach

        return outreach.update(self.store, self.profile, id, changes, user=self.user)

    # -- outreach (companion.workflow.dnc, companion.workflow.outreach) ----------------------------

    def dnc_list(self) -> list[dict]:
        from companion.workflow import dnc

        return dnc.list_dnc(self.store)

    def dnc_add(self, value, reason=None) -> tuple[dict, bool]:
        """Put a domain, a `*.` wildcard or an address on the do-not-contact list: (entry, created)."""
        from companion.workflow import dnc

        return dnc.add_dnc(self.store, value, reason, user=self.user)

    def dnc_remove(self, value_or_id) -> dict:
        from companion.workflow import dnc

        return dnc.remove_dnc(self.store, value_or_id)

    def outreach_settings(self, changes: dict | None = None) -> dict:
        """The pitch window and follow-up delay; `changes` sets some of them first."""
        from companion.workflow import dnc

        return dnc.set_settings(self.store, changes) if changes else dnc.settings(self.store)

    def due(self, day: str | None = None) -> list[dict]:
        """The contacted candidates whose follow-up is `day` (default today) or earlier."""
        from companion.workflow import outreach

        return outreach.due_today(self.store, day)

    def find_contacts(self, id, *, allow_private: bool = False) -> dict:
        """Fetch a saved candidate's site contact page politely and keep what it shows."""
        from companion.monitor import contactpages

        return contactpages.find_for_candidate(self.store, id, allow_private=allow_private)

    def delete_candidate(self, id) -> str:
        from companion.workflow import candidates

        return candidates.remove(self.store, id)

    def add_placement(self, from_url, to_url, *, anchor=None, via=None, date=None, note=None,
                      candidate_id=None) -> tuple[dict, list[dict], bool]:
        """Log a tier-2 link: (placement, warnings, created)."""
        from companion.workflow import placements

        return placements.add_ex(self.store, self.profile, from_url, to_url, anchor=anchor, via=via, date=date,
                                 note=note, candidate_id=candidate_id, user=self.user)

    def list_placements(self, to_url: str | None = None) -> list[dict]:
        from companion.workflow import placements

        return placements.list_placements(self.store, to_url=to_url)

    def delete_placement(self, id) -> str:
        from companion.workflow import placements

        return placements.remove(self.store, id)

    def export_table(self, table: str, out: Path) -> int:
        """Write backlinks, candidates or placements as CSV (companion.workflow.export): the rows written."""
        from companion.workflow import export

        return export.export_table(self.store, table, out)

    # -- the link profile (companion.workflow.linkprofile, companion.verdicts.disavow) ------------

    def anchor_mix(self) -> dict:
        """Anchor classes per money page and site-wide, tier-1 and tier-2 apart, with warnings."""
        from companion.workflow import linkprofile

        return linkprofile.anchor_mix(self.store, self.profile)

    def velocity(self, as_of=None) -> dict:
        """New and lost links per week, tier-1 and tier-2, with the 4/12/26-week trend."""
        from companion.workflow import linkprofile

        return linkprofile.velocity(self.store, self.profile, as_of=as_of)

    def disavow_entries(self, min_signal: int = 1) -> dict:
        from companion.verdicts import disavow

        return disavow.entries(self.store, self.profile, min_signal)

    def disavow_review(self, kind: str, value: str, decision: str) -> dict:
        from companion.verdicts import disavow

        return disavow.review(self.store, kind, value, decision)

    def disavow_remove(self, kind: str, value: str) -> bool:
        from companion.verdicts import disavow

        return disavow.remove(self.store, kind, value)

    def disavow_export(self, min_signal: int = 1) -> tuple[str, dict]:
        """Google's disavow file from the spam links kept or undecided: (text, summary)."""
        from companion.verdicts import disavow

        return disavow.export_text(self.store, self.profile, min_signal)

    def disavow_import(self, data: bytes | str) -> dict:
        from companion.verdicts import disavow

        return disavow.import_text(self.store, data)

    # -- my guest posts (companion.workflow.guestposts, companion.verdicts.guestlinks) -------------

    def guest_posts(self, *, needs_links: bool = False, host: str | None = None) -> list[dict]:
        """My guest posts, oldest first, with internal links seen, indexability, suggestions, note."""
        from companion.verdicts import guestlinks

        return guestlinks.guest_posts(self.store, needs_links=needs_links, host=host)

    def mark_guest_post(self, url, *, via: str, title: str | None = None) -> tuple[dict, bool]:
        from companion.workflow import guestposts

        return guestposts.mark(self.store, url, via=via, title=title)

    def unmark_guest_post(self, id_or_url: str) -> dict:
        from companion.workflow import guestposts

        return guestposts.unmark(self.store, id_or_url)

    def guest_post_index(self, enabled: bool | None = None) -> bool:
        """Whether the host page index is on (`enabled` turns it on or off first)."""
        from companion.workflow import guestposts

        if enabled is not None:
            guestposts.set_index_enabled(self.store, enabled)
        return guestposts.index_enabled(self.store)

    def forget_guest_post_host(self, host: str) -> int:
        from companion.workflow import guestposts

        return guestposts.forget_host(self.store, host)

    # -- alerts (companion.alerts) ----------------------------------------------------------------

    def alerts(self, *, since=None, unseen: bool = False, limit: int = 200) -> dict:
        """Alerts newest first (unseen first), with what the extension needs to notify."""
        from companion.alerts import channels, records

        return {**records.listing(self.store, since=since, unseen=unseen, limit=limit),
                **channels.desktop_state(self.store, self.profile.alerts)}

    def mark_alerts_seen(self, until=None) -> dict:
        from companion.alerts import records

        return records.mark_seen(self.store, until)

    def test_alert_channel(self, channel: str) -> dict:
        """Send a test through one delivery channel (desktop, webhook, mail)."""
        from companion.alerts import channels

        return channels.send_test(self.store, self.profile.alerts, channel)

    def deliver_alerts(self) -> dict:
        """Send the due deliveries now: how many wait, went, failed."""
        from companion.alerts import channels

        return channels.deliver_now(self.store)

    # -- link monitoring (companion.monitor) ---------------------------------------------------

    def recheck_schedule(self) -> dict:
        """The recheck's settings, its last run with outcomes by kind, and the next run."""
        from companion.monitor.runner import schedule_report

        return schedule_report(self.store, lambda: self.profile)

    def browser_checks(self) -> dict:
        """The pages the crawler could not judge (blocked, needs_browser), waiting for the browser."""
        from companion.monitor import browser_checks

        return browser_checks.queue(self.store)

    def request_browser_checks(self) -> dict:
        """Ask the extension to check the queued pages now (it picks the request up when it polls)."""
        from companion.monitor import browser_checks

        return browser_checks.request(self.store)

    def receipts(self, placement_id) -> list[dict]:
        """A placement's receipts (what its page showed at each check), newest first."""
        from companion.workflow import receipts

        return receipts.list_for(self.store, placement_id)

    def recheck(self, opts, *, progress=None, private_hint: str | None = None) -> dict:
        """Run one recheck in this thread (the CLI): the monitor judges with the profile in force."""
        from companion.monitor import recheck as recheck_mod

        return recheck_mod.run(self.store, lambda: self.profile, opts, progress=progress, private_hint=private_hint)

    def recheck_runner(self):
        """The background recheck of this store (the API and the schedule), one per store."""
        from companion.monitor.runner import runner_for

        return runner_for(self.store, lambda: self.profile)
