"""What the workflow tables (candidates, placements) check and share: one definition each.

Both tables take user text from the extension, the dashboard and the CLI, so both
validate the same way and say so in the same words; both serialise their
read-modify-writes under one lock (`WRITE_LOCK`): "find the record for this page,
then insert or update it" must be one step, or two threads saving the same page at
once would create two records.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime, timezone

from companion.analysis.urls import check_url  # noqa: F401 (the one URL check, read here by candidates, placements)
from companion.core.errors import BadInput
from companion.core.limits import MAX_NOTE, MAX_TAG, MAX_TAGS, MAX_TITLE, MAX_URL_LENGTH  # noqa: F401 (read here by candidates, placements)

# Serialises read-modify-writes of the candidate and placement tables (see the docstring).
WRITE_LOCK = threading.RLock()


def now() -> str:
    """UTC, to the second, ISO 8601 with 'Z': sorts as text and reads well in a CSV."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def text(value: str) -> str:
    """Lone UTF-16 surrogates (from a DOM via JSON, or undecodable argv bytes) cannot be
    stored as UTF-8: they become U+FFFD here instead of failing the durable write later."""
    return _LONE_SURROGATE.sub("\ufffd", value) if _LONE_SURROGATE.search(value) else value


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
    return text(value)


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
        tag = " ".join(text(tag).split())
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


def check_fields(body: dict, allowed: tuple[str, ...]) -> None:
    extra = sorted(k for k in body if k not in allowed)
    if extra:
        raise BadInput(f"unknown field{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra[:5]))}; "
                       f"expected {', '.join(allowed)}")
