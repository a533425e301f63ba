"""The `tierlink` command: a thin layer over the library, on click (Flask's own CLI library).

Each command is one function: its options, a docstring with an example (click shows
it as the command's help), one call into the workspace or the library, and the
result printed — with `--json` exactly one JSON document on stdout, otherwise a
short human summary. Messages and progress go to stderr.

Every failure ends in `main`: a `TierlinkError` or a usage error is printed as one
line (`tierlink: error: ...`, exit 1, or 2 for usage), an unexpected exception as
one line too (exit 70) — never a traceback unless TIERLINK_DEBUG=1. The value
lists (`--format`, `--status`, `--kind`, `--via`, ...) come from companion.choices,
the same definitions the API and the dashboard use.
"""

from __future__ import annotations

import json
import importlib
import os
import sys
from pathlib import Path
from typing import Callable

import click

from companion import __version__
from companion.analysis import profile as profile_mod
from companion.choices import CHOICES
from companion.core.errors import BadInput, TierlinkError
from companion.core.home import resolve_home
from companion.core.limits import (DEFAULT_HOST, DEFAULT_PORT, MAX_CLI_INPUT, MAX_DRAFT_BYTES, RECHECK_CONCURRENCY,
                                   RECHECK_DELAY, RECHECK_TIMEOUT)
from companion.workspace import Workspace

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70


# --- shared options and output ---------------------------------------------------------

def _setter(name: str):
    def set_option(ctx: click.Context, _param, value):
        if value is not None:
            ctx.find_root().ensure_object(dict)[name] = value
        return value

    return set_option


def common(func):
    """What every command takes after its name too (hidden there; shown on `tierlink --help`):
    `--home`, and team mode's `--database` and `--user`."""
    for name in ("home", "database", "user"):
        func = click.option(f"--{name}", callback=_setter(name), expose_value=False, hidden=True,
                            is_eager=True)(func)
    return func


def with_json(func):
    """`--json`: print one JSON document on stdout instead of the human summary."""
    return click.option("--json", "as_json", is_flag=True, help="print one JSON document on stdout")(func)


def _size(ctx: click.Context, param: click.Parameter, value):
    """A size option (`--max-import-size 8G`) in bytes, read by the one size parser (companion.core.sizes)."""
    from companion.core.sizes import parse_size

    return parse_size(value, f"--{param.name.replace('_', '-')}")


def choice(name: str) -> click.Choice:
    """A click.Choice of one of the interface's value lists (companion.choices)."""
    return click.Choice(CHOICES[name])


def _option(name: str):
    return (click.get_current_context().find_root().obj or {}).get(name)


def home() -> Path:
    """The data home: `--home`, else $TIERLINK_HOME, else the user data folder."""
    return resolve_home(_option("home"))


def workspace() -> Workspace:
    """The Workspace a command works in: the data home, the store (--database) and the user (--user)."""
    return Workspace(home(), database=_option("database"), user=_option("user"))


def emit(as_json: bool, data, human: Callable[[object], None] | None = None) -> None:
    if as_json or human is None:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        human(data)


def info(message: str) -> None:
    print(message, file=sys.stderr)


def read_input(path: str, limit: int = MAX_CLI_INPUT) -> bytes:
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tierlink", message="%(prog)s %(version)s")
@click.option("--home", callback=_setter("home"), expose_value=False, is_eager=True, metavar="DIR",
              help="data home (default: $TIERLINK_HOME, else the user data folder)")
@click.option("--database", callback=_setter("database"), expose_value=False, is_eager=True, metavar="URL",
              help="team mode: a postgresql:// URL holding the shared store (default: $TIERLINK_DATABASE, "
                   "else the embedded store in the data home)")
@click.option("--user", callback=_setter("user"), expose_value=False, is_eager=True, metavar="NAME",
              help="who is working, recorded on saves, placements and status changes "
                   "(default: $TIERLINK_USER, else the login name)")
def tierlink():
    """Tiered link building while you browse."""


def command(name: str, group=tierlink, **kwargs):
    """Register a command on `group` with the options every command takes."""

    def register(func):
        return group.command(name, **kwargs)(common(func))

    return register


# --- init / profile / weights ------------------------------------------------------------

@command("init")
@click.option("--domain", "domains", multiple=True, required=True, metavar="D",
              help="a domain of my site (repeat for several)")
