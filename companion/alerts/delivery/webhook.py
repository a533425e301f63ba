"""The webhook channel: one POST of JSON per batch of new alerts.

The body is what Slack's and Discord's incoming webhooks take as it is — a human
`text` line (Slack) and the same as `content` (Discord) — plus the changes as data
for any other receiver: `{"text", "content", "changes": [Alert, ...]}`. A 2xx answer
is delivered; anything else (or no answer in TIMEOUT seconds) is a failure the queue
retries with backoff (companion.alerts.delivery.queue).
"""

from __future__ import annotations

import httpx

from companion import __version__

TIMEOUT = 10.0  # seconds for one POST: a slow receiver delays only the queue's thread
MAX_TEXT = 3500  # Slack cuts a message at 4,000 characters, Discord at 2,000 for `content`
FIELDS = ("id", "kind", "subject", "source_url", "target_url", "reason", "was", "now", "text", "created_at")


def summary_line(alerts: list[dict]) -> str:
    if len(alerts) == 1:
        return f"Tierlink: {alerts[0]['text']}"
    lines = [f"Tierlink: {len(alerts)} changes to your links"] + [f"• {a['text']}" for a in alerts]
    text = "\n".join(lines)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def payload(alerts: list[dict]) -> dict:
    text = summary_line(alerts)
    return {"text": text, "content": text[:1900], "changes": [{k: a.get(k) for k in FIELDS} for a in alerts]}


def test_payload() -> dict:
    text = "Tierlink: a test of your alert webhook. Real alerts look like this line."
    return {"text": text, "content": text, "changes": [], "test": True}


def post(url: str, body: dict, timeout: float = TIMEOUT) -> str | None:
    """POST the body; None when the receiver took it (2xx), else why not (one line)."""
    try:
        resp = httpx.post(url, json=body, timeout=timeout, follow_redirects=False,
                          headers={"User-Agent": f"Tierlink/{__version__} (alerts webhook)"})
    except httpx.HTTPError as exc:
        return f"no answer from the webhook ({type(exc).__name__})"
    if 200 <= resp.status_code < 300:
        return None
    return f"the webhook answered HTTP {resp.status_code}"
