"""Page keys and what the boost verdict needs of a tier-1 page (a page holding a live
backlink): the pure functions the store and the verdicts share."""

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


def tier1_features(live: list[dict]) -> dict:
    """What the boost verdict needs of a tier-1 page, from its live records (oldest first).

    The strongest link stands for the page (the first followed one, else the first);
    metrics merge with the oldest record's value first; `targets` are the page keys
    of my pages it links to (for money-page matching).
    """
    best = next((r for r in live if r.get("follow", True)), live[0])
    metrics: dict = {}
    for r in live:
        for k, v in (r.get("metrics") or {}).items():
            metrics.setdefault(k, v)
    return {"url": live[0]["source_url"],
            "title": next((r["title"] for r in live if r.get("title")), "") or "",
            "anchors": [r.get("anchor") or "" for r in live],
            "follow": bool(best.get("follow", True)), "rel": list(best.get("rel") or []),
            "target": best.get("target_url"),
            "targets": list(dict.fromkeys(r["target_key"] for r in live)),
            "metrics": metrics}


def key_of(url_or_key: str) -> str | None:
    if not isinstance(url_or_key, str) or not url_or_key.strip():
        return None
    if "://" not in url_or_key:
        return url_or_key
    try:
        return page_key(url_or_key)
    except ValueError:
        return None

