"""Team mode's two settings: which store (a database URL) and who is working (a user name).

Resolution order, the same for every command and for `tierlink serve`:

* the store: `--database URL`, else `$TIERLINK_DATABASE`, else none (the embedded
  store in the data home). A `postgresql://` (or `postgres://`) URL puts the shared
  data in that PostgreSQL database; anything else is refused with a one-line error.
* the user: `--user NAME`, else `$TIERLINK_USER`, else the login name; recorded as
  `saved_by`, `placed_by` and the author of each status change.

A database URL may hold a password. It is never printed: `where(url)` names the
database as `host:port/dbname` for messages, and `scrub(text, url)` takes the
password (and any `user:password@` part) out of a driver's error text.
"""

from __future__ import annotations

import getpass
import os
import re

from companion.core.errors import BadInput

DATABASE_ENV = "TIERLINK_DATABASE"
USER_ENV = "TIERLINK_USER"
MAX_USER = 100
_SCHEMES = ("postgresql://", "postgres://")


def resolve_database(explicit: str | None = None) -> str | None:
    """The database URL in force, or None for the embedded store."""
    url = explicit if explicit not in (None, "") else os.environ.get(DATABASE_ENV) or None
    if url is None:
        return None
    url = url.strip()
    if not url.lower().startswith(_SCHEMES):
        raise BadInput(f"--database / ${DATABASE_ENV} must be a postgresql:// URL (got {where(url)!r})")
    return url


def resolve_user(explicit: str | None = None) -> str:
    """The name recorded on what this member saves, places and moves."""
    name = explicit if explicit not in (None, "") else os.environ.get(USER_ENV) or ""
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no login name (a container without a passwd entry)
            name = "unknown"
    name = " ".join(str(name).split())
    if not name or len(name) > MAX_USER:
        raise BadInput(f"--user / ${USER_ENV} must be a name of 1 to {MAX_USER} characters")
    return name


def where(url: str) -> str:
    """`host:port/dbname` of a database URL: what messages name (never the password)."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 - an unparsable URL: show its shape, not its content
        rest = url.split("://", 1)[-1]
        return rest.rsplit("@", 1)[-1][:200]
    host = info.get("host") or "localhost"
    port = info.get("port") or "5432"
    return f"{host}:{port}/{info.get('dbname') or ''}"


_USERINFO = re.compile(r"(?i)(postgres(?:ql)?://)[^@/\s]*@")


def scrub(text: str, url: str | None) -> str:
    """`text` with the URL's password and any `user:password@` in a URL taken out."""
    text = _USERINFO.sub(r"\1***@", str(text))
    if url:
        try:
            from psycopg.conninfo import conninfo_to_dict

            password = conninfo_to_dict(url).get("password")
        except Exception:  # noqa: BLE001
            password = None
        if password:
            text = text.replace(str(password), "***")
    return text
