"""The link profile at a glance (issue 28): anchor mix, link velocity, tier-2 pacing.

A link builder checks, before building more links, whether the anchors pointing at a money
page look natural and whether links arrive at a natural pace. Tierlink holds what it needs:
every tier-1 link's anchor, target and dates (the backlink list) and every tier-2 link the
user built (placements). This module turns them into the reports the CLI (`tierlink report
anchors|velocity`), the API (`/api/linkprofile/...`) and the dashboard's Profile view show,
and into the warnings the draft check and the placement form give.

Why it is built like this:

* The backlink list can hold a million rows: the store answers grouped counts (anchors per
  target with their count, new and lost links per target and week: `Store.anchor_groups`,
  `Store.link_weeks`), in SQL; only the distinct anchors are classified here, once each.
  Placements are a few hundred documents: read whole.
* A tier-2 link powers a tier-1 page, which passes it on to the page of mine it links to;
  so the tier-2 mix of a money page is the mix of the placements pointing at the tier-1
  pages that link to it, classified against that money page's keywords.
* One function (`planned_anchor_warnings`) says whether one more anchor would push a page's
  exact-match share over the threshold and whether a tier-1 page gets too many tier-2 links
  this week: the draft check and the placement form give the same numbers.
"""

from __future__ import annotations

from datetime import date, timedelta

from companion.analysis import urls
from companion.analysis.anchors import CLASSES, Classifier, sql_rules
from companion.core.errors import BadInput

SITE = "site"  # the whole site's row in the mix
TIERS = ("tier1", "tier2")
WINDOWS = (4, 12, 26)  # weeks of the velocity trend
MAX_SERIES_WEEKS = 520  # ten years of weeks: what a chart can still show


# --- what the store answers (grouped in SQL: companion/store) ------------------------

def _class_counts(store, profile, money_keys: list[str], only: bool):
    """(money page key or '', class, links) of the live tier-1 links: counted by the store in SQL
    from each link's stored shape and folded anchor (`anchors.sql_rules`); `only`: the links to
    `money_keys` alone."""
    return store.anchor_class_counts(sql_rules(profile), money_keys, only=only)


def _link_days(store, money_keys: list[str]):
    """(scope, day, new, lost) of the tier-1 links: scope '' for the whole site, else a money
    page's key; new on the day of first_seen, lost on the day it was lost (store.profilecols.lost_on). The store counts them per day
    in SQL, over indexes (`Store.link_days`)."""
    return store.link_days(money_keys)


# --- anchor mix -------------------------------------------------------------------

def _empty_counts() -> dict[str, int]:
    return {c: 0 for c in CLASSES}


def _mix_row(counts: dict[str, int]) -> dict:
    total = sum(counts.values())
    return {"total": total, "counts": dict(counts),
            "shares": {c: round(100 * n / total, 1) if total else 0.0 for c, n in counts.items()}}


def _tier2_targets(store) -> dict[str, set[str]]:
    """{tier-1 page key: the keys of my pages it links to} for the pages my placements point at."""
    out: dict[str, set[str]] = {}
    for p in store.all("placements"):
        key = p.get("to_key") or urls.safe_page_key(p.get("to_url") or "")
        if key and key not in out:
            out[key] = _tier2_targets_of(store, key)
    return out


def _placement_groups(store) -> list[tuple[str, str, str, int]]:
    """(tier-1 key, money/target key the tier-1 page links to, anchor, 1) per placement and target."""
    targets = _tier2_targets(store)
    rows = []
    for p in store.all("placements"):
        key = p.get("to_key") or urls.safe_page_key(p.get("to_url") or "")
        for target in sorted(t for t in targets.get(key, ()) if t) or [""]:
            rows.append((key, target, p.get("anchor") or "", 1))
    return rows