@click.option("--force", is_flag=True, help="replace the domains of an existing profile")
@with_json
def init(domains, force, as_json):
    """Create the data home and a profile with my domains.

    \b
    Example:
      tierlink init --domain example.com --domain example.org
    """
    with workspace() as ws:
        if not ws.database:
            prof = ws.set_profile(profile_mod.with_domains(ws.profile, domains, replace=force))
            info(f"profile saved in {profile_mod.profile_path(ws.home)}")
        elif force:
            prof = ws.set_profile(profile_mod.with_domains(ws.profile, domains, replace=True))
            info(f"profile saved in the team database {ws.store.where}")
        else:  # a teammate's profile stays (safe when two members run init at once)
            prof, written = ws.init_profile(profile_mod.with_domains(profile_mod.Profile(), domains))
            info(f"profile saved in the team database {ws.store.where}" if written else
                 f"the team database {ws.store.where} already holds a profile: kept it "
                 "(`tierlink profile load FILE` changes it for everyone, `init --force` replaces its domains)")
    emit(as_json, prof.to_json(), lambda d: print("my domains: " + ", ".join(d["domains"])))


@tierlink.group("profile")
@common
def profile():
    """Show or replace the site profile.

    \b
    Example:
      tierlink profile show
    """


def _human_profile(d):
    print("domains:      " + (", ".join(d["domains"]) or "(none: run `tierlink init --domain ...`)"))
    print("competitors:  " + (", ".join(d["competitors"]) or "-"))
    print("owned sites:  " + (", ".join(d["owned_sites"]) or "-"))
    print(f"guest-post link limit: {d['guest_post_link_limit']}")
    for page in d["money_pages"]:
        print(f"money page:   {page['url']}  [{', '.join(page['keywords'])}]")
    for name, value in d.get("weights", {}).items():
        print(f"weight:       {name} = {value}")


@command("show", group=profile)
@with_json
def profile_show(as_json):
    """Print the profile.

    \b
    Example:
      tierlink profile show --json
    """
    emit(as_json, workspace().profile.to_json(), _human_profile)


@command("load", group=profile)
@click.argument("file")
@with_json
def profile_load(file, as_json):
    """Replace the profile with a JSON file (in team mode: for everyone).

    \b
    Example:
      tierlink profile load profile.json
    """
    data = profile_mod.read_json_file(file)
    with workspace() as ws:
        prof = ws.set_profile(data)
    info(f"profile replaced from {file}" + (" for the whole team" if ws.database else ""))
    emit(as_json, prof.to_json(), _human_profile)


@command("weights")
@with_json
def weights(as_json):
    """Print every scoring weight, its default and meaning.

    \b
    Example:
      tierlink weights --json
    """
    from companion.core import weights as weights_mod

    rows = weights_mod.table(workspace().profile.weights)

    def human(rows):
        for row in rows:
            mark = "" if row["weight"] == row["default"] else f" (default {row['default']:g})"
            print(f"{row['name']:<28} {row['weight']:>6g}{mark}  {row['meaning']}")

    emit(as_json, rows, human)


# --- analyze / boost / check-draft -------------------------------------------------------

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
        print(f"  change: {_change_line(change)}")
    for note in a.get("notes", []):
        print(f"  note: {note}")


def _change_line(change: dict) -> str:
    """One change in words: a side with no value (a new link has no "was", a lost one no "now")
    is left out rather than printed as None."""
    kind, target = change["kind"], change["target"]
    was, now = change.get("was"), change.get("now")
    if kind == "lost":
        since = f" since {change['since']}" if change.get("since") else ""
        return f"lost{since} {target}" + (f"  (anchor was {was!r})" if was else "")
    if kind == "new":
        return f"new link {target}" + (f"  anchor {now!r}" if now else "")
    if kind == "anchor_changed":
        return f"anchor changed {target}: {was!r} → {now!r}"
    if kind == "rel_changed":
        return f"rel changed {target}: {was} → {now}"
    if kind == "restored":
        return f"restored {target} (lost → live)"
    return f"{kind} {target}" + (f": {was} → {now}" if was is not None and now is not None else "")


@command("analyze")
@click.argument("file")
@click.option("--url", required=True, help="the address the page was saved from")
@with_json
def analyze(file, url, as_json):
    """Analyse a saved page (any encoding; - reads stdin).

    \b
    Example:
      tierlink analyze page.html --url https://blog.test/post
    """
    data = read_input(file)
    with workspace() as ws:
        emit(as_json, ws.analyze(url, data), _human_analysis)


def _nothing_to_boost(hidden: dict[str, int] | None) -> str:
    """Why the default list is empty: nothing imported, or every page left out (and how to list them)."""
    ways = (("not_indexable", "not indexable (search engines will not index them: --show-not-indexable lists them)"),
            ("spam", "spam (--show-spam lists them)"),
            ("disavowed", "disavowed (`tierlink disavow list`; `tierlink disavow review --undo VALUE` takes a mark off)"))
    parts = [f"{hidden[k]} {why}" for k, why in ways if hidden and hidden[k]]
    if not parts:
        return "no tier-1 pages to boost yet: import your backlinks with `tierlink import`"
    total = sum(hidden.values())
    return f"no tier-1 page to boost: {total} page{'' if total == 1 else 's'} left out: " + "; ".join(parts)


