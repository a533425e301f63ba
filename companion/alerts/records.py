"""What an alert is, and how each change that matters becomes exactly one.

The changes that matter (issue 26): a tier-1 link lost, soft-404 or parked (or no
longer followed: it stops passing value, `recheck.is_loss`), one of my placements
lost or turned nofollow, a broken target discovered (a live link to a page of mine
answering 4xx, companion.verdicts.broken).

Stored in batches: the alerts one recheck makes are one document of the table `alerts`
(`record` says why); an alert's id is `<document id>-<n>`.

Once, and why a key: the same loss is seen again by every later recheck (a page
that answers 404 answers it every time) and may be reported by two processes at
once in team mode. Each alert carries `key` = change + subject (`link_lost|<source
page key>|<target page key>`); an alert is `open` until the subject recovers (the
link is restored, the placement live again, the target no longer broken), and a
key with an open alert never makes another. After a recovery the same loss again
is a new change, so a new alert. Two processes that read "no open alert" at the same
moment would both make it: so a new alert first claims its key in the table
`alert_claims` (`store.insert_new`: in team mode a unique index and INSERT ... ON CONFLICT
DO NOTHING decide, in the embedded store its lock file), and only the claim that went in
makes the alert. A claim stays after its alert closes (closing costs no extra write); when
the loss comes back, a claim older than the key's last close, or than CLAIM_GRACE (a
process stopped between its claim and its alert), is released and claimed again (`_claimed`).

Kept bounded: an alert that has closed (its link recovered) is dropped once the user has
seen it and it closed more than KEEP_SEEN_DAYS ago, and after KEEP_UNSEEN_DAYS even if never
seen (`prune`, run by every `record`). An open alert is kept however old: the link is still
gone, and a key has at most one open alert, so those are bounded by the links themselves.
A dropped alert leaves `None` in its batch, so the others keep their ids; a batch left with
none is removed.

Seen: one watermark (the setting `alerts_seen_until`, a `created_at`) says which
alerts the user has seen, so "mark all I was shown as seen" is one write however
many there are. Stamps are to the microsecond, so `since` never skips an alert
made in the same second as the last poll.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from companion.analysis import urls
from companion.core.errors import BadInput, NotFound

TABLE = "alerts"
SEEN_SETTING = "alerts_seen_until"
KEEP_SEEN_DAYS = 90  # a closed alert the user has seen is kept this long after it closed
KEEP_UNSEEN_DAYS = 365  # ... and one never seen, this long
CLAIMS = "alert_claims"  # one document per alert key claimed: what makes "once" hold across processes
CLAIM_GRACE = timedelta(minutes=10)  # a claim with no open alert this old was left by a stopped process
KINDS = ("link_lost", "link_soft_404", "link_parked", "link_nofollow", "placement_lost", "placement_nofollow",
         "broken_target")
# One loss of a link is one alert whatever it turns into (lost, then parked): the key names the family.
FAMILY = {"link_soft_404": "link_lost", "link_parked": "link_lost"}
LOSS_OUTCOMES = ("lost", "soft_404", "parked")  # the check outcomes that mark a link lost (companion.monitor)
# which alerts a recovery closes: a restored link closes every loss of that link, and so on
RECOVERY = {
    "restored": ("link_lost", "link_soft_404", "link_parked"),
    "followed": ("link_nofollow",),
    "placement_live": ("placement_lost", "placement_nofollow"),
    "broken_target_fixed": ("broken_target",),
}
TITLES = {
    "link_lost": "Link lost",
    "link_soft_404": "Link lost (the page now says it is not found)",
    "link_parked": "Link lost (the domain is parked)",
    "link_nofollow": "Link no longer followed",
    "placement_lost": "Placement lost",
    "placement_nofollow": "Placement turned nofollow",
    "broken_target": "Broken target: a link points at a page of yours that answers an error",
}


def stamp(moment: datetime | None = None) -> str:
    """UTC to the microsecond, ISO 8601 with 'Z': sorts as text, never equal for two polls."""
    return (moment or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_since(value: str | None) -> str | None:
    """A `since` given by a user (a date, or a date and time with or without zone) as a stamp."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise BadInput("'since' must be an ISO 8601 date or date and time, e.g. 2026-01-05T10:00:00Z")
    try:
        when = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise BadInput(f"'since' must be an ISO 8601 date or date and time, not '{value[:40]}'") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _key(kind: str, source_url: str, target_url: str) -> str:
    return "|".join((FAMILY.get(kind, kind), urls.safe_page_key(source_url) or source_url,
                     urls.safe_page_key(target_url) or target_url))