def anchor_mix(store, profile, *, classifier: Classifier | None = None, only: list[str] | None = None) -> dict:
    """AnchorMix: per money page and for the whole site, tier-1 and tier-2 counts and shares of
    each anchor class, the pages over the exact-match threshold, and the reasons of the classes
    (each distinct anchor's class, at most `EXAMPLES` per page and class, so a user sees why).
    `only`: these money pages' keys alone (a warning about one page; the site row then counts them only)."""
    classifier = classifier or Classifier(profile)
    money = {urls.safe_page_key(p["url"]): p["url"] for p in profile.money_pages}
    money.pop(None, None)
    if only is not None:
        money = {k: v for k, v in money.items() if k in only}
    counts = {tier: {SITE: _empty_counts(), **{k: _empty_counts() for k in money}} for tier in TIERS}
    examples: dict[tuple[str, str], list[dict]] = {}

    def add(tier: str, target_key: str, anchor: str, link_type: str | None, n: int) -> None:
        found = classifier.classify(anchor, target_key, link_type)
        counts[tier][SITE][found.name] += n
        if target_key in money:
            counts[tier][target_key][found.name] += n

    # tier-1: the counts per class in SQL (a million links: no list loaded); examples of the money pages
    for target_key, name, n in _class_counts(store, profile, list(money), only is not None):
        counts["tier1"][SITE][name] += n
        if target_key in money:
            counts["tier1"][target_key][name] += n
    if money:
        # the most used anchors first (then by text): the same examples from either store
        groups = sorted(store.anchor_groups(list(money)), key=lambda g: (-g[3], g[2], g[1]))
        for target_key, shape_, folded, n in groups:  # as the store keeps them: shape and folded text
            found = classifier.classify_folded(shape_, folded, target_key)
            seen = examples.setdefault((target_key, found.name), [])
            if len(seen) < EXAMPLES:
                seen.append({"anchor": folded, "links": n, "reason": found.reason})
    for _tier1_key, target_key, anchor, n in _placement_groups(store):
        if only is None or target_key in money:
            add("tier2", target_key, anchor, None, n)

    threshold = profile.exact_anchor_max_share
    pages = []
    for key, url in money.items():
        row = {"url": url, "key": key, "tier1": _mix_row(counts["tier1"][key]), "tier2": _mix_row(counts["tier2"][key]),
               "examples": {c: examples.get((key, c), []) for c in CLASSES}}
        row["over_threshold"] = row["tier1"]["shares"]["exact"] > threshold
        pages.append(row)
    warnings = [{"code": "exact_anchor_share", "url": p["url"],
                 "message": f"{p['tier1']['shares']['exact']}% of the links to {p['url']} use an exact-match anchor "
                            f"(threshold {threshold:g}%): build branded, URL or generic anchors to it for a while"}
                for p in pages if p["over_threshold"]]
    return {"classes": list(CLASSES), "exact_threshold": threshold,
            "site": {"tier1": _mix_row(counts["tier1"][SITE]), "tier2": _mix_row(counts["tier2"][SITE])},
            "pages": pages, "warnings": warnings}


EXAMPLES = 5


# --- velocity -------------------------------------------------------------------

def week_of(day: str | date | None) -> date | None:
    """The Monday of the ISO week a date (YYYY-MM-DD…) falls in; None for no or a bad date."""
    if isinstance(day, date):
        return day - timedelta(days=day.weekday())
    try:
        d = date.fromisoformat(str(day or "")[:10])
    except ValueError:
        return None
    return d - timedelta(days=d.weekday())


def _as_of(value) -> date:
    if value in (None, ""):
        return date.today()
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise BadInput(f"'as_of' must be a date as YYYY-MM-DD (got {str(value)[:30]!r})") from None


def placement_weeks(store) -> list[tuple[str, date, int, int]]:
    """(tier-1 key, week, new, lost) of my placements: new in the week of its date, lost in the
    week a recheck or visit found it gone (its history)."""
    rows = []
    for p in store.all("placements"):
        key = p.get("to_key") or urls.safe_page_key(p.get("to_url") or "") or ""
        week = week_of(p.get("date"))
        if week:
            rows.append((key, week, 1, 0))
        if p.get("status") == "lost":
            lost = [h for h in p.get("history") or [] if h.get("status") == "lost"]
            when = week_of((lost[-1].get("at") if lost else None) or p.get("checked_at"))
            if when:
                rows.append((key, when, 0, 1))
    return rows


