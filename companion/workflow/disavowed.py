"""Which pages the user disavowed (issue 28): the marks the boost list and suggestions skip.

Kept apart from `companion.verdicts.disavow` (which makes and reads the disavow file) so the
verdicts can ask "is this page disavowed?" without importing the module that asks them
which pages are spam. The marks are a table of their own in the backlink database
(`Store.disavow_marks`, companion.store.profilecols), not fields of the backlink records, so a
backlink export imported again never brings a disavowed link back.
"""

from __future__ import annotations

from companion.analysis import urls

def clean_host(host: str) -> str:
    """A host as a `domain:` line names it: lower case, no trailing dot, no `www.`."""
    host = (host or "").strip().lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


class Matcher:
    """Is this page disavowed? By its URL (page key) or its host (a `domain:` entry covers
    its subdomains too, as Google reads it). Read once per list."""

    def __init__(self, store):
        entries = store.disavow_marks()
        self.domains = {e["value"] for e in entries if e["kind"] == "domain"}
        self.keys = {urls.safe_page_key(e["value"]) for e in entries if e["kind"] == "url"} - {None}

    def __bool__(self) -> bool:
        return bool(self.domains or self.keys)

    def __call__(self, url: str) -> bool:
        if not self:
            return False
        if urls.safe_page_key(url) in self.keys:
            return True
        host = clean_host(urls.host_of(url))
        return any(host == d or host.endswith("." + d) for d in self.domains)
