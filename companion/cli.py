"""The `tierlink` command: a thin layer over the library.

Each command parses its arguments, calls one library function and prints the
result: with `--json` exactly one JSON document on stdout, otherwise a short human
summary. Messages and progress go to stderr. Every expected failure is a
`TierlinkError`, printed as one line (`tierlink: error: ...`) with a non-zero exit;
a traceback is never shown unless TIERLINK_DEBUG=1.

Commands register themselves with `@command(...)`, so a feature adds its commands
next to each other here without touching the dispatcher.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable

from companion import __version__
from companion import profile as profile_mod
from companion.errors import BadInput, TierlinkError
from companion.home import ensure_home, resolve_home
from companion.workspace import Workspace

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70

_COMMANDS: list[tuple[str, str, Callable, Callable]] = []


def command(name: str, help: str):
    """Register `setup(parser)` for a command; the decorated function is its handler."""

    def register(setup: Callable):
        def wrap(handler: Callable):
            _COMMANDS.append((name, help, setup, handler))
            return handler

        return wrap

    return register


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line instead of usage + error."""

    def error(self, message: str):
        raise BadInput(f"{message} (see `{self.prog} --help`)", code="usage")


def _add_json(parser):
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def emit(args, data, human: Callable[[object], None] | None = None) -> None:
    if getattr(args, "json", False) or human is None:
        _print_json(data)
    else:
        human(data)


def info(message: str) -> None:
    print(message, file=sys.stderr)


def home_of(args) -> Path:
    return resolve_home(args.home)


def workspace_of(args) -> Workspace:
    """The Workspace a command works in: the data home, the store (--database) and the user (--user)."""
    return Workspace(home_of(args), database=getattr(args, "database", None), user=getattr(args, "user", None))