def text_of(alert: dict) -> str:
    """One human line: what happened, where, and why."""
    where = (f"{alert['source_url']} → {alert['target_url']}" if alert.get("target_url") else alert["source_url"])
    reason = f": {alert['reason']}" if alert.get("reason") else ""
    return f"{TITLES.get(alert['kind'], alert['kind'])}: {where}{reason}"


def candidate(kind: str, source_url: str, target_url: str, reason: str, *, was=None, now=None,
              subject: str = "backlink") -> dict:
    """An alert not yet stored (`record` decides whether it is new)."""
    alert = {"key": _key(kind, source_url, target_url), "kind": kind, "subject": subject,
             "source_url": source_url, "target_url": target_url, "reason": reason or "",
             "was": was, "now": now}
    alert["text"] = text_of(alert)
    return alert


def from_changes(changes: list[dict]) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """The alerts and the recoveries in a RecheckSummary's `changes`.

    Recoveries are (recovery kind, source_url, target_url): `record` closes the open
    alerts they end."""
    alerts, recovered = [], []
    for c in changes:
        kind, src, tgt = c.get("kind"), c.get("source_url") or "", c.get("target_url") or ""
        if kind in ("lost", "soft_404", "parked"):
            alerts.append(candidate(f"link_{kind}", src, tgt, c.get("reason"), was=c.get("was"), now=c.get("now")))
        elif kind == "rel_changed" and c.get("was") == "follow" and c.get("now") != "follow":
            alerts.append(candidate("link_nofollow", src, tgt, c.get("reason"), was=c.get("was"), now=c.get("now")))
        elif kind in ("placement_lost", "placement_nofollow"):
            alerts.append(candidate(kind, src, tgt, c.get("reason"), was=c.get("was"), now=c.get("now"),
                                    subject="placement"))
        elif kind == "restored":
            recovered.append(("restored", src, tgt))
        elif kind == "rel_changed" and c.get("now") == "follow":
            recovered.append(("followed", src, tgt))
        elif kind == "placement_live":
            recovered.append(("placement_live", src, tgt))
    return alerts, recovered


def from_results(results: list[dict], alerts: list[dict]) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """The alerts and recoveries that the per-item check results add to those of the changes.

    A result (companion.monitor.checks) says what each backlink and placement of a checked
    page ended in. A link lost on a soft-404 or parked page is named so (the change list
    says only "lost"); a loss the results show that no change reported (a check in the
    browser, which has no change list) is an alert too, once the item had an outcome
    before (a first check is no change). A link or placement answered and live again
    closes its loss."""
    by_link = {(r.get("url"), r.get("target_url")): r for r in results if r.get("kind") == "backlink"}
    refined = []
    for a in alerts:
        r = by_link.get((a["source_url"], a["target_url"])) if a["kind"] == "link_lost" else None
        if r and r.get("outcome") in ("soft_404", "parked"):
            a = candidate(f"link_{r['outcome']}", a["source_url"], a["target_url"], a["reason"] or r.get("reason"),
                          was=a.get("was"), now=r["outcome"])
        refined.append(a)
    known = {a["key"] for a in refined}
    recovered = []
    for r in results:
        src, tgt, outcome = r.get("url") or "", r.get("target_url") or "", r.get("outcome")
        if outcome in LOSS_OUTCOMES and r.get("changed") and r.get("previous_outcome") is not None:
            kind = f"link_{outcome}" if r.get("kind") == "backlink" else "placement_lost"
            alert = candidate(kind, src, tgt, r.get("reason") or "", was=r.get("previous_outcome"), now=outcome,
                              subject="backlink" if r.get("kind") == "backlink" else "placement")
            if alert["key"] not in known:
                known.add(alert["key"])
                refined.append(alert)
        elif outcome == "ok" and r.get("status") == "live":
            recovered.append(("restored" if r.get("kind") == "backlink" else "placement_live", src, tgt))
    return refined, recovered


