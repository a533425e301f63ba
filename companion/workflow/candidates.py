"""Candidates: the pages the user saved to work on (docs/CONTRACT.md, "save", "candidates").

A candidate is a page worth acting on: a tier-1 page to `boost`, or a `tier2` spot
where the user could place a link to one of their tier-1 pages. The extension
saves one in a click; the dashboard and the CLI move it along the workflow

    new → contacted → placed → live        (or rejected, at any point)

Design choices, and why:

* One candidate per page and kind. The identity is `urls.page_key(url)` (scheme,
  `www.`, tracking parameters do not make a different page), so saving the same
  page again from the popup updates the record instead of piling up duplicates;
  the caller learns which happened (`created`), which the API turns into 201/200.
  A page can be both a `boost` and a `tier2` candidate: they are different jobs.
* Any status may follow any other. Users click the wrong column and must be able
  to go back; what matters is that the value is one we know and that every move
  is kept in `history` ([{at, from, to, by}]), so nothing is silently lost; `saved_by`
  and each move's `by` name the team member (companion.core.team.resolve_user).
* The verdict is a snapshot ({score, reasons, labels}) of what Tierlink said when
  the page was saved, so the list can be sorted and explained later without the
  page. Page HTML is never stored (docs/SECURITY.md 16): the snapshot comes from the
  Workspace's memory of the last analysis of that page, or from a small,
  validated `verdict` object the caller sends.
* Marking a `tier2` candidate `placed` (or `live`) with `to_url` records the
  placement (companion.workflow.placements), so the tier-2 link the user built is known
  to the verdicts (tier-3 flags, anchor and footprint counts) without typing it twice.
* Every read-modify-write runs under one module lock on top of the store's own, and
  a save is one `Store.upsert_with` call: "find the record for this page, then insert
  or update it" must be one step, or two threads (or two team members' companions,
  where the database's unique key on page and kind decides) saving the same page at
  once would create two records.

Functions take what they use: the `store`, and for a placement's warnings the `profile`.
"""

from __future__ import annotations

import math

from companion.analysis import urls
from companion.core import team
from companion.core.errors import BadInput, NotFound
from companion.store.records import shape
from companion.analysis import contacts as contacts_mod
from companion.workflow import dnc, placements
from companion.workflow.fields import (MAX_NOTE, MAX_TITLE, WRITE_LOCK, check_choice, check_fields, check_tags,
                                       check_text, check_url, now, text)

TABLE = "candidates"
KINDS = ("boost", "tier2")
STATUSES = ("new", "contacted", "placed", "live", "rejected")
PLACED_STATUSES = ("placed", "live")

MAX_REASONS = 50
MAX_REASON = 1000
MAX_LABELS = 50
MAX_LABEL = 100

# The public shape (CLI, API, export): every field, in this order; the page key is internal.
PUBLIC_FIELDS: tuple[tuple[str, object], ...] = (
    ("id", None), ("kind", None), ("status", "new"), ("url", None), ("title", ""), ("domain", ""), ("tags", []),
    ("note", ""), ("notes", []), ("verdict", None), ("saved_by", None), ("created_at", None), ("updated_at", None), ("history", []),
    ("placement_id", None), ("contacts", None), ("last_contacted", None), ("follow_up", None), ("pitched_by", None),
)
INTERNAL_FIELDS = frozenset({"key"})


def public(doc: dict) -> dict:
    """A candidate as the CLI, the API and the export show it (fields a later writer adds
    still show, after these)."""
    return shape(doc, PUBLIC_FIELDS, INTERNAL_FIELDS)


SAVE_FIELDS = ("url", "kind", "title", "note", "tags", "verdict")
UPDATE_FIELDS = ("status", "note", "tags", "title", "to_url", "anchor", "via", "date", "follow_up", "override_dnc")

# --- validation (the shared checks are in companion.workflow.fields) ---------------------

