"""Every tier-1 page's stored score, class and reasons after an import equal the per-page rules'.

Why: the import writes each tier-1 page's row (features, path, site, network count, text,
score and class) in bulk. That bulk work must give exactly what the per-page code path
gives — `tier1_features` over the page's live records (oldest first), the network count
of its path, and `Tier1Scorer.score` / `explain` — for every page, on the real exports
(../shared/exports/real, each family imported in turn into one home, re-imported, with
placements logged between imports) and on a generated 100,000-row Ahrefs export. The
reference is computed here, in the test run, from the stored backlinks by that per-page
path: nothing is hard-coded.

The profile of each home carries a money page, a money keyword and an owned site drawn
from the data (a scratch import of the first file picks them), so the money-page,
competing-page and own-site rules are exercised by the import too.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import SHARED

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

REAL = SHARED / "exports" / "real"
# (name, files imported in this order into one home): each family of the real exports, with a
# file imported twice where it is the only one (a re-import rewrites every page it names).
FAMILIES = [
    ("ahrefs-lamicrobyflo", ["ahrefs-backlinks-lamicrobyflo-via-gsheets.csv",
                             "ahrefs-backlinks-lamicrobyflo-via-gsheets.csv"]),
    ("ahrefs-mdsupplies", ["ahrefs-backlinks-mdsupplies-utf8comma.csv",
                           "ahrefs-broken-backlinks-mdsupplies-utf8comma.csv"]),
    ("semrush", ["semrush-backlinks-coinlineup.csv", "semrush-backlinks-tokentopnews.csv",
                 "semrush-backlinks-coinlineup.csv"]),
    ("moz", ["moz-ose-derived-jcpenney-d3viz.csv", "moz-ose-derived-jcpenney-d3viz.csv"]),  # with MOZ_MAP
    # Search Console: files named as the tool names them (the property is in the name)
    ("gsc-oztimberfloor", [("https___oztimberfloor.com.au_-Latest links-2026-05-18.csv",
                            "gsc-latest-links-oztimberfloor.csv"),
                           ("https___oztimberfloor.com.au_-More sample links-2026-05-18.csv",
                            "gsc-more-sample-links-oztimberfloor.csv")]),
    ("gsc-small", [("http___www.johnmurch.com_-Latest links-2020-07-15.csv", "gsc-latest-links-johnmurch.csv"),
                   ("saulz.com-Latest links-2025-12-18.csv", "gsc-latest-links-saulz.csv"),
                   ("videotext.io-Latest links-2026-03-11.csv", "gsc-latest-links-videotext.csv")]),
]

# The Moz file is an edited one: it imports as a generic CSV with a map (tests/test_real_exports.py)
MOZ_MAP = {"source_url": "Source", "target_url": "Target", "metric.page_authority": "Page Authority",
           "metric.domain_authority": "Domain Authority"}


def options(family: str) -> dict:
    return {"format": "csv", "mapping": MOZ_MAP} if family == "moz" else {}


def item(entry):
    """A path, or (the tool's own file name, path) for a file renamed in the shared folder."""
    name, file = (entry, entry) if isinstance(entry, str) else entry
    path = REAL / file
    if not path.is_file():
        pytest.skip(f"real export {file} not found in {REAL} (third-party data, only in the team's checkout)")
    return path if name == file else (name, path)


# --- the reference: the per-page code path, over the stored records ----------------------

def reference(store, scorer) -> dict[str, dict]:
    """key -> what the per-page path makes of the page: features (with network), the score
    tuple and the reasons, from the live records (oldest first) and the placements."""
    from companion.analysis import urls
    from companion.store.keys import host_of_key, path_of_key
    from companion.store.tier1 import tier1_features

    live: dict[str, list[dict]] = {}
    for rec in store.all_backlinks("live"):  # in id order: oldest first
        live.setdefault(rec["source_key"], []).append(rec)
    placements: Counter = Counter()
    for doc in store.all("placements"):
        key = doc.get("to_key") or urls.safe_page_key(doc.get("to_url") or "")
        if key:
            placements[key] += 1
    pages = {}
    sites_on_path: dict[str, set[str]] = {}
    for key, recs in live.items():
        host = host_of_key(key)
        path = path_of_key(key)
        site = urls.registrable_domain(host)
        pages[key] = {"host": host, "path": path, "site": site, "features": tier1_features(recs),
                      "placements": placements.get(key, 0)}
        sites_on_path.setdefault(path, set()).add(site)
    for key, page in pages.items():
        # a home page (`/`) is on every site: never counted (its own site only)
        page["features"]["network"] = 1 if page["path"] in ("", "/") else len(sites_on_path[page["path"]])
        feats = page["features"]
        page["score"] = scorer.score(key, page["host"], feats, page["placements"])
        page["reasons"] = scorer.explain(page["host"], feats, page["placements"], key)["reasons"]
    return pages


def stored(home: Path) -> dict[str, dict]:
    """Every tier-1 row and its text, read from the database file itself."""
    conn = sqlite3.connect(f"file:{home / 'backlinks.sqlite'}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT t.key, t.host, t.url, t.features, t.score, t.blocked, t.placements, t.path, t.site, "
                            "t.network, t.page_authority, t.domain_authority, x.title, x.anchors, x.urlwords "
                            "FROM tier1 t LEFT JOIN tier1_text x ON x.rowid = t.id").fetchall()
        unscored = conn.execute("SELECT count(*) FROM tier1 WHERE score IS NULL").fetchone()[0]
        texts = conn.execute("SELECT count(*) FROM tier1_text WHERE rowid > 0").fetchone()[0]
    finally:
        conn.close()
    assert unscored == 0
    assert texts == len(rows)  # one text row per page, no orphan
    out = {}
    for key, host, url, feats, score, klass, placements, path, site, network, pa, da, title, anchors, words in rows:
        features = json.loads(feats)
        features["network"] = network
        out[key] = {"host": host, "url": url, "features": features, "score": (score, klass, pa, da),
                    "placements": placements, "path": path, "site": site, "text": (title, anchors, words)}
    return out


def check(ws) -> Counter:
    """Compare every tier-1 page with the reference; how many pages each signal was given to."""
    from companion.verdicts import verdicts

    store = ws.store
    scorer = verdicts.ensure_scored(store, ws.profile)
    want = reference(store, scorer)
    have = stored(ws.home)
    assert sorted(have) == sorted(want)
    for key, ref in want.items():
        got = have[key]
        feats = ref["features"]
        assert got["features"] == feats, key
        assert (got["host"], got["url"], got["path"], got["site"], got["placements"]) == \
               (ref["host"], feats["url"], ref["path"], ref["site"], ref["placements"]), key
        assert got["score"] == ref["score"], key
        assert got["text"] == (feats["title"], " ".join(feats["anchors"]), unquote(key)), key
        # the reasons the boost list gives for the stored row are the per-page path's
        assert scorer.explain(got["host"], got["features"], got["placements"], key)["reasons"] == ref["reasons"], key
    # the boost list's order is the reference's: class, score, then the authorities, placements, url
    listed = [p["key"] for p in store.top_tier1(len(want) + 1, spam="show")]

    def order(key):
        score, klass, pa, da = want[key]["score"]
        return (klass, -score, -(pa if pa is not None else -1e9), -(da if da is not None else -1e9),
                want[key]["placements"], want[key]["features"]["url"])

    from companion.store import sqlstore
    expected = sorted((k for k in want if want[k]["score"][1] != sqlstore.BLOCKED), key=order)
    followed_first = [k for k in expected if want[k]["score"][1] in (sqlstore.ORDINARY, sqlstore.SPAM)]
    rest = [k for k in expected if want[k]["score"][1] == sqlstore.NOT_FOLLOWED]
    # spam interleaves with the followed pages by score (top_tier1 "show")
    followed_first.sort(key=lambda k: order(k)[1:])
    assert [k for k in listed] == followed_first + rest
    signals = Counter(r.rsplit("[", 1)[1].split()[0] for ref in want.values() for r in ref["reasons"])
    signals["pages"] = len(want)
    return signals


def profile_from(ws, domains: list[str]) -> dict:
    """A profile that puts the money-page, competing and own-site rules to work on this data:
    the most linked target is a money page, a stored title is its keyword, a referring site is
    mine."""
    from companion.analysis import urls

    live = ws.store.all_backlinks("live")
    targets = Counter(r["target_url"] for r in live if r.get("target_known", True) is not False)
    titles = [r["title"] for r in live if len((r.get("title") or "").split()) >= 2]
    sites = sorted({urls.registrable_domain(urls.host_of(r["source_url"])) for r in live})
    money = [{"url": targets.most_common(1)[0][0] if targets else f"https://{domains[0]}/",
              "keywords": [" ".join(titles[len(titles) // 3].split()[:3])] if titles else []}]
    return {"domains": domains, "money_pages": money, "owned_sites": sites[len(sites) // 2:len(sites) // 2 + 1]}


def log_placements(ws, n: int) -> None:
    """Tier-2 links logged to a few tier-1 pages (their scores count them)."""
    from companion.workflow import placements

    for i, page in enumerate(ws.store.top_tier1(n, spam="show")):
        placements.add(ws.store, ws.profile, f"https://tier2-{i}.test/post", page["url"], anchor="a post")


@pytest.mark.parametrize("family, files", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_real_exports_score_as_the_per_page_rules(tmp_path, family, files):
    from companion.workspace import Workspace

    items = [item(f) for f in files]
    with Workspace(tmp_path / "scratch") as scratch:  # no domain: the import takes it from the targets
        scratch.import_files([items[0]], **options(family))
        data = profile_from(scratch, list(scratch.profile.domains))
    with Workspace(tmp_path / "home") as ws:
        ws.set_profile(data)
        compared: Counter = Counter()
        for n, one in enumerate(items):
            ws.import_files([one], **options(family))
            compared = check(ws)
            if n == 0:
                log_placements(ws, 3)
        assert compared["pages"] > 0


def test_a_generated_100k_export_scores_as_the_per_page_rules(tmp_path):
    from bench_import import generate
    from companion.workspace import Workspace

    export = tmp_path / "example.com-backlinks-subdomains.csv"
    generate(export, 100_000)
    with open(export, encoding="utf-16", newline="") as fh:
        rows = csv.reader(fh, delimiter="\t")
        header = next(rows)
        first = dict(zip(header, next(rows)))
    with Workspace(tmp_path / "home") as ws:
        # a money page (a target of the file), a keyword its generated titles use, a site of mine
        ws.set_profile({"domains": ["example.com"], "owned_sites": ["example3.test"],
                        "money_pages": [{"url": first["Target URL"], "keywords": ["kitchen repair tips"]}]})
        ws.import_files([export])
        signals = check(ws)
        assert signals["pages"] > 30_000
        # every stored-data rule had pages to judge
        for name in ("boost.followed", "boost.nofollow", "boost.money_page", "boost.competes", "boost.owned_site",
                     "boost.high_dr", "boost.few_outbound", "boost.diluted"):
            assert signals[name] > 0, (name, signals)
