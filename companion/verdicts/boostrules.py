"""The boost rules, written once: one table of signals and one evaluation of it.

A tier-1 page is judged in two places: on a visit (`verdicts.boost_verdict`, from what
the page shows now) and from stored data alone (`verdicts.Tier1Scorer`, for the boost
list and the suggestions, from what the exports said). Both used to write the rules out,
and their reasons drifted apart ("page-level robots nofollow" on a visit, "nofollow" in
the boost list, for the same link). Now each describes the page as `BoostFacts` and calls
`evaluate`: the same signals, in the same order, with the same words. What only a visit
can see (indexing, the link's position) is None in stored facts, and its rules stay
silent; the outbound count says where it came from (measured, or the export's count).

The weights of every signal are companion.core.weights (docs/DOMAIN.md lists them); the
authority and spam signals are companion.verdicts.authority's, evaluated here in their
place in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from companion.core.limits import NOFOLLOW_RELS
from companion.verdicts import authority
from companion.verdicts.competing import Competition


def nofollow_why(rel) -> str:
    """Why a link is not followed, in the reasons' words: its nofollow-like rel values, else
    the page's robots nofollow (the only other way a stored or seen link is not followed:
    the importers mark a link not followed only through its rel)."""
    return ", ".join(r for r in rel or () if r in NOFOLLOW_RELS) or "page-level robots nofollow"


@dataclass(frozen=True)
class BoostFacts:
    """What the rules read of a page. `indexing` and `position` are known on a visit only."""

    follow: bool
    rel: tuple
    metrics: dict
    url: str
    path: str
    network: int
    placements: int
    external: float | None  # the page's external links: measured on a visit, else the export's count
    measured: bool
    money: dict | None  # the money page of mine it links to
    rival: Competition | None  # the money keyword it competes for
    owned: bool  # it sits on a site I own
    indexing: str | None = None  # "noindex", "canonical_elsewhere", "indexable" (companion.analysis.indexability)
    indexing_reason: str | None = None  # the verdict's own words: its first blocking reason, or its canonical
    position: str | None = None  # where the link to me sits: "content", "footer", ...
    levels: tuple | None = None  # authority.levels(metrics), where the caller has them (else worked out)


@dataclass(frozen=True)
class Rule:
    """One signal: given when `when(facts)`, with `reason(facts)` and `strength(facts)`;
    `blocks`: a page given it is never worth boosting."""

    name: str
    when: Callable[[BoostFacts], bool]
    reason: Callable[[BoostFacts], str]
    strength: Callable[[BoostFacts], float] = lambda f: 1.0
    blocks: bool = False


def _outbound_source(f: BoostFacts) -> str:
    return "" if f.measured else " (the export's count)"


def _shares(f: BoostFacts) -> bool:
    return f.external is not None and f.external < authority.LINK_FARM_EXTERNAL  # a farm is a spam signal


def _few(f: BoostFacts) -> str:
    links = "link shares" if f.external == 1 else "links share"
    return f"only {f.external:g} external {links} the page's equity{_outbound_source(f)}"


# The table, in the order the reasons are given. The entries AUTHORITY and QUALITY are
# authority.py's own groups of signals (each tool's metrics; low quality and spam).
AUTHORITY, QUALITY = "authority", "quality"
RULES: tuple = (
    Rule("boost.followed", lambda f: f.follow, lambda f: "the link to me is followed"),
    Rule("boost.nofollow", lambda f: not f.follow,
         lambda f: f"the link to me is not followed ({nofollow_why(f.rel)})"),
    Rule("boost.noindex", lambda f: f.indexing == "noindex", lambda f: f.indexing_reason),
    Rule("boost.canonical_elsewhere", lambda f: f.indexing == "canonical_elsewhere", lambda f: f.indexing_reason),
    Rule("boost.indexable", lambda f: f.indexing == "indexable", lambda f: f.indexing_reason),
    Rule("boost.in_content", lambda f: f.position == "content", lambda f: "the link to me sits in the main content"),
    Rule("boost.boilerplate", lambda f: f.position not in (None, "content"),
         lambda f: f"the link to me sits in the {f.position}"),
    Rule("boost.few_outbound", lambda f: _shares(f) and f.external <= 20, _few),
    Rule("boost.diluted", lambda f: _shares(f) and f.external > 100,
         lambda f: f"{f.external:g} external links share the page's equity{_outbound_source(f)}"),
    AUTHORITY,
    QUALITY,
    Rule("boost.money_page", lambda f: f.money is not None, lambda f: f"it links to my money page {f.money['url']}"),
    Rule("boost.competes", lambda f: f.rival is not None,
         lambda f: f"{f.rival.describe()}: do not boost a competing page", lambda f: f.rival.strength, blocks=True),
    Rule("boost.owned_site", lambda f: f.owned, lambda f: "the page is on a site I own", blocks=True),
    Rule("boost.already_boosted", lambda f: f.placements > 0,
         lambda f: f"{f.placements} tier-2 link(s) already point at it", lambda f: f.placements),
)


def evaluate(score, facts: BoostFacts) -> tuple[bool, bool]:
    """Add every signal the facts call for to `score` (a verdicts.Score, or a tally that keeps
    the total only: `score.reasons` False, and the table's own reasons are not even worded),
    in table order: (blocked, spam). Blocked: it competes with me or sits on my own site;
    spam: it passes nothing (authority.SPAM_SIGNALS)."""
    blocked = spam = False
    worded = score.reasons is not False
    for rule in RULES:
        if rule is AUTHORITY:
            authority.authority_signals(score, facts.metrics, facts.levels)
        elif rule is QUALITY:
            spam = authority.quality_signals(score, facts.metrics, facts.url, path=facts.path, network=facts.network,
                                             external=facts.external if facts.measured else None)
        elif rule.when(facts):
            score.add(rule.name, rule.reason(facts) if worded else "", rule.strength(facts))
            blocked = blocked or rule.blocks
    return blocked, spam


def signal_names() -> set[str]:
    """Every signal this table gives itself (authority.py's groups aside)."""
    return {rule.name for rule in RULES if isinstance(rule, Rule)}
