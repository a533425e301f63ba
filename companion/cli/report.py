"""`tierlink report anchors|velocity`: the link profile (issue 28) on the command line.

Thin over `companion.workflow.linkprofile`, as the API's /api/linkprofile routes are:
`--json` prints the API's document, `--csv` the dashboard's table view (one row per page,
tier and class; per page and week), the default a short human summary.
"""

from __future__ import annotations

import csv
import sys

import click

from companion.cli.main import command, emit, tierlink, with_json, workspace
from companion.workflow import linkprofile


@tierlink.group("report")
def report():
    """The link profile: anchor mix and link velocity.

    \b
    Example:
      tierlink report anchors
      tierlink report velocity --csv > velocity.csv
    """


def _csv(columns, rows) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)


def _human_mix(mix: dict) -> None:
    for label, block in [("whole site", mix["site"]), *((p["url"], p) for p in mix["pages"])]:
        for tier in linkprofile.TIERS:
            row = block[tier]
            shares = ", ".join(f"{c} {row['shares'][c]:g}%" for c in mix["classes"] if row["counts"][c])
            print(f"{label} [{tier}] {row['total']} links: {shares or 'none'}")
    for w in mix["warnings"]:
        print(f"warning: {w['message']}")


@command("anchors", group=report)
@click.option("--csv", "as_csv", is_flag=True, help="one row per page, tier and class (the dashboard's table)")
@with_json
def anchors(as_csv, as_json):
    """Anchor classes per money page and for the whole site, tier-1 and tier-2.

    \b
    Example:
      tierlink report anchors --json
    """
    with workspace() as ws:
        mix = ws.anchor_mix()
    if as_csv and not as_json:
        _csv(linkprofile.MIX_COLUMNS, linkprofile.mix_table(mix))
    else:
        emit(as_json, mix, _human_mix)


def _human_velocity(v: dict) -> None:
    for label, block in [("whole site", v["site"]), *((p["url"], p) for p in v["pages"])]:
        for tier in linkprofile.TIERS:
            parts = [f"{w}: +{t['new']} -{t['lost']}" for w, t in block["trend"][tier].items()]
            print(f"{label} [{tier}] last " + ", ".join(parts) + f" (weeks to {v['as_of']})")


@command("velocity", group=report)
@click.option("--as-of", metavar="YYYY-MM-DD", help="the last week shown (default: today)")
@click.option("--csv", "as_csv", is_flag=True, help="one row per page and week with a new or lost link")
@with_json
def velocity(as_of, as_csv, as_json):
    """New and lost links per week, tier-1 and tier-2, with the 4/12/26-week trend.

    \b
    Example:
      tierlink report velocity --as-of 2026-09-06 --json
    """
    with workspace() as ws:
        data = ws.velocity(as_of=as_of)
    if as_csv and not as_json:
        _csv(linkprofile.VELOCITY_COLUMNS, linkprofile.velocity_table(data))
    else:
        emit(as_json, data, _human_velocity)
