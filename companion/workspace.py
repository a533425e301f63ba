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

    def analyze(self, url: str, html: str | bytes, headers: dict | None = None) -> dict:
        """The full Analysis of a page the user visits or saved: links, labels, verdicts, changes.

        `headers`: the page's response headers where known (X-Robots-Tag counts)."""
        from companion.verdicts import verdicts

        with self.store.reading():  # one connection and each fact read once for the request
            result = verdicts.analyze_with_verdicts(self.store, self.profile, url, html, headers=headers)
        key = urls.safe_page_key(result["url"])
        if key:
            snapshot = {"labels": list(result["labels"]), "title": result["title"]}
            for kind in ("boost", "tier2"):
                if result.get(kind):
                    snapshot[kind] = {"score": result[kind]["score"], "reasons": list(result[kind]["reasons"])}
            with self._lock:
                self._verdicts[key] = snapshot
                if len(self._verdicts) > 5000:
                    self._verdicts.pop(next(iter(self._verdicts)))
        return result

    def last_verdict(self, url: str) -> dict | None:
        """The verdict of the last analysis of this page in this process, if any (never its HTML)."""
        key = urls.safe_page_key(url)
        with self._lock:
            return self._verdicts.get(key) if key else None

    def boost_list(self, limit: int = 50, *, spam: str = "hide") -> list[dict]:
        from companion.verdicts import verdicts

        return verdicts.boost_list(self.store, self.profile, limit, spam=spam)

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
