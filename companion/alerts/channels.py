""""Send a test" per channel, and the state the extension reads, shared by the API and the CLI.

A test goes out at once (the user clicked and waits for the answer), through the
same code as the real thing: the webhook POST, the SMTP session with STARTTLS.
The desktop channel is the extension's, so its test is a stamp the extension sees
at its next poll (within a minute) and answers with a test notification.
"""

from __future__ import annotations

from companion.alerts import records
from companion.alerts.delivery import mail, queue, webhook
from companion.core.errors import BadInput, TierlinkError

CHANNELS = ("desktop", "webhook", "mail")
DESKTOP_TEST_SETTING = "alerts_desktop_test"


class DeliveryFailed(TierlinkError):
    """The receiver or the SMTP server did not take the test: the reason, as a 502."""

    status = 502
    code = "delivery_failed"


def send_test(store, settings: dict | None, channel: str) -> dict:
    """Send a test through one channel of the profile's alert `settings` (the dashboard's button)."""
    if channel not in CHANNELS:
        raise BadInput(f"'channel' must be one of {', '.join(CHANNELS)}")
    settings = settings or {}
    if channel == "desktop":
        if not settings.get("desktop"):
            raise BadInput("desktop notifications are off: tick them in the profile's alert settings first")
        at = records.stamp()
        store.set_setting(DESKTOP_TEST_SETTING, at)
        return {"channel": channel, "sent": True,
                "message": "the extension shows a test notification at its next look (within a minute)"}
    if not settings.get(channel):
        raise BadInput(f"no {channel} is set in the profile's alert settings")
    if channel == "webhook":
        error = webhook.post(settings["webhook"]["url"], webhook.test_payload())
        if error:
            raise DeliveryFailed(error)
        return {"channel": channel, "sent": True, "message": "the webhook took the test message"}
    try:
        mail.send(settings["mail"], mail.message(settings["mail"], [], test=True))
    except mail.MailError as exc:
        raise DeliveryFailed(str(exc)) from None
    return {"channel": channel, "sent": True,
            "message": f"a test e-mail went to {', '.join(settings['mail']['to'])}"}


def desktop_state(store, settings: dict | None) -> dict:
    """What the extension needs besides the alerts: is it to notify, and the last test asked for."""
    return {"desktop": bool((settings or {}).get("desktop")),
            "desktop_test": store.get_setting(DESKTOP_TEST_SETTING)}


def deliver_now(store) -> dict:
    """Send the due deliveries now (`tierlink alerts --deliver`): how many wait, went, failed."""
    queue.send_due(store)
    docs = store.all(queue.TABLE)
    count = {state: sum(1 for d in docs if d.get("state") == state) for state in ("pending", "sent", "failed")}
    return count
