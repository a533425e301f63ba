"""The companion's defences as a local service: token, Host allow-list, Origin deny-list.

A server on 127.0.0.1 is reachable by every web page the user opens (DNS
rebinding, cross-site requests) and by every local process, so each request
passes three gates, in this order (see docs/SECURITY.md):

1. `Host` must be exactly `127.0.0.1:PORT`, `localhost:PORT` or `[::1]:PORT`.
   Checked first, on every path (API, dashboard, static files): this is what
   stops DNS rebinding, where a page on evil.com resolves to 127.0.0.1 and the
   browser sends `Host: evil.com`.
2. `Origin`, when present, must be a browser extension (`chrome-extension://ID`,
   `moz-extension://UUID`), Firefox's `null`, or the dashboard's own origin.
   Exact comparisons only; it is never accepted because it matches `Host`, since
   under rebinding they do match.
3. API calls carry the token in `Authorization: Bearer`; never a cookie (cookies
   are not isolated by port) nor the query string (it ends up in logs/history).

The checks are pure functions over header strings so they are easy to reason
about and to test; `companion.web.app` applies them before any route runs.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from pathlib import Path

from companion.core.errors import Forbidden
from companion.core.home import ensure_home

TOKEN_FILE = "token"


# --- token ----------------------------------------------------------------

def token_path(home: Path) -> Path:
    return Path(home) / TOKEN_FILE


def _write_token(home: Path, token: str, *, replace: bool = True) -> str:
    """Write the token 0600 from the first byte (never readable by others, even briefly).

    A temp file created with O_EXCL and mode 0600 is then put in place: renamed
    over the old one when rotating (atomic), or hard-linked when creating, which
    fails if another process (`serve` and `tierlink token` started together) made
    one first — then theirs is kept and returned, so both print the same token.
    """
    ensure_home(Path(home))
    path = token_path(home)
    tmp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(token + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
            return token
        try:
            os.link(tmp, path)
        except FileExistsError:
            return read_token(home) or token
        return token
    finally:
        tmp.unlink(missing_ok=True)


def read_token(home: Path) -> str | None:
    try:
        token = token_path(home).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return token or None


def get_token(home: Path) -> str:
    """The API token, made on first use (secrets.token_urlsafe(32): 256 bits)."""
    token = read_token(home)
    if token is None:
        if token_path(home).exists():  # empty or unreadable: replace it
            return rotate_token(home)
        token = _write_token(home, secrets.token_urlsafe(32), replace=False)
    else:
        # Tighten a file someone made readable by others; the token is the only key.
        try:
            path = token_path(home)
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except OSError:
            pass
    return token


def rotate_token(home: Path) -> str:
    """A new token; the old one stops working at the next request of a running server."""
    token = secrets.token_urlsafe(32)
    _write_token(home, token)
    return token


def bearer_matches(authorization: str | None, token: str) -> bool:
    """True when the header is `Bearer <token>`.

    WSGI hands header values over as latin-1 strings, so any byte sequence maps
    to a str; comparing encoded bytes with hmac.compare_digest keeps the
    comparison constant-time and never raises on non-ASCII input (compare_digest
    on str raises TypeError for non-ASCII, which would surface as a 500).
    """
    if not authorization or not token:
        return False
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    given = value.strip().encode("latin-1", errors="replace")
    return hmac.compare_digest(given, token.encode("ascii"))


# --- Host and Origin ------------------------------------------------------

def allowed_hosts(port: int) -> frozenset[str]:
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"})


def dashboard_origins(port: int) -> frozenset[str]:
    return frozenset({f"http://127.0.0.1:{port}", f"http://localhost:{port}"})


# An extension id (Chrome: 32 letters a-p; Firefox: a uuid). Kept generous in what
# characters it allows but strict in shape: no path, port, user info or dots, so
# `chrome-extension://x.evil.com` or `chrome-extension://a/b` do not pass.
_EXTENSION_ORIGIN = re.compile(r"(?:chrome-extension|moz-extension)://[A-Za-z0-9-]{1,64}\Z")


def check_host(host: str | None, port: int) -> None:
    if not host or host not in allowed_hosts(port):
        raise Forbidden("this service answers only to 127.0.0.1, localhost or [::1] on its own port "
                        "(Host header refused)", code="bad_host")


def check_origin(origin: str | None, port: int) -> None:
    """None (no Origin: scripts, the CLI, the extension's background) is fine."""
    if origin is None:
        return
    if origin == "null" or origin in dashboard_origins(port) or _EXTENSION_ORIGIN.fullmatch(origin):
        return
    raise Forbidden("requests from web pages are not accepted (Origin refused)", code="bad_origin")