def read_input(path: str, limit: int = 64 * 1024 * 1024) -> bytes:
    """Bytes of FILE or of stdin for '-', with a one-line error."""
    if path == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        try:
            with open(path, "rb") as fh:
                data = fh.read(limit + 1)
        except IsADirectoryError:
            raise BadInput(f"{path} is a folder, not a file") from None
        except OSError as exc:
            raise BadInput(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise BadInput(f"{path} is larger than {limit // (1024 * 1024)} MiB")
    return data


# --- init / profile -------------------------------------------------------

def _setup_init(p):
    p.add_argument("--domain", action="append", required=True, metavar="D",
                   help="a domain of my site (repeat for several)")
    p.add_argument("--force", action="store_true", help="replace the domains of an existing profile")
    _add_json(p)


@command("init", "create the data home and a profile with my domains")(_setup_init)
def cmd_init(args):
    home = ensure_home(home_of(args))
    with workspace_of(args) as ws:
        if ws.database:
            ws.store  # creates the team's schema when missing (safe when two members run init at once)
            data = profile_mod.Profile(domains=args.domain).to_json()
            if args.force:
                prof, written = ws.set_profile(dict(ws.profile.to_json(), domains=args.domain)), True
            else:
                prof, written = ws.init_profile(data)
            if written:
                info(f"profile saved in the team database {ws.store.where}")
            else:
                info(f"the team database {ws.store.where} already holds a profile: kept it "
                     "(`tierlink profile load FILE` changes it for everyone, `init --force` replaces its domains)")
        else:
            current = profile_mod.load(home)
            data = current.to_json()
            data["domains"] = args.domain if args.force else current.domains + args.domain
            prof = profile_mod.save(home, profile_mod.validate(data))
            info(f"profile saved in {profile_mod.profile_path(home)}")
    emit(args, prof.to_json(), lambda d: print("my domains: " + ", ".join(d["domains"])))


def _setup_profile(p):
    sub = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    show = sub.add_parser("show", help="print the profile")
    _add_json(show)
    load = sub.add_parser("load", help="replace the profile with a JSON file (in team mode: for everyone)")
    load.add_argument("file")
    _add_json(load)


def _human_profile(d):
    print("domains:      " + (", ".join(d["domains"]) or "(none: run `tierlink init --domain ...`)"))
    print("competitors:  " + (", ".join(d["competitors"]) or "-"))
    print("owned sites:  " + (", ".join(d["owned_sites"]) or "-"))
    print(f"guest-post link limit: {d['guest_post_link_limit']}")
    for page in d["money_pages"]:
        print(f"money page:   {page['url']}  [{', '.join(page['keywords'])}]")
    for name, value in d.get("weights", {}).items():
        print(f"weight:       {name} = {value}")


@command("profile", "show or replace the site profile")(_setup_profile)
def cmd_profile(args):
    if args.action == "show":
        with workspace_of(args) as ws:
            emit(args, ws.profile.to_json(), _human_profile)
        return
    data = profile_mod.read_json_file(args.file)
    with workspace_of(args) as ws:
        prof = ws.set_profile(data)
    info(f"profile replaced from {args.file}" + (" for the whole team" if ws.database else ""))
    emit(args, prof.to_json(), _human_profile)


def _setup_weights(p):
    _add_json(p)


@command("weights", "print every scoring weight, its default and meaning")(_setup_weights)
def cmd_weights(args):
    from companion import weights

    with workspace_of(args) as ws:
        rows = weights.table(ws.profile.weights)

    def human(rows):
        for row in rows:
            mark = "" if row["weight"] == row["default"] else f" (default {row['default']:g})"
            print(f"{row['name']:<28} {row['weight']:>6g}{mark}  {row['meaning']}")

    emit(args, rows, human)


# --- analyze --------------------------------------------------------------

def _setup_analyze(p):
    p.add_argument("file", help="a saved page (any encoding), or - for stdin")
    p.add_argument("--url", required=True, help="the address the page was saved from")
    _add_json(p)


def _human_analysis(a):
    print(f"{a['url']}")
    print(f"  title: {a['title'] or '-'}   lang: {a['lang'] or '-'}   indexable: {'yes' if a['indexable'] else 'no'}")
    c = a["counts"]
    print(f"  links: {c['links']} ({c['internal']} internal, {c['external']} external, "
          f"{c['external_follow']} external followed)")
    print(f"  labels: {', '.join(a['labels']) or '-'}")
    for key in ("boost", "tier2"):
        verdict = a.get(key)
        if verdict:
            print(f"  {key} score: {verdict['score']}")
            for reason in verdict["reasons"]:
                print(f"    - {reason}")
            for s in verdict.get("suggestions", []):
                print(f"    → {s['tier1_url']}  anchor: {s['anchor']!r}  ({s['why']})")
    for link in a["links"]:
        if link["target"] not in ("internal", "other"):
            rel = ",".join(link["rel"]) or "follow"
            print(f"  [{link['target']}] {link['href']}  {link['text'][:60]!r}  {rel}  {link['position']}")
    for change in a.get("changes", []):
        print(f"  change: {change['kind']} {change['target']}: {change.get('was')} → {change.get('now')}")
    for note in a.get("notes", []):
        print(f"  note: {note}")


@command("analyze", "analyse a saved page")(_setup_analyze)
def cmd_analyze(args):
    data = read_input(args.file)
    with workspace_of(args) as ws:
        emit(args, ws.analyze(args.url, data), _human_analysis)


def _setup_boost(p):
    p.add_argument("--limit", type=int, default=20, help="how many pages (default 20)")
    p.add_argument("--show-spam", action="store_true",
                   help="also list spam pages (link farms, flagged, generated networks, search results), after every other page")
    _add_json(p)


def _human_boost(items):
    if not items:
        print("no tier-1 pages to boost yet: import your backlinks with `tierlink import`")
    for i, item in enumerate(items, 1):
        spam = "  [spam]" if item.get("spam") else ""
        print(f"{i:>3}. {item['score']:>3}  {item['url']}  ({item['placements']} placed){spam}")
        for reason in item["reasons"]:
            print(f"          - {reason}")


@command("boost", "rank the tier-1 pages worth boosting next")(_setup_boost)
def cmd_boost(args):
    if args.limit < 0:
        raise BadInput("--limit must be 0 or more")
    with workspace_of(args) as ws:
        emit(args, ws.boost_list(args.limit, spam=args.show_spam), _human_boost)


# --- check-draft (companion.drafts) ----------------------------------------

def _setup_check_draft(p):
    from companion import drafts

    drafts.cli_setup(p)


@command("check-draft", "check a guest-post draft's links before submitting it")(_setup_check_draft)
def cmd_check_draft(args):
    from companion import drafts

    data = read_input(args.file, limit=drafts.MAX_DRAFT_BYTES)
    with workspace_of(args) as ws:
        emit(args, drafts.cli_run(args, ws, data), drafts.print_report)


# --- serve / token (companion.server, companion.security) ------------------

def _setup_serve(p):
    p.add_argument("--host", default="127.0.0.1", help="address to listen on: 127.0.0.1 (or localhost) only, never the network")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--max-import-size", default="4G", metavar="SIZE",
                   help="largest export the dashboard may upload, e.g. 500M or 8G (default 4G); "
                        "`tierlink import FILE` has no limit")


