"""The link profile's columns of a backlink row and the SQL the reports are counted with (issue 28).

Why columns: the anchor mix and the velocity must answer in about a second at a million
links, so they are counted in SQL over an index, never by loading the list. Each row keeps,
beside its record, what the reports group by and that does not depend on the profile:

* `anchor_fold`: the anchor case-folded, accents and punctuation dropped (anchors.fold);
* `anchor_shape`: image / url / generic / empty / text (anchors.shape);
* `lost_on`: the day the link was lost (its lost_at, else its last seen day), none while live.

What depends on the profile's money keywords is applied at query time to a money page's rows
(`class_case`, a range of the target index). Whether an anchor names a brand is the one profile
rule every row of the site needs, and testing it per row (a substring search in ~a million
anchors) is what made the site's mix slow (docs/BENCHMARKS.md, issue 28): so each row also keeps

* `anchor_brand`: 1 if its folded anchor names one of the brand words, 0 if not, NULL until
  worked out. The brand words it was worked out with are kept in the store's meta
  (`BRAND_META`); when the profile's differ, every row is worked out again (one UPDATE, half a
  minute at a million rows, once per change of the brand names); rows a visit writes are NULL
  and are worked out on the next report, through a partial index of them. An import marks the
  rows it writes itself, with the kept brand words (`import_brands`), so the report after a
  million imported rows has nothing left to catch up.
  The site's mix is then a count per (shape, brand) from the `backlinks_anchor_brand` index.

The rules are the same, in the same order, as `companion.analysis.anchors.Classifier`
(tests/test_anchors.py compares the two on real exports). Both SQLite and PostgreSQL run it:
it uses only `replace`, `LIKE`, `IN` and the dialect's substring search.
"""

from __future__ import annotations

import json
from functools import lru_cache

from companion.analysis.anchors import fold, shape

NAMES = ("anchor_fold", "anchor_shape", "lost_on")  # columns of backlinks (companion.store.schema)
BRAND = "anchor_brand"  # the column the brand test is kept in (see above)
BRAND_INDEXES = ("backlinks_anchor_brand", "backlinks_brand_unset")
DAY_INDEX = "backlinks_first_day"  # SQLite's first_seen days (schema 7), for the velocity
BRAND_META = "anchor_brands"  # meta: the brand words (JSON) the column was worked out with
INDEXES = ("backlinks_by_anchor", "backlinks_anchor_by_target", "backlinks_lost_on", "backlinks_first_seen_by_target")
TABLES = ("disavowed",)
DISAVOW_FIELDS = ("kind", "value", "reason", "source", "at")


def lost_on(record: dict) -> str | None:
    """The day a stored link was lost (same rule as linkprofile.lost_day), or None."""
    if record.get("status") != "lost":
        return None
    day = record.get("lost_at") or record.get("last_seen")
    return str(day)[:10] if day else None


def values(record: dict) -> tuple:
    """(anchor_fold, anchor_shape, lost_on) of a record, written beside it."""
    return (*_anchor_columns(record.get("anchor") or "", record.get("type")), lost_on(record))


@lru_cache(maxsize=8192)
def _anchor_columns(anchor: str, link_type) -> tuple[str, str]:
    """(fold, shape) of an anchor, folded once: real exports repeat their anchors (a brand, "click
    here") across thousands of rows, and an import writes these beside every row."""
    folded = fold(anchor)
    return folded, shape(anchor, link_type, folded)


def brand_test(rules: dict, *, contains: str = "instr({hay}, {needle}) > 0", mark: str = "?") -> tuple[str, list]:
    """SQL true when a row's anchor names a brand (FALSE without brand words), and its parameters."""
    if not rules["brands"]:
        return "(1 = 0)", []
    return "(" + " OR ".join(contains.format(hay="replace(anchor_fold, ' ', '')", needle=mark)
                             for _ in rules["brands"]) + ")", list(rules["brands"])


def brand_stamp(rules: dict) -> str:
    """What `BRAND_META` holds when the `anchor_brand` column is current for these rules."""
    return json.dumps(rules["brands"])


def import_brands(bl, c, brands: list[str] | None) -> list[str] | None:
    """The brand words an import marks its rows' `anchor_brand` with (inside its write `c`).

    The words the column is kept for (`BRAND_META`) when there are any: every mark then agrees
    with them, so a report with the same words counts the new rows as they are, and one with
    other words works every row out again anyway. Else (no report yet: a new home) `brands`,
    the profile's (anchors.brand_words), which become the kept words. None: no words known,
    the rows stay NULL for the next report (an import with no profile at hand)."""
    stamp = bl.get_meta(BRAND_META)
    if stamp is not None:
        return json.loads(stamp)
    if brands is None:
        return None
    bl.set_meta(c, BRAND_META, json.dumps(list(brands)))
    return list(brands)


def names_brand(folded: str, brands: list[str]) -> int:
    """1 if a folded anchor names one of the brand words, else 0: `brand_test` for a value at hand
    (PostgreSQL's COPY carries values, not expressions); the rule of anchors.Classifier._brand."""
    squashed = folded.replace(" ", "")
    return int(any(word in squashed for word in brands))


def site_classes(rows) -> dict[str, int]:
    """The classes of the rows no money page rule applies to, from (shape, links, of them naming
    a brand): image and url whatever they say, then brand, then generic, else other."""
    out: dict[str, int] = {}
    for shape_, n, branded in rows:
        if shape_ in ("image", "url"):
            out[shape_] = out.get(shape_, 0) + n
            continue
        if branded:
            out["brand"] = out.get("brand", 0) + branded
        rest = "generic" if shape_ == "generic" else "other"
        if n - branded:
            out[rest] = out.get(rest, 0) + n - branded
    return out


def class_case(rules: dict, *, contains: str = "instr({hay}, {needle}) > 0", mark: str = "?") -> tuple[str, list]:
    """The SQL CASE naming a row's anchor class, and its parameters, from `anchors.sql_rules`.
    `contains`: the dialect's substring test (PostgreSQL: strpos); `mark`: its parameter mark."""
    params: list = []

    def p(value) -> str:
        params.append(value)
        return mark

    whens = []
    for rule in rules["order"]:
        if rule in ("image", "url"):
            whens.append(f"WHEN anchor_shape = {p(rule)} THEN {p(rule)}")
        elif rule == "exact" and rules["exact"]:
            ors = [f"(target_key = {p(key)} AND anchor_fold IN ({', '.join(p(f) for f in folds)}))"
                   for key, folds in rules["exact"].items() if folds]  # f-string parts run left to right
            if ors:
                whens.append(f"WHEN {' OR '.join(ors)} THEN {p('exact')}")
        elif rule == "brand" and rules["brands"]:
            ors = [contains.format(hay="replace(anchor_fold, ' ', '')", needle=p(b)) for b in rules["brands"]]
            whens.append(f"WHEN {' OR '.join(ors)} THEN {p('brand')}")
        elif rule == "partial" and rules["partial"]:
            ors = []
            for key, keywords in rules["partial"].items():
                for words in keywords:  # marks in the order they appear in the text
                    target = f"target_key = {p(key)}"
                    likes = " AND ".join(f"(' ' || anchor_fold || ' ') LIKE {p(f'% {w} %')}" for w in words)
                    ors.append(f"({target} AND {likes})")
            if ors:
                whens.append(f"WHEN {' OR '.join(ors)} THEN {p('partial')}")
        elif rule == "generic":
            whens.append(f"WHEN anchor_shape = {p('generic')} THEN {p('generic')}")
    return f"CASE {' '.join(whens)} ELSE {p('other')} END", params