def _human_boost(items, hidden: dict[str, int] | None = None):
    if not items:
        print(_nothing_to_boost(hidden))
    for i, item in enumerate(items, 1):
        spam = "  [spam]" if item.get("spam") else ""
        spam += "  [not indexable]" if item.get("not_indexable") else ""
        print(f"{i:>3}. {item['score']:>3}  {item['url']}  ({item['placements']} placed){spam}")
        for reason in item["reasons"]:
            print(f"          - {reason}")


@command("boost")
@click.option("--limit", type=int, default=20, show_default=True, help="how many pages")
@click.option("--show-spam", is_flag=True, help="also list spam pages (link farms, flagged, generated networks, "
                                                 "search results), in score order, marked [spam]")
@click.option("--only-spam", is_flag=True, help="list the spam pages alone, best score first (what the "
                                                 "dashboard's Show spam pages adds below the list)")
@click.option("--show-not-indexable", is_flag=True, help="also list the pages search engines will not index "
                                                          "(noindex, canonical elsewhere, ...), marked [not indexable]")
@click.option("--only-not-indexable", is_flag=True, help="list the pages search engines will not index alone")
@with_json
def boost(limit, show_spam, only_spam, show_not_indexable, only_not_indexable, as_json):
    """Rank the tier-1 pages worth boosting next.

    \b
    Example:
      tierlink boost --limit 20 --show-spam
    """
    if limit < 0:
        raise BadInput("--limit must be 0 or more")
    with workspace() as ws:
        spam = "only" if only_spam else "show" if show_spam else "hide"
        indexing = "only" if only_not_indexable else "show" if show_not_indexable else "hide"
        items = ws.boost_list(limit, spam=spam, not_indexable=indexing)
        # an empty default list says what it left out (and how to list it), not "import first"
        hidden = ws.boost_hidden() if not items and not as_json and limit and (spam, indexing) == ("hide", "hide") else None
        emit(as_json, items, lambda rows: _human_boost(rows, hidden))


def _human_draft(report: dict) -> None:
    """The human report: the counts first, then what to fix, then the links and ideas."""
    own, limit = report["own_links"], report["limit"]
    state = "over the limit" if own > limit else "within the limit"
    print(f"{len(report['links'])} link(s); {own} to my site, host limit {limit} ({state})")
    if report["warnings"]:
        print(f"\nwarnings ({len(report['warnings'])}):")
        for w in report["warnings"]:
            where = f"\n      {w['href']}" if w.get("href") else ""
            print(f"  ! {w['code']}: {w['message']}{where}")
    else:
        print("\nno warnings")
    if report["links"]:
        print("\nlinks:")
        width = max(len(link["target"]) for link in report["links"])
        for link in report["links"]:
            rel = ",".join(link["rel"]) or "follow"
            text = link["text"] if len(link["text"]) <= 50 else link["text"][:47] + "..."
            print(f"  [{link['target']:<{width}}] {link['href']}  {text!r}  {rel}")
    if report["suggestions"]:
        print("\ntier-1 pages worth linking from this draft:")
        for s in report["suggestions"]:
            print(f"  → {s['tier1_url']}\n      anchor: {s['anchor']!r}  ({s['why']})")


@command("check-draft")
@click.argument("file")
@click.option("--host-url", metavar="URL",
              help="the address the post will have on the host's site (resolves relative links)")
@click.option("--limit", type=int, metavar="N",
              help="links to my site the host allows (default: the profile's guest_post_link_limit)")
@click.option("--format", "form", type=choice("draft_format"),
              help="read the draft as this form (default: from the file name; stdin is sniffed)")
@with_json
def check_draft(file, host_url, limit, form, as_json):
    """Check a guest-post draft's links before submitting it.

    FILE is .html/.htm, .md/.markdown or plain text; - reads stdin.

    \b
    Example:
      tierlink check-draft post.md --host-url https://host.test/blog/my-post --limit 2
    """
    from companion.verdicts import drafts

    data = read_input(file, limit=MAX_DRAFT_BYTES)
    form = form or (drafts.form_of_path(file) if file != "-" else None)
    if form is None:
        form = drafts.sniff_form(data[:262144].decode("utf-8", "replace"))
    with workspace() as ws:
        report = ws.check_draft(host_url=host_url, limit=limit, **{form: data})
    emit(as_json, report, _human_draft)


# --- serve / token -----------------------------------------------------------------------

@command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="address to listen on: 127.0.0.1 (or localhost) only, never the network")
@click.option("--port", type=int, default=DEFAULT_PORT, show_default=True, help="port")
@click.option("--max-import-size", default="4G", metavar="SIZE", show_default=True, callback=_size,
              help="largest export the dashboard may upload, e.g. 500M or 8G; `tierlink import FILE` has no limit")