@command("serve", "run the companion service for the extension and the dashboard")(_setup_serve)
def cmd_serve(args):
    from companion import server

    def announce(url, token):
        # The token travels in the fragment: never sent to the server nor logged (see static/api.js).
        print(f"Tierlink companion: dashboard at {url}/#token={token}", flush=True)
        print(f"API token (paste it into the extension's options): {token}", flush=True)

    from companion.uploads import parse_size

    server.serve(home_of(args), args.host, args.port, announce=announce,
                 max_import_size=parse_size(args.max_import_size), workspace=workspace_of(args))


def _setup_token(p):
    p.add_argument("--rotate", action="store_true", help="replace the token (paired clients must be given the new one)")
    _add_json(p)


@command("token", "print the API token (made on first use)")(_setup_token)
def cmd_token(args):
    from companion import security

    home = home_of(args)
    token = security.rotate_token(home) if args.rotate else security.get_token(home)
    if args.rotate:
        info("new token made; a running companion accepts only this one from now on")
    emit(args, {"token": token, "path": str(security.token_path(home))}, lambda d: print(d["token"]))


# --- import / backlinks / export ------------------------------------------

def _setup_import(p):
    from companion.importers import FORMATS

    p.add_argument("files", nargs="+", metavar="FILE", help="backlink exports (CSV as the tools download them)")
    p.add_argument("--format", default="auto",
                   choices=["auto", *FORMATS],
                   help="the tool that wrote the files (default: recognised from the header)")
    p.add_argument("--map", dest="mapping", metavar="FIELD=COLUMN,...",
                   help="for --format csv: e.g. source_url=From,target_url=To,anchor=Text")
    _add_json(p)


