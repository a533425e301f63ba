"""The disavow file (issue 28): Google's format, from the links classified spam, and back.

A link builder disavows the spam links pointing at the site (Search Console's disavow tool)
and wants Tierlink to stop offering those pages for boosting. So:

* `proposals()` lists what to disavow: the tier-1 pages the verdicts classify spam (link
  farm, the exporter's spam flag, a generated-page network, search results: the signals of
  `SPAM_SIGNALS`), as `domain:` lines for hosts where most of my tier-1 pages are spam and
  as URLs otherwise, each with its reason. The user keeps or drops each (`review()`, the
  dashboard's Profile view); a dropped one is never written.
* `export_text()` writes Google's format: UTF-8, one `domain:host` or URL a line, `#`
  comments (the reason and the date), at most 100,000 lines and 2 MB, URLs at most 2,048
  characters (a longer URL is disavowed by its domain). What is written is marked disavowed.
* `import_text()` reads a disavow file (ours or one the user kept elsewhere) and marks its
  entries. The marks live in their own workflow table (`disavow`), not in the backlink
  records, so importing a backlink export again never brings a disavowed link back.
* Disavowed pages are left out of the boost list and the tier-2 suggestions
  (`Matcher`), and one that the verdicts no longer call spam is listed for review
  (`healthy`): a page cleaned up since, or a mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from companion.analysis import urls
from companion.core.errors import BadInput
from companion.workflow.disavowed import Matcher, clean_host as _clean_host  # noqa: F401 (Matcher: re-exported)
from companion.workflow.fields import now

REVIEW_TABLE = "disavow_review"  # the user's decision on a proposal: {kind, value, decision}
SPAM_SIGNALS = ("boost.link_farm", "boost.spam_flag", "boost.network", "boost.search_results")
KINDS = ("domain", "url")
DECISIONS = ("keep", "drop")
MAX_LINES = 100_000
MAX_BYTES = 2 * 1024 * 1024
MAX_URL = 2048
MAX_SPAM_PAGES = MAX_LINES  # more spam pages than a file can hold are not read


def _signals(reasons: list[str]) -> list[str]:
    return [r for r in reasons if any(f"[{s} " in r for s in SPAM_SIGNALS)]


def spam_pages(store, profile, min_signal: int = 1) -> list[dict]:
    """The tier-1 pages classified spam with at least `min_signal` spam signals: {url, host, reasons}."""
    from companion.verdicts import verdicts

    rules = verdicts.ensure_scored(store, profile)
    out = []
    for page in store.top_tier1(MAX_SPAM_PAGES, spam="only"):
        entry = rules.explain(page["host"], page["features"], page["placements"], page["key"])
        signals = _signals(entry["reasons"])
        if entry["spam"] and len(signals) >= min_signal:
            out.append({"url": page["url"], "key": page["key"], "host": _clean_host(page["host"]), "reasons": signals})
    return out


def _strip_points(reason: str) -> str:
    """'1204 external links ... [boost.link_farm -30]' -> '1204 external links ... (boost.link_farm)'."""
    text, _, tail = reason.rpartition(" [")
    return f"{text} ({tail.split()[0]})" if text else reason


def proposals(store, profile, min_signal: int = 1) -> list[dict]:
    """What to disavow: one {kind, value, reason, pages, decision} per domain or URL, domains first.
    A host is disavowed whole when more than half of my tier-1 pages on it are spam (or a URL
    of it is too long for the file), except a search engine's result pages (spam only for being
    search results): those by URL. `decision`: the user's keep/drop, or None."""
    if min_signal < 1 or min_signal > len(SPAM_SIGNALS):
        raise BadInput(f"'min_signal' must be from 1 to {len(SPAM_SIGNALS)} (spam signals a page carries)")
    by_host: dict[str, list[dict]] = {}
    out = []
    for page in spam_pages(store, profile, min_signal):
        if all("[boost.search_results " in r for r in page["reasons"]):
            # a search engine's result page: the page passes nothing, the engine is no spam site
            out.append({"kind": "url", "value": page["url"], "pages": 1,
                        "reason": "; ".join(_strip_points(r) for r in page["reasons"])})
        else:
            by_host.setdefault(page["host"], []).append(page)
    decisions = {(d["kind"], d["value"]): d["decision"] for d in store.all(REVIEW_TABLE)}
    for host, pages in sorted(by_host.items()):
        on_host = store.tier1_keys_on_host(host)
        total = len(on_host) if on_host is not None else None
        too_long = any(len(p["url"]) > MAX_URL for p in pages)
        if total is not None and (len(pages) * 2 > total or too_long):
            reasons = list(dict.fromkeys(_strip_points(r) for p in pages for r in p["reasons"]))
            why = f"{len(pages)} of my {total} tier-1 pages on {host} are spam: " + "; ".join(reasons[:3])
            if too_long:
                why += " (a URL over 2,048 characters: disavowed by its domain)"
            out.append({"kind": "domain", "value": host, "reason": why, "pages": len(pages)})
        else:
            for p in pages:
                out.append({"kind": "url", "value": p["url"], "reason": "; ".join(_strip_points(r) for r in p["reasons"]),
                            "pages": 1})
    for item in out:
        item["decision"] = decisions.get((item["kind"], item["value"]))
    out.sort(key=lambda i: (i["kind"] != "domain", i["value"]))
    return out


