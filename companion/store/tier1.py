"""Tier-1 pages (pages holding a live backlink): what the boost verdict needs of each, kept
current by every backlink write, and their stored scores.

Page keys and the features of a page are pure functions the store and the verdicts
share. `refresh` recomputes the tier-1 rows of the pages a write touched (inside its
transaction); `reconcile` rescores every row when the scorer's signature changed (a
profile or weights change) and what my placements changed. Both only call the
backlink database's interface (companion.store.interface), so they run on either store.
A full pass (minutes at a million backlinks, in the server's background) gives way to the
requests being answered, page by page (companion.core.foreground).
"""

from __future__ import annotations

from typing import Callable
from urllib.parse import unquote

from companion.analysis import urls
from companion.core import foreground
from companion.store.interface import BacklinkStore, Scorer
from companion.store.keys import host_of_key, key_of, path_of_key
from companion.store.rows import dumps, loads

# tier-1 rows rescored per step: small, as the pass gives way to the server's requests between
# steps and between pages (companion.core.foreground): reading 5,000 rows was one stretch of
# ~140 ms with the GIL held (at a million backlinks, load 5), 500 rows ~20 ms
SCORE_BATCH = 500


def tier1_features(live: list[dict]) -> dict:
    """What the boost verdict needs of a tier-1 page, from its live records (oldest first).

    The strongest link stands for the page (the first followed one, else the first);
    metrics merge with the oldest record's value first; `targets` are the page keys
    of my pages it links to (for money-page matching).
    """
    if len(live) == 1:  # most pages hold one link: the same features, without the merging loops
        r = live[0]
        return {"url": r["source_url"], "title": r.get("title") or "", "anchors": [r.get("anchor") or ""],
                "follow": bool(r.get("follow", True)), "rel": list(r.get("rel") or []), "target": r.get("target_url"),
                "targets": [r["target_key"]], "metrics": dict(r.get("metrics") or {})}
    best = next((r for r in live if r.get("follow", True)), live[0])
    metrics: dict = {}
    for r in live:
        for k, v in (r.get("metrics") or {}).items():
            metrics.setdefault(k, v)
    return {"url": live[0]["source_url"],
            "title": next((r["title"] for r in live if r.get("title")), "") or "",
            "anchors": [r.get("anchor") or "" for r in live],
            "follow": bool(best.get("follow", True)), "rel": list(best.get("rel") or []),
            "target": best.get("target_url"),
            "targets": list(dict.fromkeys(r["target_key"] for r in live)),
            "metrics": metrics}


def placement_counts(placements: list[dict]) -> dict[str, int]:
    """How many of my placements point at each page (by `to_key`, else the key of `to_url`)."""
    counts: dict[str, int] = {}
    for doc in placements:
        key = doc.get("to_key") or key_of(doc.get("to_url") or "")
        if key:
            counts[key] = counts.get(key, 0) + 1
    return counts


def placement_pages(placements: list[dict]) -> frozenset[str]:
    """The pages my placements sit on (by `from_key`, else the key of `from_url`)."""
    return frozenset(k for doc in placements if (k := doc.get("from_key") or key_of(doc.get("from_url") or "")))


def refresh(bl: BacklinkStore, c, source_keys, stored: dict[str, list[tuple[int, dict]]] | None = None, *,
            counts: Callable[[], dict[str, int]], scorer: Scorer | None) -> None:
    """Recompute the tier-1 rows of these pages from their records (`stored`, else read), in
    the write `c`; scored by `scorer` (None: left unscored, for the next `reconcile`)."""
    keys = list(source_keys)
    if not keys:
        return
    if stored is None:
        stored = bl.from_sources(c, keys)
    by_target = counts()
    put, gone = [], []
    paths = bl.paths_of(c, keys)  # a path a page leaves has one site fewer
    for key in keys:
        live = [rec for _, rec in stored.get(key, ()) if rec.get("status") == "live"]
        if not live:
            gone.append(key)
            continue
        feats = tier1_features(live)
        host = host_of_key(key)
        placements = by_target.get(key, 0)
        score, blocked, pa, da = (scorer.score(key, host, feats, placements) if scorer is not None
                                  else (None, False, None, None))
        path = path_of_key(key)
        paths.add(path)
        # the text index tokenises (and stems) these itself: the key's host and path words
        put.append((key, host, feats["url"], feats, score, blocked, placements,
                    feats["title"], " ".join(feats["anchors"]), unquote(key),
                    path, urls.registrable_domain(host), pa, da))
    bl.delete_tier1(c, gone)
    bl.put_tier1(c, put)
    bl.refresh_network(c, paths)


SCORER_META = "scorer"  # the meta row naming the scorer the stored scores were made with


def scored_with(bl: BacklinkStore) -> str | None:
    """The signature of the scorer the stored scores were made with (None before the first)."""
    return bl.get_meta(SCORER_META)


def reconcile(bl: BacklinkStore, scorer: Scorer, counts: dict[str, int], *, known: bool) -> None:
    """Make every tier-1 page's stored score current for `scorer`.

    `scorer.signature` names the profile and weights it scores with; when it differs
    from the one the scores were made with, every page is rescored in one pass (a
    profile change). Placements that changed since are rescored page by page, and so
    is any page written while no scorer was given. `known`: the caller reconciled once
    already, so matching signatures and counts mean nothing to do.
    """
    stored_sig = bl.get_meta(SCORER_META)
    stored_counts = loads(bl.get_meta("placements") or "{}")
    if known and stored_sig == scorer.signature and stored_counts == counts and not bl.any_unscored():
        return
    with bl.write(count=False) as c:  # derived data: not a write the crash tests count
        stored_sig = bl.get_meta(SCORER_META)
        stored_counts = loads(bl.get_meta("placements") or "{}")
        if stored_sig != scorer.signature:
            after = 0
            while batch := bl.tier1_batch(c, after, SCORE_BATCH):
                bl.set_scores(c, _scores(scorer, [(i, k, h, f, counts.get(k, 0)) for i, k, h, f, _ in batch]))
                after = batch[-1][0]
        elif stored_counts != counts:
            changed = {k: counts.get(k, 0) for k in set(stored_counts) | set(counts)
                       if stored_counts.get(k, 0) != counts.get(k, 0)}
            bl.set_placements(c, changed)
        while batch := bl.unscored(c, SCORE_BATCH):
            bl.set_scores(c, _scores(scorer, batch))
        bl.set_meta(c, SCORER_META, scorer.signature)
        bl.set_meta(c, "placements", dumps(counts))


def _scores(scorer: Scorer, pages: list[tuple[int, str, str, dict, int]]) -> list[tuple]:
    """set_scores' rows for (id, key, host, features, placements), giving way to a request being
    answered before each page (a request's reads wait for the GIL otherwise: foreground)."""
    out = []
    for i, k, h, f, n in pages:
        foreground.give_way()
        out.append((*scorer.score(k, h, f, n), n, i))
    return out
