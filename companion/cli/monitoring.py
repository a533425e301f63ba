"""Monitoring commands: placement receipts and the browser queue (thin layers over the library,
as the API's companion/web/monitor_api.py is)."""

from __future__ import annotations

import click

from companion.cli.main import command, emit, placements_, tierlink, with_json, workspace


def _human_receipts(data) -> None:
    if not data["receipts"]:
        print(f"no receipts for placement {data['placement_id']} yet: one is kept when a recheck, or a check "
              "in the browser, first finds the link live")
    for r in data["receipts"]:
        status = r["status"] if r["status"] is not None else "browser"
        link = f"{r['anchor']!r} rel={' '.join(r['rel']) or '-'}" if r["found"] else "LINK NOT FOUND"
        moved = f" → {r['final_url']}" if r["final_url"] != r["url"] else ""
        print(f"{r['at']}  {status}  {r['url']}{moved}  {link}  sha256 {r['sha256'][:16]}…")
        if r["context"]:
            print(f"    {r['context']}")


@command("receipts", group=placements_)
@click.argument("id")
@with_json
def placements_receipts(id, as_json):
    """Proof of what a placement's page showed, newest first: time, URL, final URL, status,
    the link's anchor and rel, the text around it and the SHA-256 of the body.

    \b
    Example:
      tierlink placements receipts ID --json
    """
    with workspace() as ws:
        emit(as_json, ws.receipts(id), _human_receipts)


def _human_queue(data) -> None:
    if not data["pages"]:
        print("no page waits for a check in the browser")
    for p in data["pages"]:
        print(f"{p['outcome']:<13} {p['url']}  ({p['reason']})")
    if data["total"] > len(data["pages"]):
        print(f"… and {data['total'] - len(data['pages'])} more")


@command("browser-checks", group=tierlink)
@with_json
def browser_checks(as_json):
    """The pages the recheck could not judge (blocked, built by script): the extension checks them
    in your browser (popup or dashboard: "Check N pages now"), never marking them lost meanwhile.

    \b
    Example:
      tierlink browser-checks --json
    """
    with workspace() as ws:
        emit(as_json, ws.browser_checks(), _human_queue)
