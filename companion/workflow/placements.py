"""Placements: the tier-2 links the user built (docs/DOMAIN.md, "Placement").

A placement says: on page `from_url` I placed a link to `to_url`, a tier-1 page
(one that links to my site), with this `anchor`, by this means (`via`), on this
`date`. The rest of Tierlink reads them back:

* the verdicts flag a page linking to one of my placement pages as tier 3, via
  `Store.is_placement_page(from_key)` (so every record carries `from_key`);
* the boost list and the draft check count how often each tier-1 page and each
  anchor has been used (`placement_count_by_target`, `anchor_counts`,
  `placements_to`), because the seed warns that the same tier-1 page boosted from
  many of my guest posts, or the same anchor again and again, is a footprint.

Why the rules are what they are:

* One placement per (from page, to page), compared by `urls.page_key`: logging the
  same link twice (from the dashboard, then by marking the candidate placed) must
  not count it twice; the second time updates anchor, via, date and note.
* A `to_url` that is not a known tier-1 page is accepted with a warning, not
  refused: the backlink list is often incomplete (exports lag by weeks), and the
  user knows the page links to them. A link from a page to itself is refused.
* Warnings go back in the answer only (`warnings`); they are advice at the moment
  of logging, not data.
* Each placement has a `status` (`unchecked` until a recheck or a visit of its page
  saw it; then `live`, `nofollow` or `lost`), `checked_at` and a `history` of status
  changes: editors quietly remove or nofollow the links users built. A page that
  could not be judged (cut for size, no links at all: not rendered) changes nothing.
"""

from __future__ import annotations

from datetime import date as date_cls

from companion.analysis import urls
from companion.workflow.fields import MAX_NOTE, WRITE_LOCK, check_choice, check_fields, check_text, check_url, now
from companion.core import team
from companion.core.errors import BadInput, NotFound
from companion.core.limits import MAX_ANCHOR
from companion.store.records import shape

TABLE = "placements"
VIA = ("guest_post", "niche_edit", "own_site", "social", "roundup", "other")
ADD_FIELDS = ("from_url", "to_url", "anchor", "via", "date", "note", "candidate_id")
REPEATED_ANCHOR = 2  # an anchor already used this many times gets a warning
STATUSES = ("unchecked", "live", "lost", "nofollow")
FAILURES_NOTED = 3  # failed rechecks in a row after which the record says so
MAX_HISTORY = 100
# The public shape (CLI, API, export): every field, in this order; the page keys are internal.
PUBLIC_FIELDS: tuple[tuple[str, object], ...] = (
    ("id", None), ("date", None), ("from_url", None), ("to_url", None), ("anchor", ""), ("via", "other"),
    ("note", ""), ("candidate_id", None), ("placed_by", None), ("created_at", None), ("updated_at", None),
    ("status", "unchecked"),
    ("checked_at", None), ("history", []), ("check_failures", 0), ("check_error", None),
)
INTERNAL_FIELDS = frozenset({"from_key", "to_key"})


def public(doc: dict) -> dict:
    """A placement as the CLI, the API and the export show it (records logged before the
    status existed are `unchecked`; fields a later writer adds still show, after these)."""
    return shape(doc, PUBLIC_FIELDS, INTERNAL_FIELDS)


def check_date(value) -> str:
    """An ISO calendar date (YYYY-MM-DD); today (local) when not given."""
    if value in (None, ""):
        return date_cls.today().isoformat()
    if not isinstance(value, str) or len(value) != 10:
        raise BadInput(f"'date' must be a date as YYYY-MM-DD (got {str(value)[:30]!r})")
    try:
        return date_cls.fromisoformat(value).isoformat()
    except ValueError:
        raise BadInput(f"'date' must be a date as YYYY-MM-DD (got {value!r})") from None


