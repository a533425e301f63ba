"""`tierlink alerts`: the alerts (each change that matters, once), as GET /api/alerts lists them.

Same library calls as the API (companion.alerts): `--since` keeps those made after a
date or time, `--unseen` only the unseen, `--mark-seen` marks what was listed as seen,
`--test CHANNEL` sends a test through a channel, `--deliver` sends the queued webhook
deliveries now (a recheck run from the CLI queues them; `tierlink serve` sends them too).
"""

from __future__ import annotations

import click

from companion.cli.main import command, emit, with_json, workspace


def _human(body: dict) -> None:
    alerts = body["alerts"]
    if not alerts:
        print("No alerts." if body.get("since") is None else "No alerts since then.")
        return
    for a in alerts:
        mark = " " if a["seen"] else "*"
        print(f"{mark} {a['created_at'][:16].replace('T', ' ')}  {a['text']}")
    print(f"{body['total']} alert{'s' if body['total'] != 1 else ''}, {body['unseen_count']} unseen (* = unseen)")


@command("alerts")
@click.option("--since", metavar="WHEN", help="only alerts made after this ISO date or date and time (UTC)")
@click.option("--unseen", is_flag=True, help="only the alerts not seen yet")
@click.option("--limit", type=click.IntRange(1, 1000), default=200, show_default=True, metavar="N")
@click.option("--mark-seen", is_flag=True, help="mark the listed alerts as seen")
@click.option("--test", "test_channel", type=click.Choice(["desktop", "webhook", "mail"]),
              help="send a test through one delivery channel instead of listing")
@click.option("--deliver", is_flag=True, help="send the queued webhook deliveries now instead of listing")
@with_json
def alerts(since, unseen, limit, mark_seen, test_channel, deliver, as_json):
    """List the alerts: links lost, soft-404 or parked, placements lost or nofollow, broken targets.

    \b
    Example:
      tierlink alerts --since 2026-01-05 --json
    """
    from companion.alerts import records

    with workspace() as ws:
        if test_channel:
            result = ws.test_alert_channel(test_channel)
            return emit(as_json, result, lambda r: print(r["message"]))
        if deliver:
            result = ws.deliver_alerts()
            return emit(as_json, result, lambda r: print(f"{r['sent']} sent, {r['pending']} waiting, "
                                                         f"{r['failed']} given up"))
        body = ws.alerts(since=records.parse_since(since), unseen=unseen, limit=limit)
        body.pop("desktop"), body.pop("desktop_test")  # what the extension needs, not the CLI
        if mark_seen and body["alerts"]:
            body.update(ws.mark_alerts_seen(max(a["created_at"] for a in body["alerts"])))
    emit(as_json, dict(body, since=since), _human)
