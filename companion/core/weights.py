"""Every weight the verdicts use, in one table: name, default weight, what it means.

The verdicts (companion.verdicts.verdicts) add up signals from docs/DOMAIN.md and the seed
article. Each signal contributes `weight × strength` (strength 0..1) to a base
score, clamped to 0..100, and every reason a verdict gives names its signal, so a
user who disagrees can see which number to change. Users override any weight in
their profile (`"weights": {"boost.high_dr": 25}`); `tierlink weights` prints the
table with the values in force.
"""

from __future__ import annotations

# (name, default, meaning). Positive weights raise the score, negative ones lower it.
TABLE: list[tuple[str, float, str]] = [
    # Is this tier-1 page worth boosting?
    ("boost.base", 30, "starting score of a page that links to me"),
    ("boost.followed", 15, "the link to me is followed (no nofollow/ugc/sponsored, no page-level nofollow)"),
    ("boost.nofollow", -30, "the link to me is nofollow, ugc or sponsored: little equity flows on"),
    ("boost.indexable", 10, "the page is indexable and its canonical points to itself"),
    ("boost.noindex", -40, "the page is noindex: it passes nothing and cannot rank"),
    ("boost.canonical_elsewhere", -30, "the page's canonical points to another URL"),
    ("boost.in_content", 10, "the link sits in the main content"),
    ("boost.boilerplate", -10, "the link sits in a footer, sidebar, header, navigation or comment"),
    ("boost.few_outbound", 5, "few external links share the page's equity (≤ 20; measured on a visit, else the export's count)"),
    ("boost.diluted", -12, "many external links share the page's equity (> 100)"),
    ("boost.high_dr", 15, "high domain authority (Ahrefs DR, Moz DA, Majestic domain TF; the page's authority where the "
     "export has no domain level, as Semrush's): 50 on the common scale scales to full weight at 80"),
    ("boost.low_dr", -5, "low domain authority (under 20 on the common scale, e.g. DR < 20)"),
    ("boost.room_to_grow", 10, "the page's own authority is still low (under 40 on the common scale: UR < 20, Moz PA "
     "< 40, Semrush Page ascore < 40, Majestic TF < 25) on a decent domain (≥ 30): room to grow"),
    ("boost.no_authority", -10, "no authority at all on any level the export gives (e.g. Semrush Page ascore 0)"),
    ("boost.sitewide", -10, "a sitewide link (Semrush Sitewide): repeated in every page's template, weighs little"),
    ("boost.archive", -15, "a tag, category, author, date or paginated archive page: its links rotate out"),
    ("boost.link_farm", -40, "spam: 500+ external links on the page (a link farm gives nothing)"),
    ("boost.spam_flag", -40, "spam: the exporter flags the page (Ahrefs Is spam, a high Moz Spam Score)"),
    ("boost.network", -40, "spam: the same page path on 5+ referring sites of my list (a network of generated pages)"),
    ("boost.search_results", -40, "spam: a search-result page (nobody links to it, it passes nothing)"),
    ("boost.money_page", 10, "the link goes to one of my money pages"),
    ("boost.competes", -60, "the page targets a keyword of my money pages (at least two and half of its content words; "
     "full weight on a full match): boosting it makes my own ranking harder"),
    ("boost.owned_site", -40, "the page is on a site I own: boosting it looks like a link scheme"),
    ("boost.already_boosted", -4, "per tier-2 link already placed to this page (spread the effort)"),
    # Is this page a good place for a tier-2 link?
    ("tier2.base", 20, "starting score of a page that could host a link"),
    ("tier2.guest_posts", 30, "the site accepts guest posts ('write for us', 'contribute', guidelines)"),
    ("tier2.resource_page", 20, "a resource or list page that already links out to similar pages (niche edit)"),
    ("tier2.own_site", 15, "one of my own sites (use occasionally)"),
    ("tier2.social", 15, "a social platform (Reddit, LinkedIn…): nofollow, but traffic and indexing"),
    ("tier2.roundup", 20, "an expert roundup: other featured experts link to it"),
    ("tier2.mostly_followed", 10, "most of the page's outbound links are followed"),
    ("tier2.mostly_nofollow", -10, "most of the page's outbound links are nofollow/ugc/sponsored"),
    ("tier2.indexable", 10, "the page is indexable, so a link there can be found and indexed"),
    ("tier2.noindex", -30, "the page is noindex: a link there may never be indexed"),
    ("tier2.link_farm", -50, "hundreds of unrelated outbound links: a link farm gives nothing"),
    ("tier2.relevance", 25, "the page's topic fits tier-1 pages of mine (BM25 relevance, scaled)"),
    ("tier2.competitor_site", -40, "the page is on a competitor's site"),
    ("tier2.existing", 5, "the page already links to one of my tier-1 pages: the site takes such links"),
    # Thresholds (not points): the score from which a verdict is shown.
    ("threshold.worth_boosting", 55, "boost score from which a tier-1 page is labelled worth_boosting"),
    ("threshold.tier2_opportunity", 45, "tier-2 score from which a page is labelled tier2_opportunity"),
]

DEFAULTS: dict[str, float] = {name: weight for name, weight, _ in TABLE}
MEANINGS: dict[str, str] = {name: meaning for name, _, meaning in TABLE}


def effective(overrides: dict[str, float] | None) -> dict[str, float]:
    """The defaults with the profile's overrides applied."""
    values = dict(DEFAULTS)
    if overrides:
        values.update({k: v for k, v in overrides.items() if k in values})
    return values


def table(overrides: dict[str, float] | None = None) -> list[dict]:
    values = effective(overrides)
    return [
        {"name": name, "default": default, "weight": values[name], "meaning": meaning}
        for name, default, meaning in TABLE
    ]
