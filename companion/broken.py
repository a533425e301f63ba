"""Backlinks that point at a page of mine answering 4xx: the cheapest links to win back.

Why apart from the verdicts: a live link to a page of mine that answers 404 or 410
passes nothing until that page redirects to a live one, and one redirect recovers
it. Ahrefs' "Broken backlinks" export says which (its `Target page HTTP code`,
kept by the importer as `metrics.target_http_code`). The analysis labels such a
page `broken_target` on a visit, and the dashboard lists them all (GET
/api/broken-targets); both use the rule here.
"""

from __future__ import annotations


def target_code(record: dict) -> int | None:
    """The HTTP status the record's target page answered when the tool checked it, if known."""
    code = (record.get("metrics") or {}).get("target_http_code")
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def is_broken_target(record: dict) -> bool:
    """A live link whose target page (on my site) answered a 4xx: a redirect wins it back."""
    code = target_code(record)
    return record.get("status") == "live" and code is not None and 400 <= code <= 499


def reason(record: dict) -> str:
    return f"redirect {record['target_url']} to a live page to recover this link"


def item(record: dict) -> dict:
    """The BrokenTarget shape (GET /api/broken-targets): the link, the code, what to do."""
    return {"source_url": record["source_url"], "target_url": record["target_url"],
            "anchor": record.get("anchor", ""), "follow": record.get("follow", True),
            "http_code": target_code(record), "last_seen": record.get("last_seen"),
            "metrics": record.get("metrics") or {}, "title": record.get("title", ""), "reason": reason(record)}


def broken_targets(store) -> list[dict]:
    """Every stored live link to a page of mine answering 4xx, followed links and high DR first."""
    found = [item(r) for r in store.broken_backlinks() if is_broken_target(r)]
    found.sort(key=lambda i: (not i["follow"], -(i["metrics"].get("dr") or 0), i["source_url"], i["target_url"]))
    return found