def serve(host, port, max_import_size):
    """Run the companion service for the extension and the dashboard.

    \b
    Example:
      tierlink serve --port 8765 --max-import-size 8G
    """
    from companion.web import server

    ws = workspace()

    def announce(url, token):
        # The token travels in the fragment: never sent to the server nor logged (see static/api.js).
        print(f"Tierlink companion: dashboard at {url}/#token={token}", flush=True)
        print(f"API token (paste it into the extension's options): {token}", flush=True)
        if not ws.profile.domains:
            # Without a domain no link is "mine": every page would read "nothing of note".
            print("No domain of yours is set yet, so no page can show as linking to you. "
                  "Set it with: tierlink init --domain example.com (or in the dashboard's Profile view); "
                  "this companion picks it up without a restart.", flush=True)

    server.serve(home(), host, port, announce=announce, max_import_size=max_import_size,
                 workspace=ws)


# --- autostart ---------------------------------------------------------------------------

@tierlink.group("autostart")
@common
def autostart():
    """Run `tierlink serve` from login on (a per-user login service).

    \b
    Linux: a systemd user unit; macOS: a LaunchAgent; Windows: a Startup entry.
    It runs with the data home and port given here, so the extension finds it.

    \b
    Example:
      tierlink autostart enable --port 8765
      tierlink autostart status
      tierlink autostart disable
    """


@command("enable", group=autostart)
@click.option("--port", type=int, default=DEFAULT_PORT, show_default=True, help="the port the service listens on")
@click.option("--no-start", is_flag=True, help="only install it: it starts at the next login")
@with_json
def autostart_enable(port, no_start, as_json):
    """Install the login service (again, with this home and port) and start it now.

    \b
    Example:
      tierlink autostart enable --port 8765
    """
    from companion.core import team
    from companion.web import autostart as mod

    where = home()
    database = team.resolve_database(_option("database"))  # team mode: the service needs it too
    user = (_option("user") or os.environ.get(team.USER_ENV)) if database else None
    argv = mod.serve_command(where, port, database=database, user=user)
    result = mod.enable(where, argv, start=not no_start)

    def human(r):
        print(f"Tierlink starts at login: {r['path']}")
        print(f"It runs: {' '.join(r['command'])}")
        if r["started"]:
            print(f"Started now: the companion answers at http://127.0.0.1:{port}")
        elif r["start_note"]:
            print(f"Not started now: {r['start_note']}")

    emit(as_json, result, human)


@command("disable", group=autostart)
@with_json
def autostart_disable(as_json):
    """Stop the login service and remove it (a `tierlink serve` you started yourself keeps running).

    \b
    Example:
      tierlink autostart disable
    """
    from companion.web import autostart as mod

    result = mod.disable(home())
    emit(as_json, result, lambda r: print(f"Removed {r['path']}: Tierlink no longer starts at login"
                                          if r["removed"] else "Tierlink was not set to start at login: nothing to remove"))


@command("status", group=autostart)
@with_json
def autostart_status(as_json):
    """Say whether the login service is installed and enabled, and whether the companion runs now.

    \b
    Example:
      tierlink autostart status
    """
    from companion.web import autostart as mod

    result = mod.status(home())

    def human(r):
        if r["installed"]:
            print(f"Installed: {r['path']} ({'enabled at login' if r['enabled'] else 'installed but not enabled'})")
        else:
            print("Not installed: run `tierlink autostart enable` to start the companion at login")
        if r["running"] is None:
            print("Running now: cannot tell on this system")
        else:
            pid = f" (pid {r['pid']})" if r["pid"] else ""
            print(f"Running now: {'yes' + pid if r['running'] else 'no'} for {home()}")
        if r["service"]:
            print(f"systemd says: {r['service']}")

    emit(as_json, result, human)


@command("token")
@click.option("--rotate", is_flag=True, help="replace the token (paired clients must be given the new one)")
@with_json
def token(rotate, as_json):
    """Print the API token (made on first use).

    \b
    Example:
      curl -H "Authorization: Bearer $(tierlink token)" http://127.0.0.1:8765/api/boost
    """
    from companion.web import security

    where = home()
    value = security.rotate_token(where) if rotate else security.get_token(where)
    if rotate:
        info("new token made; a running companion accepts only this one from now on")
    emit(as_json, {"token": value, "path": str(security.token_path(where))}, lambda d: print(d["token"]))


@command("repair")
@with_json
def repair(as_json):
    """Check the store's files in full and restore a damaged one from its newest good backup.

    The damaged file is kept aside (`backlinks.sqlite.corrupt-<time>`); with no good
    backup nothing is changed and the command says so. Stop `tierlink serve` first.

    \b
    Example:
      tierlink repair
    """
    from companion.core import team
    from companion.store.backups import repair as repair_store
    from companion.web.server import ServeLock

    if team.resolve_database(_option("database")):
        raise BadInput("`tierlink repair` works on the embedded store in the data home; a team database "
                       "is repaired with PostgreSQL's own tools")
    from companion.core.errors import AlreadyRunning

    try:
        lock = ServeLock(home()).acquire()  # not while `tierlink serve` has the files open
    except AlreadyRunning as exc:
        raise AlreadyRunning(f"{exc.message}: stop it before `tierlink repair`") from None
    try:
        results = repair_store(home())
    finally:
        lock.release()
    emit(as_json, results, lambda rows: [print(r["message"]) for r in rows])