def _str_list(value, name: str, max_items: int, max_length: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(f"'verdict.{name}' must be a list of strings")
    if len(value) > max_items:
        raise BadInput(f"'verdict.{name}' has more than {max_items} entries")
    for v in value:
        if len(v) > max_length:
            raise BadInput(f"an entry of 'verdict.{name}' is longer than {max_length} characters")
    return [text(v) for v in value]


def check_verdict(value) -> dict | None:
    """The snapshot a caller may send: {score 0-100, reasons, labels}; other keys (HTML!) are dropped."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadInput("'verdict' must be an object {score, reasons, labels}")
    for name in ("reasons", "labels"):  # lists: left out means none, null is refused (the description's type)
        if name in value and value[name] is None:
            raise BadInput(f"'verdict.{name}' must be a list of strings, not null")
    score = value.get("score")
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
            raise BadInput("'verdict.score' must be a number")
        if not 0 <= score <= 100:
            raise BadInput("'verdict.score' must be between 0 and 100")
    return {"score": score,
            "reasons": _str_list(value.get("reasons"), "reasons", MAX_REASONS, MAX_REASON),
            "labels": _str_list(value.get("labels"), "labels", MAX_LABELS, MAX_LABEL)}


def snapshot_from_last(last: dict | None, kind: str) -> tuple[dict | None, str]:
    """(verdict snapshot, title) from the last analysis of this page, if any.

    `last` is what `Workspace.last_verdict` keeps in memory ({labels, title, boost?,
    tier2?}); the snapshot keeps the part for this kind.
    """
    if not isinstance(last, dict):
        return None, ""
    part = last.get(kind) if isinstance(last.get(kind), dict) else {}
    snap = {"score": part.get("score"), "reasons": list(part.get("reasons") or []),
            "labels": list(last.get("labels") or [])}
    return snap, str(last.get("title") or "")[:MAX_TITLE]


# --- reading ----------------------------------------------------------------------

def get(store, id) -> dict:
    if not isinstance(id, str) or not id or len(id) > 64:
        raise NotFound(f"no candidate with id {str(id)[:64]!r}")
    doc = store.get(TABLE, id)
    if doc is None:
        raise NotFound(f"no candidate with id {id!r}")
    return doc


def list_candidates(store, kind: str | None = None, status: str | None = None) -> list[dict]:
    """Saved candidates, most recently changed first; `kind` and `status` filter (validated)."""
    equals = {}
    if kind not in (None, ""):
        equals["kind"] = check_choice(kind, "kind", KINDS)
    if status not in (None, ""):
        equals["status"] = check_choice(status, "status", STATUSES)
    docs = store.find(TABLE, **equals)
    docs.reverse()  # store order is insertion order: newest first among equal timestamps
    docs.sort(key=lambda d: d.get("updated_at") or "", reverse=True)
    return [public(d) for d in docs]


def find_by_url(store, url: str, kind: str) -> dict | None:
    key = urls.safe_page_key(url)
    if key is None:
        return None
    found = store.find(TABLE, key=key, kind=kind)
    return found[0] if found else None


# --- notes: one per team member ------------------------------------------------------

def _notes_of(doc: dict) -> list[dict]:
    """A candidate's notes ([{by, at, text}]); a record written before notes had authors gives
    its one `note`, credited to whoever saved it."""
    notes = doc.get("notes")
    if isinstance(notes, list):
        return [dict(n) for n in notes if isinstance(n, dict)]
    if doc.get("note"):
        return [{"by": doc.get("saved_by"), "at": doc.get("updated_at"), "text": doc["note"]}]
    return []


def with_note(notes: list[dict], user: str, text: str, stamp: str) -> list[dict]:
    """`notes` with `user`'s note set to `text` (replaced, or added after the others'; an
    empty text removes it): a member's save never overwrites a teammate's note."""
    kept = [n for n in notes if n.get("by") != user]
    return kept + [{"by": user, "at": stamp, "text": text}] if text else kept


def note_text(notes: list[dict]) -> str:
    """The one `note` every front end shows: the note itself when one member wrote all there is,
    else each member's note after their name."""
    if len({n.get("by") for n in notes}) <= 1:
        return "\n\n".join(n["text"] for n in notes)
    return "\n\n".join(f"{n.get('by') or 'someone'}: {n['text']}" for n in notes)


