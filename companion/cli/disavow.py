"""`tierlink disavow export|import|list|review`: the disavow file (issue 28) on the command line.

Thin over `companion.verdicts.disavow`, as the API's /api/disavow routes are.
"""

from __future__ import annotations

from pathlib import Path

import click

from companion.cli.main import command, emit, info, read_input, tierlink, with_json, workspace
from companion.core import atomic
from companion.core.errors import BadInput
from companion.verdicts import disavow as disavow_mod


@tierlink.group("disavow")
def disavow():
    """Google's disavow file: written from the links classified spam, or read back.

    \b
    Example:
      tierlink disavow list
      tierlink disavow review --drop https://forum.test/thread/1
      tierlink disavow export --out disavow.txt [--min-signal 2]
      tierlink disavow import disavow.txt
    """


@command("export", group=disavow)
@click.option("--out", required=True, metavar="FILE", help="the file to write (- for stdout)")
@click.option("--min-signal", default=1, show_default=True, type=int, metavar="N",
              help="only pages with at least N spam signals (link farm, spam flag, network, search results)")
@with_json
def export(out, min_signal, as_json):
    """Write the disavow file: what is disavowed, and the spam proposals not dropped.

    \b
    Example:
      tierlink disavow export --out disavow.txt --min-signal 2
    """
    with workspace() as ws:
        text, summary = ws.disavow_export(min_signal)
    if out == "-":
        click.echo(text, nl=False)
    else:
        try:
            atomic.write_bytes_atomic(Path(out), text.encode("utf-8"), mode=0o644)
        except OSError as exc:
            raise BadInput(f"cannot write {out}: {exc.strerror}") from None
    summary["file"] = out
    emit(as_json, summary, lambda s: info(f"{s['domains']} domain(s) and {s['urls']} URL(s) written to {out}"
                                          + (f"; {s['dropped']} dropped in review" if s["dropped"] else "")
                                          + (f"; {s['left_out']} left out (Google's limits)" if s["left_out"] else "")))


@command("import", group=disavow)
@click.argument("file")
@with_json
def import_(file, as_json):
    """Mark the entries of a disavow file: left out of the boost list and suggestions.

    \b
    Example:
      tierlink disavow import disavow.txt
    """
    data = read_input(file, disavow_mod.MAX_BYTES + 1)
    with workspace() as ws:
        result = ws.disavow_import(data)

    def human(r):
        info(f"{r['added']} new disavow mark(s), {r['known']} already known"
             + (f", {r['skipped_count']} line(s) skipped" if r["skipped_count"] else ""))
        for s in r["skipped"]:
            info(f"  line {s['line']}: {s['reason']}")

    emit(as_json, result, human)


@command("list", group=disavow)
@click.option("--min-signal", default=1, show_default=True, type=int, metavar="N")
@with_json
def list_(min_signal, as_json):
    """What is disavowed, what is proposed (with your keep/drop), what looks healthy again.

    \b
    Example:
      tierlink disavow list --json
    """
    with workspace() as ws:
        data = ws.disavow_entries(min_signal)

    def human(d):
        for e in d["disavowed"]:
            print(f"disavowed  {e['kind']:6} {e['value']}  ({e['source']})")
        for p in d["proposals"]:
            print(f"proposed   {p['kind']:6} {p['value']}  [{p['decision'] or 'undecided'}] {p['reason']}")
        for h in d["healthy"]:
            print(f"review     {h['kind']:6} {h['value']}  {h['why']}")

    emit(as_json, data, human)


@command("review", group=disavow)
@click.option("--keep", "keep", metavar="VALUE", help="keep this proposal (domain or URL) in the file")
@click.option("--drop", "drop", metavar="VALUE", help="drop this proposal from the file")
@click.option("--undo", "undo", metavar="VALUE", help="take a disavow mark off (a page that looks healthy again)")
@with_json
def review(keep, drop, undo, as_json):
    """Keep or drop one proposal before exporting (as the dashboard's review list does).

    \b
    Example:
      tierlink disavow review --drop spam-directory.test
      tierlink disavow review --undo https://blog.test/cleaned-up
    """
    if sum(bool(v) for v in (keep, drop, undo)) != 1:
        raise BadInput("give exactly one of --keep VALUE, --drop VALUE or --undo VALUE")
    value = keep or drop or undo
    kind = "url" if value.startswith(("http://", "https://")) else "domain"
    value = value.removeprefix("domain:")
    with workspace() as ws:
        if undo:
            if not ws.disavow_remove(kind, value):
                raise BadInput(f"{value} is not disavowed")
            result = {"kind": kind, "value": value, "decision": "undone"}
        else:
            result = ws.disavow_review(kind, value, "keep" if keep else "drop")
    emit(as_json, result, lambda r: info(f"{r['decision']}: {r['kind']} {r['value']}"))