# --- import / backlinks / export ---------------------------------------------------------

def _import_progress():
    """`ws.import_files`'s progress callback: a bar per file on a terminal, lines for a file of 20 MB or more."""
    from companion.cli.progress import Progress

    shown = Progress(lines_from=20 * 1024 * 1024)
    return lambda name, done, total, rows: shown.step(f"importing {Path(str(name)).name}", done, total, f"{rows:,} rows")


def _human_import(summaries):
    """One line per file whose figures add up (read = added + updated + merged + skipped), then the skipped rows."""
    from companion.core.limits import MAX_ANCHOR, MAX_TITLE

    for s in summaries if isinstance(summaries, list) else [summaries]:
        print(f"{s['format']}: {s['rows_read']} rows read = {s['added']} added + {s['updated']} updated + "
              f"{s['merged']} merged (links already read or stored) + {s['skipped_rows']} skipped; "
              f"{s['backlinks_total']} backlinks stored")
        if s.get("truncated"):
            print(f"  {s['truncated']} rows kept with their anchor or title cut to the limit "
                  f"({MAX_ANCHOR} characters for an anchor, {MAX_TITLE} for a title)")
        for bad in s["skipped"][:20]:
            print(f"  line {bad['line']}: {bad['reason']}" if bad.get("line") else f"  {bad['reason']}")
        if len(s["skipped"]) > 20:
            print(f"  ... {len(s['skipped']) - 20} more (see --json)")


@command("import")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--format", "fmt", type=choice("import_format"), default="auto", show_default=True,
              help="the tool that wrote the files (auto: recognised from the header)")
@click.option("--map", "mapping", metavar="FIELD=COLUMN,...",
              help="for --format csv: e.g. source_url=From,target_url=To,anchor=Text")
@with_json
def import_(files, fmt, mapping, as_json):
    """Import backlink exports (Ahrefs, Semrush, Moz, Majestic, Search Console, Bing, CSV).

    \b
    Example:
      tierlink import example.com-backlinks-subdomains.csv semrush.csv --json
    """
    from companion.importers import parse_mapping

    mapping = parse_mapping(mapping)
    if mapping and fmt not in ("auto", "csv"):
        raise BadInput("--map applies to --format csv only")
    with workspace() as ws:
        summaries = ws.import_files(list(files), format="csv" if mapping else fmt, mapping=mapping,
                                    progress=_import_progress(), on_note=lambda m: info(f"note: {m}"))
    emit(as_json, summaries if len(summaries) > 1 else summaries[0], _human_import)


def _authority_text(a: dict) -> str:
    """'UR 12 · DR 45 (ahrefs)': the tool's own values and names, or '-'."""
    parts = [f"{label.split(' ', 1)[-1]} {value:g}" for value, label in
             ((a.get("page"), a.get("page_label")), (a.get("domain"), a.get("domain_label"))) if value is not None]
    return f"{' · '.join(parts)} ({a['tool']})" if parts else "-"


def _human_backlinks(page):
    rows, total = page["backlinks"], page["total"]
    if not total:
        print("no backlinks match" if page.get("filtered") else
              "no backlinks stored: import an export with `tierlink import FILE`")
        return
    for r in rows:
        rel = ",".join(r.get("rel") or []) or "follow"
        seen = f"{(r.get('first_seen') or '-')[:10]}..{(r.get('last_seen') or '-')[:10]}"
        print(f"{r['status']:<4} {rel:<12} {_authority_text(r['authority']):<28} {seen}  "
              f"{r['source_url']} -> {r['target_url']}  {(r.get('anchor') or '')[:50]!r}")
    last = page["offset"] + len(rows)
    more = f"; next page: --offset {page['next_offset']}" if page["next_offset"] is not None else ""
    plus = "" if page.get("total_exact", True) else "+"  # a search counted up to listing.COUNT_UP_TO
    info(f"{page['offset'] + 1 if rows else page['offset']}-{last} of {total}{plus}{more}")


def _human_broken(items):
    if not items:
        print("no live link points at a page of yours answering 4xx (Ahrefs' Broken backlinks export says which)")
    for i in items:
        print(f"{i['http_code']} {i['source_url']} -> {i['target_url']}: {i['reason']}")


@command("backlinks")
@click.option("--limit", type=int, default=50, show_default=True, help="how many rows (1-1000)")
@click.option("--offset", type=int, default=0, show_default=True, help="rows to skip (the page's start)")
@click.option("--sort", type=choice("backlink_sort"), default="authority", show_default=True,
              help="authority: the tools' values on one scale (DR, else the page's own: Semrush Page ascore, ...)")