class _Progress:
    """A progress line on stderr: redrawn in place on a terminal, a line per 10% for a big file otherwise."""

    BIG = 20 * 1024 * 1024

    def __init__(self):
        self.tty = sys.stderr.isatty()
        self.last_pct: dict[str, int] = {}

    def __call__(self, name, done, total, rows):
        if not total or not (self.tty or total >= self.BIG):
            return
        pct = min(100, int(done * 100 / total))
        if self.tty:
            bar = "#" * (pct // 4)
            end = "\n" if pct >= 100 else ""
            sys.stderr.write(f"\rimporting {Path(str(name)).name}: [{bar:<25}] {pct:3d}% {rows:,} rows{end}")
            sys.stderr.flush()
        elif pct // 10 > self.last_pct.get(name, -1):
            self.last_pct[name] = pct // 10
            info(f"importing {Path(str(name)).name}: {pct}% ({rows:,} rows)")


def _human_import(summaries):
    for s in summaries if isinstance(summaries, list) else [summaries]:
        print(f"{s['format']}: {s['rows_read']} rows read, {s['added']} added, {s['updated']} updated, "
              f"{len(s['skipped'])} skipped; {s['backlinks_total']} backlinks stored")
        for bad in s["skipped"][:20]:
            print(f"  line {bad['line']}: {bad['reason']}")
        if len(s["skipped"]) > 20:
            print(f"  ... {len(s['skipped']) - 20} more (see --json)")


@command("import", "import backlink exports (Ahrefs, Semrush, Moz, Majestic, Search Console, Bing, CSV)")(_setup_import)
def cmd_import(args):
    from companion.importers import parse_mapping

    mapping = parse_mapping(args.mapping)
    if mapping and args.format not in ("auto", "csv"):
        raise BadInput("--map applies to --format csv only")
    with workspace_of(args) as ws:
        summaries = ws.import_files(args.files, format="csv" if mapping else args.format, mapping=mapping,
                                    progress=_Progress(), on_note=lambda m: info(f"note: {m}"))
    emit(args, summaries if len(summaries) > 1 else summaries[0], _human_import)


def _setup_backlinks(p):
    p.add_argument("--status", choices=["live", "lost"], help="only live or only lost links")
    p.add_argument("--broken", action="store_true",
                   help="only live links to a page of yours answering 4xx (a redirect wins each back)")
    _add_json(p)


_INTERNAL_FIELDS = ("source_key", "target_key")


def _public_backlink(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in _INTERNAL_FIELDS}


def _human_backlinks(rows):
    if not rows:
        print("no backlinks stored: import an export with `tierlink import FILE`")
    for r in rows:
        rel = ",".join(r.get("rel") or []) or "follow"
        print(f"{r['status']:<4} {rel:<18} {r['source_url']} -> {r['target_url']}  {r.get('anchor', '')[:50]!r}")


@command("backlinks", "list the stored backlinks")(_setup_backlinks)
def cmd_backlinks(args):
    if args.broken:
        from companion import broken

        if args.status == "lost":
            raise BadInput("--broken lists live links only")
        with workspace_of(args) as ws:
            items = broken.broken_targets(ws.store)
        emit(args, items, _human_broken)
        return
    with workspace_of(args) as ws:
        rows = [_public_backlink(r) for r in ws.store.all_backlinks(args.status)]
    emit(args, rows, _human_backlinks)


def _human_broken(items):
    if not items:
        print("no live link points at a page of yours answering 4xx (Ahrefs' Broken backlinks export says which)")
    for i in items:
        print(f"{i['http_code']} {i['source_url']} -> {i['target_url']}: {i['reason']}")


def _setup_export(p):
    p.add_argument("table", choices=["backlinks", "candidates", "placements"])
    p.add_argument("--out", required=True, metavar="FILE.csv", help="where to write the CSV")
    _add_json(p)


@command("export", "write backlinks, candidates or placements as a CSV Excel opens cleanly")(_setup_export)
def cmd_export(args):
    from companion import export as export_mod

    with workspace_of(args) as ws:
        count = export_mod.export_table(ws.store, args.table, Path(args.out))
    info(f"wrote {count} {args.table} to {args.out}")
    emit(args, {"table": args.table, "rows": count, "out": str(args.out)}, lambda d: None)


# --- save / candidates / placements (companion.candidates, companion.placements) ---

def _setup_save(p):
    p.add_argument("url", help="the page's address")
    # No argparse `choices`: the library's message is the same one the API gives.
    p.add_argument("--kind", required=True, metavar="boost|tier2",
                   help="boost: a tier-1 page to power up; tier2: a place for a link to a tier-1 page")
    p.add_argument("--title", help="a title to recognise it by")
    p.add_argument("--note", help="a note (up to 10,000 characters)")
    p.add_argument("--tag", action="append", dest="tags", metavar="T", help="a tag (repeat for several)")
    _add_json(p)


def _human_candidates(rows):
    if not rows:
        print("no candidates: save pages with `tierlink save URL --kind boost|tier2` or the extension's popup")
    for c in rows:
        score = (c.get("verdict") or {}).get("score")
        score = f"{score:>3g}" if isinstance(score, (int, float)) else "  -"
        tags = f"  [{', '.join(c['tags'])}]" if c.get("tags") else ""
        who = f"  (saved by {c['saved_by']})" if c.get("saved_by") else ""
        print(f"{c['id']}  {c['kind']:<5} {c['status']:<9} {score}  {c['url']}{tags}{who}")
        if c.get("title"):
            print(f"{'':>14}{c['title'][:100]}")


def _human_candidate(c):
    _human_candidates([c])
    if c.get("note"):
        print(f"{'':>14}note: {c['note'][:200]}")
    if c.get("placement"):
        p = c["placement"]
        print(f"{'':>14}placement: {p['from_url']} → {p['to_url']}  {p['anchor']!r} ({p['via']})")
    for w in c.get("warnings") or []:
        info(f"warning: {w['message']}")


@command("save", "save a page as a boost or tier-2 candidate, as the extension's one-click save does")(_setup_save)
def cmd_save(args):
    from companion import candidates

    with workspace_of(args) as ws:
        doc, created = candidates.save(ws, args.url, args.kind, title=args.title, note=args.note, tags=args.tags)
    info(f"{'saved' if created else 'updated'} {doc['kind']} candidate {doc['id']}")
    emit(args, doc, _human_candidate)


def _setup_candidates(p):
    p.add_argument("--kind", metavar="boost|tier2", help="only this kind")
    p.add_argument("--status", metavar="S", help="only this status: new, contacted, placed, live, rejected")
    _add_json(p)
    sub = p.add_subparsers(dest="action", parser_class=_Parser, metavar="[update|delete]")
    upd = sub.add_parser("update", help="change a candidate's status, note, tags or title")
    upd.add_argument("id")
    upd.add_argument("--status", dest="new_status", metavar="S",
                     help="new, contacted, placed, live or rejected (every change is kept in its history)")
    upd.add_argument("--note", help="replace the note")
    upd.add_argument("--title", help="replace the title")
    upd.add_argument("--tag", action="append", dest="tags", metavar="T", help="replace the tags (repeat for several)")
    upd.add_argument("--to-url", dest="to_url", metavar="URL",
                     help="tier2 placed/live: the tier-1 page your link points at (records the placement)")
    upd.add_argument("--anchor", help="the placed link's anchor text")
    upd.add_argument("--via", metavar="HOW", help="guest_post, niche_edit, own_site, social, roundup or other")
    upd.add_argument("--date", metavar="YYYY-MM-DD", help="when the link was placed (default today)")
    upd.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document")
    rm = sub.add_parser("delete", help="remove a candidate (its placements stay)")
    rm.add_argument("id")
    rm.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document")


@command("candidates", "list saved candidates; `candidates update ID ...` / `candidates delete ID` change them")(
    _setup_candidates)
def cmd_candidates(args):
    from companion import candidates

    with workspace_of(args) as ws:
        if args.action == "update":
            changes = {"status": args.new_status, "note": args.note, "title": args.title, "tags": args.tags,
                       "to_url": args.to_url, "anchor": args.anchor, "via": args.via, "date": args.date}
            doc = candidates.update(ws, args.id, {k: v for k, v in changes.items() if v is not None})
            emit(args, doc, _human_candidate)
        elif args.action == "delete":
            emit(args, {"deleted": candidates.remove(ws, args.id)}, lambda d: info(f"deleted candidate {d['deleted']}"))
        else:
            emit(args, candidates.list_candidates(ws, kind=args.kind, status=args.status), _human_candidates)


def _setup_placements(p):
    p.add_argument("--to", dest="to_url", metavar="URL", help="only placements pointing at this tier-1 page")
    _add_json(p)
    sub = p.add_subparsers(dest="action", parser_class=_Parser, metavar="[list|add|delete]")
    ls = sub.add_parser("list", help="list the tier-2 links you built (the default)")
    ls.add_argument("--to", dest="to_url", metavar="URL", default=argparse.SUPPRESS,
                    help="only placements pointing at this tier-1 page")
    ls.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document")
    add = sub.add_parser("add", help="log a tier-2 link you built")
    add.add_argument("--from", dest="from_url", required=True, metavar="URL", help="the page holding your link")
    add.add_argument("--to", dest="to_url", required=True, metavar="URL", help="the tier-1 page it links to")
    add.add_argument("--anchor", help="the link's anchor text")
    add.add_argument("--via", metavar="HOW", help="guest_post, niche_edit, own_site, social, roundup or other")
    add.add_argument("--date", metavar="YYYY-MM-DD", help="when it was placed (default today)")
    add.add_argument("--note", help="a note")
    add.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document")
    rm = sub.add_parser("delete", help="remove a placement logged by mistake")
    rm.add_argument("id")
    rm.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON document")


def _human_placements(rows):
    if not rows:
        print("no placements: log one with `tierlink placements add --from URL --to URL`")
    for p in rows:
        checked = f" (checked {p['checked_at']})" if p.get("checked_at") else ""
        who = f"  (placed by {p['placed_by']})" if p.get("placed_by") else ""
        print(f"{p['date']}  {p['via']:<10} {p.get('status', 'unchecked'):<9} {p['from_url']} → {p['to_url']}  "
              f"{p['anchor']!r}{checked}{who}")


@command("placements", "list the tier-2 links you built; `placements add --from URL --to URL` logs one, "
                       "`placements delete ID` removes one")(
    _setup_placements)
def cmd_placements(args):
    from companion import placements

    with workspace_of(args) as ws:
        if args.action == "add":
            doc, warnings, created = placements.add_ex(ws, args.from_url, args.to_url, anchor=args.anchor,
                                                       via=args.via, date=args.date, note=args.note)
            info(f"{'logged' if created else 'updated'} placement {doc['id']}")
            for w in warnings:
                info(f"warning: {w['message']}")
            emit(args, {**doc, "warnings": warnings}, lambda d: _human_placements([d]))
        elif args.action == "delete":
            emit(args, {"deleted": placements.remove(ws, args.id)}, lambda d: info(f"deleted placement {d['deleted']}"))
        else:
            emit(args, placements.list_placements(ws, to_url=args.to_url), _human_placements)


# --- recheck (companion.monitor) --------------------------------------------

def _setup_recheck(p):
    p.add_argument("--only", metavar="tier1|placements", help="only the tier-1 pages, or only my placement pages")
    p.add_argument("--limit", type=int, metavar="N", help="at most N pages (the longest unchecked first)")
    p.add_argument("--older-than", dest="older_than", type=float, metavar="DAYS",
                   help="only pages not checked for DAYS days")
    p.add_argument("--delay", type=float, default=2.0, metavar="S",
                   help="seconds between two requests to one host (default 2; a longer robots.txt Crawl-delay wins)")
    p.add_argument("--timeout", type=float, default=20.0, metavar="S", help="connect and read timeout (default 20)")
    p.add_argument("--concurrency", type=int, default=8, metavar="N", help="hosts fetched in parallel (default 8)")
    p.add_argument("--allow-private-hosts", dest="allow_private_hosts", action="store_true",
                   help="also fetch loopback and private addresses (tests, intranets)")
    _add_json(p)


class _PageProgress:
    """Pages done of total on stderr: a bar redrawn in place on a terminal, a line per 10% otherwise."""

    def __init__(self):
        self.tty = sys.stderr.isatty()
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        pct = done * 100 // total if total else 100
        if self.tty:
            bar = "#" * (pct // 4)
            end = "\n" if done >= total else ""
            sys.stderr.write(f"\rrechecking: [{bar:<25}] {done}/{total} pages{end}")
            sys.stderr.flush()
        elif pct // 10 > self.last:
            self.last = pct // 10
            info(f"rechecking: {done}/{total} pages")


def _human_recheck(s):
    print(f"{s['checked']} pages checked, {s['unchanged']} unchanged, {len(s['changes'])} changes, "
          f"{len(s['errors'])} errors, {len(s['skipped'])} skipped")
    for c in s["changes"]:
        why = f"  ({c['reason']})" if c.get("reason") else ""
        print(f"  {c['kind']:<18} {c['source_url']} -> {c['target_url']}: {c.get('was')} → {c.get('now')}{why}")
    for e in s["errors"]:
        print(f"  error    {e['url']}: {e['reason']}")
    for k in s["skipped"]:
        print(f"  skipped  {k['url']}: {k['reason']}")


@command("recheck", "fetch the stored tier-1 pages and my placement pages politely and record what changed")(
    _setup_recheck)
def cmd_recheck(args):
    from companion.monitor import recheck

    opts = recheck.Options(only=args.only, limit=args.limit, older_than=args.older_than, delay=args.delay,
                           timeout=args.timeout, concurrency=args.concurrency,
                           allow_private_hosts=args.allow_private_hosts).checked()
    with workspace_of(args) as ws:
        summary = recheck.run(ws, opts, progress=_PageProgress())
    emit(args, summary, _human_recheck)


# --- dispatcher -----------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tierlink", description="Tiered link building while you browse.")
    parser.add_argument("--version", action="version", version=f"tierlink {__version__}")
    parser.add_argument("--home", help="data home (default: $TIERLINK_HOME, else the user data folder)")
    parser.add_argument("--database", metavar="URL",
                        help="team mode: a postgresql:// URL holding the shared store (default: $TIERLINK_DATABASE, "
                             "else the embedded store in the data home)")
    parser.add_argument("--user", metavar="NAME",
                        help="who is working, recorded on saves, placements and status changes "
                             "(default: $TIERLINK_USER, else the login name)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for name, help_text, setup, handler in _COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--home", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.add_argument("--database", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.add_argument("--user", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        setup(p)
        p.set_defaults(handler=handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        args.handler(args)
        sys.stdout.flush()
        return 0
    except TierlinkError as exc:
        print(f"tierlink: error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE if exc.code == "usage" else EXIT_ERROR
    except KeyboardInterrupt:
        print("tierlink: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if os.environ.get("TIERLINK_DEBUG"):
            raise
        print(f"tierlink: internal error: {type(exc).__name__}: {exc} (TIERLINK_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return EXIT_INTERNAL
