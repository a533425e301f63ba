"""The e-mail channel: a daily digest of the new alerts through the user's own SMTP server.

Always STARTTLS (the server's certificate checked against the system's CAs; a
server without STARTTLS is refused, never sent to in clear), login only with a
`user`, the password read from the environment variable the settings name at
the moment of sending — never stored by us. Which alerts went out is one
watermark (the setting `alerts_mailed_until`); the day of the last digest is
another (`alerts_mailed_on`), so a digest goes at most once a day, at or after
the settings' `hour` (UTC), and only with something to say: new alerts, or outreach
follow-ups due that day (companion.workflow.outreach.due_today, what `tierlink due` lists),
which get a section of their own so the day's mail is also the day's to-do.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage

from companion import __version__

TIMEOUT = 20.0
MAILED_SETTING = "alerts_mailed_until"
MAILED_DAY_SETTING = "alerts_mailed_on"


class MailError(Exception):
    """Why a digest could not be sent, in one line."""


def _due_line(c: dict) -> str:
    """One follow-up as `tierlink due` says it: the day, the page, who pitched it and when."""
    mark = "  [do not contact]" if c.get("dnc") else ""
    return (f"- {c['url']}  (follow-up {c['follow_up']}; pitched by {c.get('pitched_by') or 'someone'}, "
            f"{str(c.get('last_contacted') or '')[:10]}){mark}")


def message(settings: dict, alerts: list[dict], *, test: bool = False, due: list[dict] = ()) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings["from"]
    msg["To"] = ", ".join(settings["to"])
    msg["X-Mailer"] = f"Tierlink/{__version__}"
    if test:
        msg["Subject"] = "Tierlink: a test of your alert e-mail"
        msg.set_content("This is a test of Tierlink's daily alert digest. Real digests list each change.\n")
        return msg
    follow_ups = f"{len(due)} follow-up{'s' if len(due) != 1 else ''} due today"
    if not alerts:
        msg["Subject"] = f"Tierlink: {follow_ups}"
    else:
        msg["Subject"] = ((f"Tierlink: {alerts[0]['text']}" if len(alerts) == 1
                           else f"Tierlink: {len(alerts)} changes to your links")
                          + (f"; {follow_ups}" if due else ""))[:200]
    lines = [f"{len(alerts)} change{'s' if len(alerts) != 1 else ''} since the last digest:", ""]
    lines += [f"- {a['text']}  ({a.get('created_at', '')[:16].replace('T', ' ')} UTC)" for a in alerts]
    if due:
        lines += ["", f"{follow_ups} (contacted, no answer yet: write again; `tierlink due` lists them):", ""]
        lines += [_due_line(c) for c in due]
    msg.set_content("\n".join(lines) + "\n")
    return msg


def send(settings: dict, msg: EmailMessage, timeout: float = TIMEOUT) -> None:
    """Send through the user's server with STARTTLS; MailError with the reason."""
    password = None
    if settings.get("user"):
        env = settings.get("password_env") or ""
        password = os.environ.get(env)
        if not password:
            raise MailError(f"the SMTP password is not in the environment variable {env} of the companion")
    try:
        with smtplib.SMTP(settings["host"], settings["port"], timeout=timeout) as smtp:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise MailError(f"{settings['host']} does not offer STARTTLS: not sending the password or "
                                "alerts in clear")
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
            if password is not None:
                smtp.login(settings["user"], password)
            smtp.send_message(msg)
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError:
        raise MailError(f"the SMTP server refused the login of {settings['user']}") from None
    except ssl.SSLError as exc:
        raise MailError(f"TLS with {settings['host']} failed ({exc.reason or type(exc).__name__})") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"sending through {settings['host']}:{settings['port']} failed "
                        f"({type(exc).__name__}: {str(exc)[:200]})") from None


def due(store, settings: dict, moment: datetime | None = None) -> bool:
    """A digest goes today when it has not gone today and the hour has come."""
    moment = moment or datetime.now(timezone.utc)
    return moment.hour >= settings.get("hour", 8) and store.get_setting(MAILED_DAY_SETTING) != moment.date().isoformat()


def send_digest(store, settings: dict, moment: datetime | None = None) -> int:
    """Send the alerts made since the last digest and the follow-ups due that day (neither:
    nothing is sent); how many lines went (alerts + follow-ups)."""
    from companion.alerts import records
    from companion.workflow import outreach

    moment = moment or datetime.now(timezone.utc)
    mailed_until = store.get_setting(MAILED_SETTING) or ""
    fresh = sorted((a for a in records.every_alert(store) if (a.get("created_at") or "") > mailed_until),
                   key=lambda a: a["created_at"])
    follow_ups = outreach.due_today(store, moment.date().isoformat())
    if fresh or follow_ups:
        send(settings, message(settings, fresh, due=follow_ups))
    if fresh:
        store.set_setting(MAILED_SETTING, fresh[-1]["created_at"])
    store.set_setting(MAILED_DAY_SETTING, moment.date().isoformat())
    return len(fresh) + len(follow_ups)