@click.option("--order", type=choice("backlink_order"), help="desc or asc (default: desc, asc for domain)")
@click.option("--status", type=choice("backlink_status"), help="only live or only lost links")
@click.option("--follow/--nofollow", default=None, help="only followed or only nofollow links")
@click.option("--domain", metavar="HOST", help="only links from pages on this host")
@click.option("--tool", type=choice("backlink_tool"), help="only links this tool supplied")
@click.option("-q", "--search", "q", metavar="TEXT", help="only links whose URLs, anchor or title hold these words")
@click.option("--broken", is_flag=True,
              help="only live links to a page of yours answering 4xx (a redirect wins each back)")
@with_json
def backlinks(limit, offset, sort, order, status, follow, domain, tool, q, broken, as_json):
    """List the stored backlinks, a page at a time, with authority and first/last seen dates.

    \b
    Example:
      tierlink backlinks --sort first_seen --status lost --limit 20
      tierlink backlinks --domain blog.example.org --json
    """
    if broken:
        if status == "lost":
            raise BadInput("--broken lists live links only")
        with workspace() as ws:
            emit(as_json, ws.broken_targets(), _human_broken)
        return
    from companion.store import listing

    page = listing.Page(limit=limit, offset=offset, sort=sort, order=order, status=status, follow=follow,
                        domain=domain, tool=tool, q=q)
    with workspace() as ws:
        result = ws.backlinks_page(page)
    filtered = any(v is not None for v in (status, follow, domain, tool, q))
    emit(as_json, result, lambda r: _human_backlinks({**r, "filtered": filtered}))


@command("export")
@click.argument("table", type=choice("export_table"))
@click.option("--out", required=True, metavar="FILE.csv", help="where to write the CSV")
@with_json
def export(table, out, as_json):
    """Write backlinks, candidates or placements as a CSV Excel opens cleanly.

    \b
    Example:
      tierlink export candidates --out candidates.csv
    """
    with workspace() as ws:
        count = ws.export_table(table, Path(out))
    info(f"wrote {count} {table} to {out}")
    emit(as_json, {"table": table, "rows": count, "out": str(out)}, lambda d: None)


# --- save / candidates / placements ------------------------------------------------------

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
    from companion.analysis.contacts import summary

    lines = summary(c.get("contacts"))
    if lines:
        more = f" (+{len(lines) - 6} more: --json)" if len(lines) > 6 else ""
        print(f"{'':>14}contacts: {'; '.join(lines[:6])}{more}")
    if c.get("follow_up") and c.get("status") == "contacted":
        print(f"{'':>14}follow up on {c['follow_up']} (pitched by {c.get('pitched_by') or 'someone'})")
    if c.get("placement"):
        p = c["placement"]
        print(f"{'':>14}placement: {p['from_url']} → {p['to_url']}  {p['anchor']!r} ({p['via']})")
    for w in c.get("warnings") or []:
        info(f"warning: {w['message']}")


@command("save")
@click.argument("url")
@click.option("--kind", required=True, type=choice("candidate_kind"),
              help="boost: a tier-1 page to power up; tier2: a place for a link to a tier-1 page")
@click.option("--title", help="a title to recognise it by")
@click.option("--note", help="a note (up to 10,000 characters)")
@click.option("--tag", "tags", multiple=True, metavar="T", help="a tag (repeat for several)")
@click.option("--html", "html_file", metavar="FILE", help="the page's HTML: its contact routes are kept with it")
@with_json
def save(url, kind, title, note, tags, html_file, as_json):
    """Save a page as a boost or tier-2 candidate, as the extension's one-click save does.

    \b
    Example:
      tierlink save https://blog.test/write-for-us --kind tier2 --note "editor: Ann" --tag guest-post
    """
    found = None
    if html_file:
        from companion.analysis import contacts
        from companion.workflow import candidates

        found = contacts.extract_html(candidates.check_url(url), read_input(html_file))
    with workspace() as ws:
        doc, created = ws.save_candidate(url, kind, title=title, note=note, tags=list(tags) or None, contacts=found)
    info(f"{'saved' if created else 'updated'} {doc['kind']} candidate {doc['id']}")
    emit(as_json, doc, _human_candidate)


@tierlink.group("candidates", invoke_without_command=True)
@common
@click.option("--kind", type=choice("candidate_kind"), help="only this kind")
@click.option("--status", type=choice("candidate_status"), help="only this status")
@with_json
@click.pass_context
def candidates_(ctx, kind, status, as_json):
    """List saved candidates; `candidates update ID ...` and `candidates delete ID` change them.

    \b
    Example:
      tierlink candidates --kind tier2 --status new
    """
    if ctx.invoked_subcommand is not None:
        return
    with workspace() as ws:
        emit(as_json, ws.list_candidates(kind=kind, status=status), _human_candidates)