# --- writing ----------------------------------------------------------------------

def save(store, url, kind, title=None, note=None, tags=None, verdict=None,
         last: dict | None = None, user: str | None = None, contacts: dict | None = None) -> tuple[dict, bool]:
    """Save a page as a candidate, as the extension's one-click save does: (candidate, created).

    Saving a page already saved with this kind updates it: fields given replace the
    stored ones (tags included), fields left out (None) are kept, the status is never
    reset. The verdict snapshot is the one sent, else `last`, the last analysis of the
    page in this process (`Workspace.last_verdict(url)`). `user`: who saves it (`Workspace.user`;
    default: $TIERLINK_USER, else the login name).

    A note is the saver's own: two members saving the same page each keep theirs (`notes`,
    [{by, at, text}]; `note` shows them all), and every save after the first is a `history`
    entry naming who saved ({at, from: null, to: the status, by, event: "saved"}).

    `contacts`: the site's contact routes read from the page (companion.analysis.contacts),
    else those of the last analysis (`last["contacts"]`, when the popup asked for them);
    merged into those already stored, never replacing them.
    """
    user = team.resolve_user(user)
    url = check_url(url)
    kind = check_choice(kind, "kind", KINDS)
    fields: dict = {}
    if title is not None:
        fields["title"] = check_text(title, "title", MAX_TITLE).strip()
    if note is not None:
        fields["note"] = check_text(note, "note", MAX_NOTE)
    if tags is not None:
        fields["tags"] = check_tags(tags)
    snap = check_verdict(verdict)
    last_title = ""
    if snap is None:
        snap, last_title = snapshot_from_last(last, kind)
    if snap is not None:
        fields["verdict"] = snap
    if not fields.get("title") and last_title:
        fields["title"] = last_title
    if contacts is None and isinstance(last, dict) and isinstance(last.get("contacts"), dict):
        contacts = last["contacts"]

    key = urls.page_key(url)
    stamp = now()

    def change(old: dict) -> dict:
        # called with the stored record read under the store's lock (team mode: the row lock)
        update = dict(fields)
        if "title" in update and not update["title"] and old.get("title"):
            del update["title"]  # an empty title from a later save never erases a known one
        if "note" in update:
            update["notes"] = with_note(_notes_of(old), user, update["note"], stamp)
            update["note"] = note_text(update["notes"])
        update["history"] = list(old.get("history") or []) + [
            {"at": stamp, "from": None, "to": old.get("status") or "new", "by": user, "event": "saved"}]
        update["updated_at"] = stamp  # the URL first saved stays: it is what placements name
        if contacts is not None:
            update["contacts"] = contacts_mod.merge(old.get("contacts"), contacts)
        return update

    first_notes = with_note([], user, fields.get("note", ""), stamp)
    doc = {"url": urls.canonical_url(url), "key": key, "kind": kind, "status": "new",
           "title": fields.get("title", ""), "domain": urls.site_of(url),
           "note": fields.get("note", ""), "notes": first_notes, "tags": fields.get("tags", []),
           "verdict": fields.get("verdict"), "saved_by": user, "created_at": stamp, "updated_at": stamp,
           "history": [{"at": stamp, "from": None, "to": "new", "by": user}]}
    if contacts is not None:
        doc["contacts"] = contacts_mod.merge(None, contacts)
    with WRITE_LOCK:
        # one step: in team mode another member may save the same page at this moment
        saved, created = store.upsert_with(TABLE, {"key": key, "kind": kind}, doc, change)
        return public(saved), created


