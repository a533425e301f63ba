"""Storing check outcomes on the backlinks and placements of a page, and the per-item results.

Where an outcome lives (no new store columns: both are documents the store keeps whole):

* a backlink record: `outcome`, `outcome_reason`, `outcome_at`, `outcome_via`
  (`crawler` or `browser`), `answered_at` (the last time the page's host gave an HTTP
  answer: an NXDOMAIN after one is a lapsed domain, `parked`) and `checks`, the outcome
  history (an entry when the outcome changes, and for every check in the browser),
  capped at MAX_CHECKS;
* a placement document (companion.workflow.placements): the same fields.

A check produces one RESULT per backlink and per placement of the page. This is the
shape the recheck (companion.monitor.recheck) and the browser check
(companion.monitor.browser_checks) hand to `recheck.outcomes_recorded`:

    {"kind": "backlink" | "placement",
     "id": placement id, or null for a backlink,
     "key": "<source_url> -> <target_url>" for a backlink, the placement id for a placement,
     "url": the page checked, "target_url": the link's target,
     "outcome": one of outcomes.OUTCOMES, "previous_outcome": the one before (null: first check),
     "reason": why, in words, "checked_at": ISO time, "changed": outcome != previous_outcome,
     "status": the link's status after the check (live | lost | nofollow | unchecked),
     "via": "crawler" | "browser"}
"""

from __future__ import annotations

from companion.monitor import outcomes

MAX_CHECKS = 20  # outcome history kept per item
VIAS = ("crawler", "browser")


def _checks(doc: dict, outcome: str, reason: str, stamp: str, via: str) -> list[dict] | None:
    """The item's outcome history with this check, or None when nothing is to be added."""
    history = list(doc.get("checks") or [])
    if doc.get("outcome") == outcome and via != "browser":
        return None
    entry = {"at": stamp, "was": doc.get("outcome"), "outcome": outcome, "reason": reason, "via": via}
    if via == "browser":
        entry["note"] = "checked in the browser"
    return (history + [entry])[-MAX_CHECKS:]


def fields(doc: dict, outcome: str, reason: str, stamp: str, via: str, answered: bool) -> dict:
    """The fields to write on one item (backlink record or placement) for this check."""
    out = {"outcome": outcome, "outcome_reason": reason, "outcome_at": stamp, "outcome_via": via}
    if answered:
        out["answered_at"] = stamp
    checks = _checks(doc, outcome, reason, stamp, via)
    if checks is not None:
        out["checks"] = checks
    return out


def backlink_result(rec: dict, url: str, page_outcome: str, reason: str, stamp: str, via: str) -> dict:
    status = rec.get("status") or "live"
    outcome = outcomes.item_outcome(page_outcome, status)
    if outcome != page_outcome:
        reason = _gone_reason(reason, via, "the link is no longer on the page")
    return _result("backlink", None, f"{rec['source_url']} -> {rec['target_url']}", url, rec["target_url"],
                   outcome, rec.get("outcome"), reason, stamp, status, via)


def placement_result(p: dict, url: str, page_outcome: str, reason: str, stamp: str, via: str) -> dict:
    status = p.get("status") or "unchecked"
    outcome = outcomes.item_outcome(page_outcome, status)
    if outcome != page_outcome:
        reason = _gone_reason(reason, via, f"the page no longer links to {p.get('to_url')}")
    return _result("placement", p["id"], p["id"], url, p.get("to_url"), outcome, p.get("outcome"), reason, stamp,
                   status, via)


def _gone_reason(page_reason: str, via: str, gone: str) -> str:
    """A link gone from a judged page; the browser's check says it was the browser."""
    return f"{page_reason}: {gone}" if via == "browser" else gone


def _result(kind, id, key, url, target, outcome, previous, reason, stamp, status, via) -> dict:
    return {"kind": kind, "id": id, "key": key, "url": url, "target_url": target, "outcome": outcome,
            "previous_outcome": previous, "reason": reason, "checked_at": stamp, "changed": outcome != previous,
            "status": status, "via": via}


def record_placements(store, page_key: str, url: str, page_outcome: str, reason: str, stamp: str, via: str,
                      answered: bool) -> list[dict]:
    """Write the outcome on every placement of the page (read now: after the check set their status)."""
    from companion.workflow import placements

    results = []
    if not store.is_placement_page(page_key):  # the store's cached set: no scan for a tier-1 page
        return results
    for p in store.find(placements.TABLE, from_key=page_key):
        result = placement_result(placements.with_status(p), url, page_outcome, reason, stamp, via)
        placements.set_outcome(store, p["id"], fields(p, result["outcome"], result["reason"], stamp, via, answered))
        results.append(result)
    return results


def backlink_updates(records: list[dict], url: str, page_outcome: str, reason: str, stamp: str, via: str,
                     answered: bool) -> tuple[list[dict], list[dict]]:
    """(updated records to write, results) for the backlinks of one page."""
    updates, results = [], []
    for rec in records:
        result = backlink_result(rec, url, page_outcome, reason, stamp, via)
        updates.append(dict(rec, **fields(rec, result["outcome"], result["reason"], stamp, via, answered)))
        results.append(result)
    return updates, results


def answered_before(store, page_key: str) -> bool:
    """Whether the page's host gave an HTTP answer at an earlier check (an NXDOMAIN now: lapsed)."""
    from companion.workflow import placements

    return any(r.get("answered_at") for r in store.backlinks_from(page_key)) or (
        store.is_placement_page(page_key)
        and any(p.get("answered_at") for p in store.find(placements.TABLE, from_key=page_key)))


def counts(results: list[dict]) -> dict:
    """Outcomes by kind: {"backlink": {"ok": n, ...}, "placement": {...}}."""
    out: dict = {"backlink": {}, "placement": {}}
    for r in results:
        by = out[r["kind"]]
        by[r["outcome"]] = by.get(r["outcome"], 0) + 1
    return out


def mark_page_lost(store, page_key: str, url: str, reason: str, stamp: str) -> list[dict]:
    """The page is gone (404/410, a soft 404, parked) or now another site: its live links to me
    and my placements on it are lost, with the reason in their history. The changes, in the
    RecheckSummary's shape (without `loss`)."""
    from companion.workflow import placements

    changes, updates = [], []
    for rec in store.backlinks_from(page_key):
        if rec.get("status") != "live":
            continue
        changes.append({"kind": "lost", "source_url": url, "target_url": rec["target_url"],
                        "was": rec.get("anchor") or "", "now": None, "reason": reason})
        history = list(rec.get("history") or []) + [{"at": stamp, "kind": "lost", "was": "live", "now": "lost",
                                                     "reason": reason}]
        updates.append(dict(rec, status="lost", history=history))
    if updates:
        store.put_backlinks(updates)
    for p in store.find(placements.TABLE, from_key=page_key):
        p = placements.with_status(p)
        if p["status"] != "lost":
            changes.append({"kind": "placement_lost", "source_url": url, "target_url": p["to_url"],
                            "was": p["status"], "now": "lost", "reason": reason})
        placements.set_status(store, p, "lost", reason, stamp)
    return changes