def broken_target_alerts(store) -> tuple[list[dict], set[str]]:
    """An alert for each stored broken target, and the set of their keys (what is broken now)."""
    from companion.verdicts import broken

    found = [candidate("broken_target", i["source_url"], i["target_url"],
                       f"your page answers {i['http_code']}; {i['reason']}", now=i["http_code"],
                       subject="broken_target")
             for i in broken.broken_targets(store)]
    return found, {a["key"] for a in found}


def _flat(docs: list[dict]) -> list[dict]:
    """Every alert of every batch document, each with its public id (`<batch id>-<n>`)."""
    return [dict(a, id=f"{doc['id']}-{n}", batch=doc["id"], n=n)
            for doc in docs for n, a in enumerate(doc.get("alerts") or []) if a is not None]


def every_alert(store) -> list[dict]:
    return _flat(store.all(TABLE))


def _expired(alert: dict, seen_until: str, seen_before: str, unseen_before: str) -> bool:
    """A closed alert past its keeping time (the module's docstring says why these)."""
    if alert.get("open") or not alert.get("resolved_at"):
        return False
    seen = bool(seen_until) and (alert.get("created_at") or "") <= seen_until
    return alert["resolved_at"] < (seen_before if seen else unseen_before)


def prune(store, moment: datetime | None = None) -> int:
    """Drop the closed alerts past their keeping time, and their keys' claims; how many were
    dropped. A write only for a batch that has one (each batch is rewritten in one step, so an
    alert closing at that moment is never lost)."""
    return _prune(store, moment)[0]


def _prune(store, moment: datetime | None) -> tuple[int, list[dict]]:
    """prune's work; also the batch documents it read, which are still the table's when it
    dropped nothing (so `record` reads the table once, not twice, on most calls)."""
    moment = moment or datetime.now(timezone.utc)
    seen_before, unseen_before = stamp(moment - timedelta(days=KEEP_SEEN_DAYS)), stamp(moment - timedelta(days=KEEP_UNSEEN_DAYS))
    seen_until = _seen_until(store)

    def expired(a) -> bool:
        return a is not None and _expired(a, seen_until, seen_before, unseen_before)

    dropped, keys = 0, set()
    docs = store.all(TABLE)
    for doc in docs:
        found = [a["key"] for a in doc.get("alerts") or [] if expired(a)]
        if not found:
            continue
        try:
            kept = store.update_with(TABLE, doc["id"], lambda d: {"alerts": [None if expired(a) else a
                                                                            for a in d.get("alerts") or []]})
            if all(a is None for a in kept.get("alerts") or []):
                store.remove(TABLE, doc["id"])
        except NotFound:  # another companion pruned it at the same moment
            continue
        dropped, keys = dropped + len(found), keys | set(found)
    if keys:  # their claims go with them, but for a key that has an open alert again
        still_open = {a["key"] for a in _flat(docs) if a.get("open")}
        _release(store, [c["id"] for c in store.all(CLAIMS) if c.get("key") in keys - still_open])
    return dropped, docs


def _release(store, claim_ids) -> None:
    """Remove these claims; one another companion removed first is gone already: fine."""
    for id in claim_ids:
        try:
            store.remove(CLAIMS, id)
        except NotFound:
            pass


def record(store, alerts: list[dict], recovered=(), *, broken_now: set[str] | None = None) -> list[dict]:
    """Store the alerts not stored yet (no open alert with their key) and close those recovered.

    Why batches: the alerts one recheck makes are stored as ONE document of the table
    (`{"created_at", "alerts": [...]}`), so 200 lost links cost one durable write, not
    200 (a write of the embedded store is an fsync'd file: ~13 ms). `broken_now`: the
    keys of every broken target at this moment; an open broken-target alert not among
    them is closed (its page was fixed); the closed alerts past their keeping time are
    dropped (`prune`). Returns the new alerts (with their ids)."""
    now = datetime.now(timezone.utc)
    dropped, docs = _prune(store, now)
    stored = every_alert(store) if dropped else _flat(docs)
    open_alerts = {a["key"]: a for a in stored if a.get("open")}
    closing = {_key(gone, src, tgt) for kind, src, tgt in recovered for gone in RECOVERY.get(kind, ())}
    if broken_now is not None:
        closing |= {k for k, a in open_alerts.items() if a.get("kind") == "broken_target" and k not in broken_now}
    at = stamp(now)
    by_batch: dict[str, set[int]] = {}
    closed_at = {}  # the last close of each key (a claim made before it is free to take again)
    for a in stored:
        if not a.get("open") and a.get("resolved_at"):
            closed_at[a["key"]] = max(closed_at.get(a["key"], ""), a["resolved_at"])
    for key in closing & open_alerts.keys():
        closed_at[key] = at
        a = open_alerts.pop(key)
        by_batch.setdefault(a["batch"], set()).add(a["n"])
    for batch, ns in by_batch.items():
        def close(doc, ns=ns):
            return {"alerts": [dict(a, open=False, resolved_at=at) if n in ns and a is not None else a
                               for n, a in enumerate(doc.get("alerts") or [])]}
        store.update_with(TABLE, batch, close)
    fresh: list[dict] = []
    for alert in alerts:
        if alert["key"] in open_alerts or alert["key"] in closing:
            continue
        open_alerts[alert["key"]] = alert
        fresh.append(dict(alert, open=True, created_at=at, resolved_at=None))
    if fresh:  # only what this process claimed first: another may have made the same alert just now
        fresh = _claimed(store, fresh, closed_at, now)
    if not fresh:
        return []
    doc = store.insert(TABLE, {"created_at": at, "alerts": fresh})
    return _flat([doc])