def update(store, profile, id, changes: dict, user: str | None = None) -> dict:
    """Change status, note, tags or title of a candidate; returns it.

    For a `tier2` candidate moved to (or already at) `placed`/`live`, `to_url` (the
    tier-1 page the new link points at) records the placement, with optional
    `anchor`, `via` and `date`; the answer then also carries `placement` and the
    placement's `warnings`. A move to `contacted` stamps the follow-up (`follow_up`, a date
    the caller may give), `last_contacted` and `pitched_by`, is refused for a site on the
    do-not-contact list unless `override_dnc` is true, and warns (`warnings`) when the site
    was pitched within the window (companion.workflow.dnc; the warnings are added by
    companion.workflow.outreach.update). Unknown id → NotFound; bad values → BadInput, and
    nothing is changed. `user`: who makes the change (as for `save`).
    """
    user = team.resolve_user(user)
    if not isinstance(changes, dict):
        raise BadInput("send an object with the fields to change")
    check_fields(changes, UPDATE_FIELDS)
    if not changes:
        raise BadInput(f"nothing to change: send one of {', '.join(UPDATE_FIELDS)}")
    fields: dict = {}
    if "status" in changes:
        fields["status"] = check_choice(changes["status"], "status", STATUSES)
    if "note" in changes:
        fields["note"] = check_text(changes["note"], "note", MAX_NOTE)
    if "title" in changes:
        fields["title"] = check_text(changes["title"], "title", MAX_TITLE).strip()
    if "tags" in changes:
        fields["tags"] = check_tags(changes["tags"])
    if "follow_up" in changes:
        fields["follow_up"] = dnc.check_follow_up(changes["follow_up"])
    if "override_dnc" in changes and not isinstance(changes["override_dnc"], bool):
        raise BadInput("'override_dnc' must be true or false")
    placing = {k: changes[k] for k in ("to_url", "anchor", "via", "date") if changes.get(k) is not None}
    if placing and "to_url" not in placing:
        raise BadInput("'anchor', 'via' and 'date' describe a placement: send 'to_url' (the tier-1 page) too")

    with WRITE_LOCK:
        current = get(store, id)
        status = fields.get("status", current.get("status"))
        placement = warnings = None
        if placing:
            if current.get("kind") != "tier2":
                raise BadInput("only a tier2 candidate records a placement ('to_url'); this one is a boost candidate")
            if status not in PLACED_STATUSES:
                raise BadInput("'to_url' records the link you placed: set 'status' to placed (or live) with it")
            placement, warnings = placements.add(store, profile, current["url"], placing["to_url"],
                                                 anchor=placing.get("anchor"), via=placing.get("via"),
                                                 date=placing.get("date"), candidate_id=current["id"], user=user)
            fields["placement_id"] = placement["id"]
        stamp = now()
        fields["updated_at"] = stamp
        moved_extra: dict = {}
        if fields.get("status") == "contacted" and current.get("status") != "contacted":
            # the pitch: follow-up date, who and when; refused for a do-not-contact site unless overridden
            contacted, moved_extra = dnc.contacted_fields(store, current, changes, user)
            fields.update(contacted)

        def change(old: dict) -> dict:
            # read under the store's row lock: a teammate's move at the same moment is not lost
            update = dict(fields)
            if "note" in update:  # an edit of the whole note: the editor's from now on
                update["notes"] = with_note([], user, update["note"], stamp)
            if fields.get("status") and fields["status"] != old.get("status"):
                update["history"] = list(old.get("history") or []) + [
                    {"at": stamp, "from": old.get("status"), "to": fields["status"], "by": user, **moved_extra}]
            return update

        result = public(store.update_with(TABLE, current["id"], change))
    if placement is not None:
        result["placement"] = placement
        result["warnings"] = warnings

    return result


def remove(store, id) -> str:
    """Delete a candidate (its placements stay: the link the user built still exists)."""
    with WRITE_LOCK:
        doc = get(store, id)
        store.remove(TABLE, doc["id"])
    return doc["id"]