def _trend(series: list[dict], tier: str) -> dict:
    out = {}
    for weeks in WINDOWS:
        recent = series[-weeks:]
        before = series[-2 * weeks:-weeks] if len(series) > weeks else []
        new = sum(w[tier]["new"] for w in recent)
        lost = sum(w[tier]["lost"] for w in recent)
        prev_new = sum(w[tier]["new"] for w in before)
        out[f"{weeks}w"] = {"new": new, "lost": lost, "net": new - lost,
                            "new_per_week": round(new / weeks, 2),
                            "previous_new": prev_new,
                            "change": (round(100 * (new - prev_new) / prev_new, 1) if prev_new else None)}
    return out


def velocity(store, profile, *, as_of=None, weeks: int | None = None) -> dict:
    """Velocity: new and lost links per ISO week, tier-1 (backlink dates) and tier-2 (placements),
    for the whole site and each money page, from the first week with a link (at most
    `MAX_SERIES_WEEKS` back) to the week of `as_of` (default today), with the 4/12/26-week trend."""
    end = week_of(_as_of(as_of))
    money = {urls.safe_page_key(p["url"]): p["url"] for p in profile.money_pages}
    money.pop(None, None)
    tier1_of_money: dict[str, set[str]] = {}
    if money:
        for tier1_key, targets in _tier2_targets(store).items():
            for t in targets:
                if t in money:
                    tier1_of_money.setdefault(tier1_key, set()).add(t)
    buckets: dict[tuple[str, str, date], list[int]] = {}

    def add(scope: str, tier: str, week: date, new: int, lost: int) -> None:
        cell = buckets.setdefault((scope, tier, week), [0, 0])
        cell[0] += new
        cell[1] += lost

    first = end
    for scope, day, new, lost in _link_days(store, list(money)):
        week = week_of(day)
        if week is None or week > end:
            continue
        first = min(first, week)
        add(scope or SITE, "tier1", week, new, lost)
    for tier1_key, week, new, lost in placement_weeks(store):
        if week > end:
            continue
        first = min(first, week)
        add(SITE, "tier2", week, new, lost)
        for m in tier1_of_money.get(tier1_key, ()):
            add(m, "tier2", week, new, lost)
    span = (end - first).days // 7 + 1
    span = min(span, weeks or MAX_SERIES_WEEKS, MAX_SERIES_WEEKS)
    span = max(span, max(WINDOWS))
    all_weeks = [end - timedelta(weeks=i) for i in range(span - 1, -1, -1)]

    def series(scope: str) -> list[dict]:
        return [{"week": w.isoformat(),
                 **{tier: dict(zip(("new", "lost"), buckets.get((scope, tier, w), [0, 0]))) for tier in TIERS}}
                for w in all_weeks]

    def block(scope: str, url: str | None) -> dict:
        s = series(scope)
        return {"url": url, "weeks": s, "trend": {tier: _trend(s, tier) for tier in TIERS}}

    return {"as_of": end.isoformat(), "windows": list(WINDOWS), "site": block(SITE, None),
            "pages": [{"key": k, **block(k, url)} for k, url in money.items()]}


# --- warnings for a link about to be built -----------------------------------------

def _by_tier1_page(placements: list[dict]) -> dict[str, list[dict]]:
    """My placements by the page they point at (`to_key`), in the table's order: what
    `find("placements", to_key=...)` gives, kept per version of the table (Store.derived), so a
    verdict's suggestions ask the store nothing each."""
    out: dict[str, list[dict]] = {}
    for p in placements:
        if p.get("to_key"):
            out.setdefault(p["to_key"], []).append(p)
    return out


def tier2_pacing_warnings(store, profile, to_url: str, anchor: str | None, day: str | None = None,
                          *, exclude_id: str | None = None) -> list[dict]:
    """The pacing guard: one more tier-2 link to the tier-1 page `to_url` in the week of `day`
    (default today) over `profile.tier2_per_week`, or an anchor it already got from me."""
    key = urls.safe_page_key(to_url)
    if not key:
        return []
    week = week_of(day or date.today())
    same_week, same_anchor = 0, 0
    wanted = " ".join((anchor or "").split()).casefold()
    for p in store.derived("placements", _by_tier1_page).get(key, ()):
        if exclude_id is not None and p.get("id") == exclude_id:
            continue
        if week_of(p.get("date")) == week:
            same_week += 1
        if wanted and " ".join((p.get("anchor") or "").split()).casefold() == wanted:
            same_anchor += 1
    out = []
    limit = profile.tier2_per_week
    if same_week + 1 > limit:
        out.append({"code": "tier2_pace", "message":
                    f"{to_url} would get {same_week + 1} tier-2 links in the week of {week.isoformat()} "
                    f"(threshold {limit}): a page that gains links this fast looks built; spread them out"})
    if same_anchor:
        out.append({"code": "tier2_same_anchor", "message":
                    f"{to_url} already has a tier-2 link from you with the anchor {anchor!r}: vary it"})
    return out


