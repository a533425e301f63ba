"""Candidates: the pages the user saved to work on (CONTRACT.md, "save", "candidates").

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
  and each move's `by` name the team member (companion.team.resolve_user).
* The verdict is a snapshot ({score, reasons, labels}) of what Tierlink said when
  the page was saved, so the list can be sorted and explained later without the
  page. Page HTML is never stored (SECURITY.md 16): the snapshot comes from the
  Workspace's memory of the last analysis of that page, or from a small,
  validated `verdict` object the caller sends.
* Marking a `tier2` candidate `placed` (or `live`) with `to_url` records the
  placement (companion.placements), so the tier-2 link the user built is known
  to the verdicts (tier-3 flags, anchor and footprint counts) without typing it twice.
* Every read-modify-write runs under one module lock on top of the store's own, and
  a save is one `Store.upsert_with` call: "find the record for this page, then insert
  or update it" must be one step, or two threads (or two team members' companions,
  where the database's unique key on page and kind decides) saving the same page at
  once would create two records.

Functions take a Workspace (profile, last verdicts and store) or a bare Store.
"""

from __future__ import annotations

import math
import re
import threading
from datetime import datetime, timezone

from companion import urls
from companion.errors import BadInput, NotFound

TABLE = "candidates"
KINDS = ("boost", "tier2")
STATUSES = ("new", "contacted", "placed", "live", "rejected")
PLACED_STATUSES = ("placed", "live")

MAX_URL_LENGTH = 8192  # same bound as the API's url fields
MAX_TITLE = 500
MAX_NOTE = 10_000
MAX_TAGS = 50
MAX_TAG = 100
MAX_REASONS = 50
MAX_REASON = 1000
MAX_LABELS = 50
MAX_LABEL = 100

SAVE_FIELDS = ("url", "kind", "title", "note", "tags", "verdict")
UPDATE_FIELDS = ("status", "note", "tags", "title", "to_url", "anchor", "via", "date")

# Serialises read-modify-writes of the candidate and placement tables (see the docstring).
WRITE_LOCK = threading.RLock()


def now() -> str:
    """UTC, to the second, ISO 8601 with 'Z': sorts as text and reads well in a CSV."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def store_of(ws_or_store):
    """The Store of a Workspace, or the Store itself."""
    return ws_or_store if hasattr(ws_or_store, "find") else ws_or_store.store


def user_of(ws_or_store) -> str:
    """Who is working: the Workspace's user (--user, $TIERLINK_USER, the login name)."""
    from companion import team

    return getattr(ws_or_store, "user", None) or team.resolve_user()


# --- validation -------------------------------------------------------------------

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: str) -> str:
    """Lone UTF-16 surrogates (from a DOM via JSON, or undecodable argv bytes) cannot be
    stored as UTF-8: they become U+FFFD here instead of failing the durable write later."""
    return _LONE_SURROGATE.sub("\ufffd", value) if _LONE_SURROGATE.search(value) else value


def check_url(value, name: str = "url") -> str:
    """An absolute http(s) URL within the length limit, or a BadInput naming the field."""
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"'{name}' is required: the page's http(s) address")
    value = value.strip()
    if _LONE_SURROGATE.search(value):
        raise BadInput(f"'{name}' is not a valid address (it holds a lone surrogate)")
    if len(value) > MAX_URL_LENGTH:
        raise BadInput(f"'{name}' is longer than {MAX_URL_LENGTH} characters")
    if not urls.is_http_url(value):
        raise BadInput(f"'{name}' must be an absolute http(s) URL, got {value[:100]!r}")
    try:
        urls.page_key(value)
    except ValueError:
        raise BadInput(f"'{name}' is not a page address: {value[:100]!r}") from None
    return value


