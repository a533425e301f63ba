"""Outreach on the candidate board: one pitch per site, the do-not-contact list, follow-ups.

A saved candidate becomes a link when someone writes to the site. What this module keeps,
and why:

* **One pitch per site.** Candidates are grouped by registrable domain (`candidate.domain`,
  the public suffix rules of companion.analysis.urls), so `blog.site.com/a` and
  `www.site.com/b` are one site and `alice.blogspot.com` is not `bob.blogspot.com`. A page
  whose site was pitched (a candidate moved to `contacted`, by anyone in a team) within the
  window (`pitch_window_days`, default 90) is warned about — on save and on the move to
  `contacted` — with who and when. A warning, not a refusal: a second editor on one site
  is sometimes right, and the user decides.
* **Do-not-contact list** (table `dnc`, the store's generic API: TinyDB alone, PostgreSQL
  for a team, so one member's entry holds for everyone). An entry is a domain, a `*.`
  wildcard (`*.site.com` covers site.com and every subdomain, as the extension's excluded
  hosts do) or an e-mail address, with a reason. A candidate whose host, or one of whose
  shown addresses, is on it is marked (`dnc`), and moving it to `contacted` is refused
  (409 `do_not_contact`) unless the caller says `override_dnc: true`; the override is
  written in the history entry of that move (`override`, the entry and its reason).
* **Follow-ups.** A move to `contacted` stamps `last_contacted`, `pitched_by` and
  `follow_up` (a date, default today + `follow_up_days`, 5; the caller may give one, and
  change it later). `due_today(store, day)` lists the contacted candidates whose follow-up
  is that day or before: `tierlink due`, `GET /api/candidates?due=today`, the board's Due
  column, and whoever writes a daily digest.

Settings live in the store's settings table (`outreach`), shared in a team like the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from companion.analysis import contacts as contacts_mod
from companion.workflow import candidates
from companion.workflow.dnc import (_dnc_mark, check_day, dnc_match, dnc_warning, list_dnc, settings, today)
from companion.workflow.fields import WRITE_LOCK, now

def _days_ago(stamp: str, days: int) -> bool:
    try:
        when = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return False
    return datetime.now(timezone.utc) - when <= timedelta(days=days)


# --- one pitch per site --------------------------------------------------------------------

def _pitches(candidate: dict) -> list[dict]:
    """Every move of this candidate to `contacted`: [{by, at}]."""
    return [{"by": h.get("by"), "at": h.get("at")} for h in candidate.get("history") or []
            if isinstance(h, dict) and h.get("to") == "contacted" and h.get("from") != "contacted"
            and h.get("event") != "saved"]


def pitched_elsewhere(candidate: dict, others: list[dict], window_days: int) -> list[dict]:
    """The other candidates of the same site pitched within the window: [{id, url, by, at}], newest first."""
    domain = candidate.get("domain")
    out = []
    for other in others:
        if not domain or other.get("domain") != domain or other.get("id") == candidate.get("id"):
            continue
        for p in _pitches(other):
            if p["at"] and _days_ago(p["at"], window_days):
                out.append({"id": other.get("id"), "url": other.get("url"), "by": p["by"], "at": p["at"]})
    out.sort(key=lambda p: p["at"] or "", reverse=True)
    return out


def pitch_warning(candidate: dict, pitched: list[dict], window_days: int) -> dict | None:
    if not pitched:
        return None
    last = pitched[0]
    who = last["by"] or "someone"
    more = f" (and {len(pitched) - 1} more)" if len(pitched) > 1 else ""
    return {"code": "already_pitched", "by": last["by"], "at": last["at"], "url": last["url"],
            "message": f"{candidate.get('domain')} was already pitched by {who} on {str(last['at'])[:10]} "
                       f"({last['url']}){more}, within the {window_days}-day window"}


MARKS = ("dnc", "pitched", "due")  # what annotate adds to each listed candidate, after its public fields


def annotate(store, docs: list[dict]) -> list[dict]:
    """Each public candidate with its outreach marks (MARKS): `dnc` (the list entry covering it,
    or null), `pitched` (the same site's pitches within the window, by other candidates) and
    `due` (contacted, follow-up today or earlier). The CLI, the API and the export show them."""
    window = settings(store)["pitch_window_days"]
    entries = list_dnc(store)
    by_site: dict[str, list[dict]] = {}  # one pass over the table, not one per candidate shown
    for other in _same_sites(store, docs):
        if _pitches(other):
            by_site.setdefault(other.get("domain") or "", []).append(other)
    day = today()
    out = []
    for doc in docs:
        follow = doc.get("follow_up")
        out.append({**doc, "dnc": _dnc_mark(dnc_match(doc, entries)),
                    "pitched": pitched_elsewhere(doc, by_site.get(doc.get("domain") or "", []), window),
                    "due": bool(follow and doc.get("status") == "contacted" and follow <= day)})
    return out


def _same_sites(store, docs: list[dict]) -> list[dict]:
    """The candidates that may share a site with `docs`: for one site only its own (a save
    annotates one candidate: reading the whole table each time made saves grow with it, a
    PostgreSQL team answers it from its index), else the whole table in one read."""
    sites = {doc.get("domain") or "" for doc in docs}
    if len(sites) == 1 and "" not in sites:
        return store.find(candidates.TABLE, domain=sites.pop())
    return store.all(candidates.TABLE) if docs else []


def warnings_of(store, doc: dict) -> list[dict]:
    """What the user must know before writing to an annotated candidate's site."""
    window = settings(store)["pitch_window_days"]
    found = [pitch_warning(doc, doc.get("pitched") or [], window), dnc_warning(doc.get("dnc"))]
    return [w for w in found if w]


def with_warnings(store, doc: dict) -> dict:
    """One candidate annotated, with `warnings` when there is something to say."""
    doc = annotate(store, [doc])[0]
    warnings = list(doc.get("warnings") or []) + warnings_of(store, doc)
    if warnings:
        doc["warnings"] = warnings
    return doc


# --- save and update, with what the user must know -----------------------------------------

def save(store, url, kind, **kwargs) -> tuple[dict, bool]:
    """candidates.save (the CLI's), annotated and warned the same way."""
    doc, created = candidates.save(store, url, kind, **kwargs)
    return with_warnings(store, doc), created


def update(store, profile, id, changes: dict, user: str | None = None) -> dict:
    """candidates.update, annotated; the warnings (pitched lately, do not contact) are said on a
    move to `contacted` (a placement's own warnings, as before)."""
    result = candidates.update(store, profile, id, changes, user=user)
    if isinstance(changes, dict) and changes.get("status") == "contacted":
        return with_warnings(store, result)
    return annotate(store, [result])[0]


def list_candidates(store, kind: str | None = None, status: str | None = None) -> list[dict]:
    """candidates.list_candidates, annotated (the board, `tierlink candidates`, the export)."""
    return annotate(store, candidates.list_candidates(store, kind=kind, status=status))


# --- due ---------------------------------------------------------------------------------

def due_today(store, day: str | None = None) -> list[dict]:
    """The contacted candidates whose follow-up date is `day` (default today, UTC) or earlier,
    oldest follow-up first: what to write again today. For `tierlink due`, the API's
    `?due=today` and a daily digest."""
    day = check_day(day)
    docs = [d for d in store.find(candidates.TABLE, status="contacted") if d.get("follow_up") and d["follow_up"] <= day]
    docs.sort(key=lambda d: (d["follow_up"], d.get("updated_at") or ""))
    return annotate(store, [candidates.public(d) for d in docs])


def set_contacts(store, id, found: dict) -> dict:
    """Merge newly found contact routes into a candidate's (Find contacts)."""
    with WRITE_LOCK:
        current = candidates.get(store, id)
        return candidates.public(store.update_with(
            candidates.TABLE, current["id"],
            lambda old: {"contacts": contacts_mod.merge(old.get("contacts"), found), "updated_at": now()}))
