"""Team mode's two settings: which store (a database URL) and who is working (a user name).

Resolution order, the same for every command and for `tierlink serve`:

* the store: `--database URL`, else `$TIERLINK_DATABASE`, else none (the embedded
  store in the data home). A `postgresql://` (or `postgres://`) URL puts the shared
  data in that PostgreSQL database; anything else is refused with a one-line error.
* the user: `--user NAME`, else `$TIERLINK_USER`, else the login name; recorded as
  `saved_by`, `placed_by` and the author of each status change.

A database URL may hold a password. It is never printed: `where(url)` names the
database as `host:port/dbname` for every message (any URL, parseable or not, and
`key=value` connection strings), and `scrub(text, url)` takes the password (and any
`user:password@` part) out of a driver's error text.
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
    """`host:port/dbname` of a database URL or `key=value` connection string: the one way
    every message names the database (never the password, the user or any other option).

    Parsed here, tolerantly, rather than by the driver: a string the driver refuses (a
    misspelt option, a cut URL) must still be named without its password, and so must a
    password holding `/`, `?` or `@`. Each part shown is checked against the characters
    it can hold (else `?`), and if a password could be read and shows up anyway the
    address is not shown at all.
    """
    fields, secrets = _read_conninfo(str(url))
    if not _URL.match(str(url)) and not _PAIR.search(str(url)):
        return "(an address that cannot be read)"
    host = _part(fields.get("host") or fields.get("hostaddr") or "localhost", _HOST_CHARS, secrets)
    port = _part(fields.get("port") or "5432", _PORT_CHARS, secrets)
    dbname = _part(fields.get("dbname") or "", _DB_CHARS, secrets)
    text = f"{host}:{port}/{dbname}"
    if any(len(s) >= 6 and s in text for s in secrets):  # shorter ones: only a whole part counts
        return "(address not shown: it would show the password)"
    return text


_HOST_CHARS = re.compile(r"^[A-Za-z0-9._\-:\[\]%/,]{1,200}$")
_PORT_CHARS = re.compile(r"^[0-9,]{1,60}$")
_DB_CHARS = re.compile(r"^[A-Za-z0-9._\-$]{0,100}$")
_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^'\\]|\\.)*'?|[^\s]*)")
_URL = re.compile(r"(?is)^\s*[a-z][a-z0-9+.\-]*://(.*)$")


def _part(value: str, allowed: re.Pattern, secrets: list[str]) -> str:
    return value if allowed.match(value) and value not in secrets else "?"


def _unquote(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value, errors="replace")


def _read_conninfo(text: str) -> tuple[dict[str, str], list[str]]:
    """({host, hostaddr, port, dbname: value}, [every password-like value]) of a URL or a
    `key=value` string, whatever its shape; values the parse is unsure of count as secrets."""
    fields: dict[str, str] = {}
    secrets: list[str] = []
    match = _URL.match(text)
    if match:
        rest = match.group(1)
        # The user part ends at the last '@' before the query (or before the first '=', when
        # a '?' inside the password would otherwise start the query early).
        cut = rest.split("?", 1)[0].rfind("@")
        if cut < 0:
            cut = rest.split("=", 1)[0].rfind("@")
        if cut >= 0:
            userinfo, rest = rest[:cut], rest[cut + 1:]
            if ":" in userinfo:
                secrets += [userinfo.split(":", 1)[1], _unquote(userinfo.split(":", 1)[1])]
        authority, _, query = rest.partition("?")
        hostspec, _, path = authority.partition("/")
        hosts, ports = [], []
        for spec in hostspec.split(","):
            if spec.startswith("[") and "]" in spec:
                h, _, p = spec[1:].partition("]")
                h, p = f"[{h}]", p[1:] if p.startswith(":") else ""
            else:
                h, _, p = spec.rpartition(":") if ":" in spec else (spec, "", "")
            hosts.append(_unquote(h))
            ports.append(p)
            if p and not p.isdigit():
                secrets.append(p)  # `user:password` with no `@`: the "port" is a password
        if any(hosts):
            fields["host"] = ",".join(hosts)
        if any(ports):
            fields["port"] = ",".join(p or "5432" for p in ports)
        if path:
            fields["dbname"] = _unquote(path.split("#", 1)[0])
        pairs = [tuple(_unquote(x) for x in item.partition("=")[::2]) for item in query.split("&") if item]
    else:
        pairs = [(k, v[1:-1].replace("\\'", "'").replace("\\\\", "\\") if v.startswith("'") and v.endswith("'")
                  and len(v) > 1 else v) for k, v in _PAIR.findall(text)]
    for key, value in pairs:
        key = key.strip().lower()
        if key in ("host", "hostaddr", "port", "dbname"):
            fields[key] = value
        elif "pass" in key:
            secrets.append(value)
    return fields, [s for s in secrets if s]


_USERINFO = re.compile(r"(?i)([a-z][a-z0-9+.\-]*://)[^/\s]*@")
_PASSWORD_PAIR = re.compile(r"(?i)(pass\w*\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&\"]*)")


def scrub(text: str, url: str | None) -> str:
    """`text` (a driver's error, a log line) with the URL's password, any `user:password@`
    part of a URL and any `password=` value taken out."""
    text = str(text)
    if url:
        for secret in sorted(_read_conninfo(str(url))[1], key=len, reverse=True):
            text = text.replace(secret, "***")
    text = _USERINFO.sub(r"\1***@", text)
    return _PASSWORD_PAIR.sub(r"\1***", text)
