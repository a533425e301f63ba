"""Page keys as the store spells them (urls.page_key: `host[:port]/path?query`, lower case,
`www.` dropped) and the parts the store reads out of them: one rule for every module of the
store, and for the verdicts that read tier-1 pages back."""

from __future__ import annotations

from companion.analysis import urls

page_key = urls.page_key


def path_of_key(key: str) -> str:
    """The path of a page key (`host[:port]/path?query`), without the query: `/` for a home page."""
    rest = key.split("/", 1)
    return "/" + rest[1].split("?", 1)[0] if len(rest) > 1 else "/"


def host_of_key(key: str) -> str:
    """The host of a page key (`host[:port]/path`, urls.page_key: lower-case, `www.` stripped)."""
    host = key.split("/", 1)[0]
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def key_of(url_or_key: str) -> str | None:
    """A page key from a URL or a key as given (None for neither)."""
    if not isinstance(url_or_key, str) or not url_or_key.strip():
        return None
    if "://" not in url_or_key:
        return url_or_key
    try:
        return page_key(url_or_key)
    except ValueError:
        return None
