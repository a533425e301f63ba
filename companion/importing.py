"""Importing exports into a workspace: parse every file first, then one store write per file.

Kept apart from the parsers (companion.importers, pure) and the store (durable
writes) so the CLI and `POST /api/import` share exactly one path. Takes the store and the
profile (its domains: which rows are internal, where targetless rows point), not a Workspace.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Callable, Iterable

from companion.analysis import urls
from companion.analysis.anchors import brand_words
from companion.core.errors import BadInput
from companion.importers import check, needs_rows, parse
from companion.store.gcpause import gc_paused


def _target_for(profile, parsed) -> str | None:
    """Where "links to your site" rows point when the export names no page: the file's property, else my domain."""
    if parsed.property_url:
        return parsed.property_url
    return f"https://{profile.domains[0]}/" if profile.domains else None


def skipped_count(skipped: list[dict]) -> int:
    """Rows skipped, from the list: past MAX_SKIPPED_REPORTED its last entry (line 0) counts the rest."""
    return sum(entry.get("rows", 1) for entry in skipped)


def summary(parsed, result: dict) -> dict:
    """The ImportSummary of one file: every row read is added, updated, merged or skipped, once.

    `merged`: rows that repeat a link the file already gave (or a stored link they change
    nothing in); `truncated`: rows kept with their anchor or title cut to the API's length.
    """
    out = {"format": parsed.format, "rows_read": parsed.rows_read, "added": result["added"],
           "updated": result["updated"], "merged": result["merged"], "skipped": parsed.skipped,
           "skipped_rows": skipped_count(parsed.skipped), "truncated": parsed.truncated,
           "backlinks_total": result["backlinks_total"]}
    return out


# A site is taken as "mine" from an export when at least this share of its rows link to it
# (most exports target one site; a few name a second one, e.g. a shop and its blog).
MY_SHARE = 0.10
MAX_DOMAINS_TAKEN = 5


class _TargetSites:
    """Counts the sites (registrable domains) an export's rows link to: a sink for the rows as they are read."""

    def __init__(self):
        self.targets: Counter = Counter()  # target URL -> rows (an export names a few pages: hosts read once each)

    def __call__(self, rows: list[dict]) -> None:
        self.targets.update(r["target_url"] for r in rows if r.get("target_url"))

    def mine(self) -> list[tuple[str, float]]:
        """[(site, share of the rows)] for the sites holding a real share of the targets, biggest first."""
        hosts: Counter = Counter()
        for url, n in self.targets.items():
            hosts[urls.host_of(url)] += n
        sites: Counter = Counter()
        for host, n in hosts.items():
            if host:
                sites[urls.registrable_domain(host)] += n
        total = sum(sites.values())
        return [(site, n / total) for site, n in sites.most_common(MAX_DOMAINS_TAKEN) if n >= MY_SHARE * total]


def _domains_notice(found: list[tuple[str, float]], files: int) -> str:
    """One line: which domains were taken (with their share of a file's links when not all of them)."""
    names = ", ".join(site if share >= 0.9 else f"{site} ({share:.0%} of the links)" for site, share in found)
    where = "this export's targets" if files == 1 else "these exports' targets"
    return (f"no domain was set: using {names} from {where} (change it in Profile, or with "
            f"\"tierlink init --domain … --force\")")


def import_files(store, profile, items: Iterable, format: str = "auto", mapping: dict | None = None,
                 progress: Callable | None = None, on_note: Callable[[str], None] | None = None,
                 set_domains: Callable[[list[str]], object] | None = None) -> list[dict]:
    """ImportSummary per file (docs/CONTRACT.md). Items are paths, (name, bytes) or (name, Path) pairs.

    A (name, Path) pair is a file on disk shown under another name (an upload the
    companion spooled to a temporary file keeps the name the user chose, which the
    parsers may read, e.g. a Search Console file names its property).

    All files are parsed before anything is stored: one unreadable file means
    nothing at all changes.

    A profile with no domains (the user skipped `init`) takes them from the exports'
    targets before anything is stored: `set_domains(domains)` saves them and returns the
    new profile, and the first summary's `notice` says which (as does `on_note`). Without
    a domain every own link would read as external, and a later visit would call live
    links lost.
    """
    with gc_paused():
        summaries = _import(store, profile, items, format, mapping, progress, on_note, set_domains)
    from companion.alerts import hook

    hook.after_import(store, profile)  # a broken target the exports reveal is an alert, once
    return summaries


