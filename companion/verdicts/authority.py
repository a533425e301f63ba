"""Authority and page quality from whichever tool measured them, for the boost verdicts.

Each SEO tool scores authority on its own scale and under its own name: Ahrefs gives
Domain Rating (DR) and URL Rating (UR), Semrush a Page Authority Score ("Page ascore")
and no domain level in its backlinks export, Moz Page and Domain Authority, Majestic
Trust Flow and Citation Flow per URL and a topical Trust Flow per referring domain.
The boost signals (`boost.high_dr`, `boost.room_to_grow`, ...) speak of one notion of
page authority and one of domain authority; `levels` maps each tool's metric onto a
common 0..100 scale (Moz's, which Ahrefs DR follows closely) with one factor per metric,
and keeps the tool's own value and name so every reason can quote it: "page authority 65
(Semrush Page ascore)". The factors were set so that the same page measured by each
tool lands on about the same value (tests/test_authority.py): UR runs about half of Moz
PA for the same page, Majestic's Trust Flow about 0.6 of it.

The same records carry the evidence of pages that give nothing (docs/DOMAIN.md: "super-low
quality pages give nothing"): `quality_signals` names it, each as a weighted signal of
companion.core.weights. Four make a page *spam* (it ranks below every ordinary page of the
boost list and is never suggested as a tier-2 target): a link farm, an exporter's spam
flag, a network of generated pages (the same path on many referring sites of my list)
and a search-result page. Three only lower the score: a sitewide link, a tag/category/
archive page, and a page with no authority at all.
"""

from __future__ import annotations

from companion.verdicts.pagekind import page_kind

# The common scale itself sits in core (the store sorts the backlink list by it too).
from companion.core.authority import DOMAIN_METRICS, PAGE_METRICS, Level, levels, number  # noqa: F401

# A page with this many external links is a link farm. Tuned on the real Semrush exports
# (../shared/exports/real): ordinary pages there have up to 237 external links (an event's
# partner page; a maths blog with a long blogroll has 130-200), every page with more than
# 240 has 1,001 or more (link-selling pages, "seo domain research" pages, a directory
# with 9,999). 500 sits in that empty gap, twice the busiest ordinary page.
LINK_FARM_EXTERNAL = 500
# The same path on this many referring sites of my list is a network of generated pages.
# The real Semrush files: one generated page name on 23 and 46 sites, another on 13 hosts;
# ordinary paths shared by chance (`/philippines/`, `/partners/` of one organiser's event
# sites) reach 3.
NETWORK_SITES = 5
# Moz Spam Score: the legacy export counts 17 flags (8+ is Moz's "high"); Link Explorer
# gives a percentage (61 %+ is "high").
MOZ_SPAM_FLAGS_HIGH = 8
MOZ_SPAM_PERCENT_HIGH = 61

SPAM_SIGNALS = frozenset({"boost.link_farm", "boost.spam_flag", "boost.network", "boost.search_results"})


def summary(metrics: dict) -> dict:
    """{"page": {"value", "metric"} | None, "domain": ...}: the values the signals used, in the
    tool's own words (the boost list shows them whichever tool measured the page)."""
    page, domain = levels(metrics)
    return {name: ({"value": lv.value, "metric": lv.label} if lv else None)
            for name, lv in (("page", page), ("domain", domain))}


def tiebreak(metrics: dict, known: tuple | None = None) -> tuple[float | None, float | None]:
    """The common page and domain authority, for ordering pages of equal score (`known`: the
    metrics' `levels`, where the caller has them)."""
    page, domain = known or levels(metrics)
    return (round(page.common, 2) if page else None), (round(domain.common, 2) if domain else None)


def authority_signals(score, metrics: dict, known: tuple | None = None) -> None:
    """The authority signals of a page from whichever tool measured it.

    `boost.high_dr`: high domain authority; where the export has no domain level
    (Semrush's backlinks export), the page's own authority stands for it, said so.
    `boost.room_to_grow`: the page's own authority is still low on a decent domain
    (both levels known: a low page on an unknown domain is no evidence of anything).
    `known`: the metrics' `levels`, where the caller has them.
    """
    page, domain = known or levels(metrics)
    strong = domain or page
    if strong is not None and not strong.none:
        what = "domain" if strong is domain else "page (the export gives no domain authority)"
        name = "domain authority" if strong is domain else "page authority"
        if strong.common >= 50:
            score.add("boost.high_dr", f"high-authority {what}: {name} {strong.quote()}",
                      min(1.0, (strong.common - 40) / 40))
        elif strong.common < 20:
            score.add("boost.low_dr", f"low-authority {what}: {name} {strong.quote()}")
    if page is not None and domain is not None and page.common < 40 and domain.common >= 30:
        score.add("boost.room_to_grow",
                  f"the page's own authority is still low: page authority {page.quote()}, room to grow")
    if (page or domain) and all(level.none for level in (page, domain) if level):
        score.add("boost.no_authority", "no authority at all: " + ", ".join(
            f"{lv.label} {lv.value:g}" for lv in (page, domain) if lv))


# --- what the URL says: companion.verdicts.pagekind ----------------------------------------

def network_path(path: str) -> bool:
    """Whether a shared path says "generated page": not a home page, and specific enough
    (a digit, or a long name) that ordinary sites would not share it by chance, as they
    share `/about/` or `/partners/`."""
    name = path.strip("/")
    return bool(name) and (any(c.isdigit() for c in name) or len(name) >= 24)


def moz_spam_high(value: float) -> bool:
    if value <= 17:
        return value >= MOZ_SPAM_FLAGS_HIGH
    return value >= MOZ_SPAM_PERCENT_HIGH


def quality_signals(score, metrics: dict, url: str, *, path: str = "", network: int = 0,
                    external: int | None = None, sitewide: bool | None = None) -> bool:
    """Add the low-quality and spam signals of a page; True if it is spam.

    `external`: external links measured on a visit (else the export's count);
    `network`: how many referring sites of my list have a page at the same `path`.
    """
    spam = False
    if external is None:
        external = number(metrics.get("external_links"))
    if external is not None and external >= LINK_FARM_EXTERNAL:
        score.add("boost.link_farm", f"{external:g} external links on the page: a link farm gives nothing")
        spam = True
    if metrics.get("is_spam") is True:
        score.add("boost.spam_flag", "Ahrefs marks the page as spam (Is spam)")
        spam = True
    moz = number(metrics.get("spam_score"))
    if moz is not None and moz_spam_high(moz):
        score.add("boost.spam_flag", f"Moz Spam Score {moz:g} is high")
        spam = True
    if network >= NETWORK_SITES and network_path(path):
        score.add("boost.network", f"the same page {path} is on {network} referring sites of my list: "
                                   "a network of generated pages")
        spam = True
    kind = page_kind(url)
    if kind and kind[0] == "search":
        score.add("boost.search_results", f"{kind[1]}: nobody links to it, it passes nothing")
        spam = True
    elif kind:
        score.add("boost.archive", f"{kind[1]}: its links rotate out as new posts come in")
    if (metrics.get("sitewide") is True) if sitewide is None else sitewide:
        score.add("boost.sitewide", "a sitewide link (Semrush Sitewide): repeated on every page, weighs little")
    return spam
