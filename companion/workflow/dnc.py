"""The do-not-contact list, the outreach settings and the move to `contacted` (companion.workflow.outreach
says why each exists); what companion.workflow.candidates needs, below the board's views of it.

The list is the table `dnc` of the store's generic API (TinyDB alone, PostgreSQL for a team,
so one member's entry holds for everyone). An entry is a domain, a `*.` wildcard
(`*.site.com` covers site.com and every subdomain, as the extension's excluded hosts do) or
an e-mail address, with a reason.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from companion.analysis import contacts as contacts_mod
from companion.analysis import urls
from companion.core import team
from companion.core.errors import BadInput, Conflict, NotFound
from companion.core.limits import MAX_DNC_REASON, MAX_DNC_VALUE
from companion.workflow.fields import WRITE_LOCK, check_fields, check_text, now

DNC_TABLE = "dnc"
SETTING = "outreach"
DEFAULTS = {"pitch_window_days": 90, "follow_up_days": 5}
LIMITS = {"pitch_window_days": (1, 3650), "follow_up_days": (0, 365)}
MAX_DNC = 10000
_DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)+$")


class DoNotContact(Conflict):
    """Moving a candidate on the do-not-contact list to `contacted` without `override_dnc`."""

    code = "do_not_contact"


# --- settings ------------------------------------------------------------------------

def settings(store) -> dict:
    stored = store.get_setting(SETTING) or {}
    return {k: stored.get(k, v) if isinstance(stored.get(k), int) else v for k, v in DEFAULTS.items()}


def set_settings(store, changes: dict) -> dict:
    """Change the pitch window and the default follow-up delay (whole days, bounded)."""
    if not isinstance(changes, dict):
        raise BadInput("send an object with pitch_window_days and/or follow_up_days")
    check_fields(changes, tuple(DEFAULTS))
    current = settings(store)
    for name, value in changes.items():
        low, high = LIMITS[name]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise BadInput(f"'{name}' must be a whole number of days from {low} to {high}")
        current[name] = value
    store.set_setting(SETTING, current)
    return current


# --- dates -----------------------------------------------------------------------------

def today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def check_day(value, name: str = "day") -> str:
    """A YYYY-MM-DD date, or 'today'."""
    if value in (None, "today"):
        return today()
    if not isinstance(value, str):
        raise BadInput(f"'{name}' must be a date YYYY-MM-DD (or today)")
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise BadInput(f"'{name}' must be a date YYYY-MM-DD (or today), got {value[:40]!r}") from None


def normalize_entry(value) -> tuple[str, str]:
    """(entry, kind) for what the user typed: an address (kind email), `*.domain` or a domain."""
    if not isinstance(value, str) or not value.strip():
        raise BadInput("'value' is required: a domain (site.com), a wildcard (*.site.com) or an e-mail address")
    value = value.strip()
    if len(value) > MAX_DNC_VALUE:
        raise BadInput(f"'value' is longer than {MAX_DNC_VALUE} characters")
    if "@" in value:
        address = contacts_mod.clean_address(value.removeprefix("mailto:"))
        if not address:
            raise BadInput(f"{value[:80]!r} is not an e-mail address")
        return address.lower(), "email"
    wildcard = value.startswith("*.")
    try:
        domain = urls.normalize_domain(value[2:] if wildcard else value)
    except ValueError:
        domain = ""
    if not _DOMAIN.match(domain or ""):
        raise BadInput(f"{value[:80]!r} is not a domain: give site.com, *.site.com or an e-mail address")
    return (f"*.{domain}" if wildcard else domain), "domain"


def list_dnc(store) -> list[dict]:
    return sorted(store.all(DNC_TABLE), key=lambda d: d.get("value", ""))


def add_dnc(store, value, reason=None, user: str | None = None) -> tuple[dict, bool]:
    """Put a domain, wildcard or address on the list: (entry, created). Again: the reason is updated."""
    entry, kind = normalize_entry(value)
    reason = check_text(reason, "reason", MAX_DNC_REASON).strip()
    user = team.resolve_user(user)
    with WRITE_LOCK:
        if len(store.all(DNC_TABLE)) >= MAX_DNC and not store.find(DNC_TABLE, value=entry):
            raise BadInput(f"the do-not-contact list holds {MAX_DNC} entries already")
        doc = {"value": entry, "kind": kind, "reason": reason, "added_by": user, "added_at": now()}
        return store.upsert_with(DNC_TABLE, {"value": entry}, doc,
                                 lambda old: {"reason": reason or old.get("reason", "")})


def remove_dnc(store, value_or_id) -> dict:
    """Take an entry off the list, by its id or its value."""
    if not isinstance(value_or_id, str) or not value_or_id.strip():
        raise BadInput("give the entry's id or value")
    with WRITE_LOCK:
        doc = store.get(DNC_TABLE, value_or_id)
        if doc is None:
            try:
                entry, _ = normalize_entry(value_or_id)
            except BadInput:
                entry = None
            found = store.find(DNC_TABLE, value=entry) if entry else []
            doc = found[0] if found else None
        if doc is None:
            raise NotFound(f"{value_or_id[:80]!r} is not on the do-not-contact list")
        store.remove(DNC_TABLE, doc["id"])
    return doc


def _host_matches(host: str, entry: str) -> bool:
    if entry.startswith("*."):
        return urls.domain_matches(host, entry[2:])
    return urls.strip_www(host) == entry


def dnc_match(candidate: dict, entries: list[dict]) -> dict | None:
    """The list entry that covers this candidate (its host, or an address it shows), or None."""
    host = urls.host_of(candidate.get("url") or "")
    addresses = {e.get("address", "").lower() for e in (candidate.get("contacts") or {}).get("emails") or []}
    for entry in entries:
        value = entry.get("value", "")
        if entry.get("kind") == "email":
            if value in addresses:
                return entry
        elif host and _host_matches(host, value):
            return entry
    return None


def _dnc_mark(entry: dict | None) -> dict | None:
    if entry is None:
        return None
    return {"value": entry.get("value"), "reason": entry.get("reason", ""), "by": entry.get("added_by"),
            "at": entry.get("added_at")}


def dnc_warning(mark: dict | None) -> dict | None:
    if mark is None:
        return None
    why = f": {mark['reason']}" if mark.get("reason") else ""
    return {"code": "do_not_contact", "value": mark["value"], "reason": mark.get("reason", ""),
            "message": f"{mark['value']} is on the do-not-contact list{why}"}


# --- the move to contacted (called by candidates.update) ------------------------------------

def contacted_fields(store, current: dict, changes: dict, user: str) -> tuple[dict, dict]:
    """(fields to store, extra for the history entry) when `current` moves to `contacted`.

    Refuses (DoNotContact) a candidate on the list unless `override_dnc` is true; the
    override goes in the history entry."""
    mark = _dnc_mark(dnc_match(current, list_dnc(store)))
    extra: dict = {}
    if mark is not None:
        if changes.get("override_dnc") is not True:
            why = f" ({mark['reason']})" if mark.get("reason") else ""
            raise DoNotContact(f"{mark['value']} is on the do-not-contact list{why}: send override_dnc: true "
                               "to mark it contacted anyway (the history records it)")
        extra = {"override": "do_not_contact", "dnc": mark["value"], "dnc_reason": mark.get("reason", "")}
    follow = changes.get("follow_up")
    if follow is None:
        follow = (date.fromisoformat(today()) + timedelta(days=settings(store)["follow_up_days"])).isoformat()
    else:
        follow = check_day(follow, "follow_up")
    return {"last_contacted": now(), "pitched_by": user, "follow_up": follow}, extra


def check_follow_up(value) -> str | None:
    """A follow-up date the user sets (YYYY-MM-DD), or None to clear it."""
    return None if value is None else check_day(value, "follow_up")
