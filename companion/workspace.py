"""A Workspace is one data home opened for work: its profile and its store.

Both front ends go through it: the CLI opens one per command, the HTTP service
opens one at start and shares it between threads (the store serialises access
with its own lock). Features that need the profile and the store together
(analysis with verdicts, imports, candidates, drafts) are methods or functions
taking a Workspace, so the CLI and the API cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

from companion import analyze as analyze_mod
from companion import profile as profile_mod
from companion.home import ensure_home


class Workspace:
    def __init__(self, home: Path):
        self.home = Path(home)

    @property
    def profile(self) -> profile_mod.Profile:
        return profile_mod.load(self.home)

    def set_profile(self, data: dict) -> profile_mod.Profile:
        prof = profile_mod.validate(data)
        ensure_home(self.home)
        return profile_mod.save(self.home, prof)

    def analyze(self, url: str, html: str | bytes) -> dict:
        """The full Analysis of a page the user visits or saved."""
        return analyze_mod.analyze(url, html, self.profile)