@command("update", group=candidates_)
@click.argument("id")
@click.option("--status", type=choice("candidate_status"), help="the new status (every change is kept in its history)")
@click.option("--note", help="replace the note")
@click.option("--title", help="replace the title")
@click.option("--tag", "tags", multiple=True, metavar="T", help="replace the tags (repeat for several)")
@click.option("--to-url", metavar="URL",
              help="tier2 placed/live: the tier-1 page your link points at (records the placement)")
@click.option("--anchor", help="the placed link's anchor text")
@click.option("--via", type=choice("via"), help="how the link was placed")
@click.option("--date", metavar="YYYY-MM-DD", help="when the link was placed (default today)")
@click.option("--follow-up", metavar="YYYY-MM-DD", help="when to write again (with --status contacted: "
                                                         "instead of today + the follow-up delay)")
@click.option("--override-dnc", is_flag=True, help="mark a do-not-contact candidate contacted anyway (kept in history)")
@with_json
def candidates_update(id, status, note, title, tags, to_url, anchor, via, date, follow_up, override_dnc, as_json):
    """Change a candidate's status, note, tags or title.

    \b
    Example:
      tierlink candidates update ID --status placed --to-url https://tier1.test/post --anchor "a fair review"
    """
    changes = {"status": status, "note": note, "title": title, "tags": list(tags) or None, "to_url": to_url,
               "anchor": anchor, "via": via, "date": date, "follow_up": follow_up, "override_dnc": override_dnc or None}
    with workspace() as ws:
        doc = ws.update_candidate(id, {k: v for k, v in changes.items() if v is not None})
    emit(as_json, doc, _human_candidate)


@command("delete", group=candidates_)
@click.argument("id")
@with_json
def candidates_delete(id, as_json):
    """Remove a candidate (its placements stay).

    \b
    Example:
      tierlink candidates delete ID
    """
    _delete("candidate", id, as_json)


def _delete(what: str, id: str, as_json: bool) -> None:
    """`candidates delete` and `placements delete`: the Workspace's delete_candidate/delete_placement, then say so."""
    with workspace() as ws:
        deleted = getattr(ws, f"delete_{what}")(id)
        emit(as_json, {"deleted": deleted}, lambda d: info(f"deleted {what} {d['deleted']}"))


def _human_placements(rows):
    if not rows:
        print("no placements: log one with `tierlink placements add --from URL --to URL`")
    for p in rows:
        checked = f" (checked {p['checked_at']})" if p.get("checked_at") else ""
        who = f"  (placed by {p['placed_by']})" if p.get("placed_by") else ""
        print(f"{p['date']}  {p['via']:<10} {p.get('status', 'unchecked'):<9} {p['from_url']} → {p['to_url']}  "
              f"{p['anchor']!r}{checked}{who}")


def _list_placements(to_url, as_json):
    with workspace() as ws:
        emit(as_json, ws.list_placements(to_url=to_url), _human_placements)


@tierlink.group("placements", invoke_without_command=True)
@common
@click.option("--to", "to_url", metavar="URL", help="only placements pointing at this tier-1 page")
@with_json
@click.pass_context
def placements_(ctx, to_url, as_json):
    """List the tier-2 links you built; `placements add` logs one, `placements delete ID` removes one.

    \b
    Example:
      tierlink placements --to https://tier1.test/post --json
    """
    if ctx.invoked_subcommand is None:
        _list_placements(to_url, as_json)


@command("list", group=placements_)
@click.option("--to", "to_url", metavar="URL", help="only placements pointing at this tier-1 page")
@with_json
@click.pass_context
def placements_list(ctx, to_url, as_json):
    """List the tier-2 links you built (the default).

    \b
    Example:
      tierlink placements list --to https://tier1.test/post
    """
    parent = ctx.parent.params
    _list_placements(to_url or parent.get("to_url"), as_json or parent.get("as_json"))


@command("add", group=placements_)
@click.option("--from", "from_url", required=True, metavar="URL", help="the page holding your link")
@click.option("--to", "to_url", required=True, metavar="URL", help="the tier-1 page it links to")
@click.option("--anchor", help="the link's anchor text")
@click.option("--via", type=choice("via"), help="how the link was placed")
@click.option("--date", metavar="YYYY-MM-DD", help="when it was placed (default today)")
@click.option("--note", help="a note")
@with_json
def placements_add(from_url, to_url, anchor, via, date, note, as_json):
    """Log a tier-2 link you built.

    \b
    Example:
      tierlink placements add --from https://my-guest-post.test/ --to https://tier1.test/post --via guest_post
    """
    with workspace() as ws:
        doc, warnings, created = ws.add_placement(from_url, to_url, anchor=anchor, via=via, date=date, note=note)
    info(f"{'logged' if created else 'updated'} placement {doc['id']}")
    for w in warnings:
        info(f"warning: {w['message']}")
    emit(as_json, {**doc, "warnings": warnings}, lambda d: _human_placements([d]))