def _warnings(store, profile, to_url: str, to_key: str, anchor: str, existing_id: str | None,
              day: str | None = None) -> list[dict]:
    """Advice at the moment of logging; `profile` None (no profile yet): no own-site check."""
    out = []
    domains = list(profile.domains) if profile is not None else []
    host = urls.host_of(to_url)
    if any(urls.domain_matches(host, d) for d in domains):
        out.append({"code": "links_to_my_site",
                    "message": f"{to_url} is on your own site: that is a tier-1 link, not a tier-2 one"})
    elif not store.is_tier1_page(to_key):
        out.append({"code": "not_tier1",
                    "message": f"{to_url} is not in your backlink list as a page linking to you; "
                               "saved anyway (import a fresh backlink export if it does link to you)"})
    if anchor:
        used = sum(1 for p in store.all(TABLE)
                   if p.get("id") != existing_id and (p.get("anchor") or "").strip().casefold() == anchor.casefold())
        if used >= REPEATED_ANCHOR:
            out.append({"code": "repeated_anchor",
                        "message": f"the anchor {anchor!r} is already used by {used} of your placements; "
                                   "vary anchors so the links do not look built"})
    if profile is not None:  # the link profile: exact-match share, tier-2 pace (same numbers as the draft check)
        from companion.workflow import linkprofile

        out += linkprofile.planned_anchor_warnings(store, profile, to_url, anchor, tier="tier2", day=day,
                                                   exclude_id=existing_id)
    return out


def add(store, profile, from_url, to_url, anchor=None, via=None, date=None, note=None, candidate_id=None,
        user: str | None = None) -> tuple[dict, list[dict]]:
    """Record (or update) the tier-2 link from `from_url` to `to_url`: (placement, warnings)."""
    placement, warnings, _created = add_ex(store, profile, from_url, to_url, anchor=anchor, via=via, date=date, note=note,
                                            candidate_id=candidate_id, user=user)
    return placement, warnings


def add_ex(store, profile, from_url, to_url, anchor=None, via=None, date=None, note=None,
           candidate_id=None, user: str | None = None) -> tuple[dict, list[dict], bool]:
    """`add`, also saying whether the placement is new (True) or updated an existing one.

    `user`: who logs it, kept as `placed_by` (`Workspace.user`; default: $TIERLINK_USER,
    else the login name)."""
    user = team.resolve_user(user)
    from_url = check_url(from_url, "from_url")
    to_url = check_url(to_url, "to_url")
    from_key, to_key = urls.page_key(from_url), urls.page_key(to_url)
    if from_key == to_key:
        raise BadInput("'from_url' and 'to_url' are the same page: a placement links one page to another")
    anchor = " ".join(check_text(anchor, "anchor", MAX_ANCHOR).split())
    via = check_choice(via, "via", VIA) if via not in (None, "") else "other"
    day = check_date(date)
    note_given = note is not None
    note = check_text(note, "note", MAX_NOTE)
    if candidate_id is not None and (not isinstance(candidate_id, str) or len(candidate_id) > 64):
        raise BadInput("'candidate_id' must be a candidate's id")

    with WRITE_LOCK:
        found = store.find(TABLE, from_key=from_key, to_key=to_key)
        warnings = _warnings(store, profile, to_url, to_key, anchor, found[0]["id"] if found else None, day)
        stamp = now()
        fields = {"from_url": urls.canonical_url(from_url), "to_url": urls.canonical_url(to_url),
                  "via": via, "date": day, "updated_at": stamp}
        if anchor:
            fields["anchor"] = anchor
        if note_given:
            fields["note"] = note
        if candidate_id:
            fields["candidate_id"] = candidate_id
        doc = {"from_url": urls.canonical_url(from_url), "to_url": urls.canonical_url(to_url),
               "from_key": from_key, "to_key": to_key, "anchor": anchor, "via": via, "date": day,
               "note": note, "candidate_id": candidate_id, "placed_by": user, "created_at": stamp,
               "updated_at": stamp, "status": "unchecked", "checked_at": None, "history": []}
        # one step: in team mode a teammate may log the same link at this moment
        placement, created = store.upsert_with(TABLE, {"from_key": from_key, "to_key": to_key}, doc,
                                               lambda old: fields)
        return public(placement), warnings, created


def remove(store, id) -> str:
    """Delete a placement logged by mistake (NotFound for an unknown id)."""
    if not isinstance(id, str) or not id or len(id) > 64:
        raise NotFound(f"no placement with id {str(id)[:64]!r}")
    with WRITE_LOCK:
        if store.get(TABLE, id) is None:
            raise NotFound(f"no placement with id {id!r}")
        store.remove(TABLE, id)
    return id


def list_placements(store, to_url: str | None = None) -> list[dict]:
    """Every placement, newest date first; `to_url` keeps those pointing at that tier-1 page. Each
    says whether search engines will index the page holding it (`indexability`, as last seen)."""
    if to_url not in (None, ""):
        docs = placements_to(store, urls.page_key(check_url(to_url, "to_url")))
    else:
        docs = store.all(TABLE)
    from companion.workflow import indexstate

    verdicts = indexstate.lookup(store, [d.get("from_key") or "" for d in docs])
    docs = [dict(public(d), indexability=indexstate.public(verdicts.get(d.get("from_key") or ""))) for d in docs]
    docs.reverse()
    docs.sort(key=lambda d: (d.get("date") or "", d.get("created_at") or ""), reverse=True)
    return docs