def _claimed(store, fresh: list[dict], closed_at: dict[str, str], now: datetime) -> list[dict]:
    """The alerts of `fresh` whose key this process claimed (store.insert_new: one write).

    A key already claimed is another process's alert of this moment, or a claim left from
    before: of an alert that has closed since (made before it closed), or of a process stopped
    between its claim and its alert (older than CLAIM_GRACE). Those are released and claimed
    again, so claims cost nothing when an alert closes, only when its loss comes back."""
    claims = [{"key": a["key"], "at": stamp(now)} for a in fresh]
    won = {c["key"] for c in store.insert_new(CLAIMS, "key", claims)}
    taken = {a["key"] for a in fresh} - won
    if taken:
        grace = stamp(now - CLAIM_GRACE)
        stale = {c["key"]: c["id"] for c in store.all(CLAIMS) if c.get("key") in taken
                 and ((c.get("at") or "") <= closed_at.get(c["key"], "") or (c.get("at") or "") < grace)}
        _release(store, stale.values())  # another companion may release and claim one first
        if stale:
            won |= {c["key"] for c in store.insert_new(CLAIMS, "key", [c for c in claims if c["key"] in stale])}
    return [a for a in fresh if a["key"] in won]


def _seen_until(store) -> str:
    return store.get_setting(SEEN_SETTING) or ""


def shown(alert: dict, seen_until: str) -> dict:
    """The Alert shape of the API: the stored alert and whether the user has seen it."""
    out = {k: alert.get(k) for k in ("id", "kind", "subject", "source_url", "target_url", "reason", "was", "now",
                                      "text", "created_at", "open", "resolved_at")}
    out["seen"] = bool(seen_until) and alert.get("created_at", "") <= seen_until
    return out


def listing(store, *, since: str | None = None, unseen: bool = False, limit: int = 200) -> dict:
    """GET /api/alerts: unseen alerts first, newest first within each; `since` keeps those made after it.

    `unseen_count` counts every unseen alert (the dashboard's and the badge's number),
    `latest` is the newest alert's `created_at` (a poller's next `since`)."""
    seen_until = _seen_until(store)
    every = [shown(a, seen_until) for a in every_alert(store)]
    latest = max((a["created_at"] for a in every if a.get("created_at")), default=None)
    unseen_count = sum(1 for a in every if not a["seen"])
    chosen = [a for a in every if (since is None or (a.get("created_at") or "") > since)
              and (not unseen or not a["seen"])]
    chosen.sort(key=lambda a: a.get("created_at") or "", reverse=True)
    chosen.sort(key=lambda a: a["seen"])
    return {"alerts": chosen[:limit], "total": len(chosen), "unseen_count": unseen_count, "latest": latest}


def mark_seen(store, until: str | None = None) -> dict:
    """Every alert made up to `until` (default: all of them) is seen: one write."""
    every = every_alert(store)
    latest = max((a.get("created_at") or "" for a in every), default="")
    mark = min(until, latest) if until else latest
    if mark and mark > _seen_until(store):
        store.set_setting(SEEN_SETTING, mark)
    seen_until = _seen_until(store)
    unseen_count = sum(1 for a in every if not shown(a, seen_until)["seen"])
    return {"seen_until": seen_until or None, "unseen_count": unseen_count}