def check_choice(value, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        shown = repr(value)[:60] if value is not None else "nothing"
        raise BadInput(f"'{name}' must be one of {', '.join(choices)} (got {shown})")
    return value


def check_text(value, name: str, limit: int) -> str:
    """A string up to `limit` characters; None becomes ''."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"'{name}' must be a string")
    if len(value) > limit:
        raise BadInput(f"'{name}' is longer than {limit:,} characters ({len(value):,})")
    return _text(value)


def check_tags(value) -> list[str]:
    """Short labels the user files pages under: trimmed, empty ones dropped, deduplicated
    case-insensitively (first spelling wins), at most MAX_TAGS of MAX_TAG characters."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise BadInput("'tags' must be a list of strings")
    out: list[str] = []
    seen: set[str] = set()
    for tag in value:
        if not isinstance(tag, str):
            raise BadInput("'tags' must be a list of strings")
        tag = " ".join(_text(tag).split())
        if not tag:
            continue
        if len(tag) > MAX_TAG:
            raise BadInput(f"a tag is longer than {MAX_TAG} characters: {tag[:40]!r}…")
        if tag.casefold() in seen:
            continue
        seen.add(tag.casefold())
        out.append(tag)
    if len(out) > MAX_TAGS:
        raise BadInput(f"at most {MAX_TAGS} tags (got {len(out)})")
    return out


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
    return [_text(v) for v in value]


def check_verdict(value) -> dict | None:
    """The snapshot a caller may send: {score 0-100, reasons, labels}; other keys (HTML!) are dropped."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadInput("'verdict' must be an object {score, reasons, labels}")
    score = value.get("score")
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
            raise BadInput("'verdict.score' must be a number")
        if not 0 <= score <= 100:
            raise BadInput("'verdict.score' must be between 0 and 100")
    return {"score": score,
            "reasons": _str_list(value.get("reasons"), "reasons", MAX_REASONS, MAX_REASON),
            "labels": _str_list(value.get("labels"), "labels", MAX_LABELS, MAX_LABEL)}


def check_fields(body: dict, allowed: tuple[str, ...]) -> None:
    extra = sorted(k for k in body if k not in allowed)
    if extra:
        raise BadInput(f"unknown field{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra[:5]))}; "
                       f"expected {', '.join(allowed)}")


def snapshot_from_last(ws, url: str, kind: str) -> tuple[dict | None, str]:
    """(verdict snapshot, title) from the Workspace's last analysis of this page, if any.

    `Workspace.last_verdict` keeps {labels, title, boost?, tier2?} in memory; the
    snapshot keeps the part for this kind. A bare Store has no analyses: (None, '').
    """
    last_verdict = getattr(ws, "last_verdict", None)
    if last_verdict is None:
        return None, ""
    last = last_verdict(url)
    if not isinstance(last, dict):
        return None, ""
    part = last.get(kind) if isinstance(last.get(kind), dict) else {}
    snap = {"score": part.get("score"), "reasons": list(part.get("reasons") or []),
            "labels": list(last.get("labels") or [])}
    return snap, str(last.get("title") or "")[:MAX_TITLE]


# --- reading ----------------------------------------------------------------------

def get(ws_or_store, id) -> dict:
    if not isinstance(id, str) or not id or len(id) > 64:
        raise NotFound(f"no candidate with id {str(id)[:64]!r}")
    doc = store_of(ws_or_store).get(TABLE, id)
    if doc is None:
        raise NotFound(f"no candidate with id {id!r}")
    return doc


def list_candidates(ws_or_store, kind: str | None = None, status: str | None = None) -> list[dict]:
    """Saved candidates, most recently changed first; `kind` and `status` filter (validated)."""
    equals = {}
    if kind not in (None, ""):
        equals["kind"] = check_choice(kind, "kind", KINDS)
    if status not in (None, ""):
        equals["status"] = check_choice(status, "status", STATUSES)
    docs = store_of(ws_or_store).find(TABLE, **equals)
    docs.reverse()  # store order is insertion order: newest first among equal timestamps
    docs.sort(key=lambda d: d.get("updated_at") or "", reverse=True)
    return docs


def find_by_url(ws_or_store, url: str, kind: str) -> dict | None:
    key = urls.safe_page_key(url)
    if key is None:
        return None
    found = store_of(ws_or_store).find(TABLE, key=key, kind=kind)
    return found[0] if found else None


# --- writing ----------------------------------------------------------------------

def save(ws, url, kind, title=None, note=None, tags=None, verdict=None) -> tuple[dict, bool]:
    """Save a page as a candidate, as the extension's one-click save does: (candidate, created).

    Saving a page already saved with this kind updates it: fields given replace the
    stored ones (tags included), fields left out (None) are kept, the status is never
    reset. The verdict snapshot is the one sent, else the last analysis of the page.
    """
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
        snap, last_title = snapshot_from_last(ws, url, kind)
    if snap is not None:
        fields["verdict"] = snap
    if not fields.get("title") and last_title:
        fields["title"] = last_title

    store = store_of(ws)
    key = urls.page_key(url)
    by = user_of(ws)
    stamp = now()

    def change(old: dict) -> dict:
        update = dict(fields)
        if "title" in update and not update["title"] and old.get("title"):
            del update["title"]  # an empty title from a later save never erases a known one
        update["updated_at"] = stamp  # the URL first saved stays: it is what placements name
        return update

    doc = {"url": urls.canonical_url(url), "key": key, "kind": kind, "status": "new",
           "title": fields.get("title", ""), "domain": urls.site_of(url),
           "note": fields.get("note", ""), "tags": fields.get("tags", []),
           "verdict": fields.get("verdict"), "saved_by": by, "created_at": stamp, "updated_at": stamp,
           "history": [{"at": stamp, "from": None, "to": "new", "by": by}]}
    with WRITE_LOCK:
        # one step: in team mode another member may save the same page at this moment
        return store.upsert_with(TABLE, {"key": key, "kind": kind}, doc, change)


def save_body(ws, body: dict) -> tuple[dict, bool]:
    """`save` from a JSON body (POST /api/candidates): unknown fields are refused, not ignored,
    so a typo ('tag' for 'tags') is reported instead of silently dropping the user's input."""
    check_fields(body, SAVE_FIELDS)
    return save(ws, body.get("url"), body.get("kind"), title=body.get("title"), note=body.get("note"),
                tags=body.get("tags"), verdict=body.get("verdict"))


def update(ws, id, changes: dict) -> dict:
    """Change status, note, tags or title of a candidate; returns it.

    For a `tier2` candidate moved to (or already at) `placed`/`live`, `to_url` (the
    tier-1 page the new link points at) records the placement, with optional
    `anchor`, `via` and `date`; the answer then also carries `placement` and the
    placement's `warnings`. Unknown id → NotFound; bad values → BadInput, and
    nothing is changed.
    """
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
    placing = {k: changes[k] for k in ("to_url", "anchor", "via", "date") if changes.get(k) is not None}
    if placing and "to_url" not in placing:
        raise BadInput("'anchor', 'via' and 'date' describe a placement: send 'to_url' (the tier-1 page) too")

    from companion import placements

    store = store_of(ws)
    with WRITE_LOCK:
        current = get(store, id)
        status = fields.get("status", current.get("status"))
        placement = warnings = None
        if placing:
            if current.get("kind") != "tier2":
                raise BadInput("only a tier2 candidate records a placement ('to_url'); this one is a boost candidate")
            if status not in PLACED_STATUSES:
                raise BadInput("'to_url' records the link you placed: set 'status' to placed (or live) with it")
            placement, warnings = placements.add(ws, current["url"], placing["to_url"],
                                                 anchor=placing.get("anchor"), via=placing.get("via"),
                                                 date=placing.get("date"), candidate_id=current["id"])
            fields["placement_id"] = placement["id"]
        stamp = now()
        fields["updated_at"] = stamp
        by = user_of(ws)

        def change(old: dict) -> dict:
            # read under the store's row lock: a teammate's move at the same moment is not lost
            if fields.get("status") and fields["status"] != old.get("status"):
                return {**fields, "history": list(old.get("history") or []) + [
                    {"at": stamp, "from": old.get("status"), "to": fields["status"], "by": by}]}
            return fields

        result = store.update_with(TABLE, current["id"], change)
    if placement is not None:
        result["placement"] = placement
        result["warnings"] = warnings
    return result


def remove(ws_or_store, id) -> str:
    """Delete a candidate (its placements stay: the link the user built still exists)."""
    with WRITE_LOCK:
        doc = get(ws_or_store, id)
        store_of(ws_or_store).remove(TABLE, doc["id"])
    return doc["id"]
