"""Outreach commands: `tierlink dnc add|list|remove`, `tierlink due`, `tierlink find-contacts ID`,
`tierlink outreach-settings` (companion.workflow.dnc, companion.workflow.outreach,
companion.monitor.contactpages); the same library functions as the API's routes."""

from __future__ import annotations

import click

from companion.cli.main import command, common, emit, info, tierlink, with_json, workspace


@tierlink.group("dnc", invoke_without_command=True)
@common
@with_json
@click.pass_context
def dnc_(ctx, as_json):
    """The do-not-contact list: `dnc add VALUE --reason ...`, `dnc remove VALUE`; alone, list it.

    \b
    Example:
      tierlink dnc add '*.spammy.test' --reason "asked us to stop"
    """
    if ctx.invoked_subcommand is None:
        _list(as_json)


def _human_dnc(rows):
    if not rows:
        print("the do-not-contact list is empty: add a domain with `tierlink dnc add site.com --reason ...`")
    for d in rows:
        reason = f"  — {d['reason']}" if d.get("reason") else ""
        print(f"{d['id']}  {d['value']}{reason}  (added by {d.get('added_by') or 'someone'}, {d.get('added_at')})")


def _list(as_json):
    with workspace() as ws:
        emit(as_json, ws.dnc_list(), _human_dnc)


@command("list", group=dnc_)
@with_json
def dnc_list(as_json):
    """List the do-not-contact list (the team's, in team mode).

    \b
    Example:
      tierlink dnc list --json
    """
    _list(as_json)


@command("add", group=dnc_)
@click.argument("value")
@click.option("--reason", help="why (shown wherever the entry marks a candidate)")
@with_json
def dnc_add(value, reason, as_json):
    """Put a domain (site.com), a wildcard (*.site.com: it and its subdomains) or an address on the list.

    \b
    Example:
      tierlink dnc add editor@site.test --reason "unsubscribed"
    """
    with workspace() as ws:
        doc, created = ws.dnc_add(value, reason)
    info(f"{'added' if created else 'already listed, reason updated:'} {doc['value']}")
    emit(as_json, doc, lambda d: None)


@command("remove", group=dnc_)
@click.argument("value")
@with_json
def dnc_remove(value, as_json):
    """Take an entry off the list, by its value or its id.

    \b
    Example:
      tierlink dnc remove '*.spammy.test'
    """
    with workspace() as ws:
        doc = ws.dnc_remove(value)
    info(f"removed {doc['value']}")
    emit(as_json, {"deleted": doc["id"], "value": doc["value"]}, lambda d: None)


def _human_due(rows):
    if not rows:
        print("nothing due: no contacted candidate's follow-up is today or earlier")
    for c in rows:
        mark = "  [do not contact]" if c.get("dnc") else ""
        print(f"{c['follow_up']}  {c['id']}  {c['url']}  (pitched by {c.get('pitched_by') or 'someone'}, "
              f"{str(c.get('last_contacted') or '')[:10]}){mark}")


@command("due")
@click.option("--day", metavar="YYYY-MM-DD", help="as of this day (default today, UTC)")
@with_json
def due(day, as_json):
    """The contacted candidates whose follow-up date is today (or --day) or earlier: write to them again.

    \b
    Example:
      tierlink due --json
    """
    with workspace() as ws:
        emit(as_json, ws.due(day), _human_due)


def _human_contacts(c):
    for f in c.get("fetched") or []:
        said = f.get("error") or f.get("skipped") or f"HTTP {f.get('status')}"
        info(f"{f['url']}: {said}")
    from companion.analysis.contacts import summary

    lines = summary(c.get("contacts"))
    print("\n".join(lines) if lines else "no contact route found")


@command("find-contacts")
@click.argument("id")
@click.option("--allow-private-hosts", is_flag=True,
              help="also fetch sites on loopback or private addresses (an intranet, a test server)")
@with_json
def find_contacts(id, allow_private_hosts, as_json):
    """Fetch a saved candidate's contact page (robots.txt obeyed, the recheck's limits) and keep what it shows.

    \b
    Example:
      tierlink find-contacts 3f2a9c1b0d4e
    """
    with workspace() as ws:
        doc = ws.find_contacts(id, allow_private=allow_private_hosts)
    emit(as_json, doc, _human_contacts)


@command("outreach-settings")
@click.option("--pitch-window", type=int, metavar="DAYS", help="a site counts as pitched for this many days (90)")
@click.option("--follow-up", type=int, metavar="DAYS", help="follow up this many days after contacting (5)")
@with_json
def outreach_settings(pitch_window, follow_up, as_json):
    """Show or change the pitch window and the default follow-up delay (shared in a team).

    \b
    Example:
      tierlink outreach-settings --pitch-window 60 --follow-up 7
    """
    changes = {k: v for k, v in (("pitch_window_days", pitch_window), ("follow_up_days", follow_up)) if v is not None}
    with workspace() as ws:
        result = ws.outreach_settings(changes)
    emit(as_json, result, lambda r: print(f"pitch window: {r['pitch_window_days']} days; "
                                          f"follow up after {r['follow_up_days']} days"))
