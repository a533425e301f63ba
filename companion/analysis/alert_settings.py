"""The profile's `alerts` section: which delivery channels are on, and how to reach them.

Why in the profile: alerts are the user's configuration like the domains, saved and
shared the same way (profile.json, or the team's profile in team mode) and edited in
the same dashboard form. Every channel is off until set. The SMTP password is never
part of it: the settings name the environment variable that holds it
(`password_env`), so no plain file of ours ever contains it (docs/SECURITY.md).

    "alerts": {
      "desktop": true,                                   # the extension's notification + badge
      "webhook": {"url": "https://hooks.example/T0/B0"}, # POST of {"text", "changes"}
      "mail": {"host": "smtp.example.com", "port": 587, "user": "me@example.com",
               "password_env": "TIERLINK_SMTP_PASSWORD", "from": "me@example.com",
               "to": ["me@example.com"], "hour": 8}      # a daily digest, STARTTLS always
    }
"""

from __future__ import annotations

import re

from companion.core.errors import BadInput

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
ADDRESS = re.compile(r"^[^@\s<>,;]{1,64}@[^@\s<>,;]{1,253}$")
HOST = re.compile(r"^[A-Za-z0-9.\-:\[\]]{1,253}$")
MAX_RECIPIENTS = 20


def _obj(value, name: str, known: set[str]) -> dict:
    if not isinstance(value, dict):
        raise BadInput(f"profile: 'alerts.{name}' must be an object or null")
    unknown = sorted(set(value) - known)
    if unknown:
        raise BadInput(f"profile: unknown field 'alerts.{name}.{unknown[0]}' (known: {', '.join(sorted(known))})")
    return value


def _webhook(value) -> dict | None:
    if value is None:
        return None
    value = _obj(value, "webhook", {"url"})
    url = value.get("url")
    if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url.strip()) or len(url) > 2000:
        raise BadInput("profile: 'alerts.webhook.url' must be an http(s) URL")
    return {"url": url.strip()}


def _mail(value) -> dict | None:
    if value is None:
        return None
    value = _obj(value, "mail", {"host", "port", "user", "password_env", "from", "to", "hour"})
    host = value.get("host")
    if not isinstance(host, str) or not HOST.match(host.strip()):
        raise BadInput("profile: 'alerts.mail.host' must be the SMTP server's host name")
    port = value.get("port", 587)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise BadInput("profile: 'alerts.mail.port' must be a TCP port (587 for STARTTLS)")
    user = value.get("user") or ""
    if not isinstance(user, str) or len(user) > 254:
        raise BadInput("profile: 'alerts.mail.user' must be the SMTP login name, or empty for none")
    env = value.get("password_env") or ""
    if not isinstance(env, str) or env and not ENV_NAME.match(env):
        raise BadInput("profile: 'alerts.mail.password_env' must name an environment variable "
                       "(the password itself is never stored)")
    if user and not env:
        raise BadInput("profile: 'alerts.mail.password_env' is needed with a 'user': the environment "
                       "variable that holds the SMTP password")
    sender = value.get("from")
    if not isinstance(sender, str) or not ADDRESS.match(sender.strip()):
        raise BadInput("profile: 'alerts.mail.from' must be an e-mail address")
    to = value.get("to")
    if isinstance(to, str):
        to = [to]
    if (not isinstance(to, list) or not to or len(to) > MAX_RECIPIENTS
            or not all(isinstance(a, str) and ADDRESS.match(a.strip()) for a in to)):
        raise BadInput(f"profile: 'alerts.mail.to' must be 1 to {MAX_RECIPIENTS} e-mail addresses")
    hour = value.get("hour", 8)
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        raise BadInput("profile: 'alerts.mail.hour' must be an hour of the day from 0 to 23 (UTC)")
    return {"host": host.strip(), "port": port, "user": user, "password_env": env, "from": sender.strip(),
            "to": [a.strip() for a in to], "hour": hour}


def validate(value) -> dict:
    """The normalised `alerts` section (channels left out are off), or BadInput naming the field."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadInput("profile: 'alerts' must be an object of channels (desktop, webhook, mail)")
    unknown = sorted(set(value) - {"desktop", "webhook", "mail"})
    if unknown:
        raise BadInput(f"profile: unknown field 'alerts.{unknown[0]}' (known: desktop, mail, webhook)")
    desktop = value.get("desktop", False)
    if not isinstance(desktop, bool):
        raise BadInput("profile: 'alerts.desktop' must be true or false")
    out: dict = {}
    if desktop:
        out["desktop"] = True
    webhook, mail = _webhook(value.get("webhook")), _mail(value.get("mail"))
    if webhook:
        out["webhook"] = webhook
    if mail:
        out["mail"] = mail
    return out