def _source(item) -> tuple[str, Path | None, bytes | None]:
    """(name shown, path, data) of one item: a path, a (name, bytes) or a (name, Path) pair."""
    if not isinstance(item, tuple):
        return str(item), Path(item), None
    name, content = item
    name = str(name or "upload.csv")
    if isinstance(content, Path):
        return name, content, None
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise BadInput("an upload must be bytes")
    return name, None, bytes(content)


# Files bigger than this are read twice instead of held in memory: a first pass checks the
# whole file (nothing stored if it cannot be read), a second streams its rows into the store.
STREAM_FROM = 8 * 1024 * 1024


def _discard(rows: list[dict]) -> None:
    """The first pass of a big file keeps no rows: it only proves the file reads."""


def _import(store, profile, items, format, mapping, progress, on_note, set_domains) -> list[dict]:
    parsed_all = []
    counting = set_domains is not None and not profile.domains
    found: dict[str, float] = {}  # site -> its largest share of one file's targets
    for item in items:
        sites = _TargetSites() if counting else None
        name, path, data = _source(item)
        try:
            size = path.stat().st_size if path is not None else len(data)
        except OSError:
            size = 0  # parse says what is wrong with the file

        def read(sink=None, encoding=None, name=name, path=path, data=data):
            return parse(name, path=path, data=data, format=format, mapping=mapping, sink=sink, encoding=encoding,
                         progress=(lambda done, total, rows: progress(name, done, total, rows)) if progress else None)

        parsed = read((sites or _discard) if size > STREAM_FROM else None)
        if parsed.streamed and (parsed.targetless or needs_rows(parsed)):
            parsed = read(encoding=parsed.encoding)  # the rows themselves decide (Search Console)
        if sites is not None:
            if not parsed.streamed:
                sites(parsed.rows)
            mine = sites.mine()
            if parsed.targetless and parsed.property_url:  # Search Console: the site is in the file's name
                mine = [(urls.site_of(parsed.property_url), 1.0)]
            for site, share in mine:  # each file's own sites: two files may be two sites
                found[site] = max(share, found.get(site, 0))
        check(parsed, name, list(profile.domains))
        fallback = None
        if parsed.targetless:
            fallback = _target_for(profile, parsed)
            if fallback is None and parsed.rows:
                raise BadInput("a Search Console links export does not name the page it links to: set your domain "
                               "first (`tierlink init --domain example.com`)")
            if on_note and parsed.rows:
                on_note(f"pages with no stored link get the target {fallback} until an export names the real page")
        parsed_all.append((parsed, fallback, read))
    notice = None
    if found:
        ranked = sorted(found.items(), key=lambda kv: -kv[1])[:MAX_DOMAINS_TAKEN]
        profile = set_domains([site for site, _ in ranked])
        notice = _domains_notice(ranked, len(parsed_all))
        if on_note:
            on_note(notice)
    from companion.verdicts import verdicts

    verdicts.ensure_scored(store, profile)  # the merge then scores each tier-1 page as it writes it
    brands = brand_words(profile)  # and marks each row's anchor that names the brand (store.profilecols)
    summaries = []
    marks = _GuestPostColumn() if mapping and "guest_post" in mapping else None
    for parsed, fallback, read in parsed_all:
        if on_note:
            for note in parsed.notes:
                on_note(note)
        if parsed.streamed:
            def produce(sink, read=read, encoding=parsed.encoding):
                read((lambda rows: sink(marks.take(rows))) if marks else sink, encoding)
            result = store.merge_backlinks((), parsed.format, fallback_target=fallback, _owned=True,
                                              produce=produce, brands=brands)
        else:
            rows = marks.take(parsed.rows) if marks else parsed.rows
            result = store.merge_backlinks(rows, parsed.format, fallback_target=fallback, _owned=True, brands=brands)
        summaries.append(summary(parsed, result))
        if notice and len(summaries) == 1:
            summaries[0]["notice"] = notice
        parsed.rows = []  # let a big file's rows go before the next one is merged
    if marks:
        marks.mark(store)
    return summaries


class _GuestPostColumn:
    """`--map ...,guest_post=COLUMN`: the rows whose column says true are my guest posts. The flag is
    taken out of the row's metrics (it is no metric of the page) and each page marked after the import
    (companion.workflow.guestposts, via `import`)."""

    def __init__(self):
        self.pages: dict[str, str] = {}  # url -> title

    def take(self, rows: list[dict]) -> list[dict]:
        for row in rows:
            if (row.get("metrics") or {}).pop("guest_post", None) is True:
                self.pages.setdefault(row["source_url"], row.get("title") or "")
        return rows

    def mark(self, store) -> None:
        from companion.workflow import guestposts

        for url, title in self.pages.items():
            guestposts.mark(store, url, via="import", title=title or None)