def review(store, kind: str, value: str, decision: str) -> dict:
    """Keep or drop one proposal before it is exported (the dashboard's review list)."""
    if kind not in KINDS:
        raise BadInput(f"'kind' must be one of {', '.join(KINDS)}")
    if decision not in DECISIONS:
        raise BadInput(f"'decision' must be one of {', '.join(DECISIONS)}")
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_URL:
        raise BadInput("'value' must be the domain or URL of a proposal")
    doc, _ = store.upsert(REVIEW_TABLE, {"kind": kind, "value": value}, {"kind": kind, "value": value,
                                                                         "decision": decision, "at": now()})
    return {"kind": kind, "value": value, "decision": decision}


# --- the file -------------------------------------------------------------------------

def _comment(text: str) -> str:
    return "# " + " ".join(str(text).split())[:500]


def export_text(store, profile, min_signal: int = 1, *, today: str | None = None) -> tuple[str, dict]:
    """The disavow file (text) and a summary {domains, urls, left_out, dropped}: the entries in
    effect, then the proposals the user did not drop; what it holds is marked disavowed."""
    today = today or date.today().isoformat()
    current = {(e["kind"], e["value"]): e for e in store.disavow_marks()}
    items = [{"kind": e["kind"], "value": e["value"], "reason": e.get("reason") or "disavowed before",
              "at": (e.get("at") or today)[:10]} for e in current.values()]
    dropped = 0
    for p in proposals(store, profile, min_signal):
        if p["decision"] == "drop":
            dropped += 1
        elif (p["kind"], p["value"]) not in current:
            items.append({"kind": p["kind"], "value": p["value"], "reason": p["reason"], "at": today})
    domains = {i["value"] for i in items if i["kind"] == "domain"}
    # a URL whose domain is disavowed whole is said once, by its domain
    items = [i for i in items if i["kind"] == "domain" or _clean_host(urls.host_of(i["value"])) not in domains]
    items.sort(key=lambda i: (i["kind"] != "domain", i["value"]))
    head = [_comment(f"Disavow file written by Tierlink on {today} for {', '.join(profile.domains) or 'my site'}"),
            _comment("Each entry: why it was classified spam, and when; upload it in Search Console's disavow tool.")]
    lines = list(head)
    size = sum(len(x.encode()) + 1 for x in lines)
    written: list[dict] = []
    left_out = 0
    for item in items:
        entry = f"domain:{item['value']}" if item["kind"] == "domain" else item["value"]
        block = [_comment(f"{item['reason']} ({item['at']})"), entry]
        cost = sum(len(x.encode()) + 1 for x in block)
        if len(lines) + 2 > MAX_LINES or size + cost > MAX_BYTES:
            left_out += 1
            continue
        lines += block
        size += cost
        written.append(item)
    store.add_disavow_marks([{"kind": i["kind"], "value": i["value"], "reason": i["reason"], "source": "export",
                              "at": now()} for i in written if (i["kind"], i["value"]) not in current])
    summary = {"domains": sum(1 for i in written if i["kind"] == "domain"),
               "urls": sum(1 for i in written if i["kind"] == "url"), "left_out": left_out, "dropped": dropped}
    return "\n".join(lines) + "\n", summary