def planned_exact_warnings(store, profile, target_url: str, anchor: str | None, *, tier: str,
                           classifier: Classifier | None = None) -> list[dict]:
    """Would one more link with `anchor` push a money page's exact-match share over the threshold?
    `tier` "tier1": `target_url` is my page (a link to me in a draft); "tier2": a tier-1 page (a
    placement, a draft's link to a tier-1 page), counted for each money page it links to."""
    if not anchor or not anchor.strip() or not profile.money_pages:
        return []
    classifier = classifier or Classifier(profile)
    key = urls.safe_page_key(target_url)
    if not key:
        return []
    if tier == "tier1":
        money_keys = [key] if profile.money_page_for(target_url) else []
    else:
        money_keys = sorted(t for t in _tier2_targets_of(store, key) if t)
    if not money_keys:
        return []
    mix = anchor_mix(store, profile, classifier=classifier, only=money_keys)
    by_key = {p["key"]: p for p in mix["pages"]}
    out = []
    threshold = profile.exact_anchor_max_share
    for money_key in money_keys:
        page = by_key.get(money_key)
        if page is None:
            continue
        found = classifier.classify(anchor, money_key)
        row = page[tier]
        exact = row["counts"]["exact"] + (found.name == "exact")
        total = row["total"] + 1
        share = round(100 * exact / total, 1)
        if share > threshold and (found.name == "exact" or row["shares"]["exact"] > threshold):
            out.append({"code": "exact_anchor_share", "url": page["url"], "message":
                        f"with this anchor {share}% of the {'tier-2 ' if tier == 'tier2' else ''}links to "
                        f"{page['url']} would be exact-match ({exact} of {total}; threshold {threshold:g}%): "
                        "use a branded, URL or generic anchor"})
    return out


def _tier2_targets_of(store, tier1_key: str) -> set[str]:
    return {r.get("target_key") or urls.safe_page_key(r.get("target_url") or "")
            for r in store.backlinks_from(tier1_key) if r.get("status", "live") == "live"}


def planned_anchor_warnings(store, profile, to_url: str, anchor: str | None, *, tier: str,
                            day: str | None = None, exclude_id: str | None = None) -> list[dict]:
    """Every link-profile warning for one link about to be built (the draft check, the placement
    form): the exact-match share, and for a tier-2 link the pacing guard."""
    out = planned_exact_warnings(store, profile, to_url, anchor, tier=tier)
    if tier == "tier2":
        out += tier2_pacing_warnings(store, profile, to_url, anchor, day, exclude_id=exclude_id)
    return out


# --- the same numbers as a table (CLI --csv, the dashboard's table view) -------------------

MIX_COLUMNS = ("page", "tier", "class", "links", "share")
VELOCITY_COLUMNS = ("page", "week", "tier1_new", "tier1_lost", "tier2_new", "tier2_lost")


def mix_table(mix: dict) -> list[tuple]:
    """One row per (page, tier, class): the page's URL, or `site` for the whole site."""
    rows = []
    for url, block in [(SITE, mix["site"]), *((p["url"], p) for p in mix["pages"])]:
        for tier in TIERS:
            for c in mix["classes"]:
                rows.append((url, tier, c, block[tier]["counts"][c], block[tier]["shares"][c]))
    return rows


def velocity_table(report: dict) -> list[tuple]:
    """One row per (page, week) with a link new or lost in it (weeks with none are left out)."""
    rows = []
    for url, block in [(SITE, report["site"]), *((p["url"], p) for p in report["pages"])]:
        for w in block["weeks"]:
            cells = (w["tier1"]["new"], w["tier1"]["lost"], w["tier2"]["new"], w["tier2"]["lost"])
            if any(cells):
                rows.append((url, w["week"], *cells))
    return rows