@command("delete", group=placements_)
@click.argument("id")
@with_json
def placements_delete(id, as_json):
    """Remove a placement logged by mistake.

    \b
    Example:
      tierlink placements delete ID
    """
    _delete("placement", id, as_json)


# --- recheck -------------------------------------------------------------------------------

def _recheck_progress():
    """The recheck's progress callback (pages done of total)."""
    from companion.cli.progress import Progress

    shown = Progress()
    return lambda done, total: shown.step("rechecking", done, total, f"{done}/{total} pages")


def _human_recheck(s):
    print(f"{s['checked']} pages checked, {s['unchanged']} unchanged, {len(s['changes'])} changes, "
          f"{len(s['errors'])} errors, {len(s['skipped'])} skipped")
    for kind, counts in (s.get("outcomes") or {}).items():  # companion.monitor.outcomes
        if counts:
            print(f"  {kind} outcomes: " + ", ".join(f"{n} {o.replace('_', ' ')}" for o, n in sorted(counts.items())))
    for c in s["changes"]:
        why = f"  ({c['reason']})" if c.get("reason") else ""
        print(f"  {c['kind']:<18} {c['source_url']} -> {c['target_url']}: {c.get('was')} → {c.get('now')}{why}")
    for e in s["errors"]:
        print(f"  error    {e['url']}: {e['reason']}")
    for k in s["skipped"]:
        print(f"  skipped  {k['url']}: {k['reason']}")


@command("recheck")
@click.option("--only", type=choice("recheck_only"), help="only the tier-1 pages, or only my placement pages")
@click.option("--limit", type=int, metavar="N", help="at most N pages (the longest unchecked first)")
@click.option("--older-than", type=float, metavar="DAYS", help="only pages not checked for DAYS days")
@click.option("--delay", type=float, default=RECHECK_DELAY, show_default=True, metavar="S",
              help="seconds between two requests to one host (a longer robots.txt Crawl-delay wins)")
@click.option("--timeout", type=float, default=RECHECK_TIMEOUT, show_default=True, metavar="S",
              help="connect and read timeout; a fetch ends within 3 × this in all")
@click.option("--concurrency", type=int, default=RECHECK_CONCURRENCY, show_default=True, metavar="N",
              help="hosts fetched in parallel")
@click.option("--allow-private-hosts", is_flag=True, help="also fetch loopback and private addresses (tests, intranets)")
@with_json
def recheck(only, limit, older_than, delay, timeout, concurrency, allow_private_hosts, as_json):
    """Fetch the stored tier-1 pages and my placement pages politely and record what changed.

    \b
    Example:
      tierlink recheck --only placements --delay 2 --json
    """
    from companion.monitor import recheck as recheck_mod

    opts = recheck_mod.Options(only=only, limit=limit, older_than=older_than, delay=delay, timeout=timeout,
                               concurrency=concurrency, allow_private_hosts=allow_private_hosts).checked()
    with workspace() as ws:
        summary = ws.recheck(opts, progress=_recheck_progress(), private_hint="--allow-private-hosts fetches it")
    emit(as_json, summary, _human_recheck)


# --- the one exit path ---------------------------------------------------------------------

def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def main(argv: list[str] | None = None) -> int:
    """Run `tierlink` with `argv` (default: the process's); the exit code, never a traceback."""
    try:
        code = tierlink.main(args=argv, prog_name="tierlink", standalone_mode=False)
        sys.stdout.flush()
        return code if isinstance(code, int) else 0
    except click.exceptions.NoArgsIsHelpError:
        print("tierlink: error: give a command (see `tierlink --help`)", file=sys.stderr)
        return EXIT_USAGE
    except click.UsageError as exc:
        path = exc.ctx.command_path if exc.ctx is not None else "tierlink"
        print(f"tierlink: error: {_one_line(exc.format_message())} (see `{path} --help`)", file=sys.stderr)
        return EXIT_USAGE
    except click.ClickException as exc:
        print(f"tierlink: error: {_one_line(exc.format_message())}", file=sys.stderr)
        return EXIT_ERROR
    except TierlinkError as exc:
        print(f"tierlink: error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE if exc.code == "usage" else EXIT_ERROR
    except (KeyboardInterrupt, click.Abort):
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


# Command modules: a feature brings its commands in `companion/cli/<feature>.py`, built with
# `command`, `with_json`, `emit` and `workspace` from this module (imported last, so every name
# they use is defined); one line each below.
COMMAND_MODULES: tuple[str, ...] = (
    "companion.cli.alerts",
    "companion.cli.guestposts",
    "companion.cli.monitoring",
    "companion.cli.outreach",
    "companion.cli.report",
    "companion.cli.disavow",
)
for _name in COMMAND_MODULES:
    importlib.import_module(_name)