@dataclass
class Parsed:
    entries: list[tuple[str, str, str]]  # (kind, value, the comment above it)
    skipped: list[dict]                  # {line, reason}


def parse_text(data: bytes | str) -> Parsed:
    """Google's disavow format, as its tool reads it: `#` comments, blank lines, `domain:host`,
    or an http(s) URL; anything else is skipped with its line number. Refused whole: not
    UTF-8, over 2 MB or 100,000 lines (Google refuses such a file too)."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise BadInput(f"the disavow file is {len(data):,} bytes: Google's limit is 2 MB")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadInput(f"the disavow file is not UTF-8 text (byte {exc.start})") from None
    lines = data.splitlines()
    if len(lines) > MAX_LINES:
        raise BadInput(f"the disavow file has {len(lines):,} lines: Google's limit is 100,000")
    entries, skipped, comment = [], [], ""
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            comment = line[1:].strip()
            continue
        if line.lower().startswith("domain:"):
            host = _clean_host(line[7:])
            if host and "." in host and " " not in host and "/" not in host:
                entries.append(("domain", urls.normalize_domain(host) or host, comment))
            else:
                skipped.append({"line": n, "reason": f"'{line[:80]}' is not a domain"})
        elif urls.is_http_url(line) and len(line) <= MAX_URL:
            entries.append(("url", line, comment))
        else:
            skipped.append({"line": n, "reason": f"'{line[:80]}' is neither domain:host nor an http(s) URL "
                                                 f"of at most {MAX_URL} characters"})
        comment = ""
    return Parsed(entries, skipped)


def import_text(store, data: bytes | str) -> dict:
    """Mark every entry of a disavow file as disavowed: {added, known, skipped}."""
    parsed = parse_text(data)
    marks = {(kind, value): {"kind": kind, "value": value, "reason": comment or "imported from a disavow file",
                             "source": "import", "at": now()} for kind, value, comment in parsed.entries}
    added = store.add_disavow_marks(list(marks.values()))  # one transaction, however long the file
    return {"added": added, "known": len(marks) - added, "skipped": parsed.skipped[:50],
            "skipped_count": len(parsed.skipped)}


def remove(store, kind: str, value: str) -> bool:
    """Undo one disavow mark (True if there was one)."""
    return store.remove_disavow_mark(kind, value)


def entries(store, profile, min_signal: int = 1) -> dict:
    """The disavow review: what is disavowed, the proposals, and disavowed pages that now look
    healthy (no longer classified spam), for review."""
    marked = sorted((public(e) for e in store.disavow_marks()), key=lambda e: (e["kind"] != "domain", e["value"]))
    spam = spam_pages(store, profile)
    spam_urls = {p["key"] for p in spam}
    spam_hosts = {p["host"] for p in spam}
    healthy = []
    for e in marked:
        if e["kind"] == "url":
            key = urls.safe_page_key(e["value"])
            page = store.tier1_page(key) if key else None
            if page is not None and key not in spam_urls:
                healthy.append({**e, "why": f"{page['url']} is no longer classified spam"})
        elif e["value"] not in spam_hosts and store.has_tier1_host(e["value"]):
            healthy.append({**e, "why": f"no page of mine on {e['value']} is classified spam any more"})
    return {"disavowed": marked, "proposals": proposals(store, profile, min_signal), "healthy": healthy}


def public(doc: dict) -> dict:
    return {"kind": doc["kind"], "value": doc["value"], "reason": doc.get("reason", ""),
            "source": doc.get("source", "import"), "at": doc.get("at")}
