"""The browser checks what the crawler can't: the queue of `blocked` and `needs_browser` pages.

Why: a site that refuses TierlinkBot (401/403/429, a challenge page) or builds its
links with JavaScript cannot be judged by a fetch, and must never be called lost for
it. The user's own browser is neither refused nor blind to scripts. So those pages
are queued (`GET /api/browser-checks`), and the extension checks a queued page when
the user visits it anyway, or, on "Check N pages now" in the popup or the dashboard,
opens each in a background tab, one at a time, sends its live DOM to /api/analyze
with `"origin": "browser_check"` and closes the tab.

The result replaces the crawler's outcome: the analysis of the live DOM (the same
change detection as any visit) decides `ok` or `lost` per link, a challenge / parking /
soft-404 page seen in the browser too keeps the rules' outcome (companion.monitor.outcomes),
and each item's outcome history gets an entry `via: browser`, "checked in the browser".
A page with no links in the browser either stays queued (`needs_browser`).

The dashboard's button cannot reach the extension directly: it asks the companion
(`POST /api/browser-checks/request`), and the extension, which polls the queue, sees
`requested_at` newer than its last run and starts.
"""

from __future__ import annotations

from companion.analysis import urls
from companion.monitor import checks, outcomes
from companion.workflow import placements
from companion.workflow.fields import now

ORIGINS = ("visit", "browser_check")
REQUEST_SETTING = "browser_checks_requested_at"
MAX_LISTED = 500


def queue(store) -> dict:
    """The queued pages, oldest check first: {"pages": [...], "total", "requested_at"}."""
    pages: dict[str, dict] = {}

    def note(key: str, url: str, doc: dict, kind: str) -> None:
        if doc.get("outcome") not in outcomes.BROWSER:
            return
        page = pages.setdefault(key, {"url": url, "outcome": doc["outcome"], "reason": doc.get("outcome_reason"),
                                      "checked_at": doc.get("outcome_at"), "backlinks": 0, "placements": 0})
        page[kind] += 1

    for rec in store.all_backlinks():
        key = rec.get("source_key") or urls.safe_page_key(rec["source_url"])
        if key:
            note(key, rec["source_url"], rec, "backlinks")
    for p in store.all(placements.TABLE):
        key = p.get("from_key") or urls.safe_page_key(p.get("from_url") or "")
        if key:
            note(key, p["from_url"], p, "placements")
    listed = sorted(pages.values(), key=lambda p: (p["checked_at"] or "", p["url"]))
    return {"pages": listed[:MAX_LISTED], "total": len(listed), "requested_at": store.get_setting(REQUEST_SETTING)}


def request(store) -> dict:
    """The dashboard's "Check N pages now": the extension starts at its next look at the queue."""
    store.set_setting(REQUEST_SETTING, now())
    return queue(store)


def is_queued(store, page_key: str) -> bool:
    """Whether a page waits for the browser (read on every visit: the placements only where the
    page holds one, from the placement list the visit's verdicts read anyway)."""
    from companion.verdicts.verdicts import placement_info

    return any(r.get("outcome") in outcomes.BROWSER for r in store.backlinks_from(page_key)) or (
        page_key in placement_info(store).keys
        and any(p.get("outcome") in outcomes.BROWSER for p in store.find(placements.TABLE, from_key=page_key)))


def wanted(store, url: str, origin: str) -> str | None:
    """The page key when this analysis is a browser check: every `browser_check`, and a
    visit of a queued page; else None."""
    key = urls.safe_page_key(url)
    if not key or (origin != "browser_check" and not is_queued(store, key)):
        return None
    return key


def page_rule(url: str, html: str) -> outcomes.Verdict | None:
    """A challenge, parking or not-found page in the browser too (the rules' outcome stands)."""
    verdict = outcomes.judge(outcomes.Page(url, status=200, html=html))
    return verdict if verdict is not None and verdict.outcome in outcomes.LOSSES | outcomes.BROWSER else None


def record(store, profile, key: str, url: str, html: str, result: dict, origin: str) -> dict:
    """After the analysis of a page's live DOM: the browser's outcome replaces the crawler's
    ({"outcome", "reason"} as recorded). A page the rules call blocked was analysed without
    recording changes (a challenge page in the browser is no evidence a link went).
    `profile()`: the profile in force (for what follows a check: recheck.outcomes_recorded)."""
    from companion.monitor import recheck
    from companion.workflow import receipts

    stamp = now()
    how = "checked in the browser" + (" (a visit)" if origin == "visit" else "")
    verdict = page_rule(url, html)
    if verdict is not None:
        outcome, reason = verdict.outcome, f"{how}: {verdict.reason}"
        if outcomes.marks_lost(outcome):
            checks.mark_page_lost(store, key, url, reason, stamp)
    elif result["counts"]["links"] == 0:
        outcome, reason = "needs_browser", f"{how}: the page showed no links in the browser either"
    else:
        outcome, reason = "ok", how
    results = checks.record_placements(store, key, url, outcome, reason, stamp, "browser", answered=True)
    updates, backlink_results = checks.backlink_updates(store.backlinks_from(key), url, outcome, reason, stamp,
                                                        "browser", answered=True)
    if updates:
        store.put_backlinks(updates)
    if outcome != "needs_browser":
        receipts.keep_for_page(store, key, url, html, html, via="browser")
    recheck.outcomes_recorded(store, profile, backlink_results + results)
    return {"outcome": outcome, "reason": reason}
