"""Each SEO tool's authority metrics on one common 0..100 scale, labelled with the tool.

Why in core: two layers need the same scale. The boost verdicts (companion.verdicts.authority)
speak of one page and one domain authority whichever tool measured them, and the store
sorts the backlink list by authority (GET /api/backlinks?sort=authority), so a Semrush
row (Page ascore, no domain level) and an Ahrefs row (DR, UR) rank on the same scale.
The store sits below the verdicts, so the scale sits below both: one definition.

Each tool scores authority on its own scale and under its own name: Ahrefs gives Domain
Rating (DR) and URL Rating (UR), Semrush a Page Authority Score ("Page ascore") and no
domain level in its backlinks export, Moz Page and Domain Authority, Majestic Trust Flow
and Citation Flow per URL and a topical Trust Flow per referring domain. `levels` maps
each tool's metric onto a common 0..100 scale (Moz's, which Ahrefs DR follows closely)
with one factor per metric, and keeps the tool's own value and name so every reason can
quote it: "page authority 65 (Semrush Page ascore)". The factors were set so that the
same page measured by each tool lands on about the same value (tests/test_authority.py):
UR runs about half of Moz PA for the same page, Majestic's Trust Flow about 0.6 of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# (metrics key, the tool's own name for it, factor onto the common 0..100 scale, floor:
# the tool's value for "no authority at all"). First listed wins where several tools
# gave a value; the others are quoted beside it. A label starts with the tool's name.
PAGE_METRICS: list[tuple[str, str, float, float]] = [
    ("ur", "Ahrefs UR", 2.0, 0),
    ("page_authority", "Moz Page Authority", 1.0, 1),
    ("page_ascore", "Semrush Page ascore", 1.0, 0),
    ("page_score", "Semrush Page score", 1.0, 0),
    ("trust_flow", "Majestic Trust Flow", 1.6, 0),
    ("citation_flow", "Majestic Citation Flow", 1.2, 0),
]
DOMAIN_METRICS: list[tuple[str, str, float, float]] = [
    ("dr", "Ahrefs DR", 1.0, 0),
    ("domain_authority", "Moz Domain Authority", 1.0, 1),
    ("domain_topical_trust_flow", "Majestic domain Topical Trust Flow", 2.0, 0),
]


def number(value) -> float | None:
    """A metric as a float, or None: booleans, empty and text values are not numbers."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass
class Level:
    """One authority level of a page: the common value and the tool's own words for it."""

    common: float  # 0..100, comparable across tools
    value: float  # as the tool gave it
    label: str  # the tool's metric, e.g. "Semrush Page ascore"
    none: bool  # the tool's "no authority at all" value
    others: list[str] = field(default_factory=list)  # other tools' values, quoted

    @property
    def tool(self) -> str:
        """The tool's name as the importers spell it ("Semrush Page ascore" -> "semrush")."""
        return self.label.split()[0].lower()

    def quote(self) -> str:
        """'65 (Semrush Page ascore)'; with the other tools' values where several gave one."""
        also = f"; also {', '.join(self.others)}" if self.others else ""
        return f"{self.value:g} ({self.label}{also})"


def _level(metrics: dict, table) -> Level | None:
    found = None
    for key, label, factor, floor in table:
        if key not in metrics:  # (most rows carry one tool's metrics: a missing key costs no call)
            continue
        value = number(metrics[key])
        if value is None or value < 0:
            continue
        if found is None:
            found = Level(min(100.0, value * factor), value, label, value <= floor)
        elif not (key == "citation_flow" and found.label == "Majestic Trust Flow"):
            found.others.append(f"{label} {value:g}")
        else:
            found.label += f" (Citation Flow {value:g})"
    return found


def levels(metrics: dict) -> tuple[Level | None, Level | None]:
    """(page authority, domain authority) of a page from its stored metrics."""
    return _level(metrics, PAGE_METRICS), _level(metrics, DOMAIN_METRICS)


def sort_value(metrics: dict) -> float | None:
    """The one number the backlink list sorts by: the domain authority on the common scale,
    else the page's (Semrush's backlinks export has no domain level), as the boost signals
    read it (`boost.high_dr`); None when no tool gave either. (The first value `levels` would
    take, without making its Levels: the store works this out for every row it writes.)"""
    if metrics:
        for table in (DOMAIN_METRICS, PAGE_METRICS):
            for key, _label, factor, _floor in table:
                if key in metrics:
                    value = number(metrics[key])
                    if value is not None and not value < 0:  # (as _level: NaN counts, capped at 100)
                        return round(min(100.0, value * factor), 2)
    return None


def listing(metrics: dict) -> dict:
    """The `authority` of a backlink row in the list: the tool's own values and names, the tool,
    and `common`, the value on the common scale the list sorts by."""
    page, domain = levels(metrics or {})
    strong = domain or page
    return {"page": page.value if page else None, "domain": domain.value if domain else None,
            "page_label": page.label if page else None, "domain_label": domain.label if domain else None,
            "tool": strong.tool if strong else None, "common": round(strong.common, 2) if strong else None}