# --- status: is my tier-2 link still there? ---------------------------------------------

def with_status(doc: dict) -> dict:
    """A placement with its status fields (records logged before they existed are `unchecked`)."""
    doc.setdefault("status", "unchecked")
    doc.setdefault("checked_at", None)
    doc.setdefault("history", [])
    return doc


def judge(placement: dict, result: dict) -> tuple[str | None, str]:
    """(status, reason) of one placement on its page's Analysis; status None when the page
    cannot tell (cut for size, or no links at all: a page built by JavaScript)."""
    to_key = placement.get("to_key") or urls.safe_page_key(placement.get("to_url") or "")
    to_host = urls.host_of(placement.get("to_url") or "")
    found = [l for l in result["links"]
             if l["valid"] and urls.host_of(l["href"]) == to_host and urls.safe_page_key(l["href"]) == to_key]
    if found:
        best = sorted(found, key=lambda l: not l["follow"])[0]
        if best["follow"]:
            return "live", f"links to {placement['to_url']} with the anchor {best['text']!r}"
        why = ", ".join(best["rel"]) or "page-level robots nofollow"
        return "nofollow", f"links to {placement['to_url']} but not followed ({why})"
    if result.get("truncated") or result["counts"]["links"] == 0:
        return None, "the page could not be judged"
    return "lost", f"the page no longer links to {placement['to_url']}"


def set_status(store, placement: dict, status: str, reason: str, stamp: str | None = None) -> dict:
    """Record a check's outcome: `checked_at` always, `history` when the status changed."""
    stamp = stamp or now()
    was = placement.get("status") or "unchecked"
    fields: dict = {"status": status, "checked_at": stamp, "check_failures": 0, "check_error": None}
    if status != was:
        history = list(placement.get("history") or [])[-(MAX_HISTORY - 1):]
        fields["history"] = history + [{"at": stamp, "was": was, "now": status, "reason": reason}]
    with WRITE_LOCK:
        return with_status(store.update(TABLE, placement["id"], fields))


def set_outcome(store, placement_id: str, fields: dict) -> dict:
    """Record a check's outcome fields (companion.monitor.checks.fields) on a placement."""
    with WRITE_LOCK:
        return store.update(TABLE, placement_id, fields)


def note_failure(store, placement: dict, reason: str) -> int:
    """A failed recheck of the placement's page (never evidence the link is gone):
    counted, and from FAILURES_NOTED in a row the record says so. Returns the count."""
    failures = int(placement.get("check_failures") or 0) + 1
    fields = {"check_failures": failures, "check_error": reason}
    with WRITE_LOCK:
        store.update(TABLE, placement["id"], fields)
    return failures


def check_on_page(store, page_key: str, result: dict, *, record: bool = True) -> list[dict]:
    """The placements on a page with their status as this Analysis shows it
    (`[{"id", "to_url", "status"}]`); recorded in the store when `record`."""
    out = []
    for placement in store.find(TABLE, from_key=page_key):
        placement = with_status(placement)
        status, reason = judge(placement, result)
        if status is not None and record:
            placement = set_status(store, placement, status, reason)
        out.append({"id": placement["id"], "to_url": placement["to_url"],
                    "status": status or placement["status"]})
    return out


# --- what the verdicts and the draft check read ---------------------------------------

def placements_to(store, to_key: str) -> list[dict]:
    """The placements pointing at one tier-1 page (`to_key` = urls.page_key of it)."""
    return store.find(TABLE, to_key=to_key)


def anchor_counts(store) -> dict[str, int]:
    """How often each anchor (lower-cased, spaces collapsed) was used; empty anchors are not counted."""
    counts: dict[str, int] = {}
    for p in store.all(TABLE):
        anchor = " ".join((p.get("anchor") or "").split()).lower()
        if anchor:
            counts[anchor] = counts.get(anchor, 0) + 1
    return counts


def placement_count_by_target(store) -> dict[str, int]:
    """How many placements point at each tier-1 page: {to_key: count}."""
    counts: dict[str, int] = {}
    for p in store.all(TABLE):
        key = p.get("to_key") or urls.safe_page_key(p.get("to_url") or "")
        if key:
            counts[key] = counts.get(key, 0) + 1
    return counts
