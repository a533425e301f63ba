"""Every list of values the interface accepts, gathered from the code that accepts it.

Why: the same lists were typed again in the OpenAPI description, the CLI's
choices and the dashboard's selects, and drifted (the API description once lost
`bing`, which the server accepts). Each list is defined once, beside the code that
checks it (the importers found, the candidate and placement rules, the store's
statuses, the recheck's options); this module only gathers them. The OpenAPI enums
(companion.web.openapi), the CLI's click.Choice options (companion.cli.main) and the
dashboard (which reads `GET /api/choices`) all take them from here, and
tests/test_choices.py fails if any of them differs.
"""

from __future__ import annotations

from companion.alerts import channels as alert_channels, records as alert_records
from companion.importers import FORMATS
from companion.monitor.recheck import ONLY
from companion.store.listing import ORDERS, SORTS
from companion.store.records import BACKLINK_STATUSES
from companion.verdicts.drafts import FORMS
from companion.workflow import candidates, export, guestposts, placements

IMPORT_FORMATS = ("auto", *FORMATS)
# Who supplied a backlink (its `origins`): an importer, a visit (`discovered`) or the recheck.
BACKLINK_TOOLS = (*FORMATS, "discovered", "recheck")

CHOICES: dict[str, tuple[str, ...]] = {
    "import_format": IMPORT_FORMATS,
    "backlink_status": BACKLINK_STATUSES,
    "backlink_sort": tuple(SORTS),
    "backlink_order": ORDERS,
    "backlink_tool": BACKLINK_TOOLS,
    "candidate_kind": candidates.KINDS,
    "candidate_status": candidates.STATUSES,
    "placement_status": placements.STATUSES,
    "via": placements.VIA,
    "recheck_only": ONLY,
    "draft_format": FORMS,
    "export_table": export.TABLES,
    "guest_post_via": guestposts.VIA,
    "guest_post_marked_from": guestposts.API_VIA,
    "guest_post_index": guestposts.INDEX_STATES,
    "alert_kind": alert_records.KINDS,
    "alert_channel": alert_channels.CHANNELS,
}

# The labels a verdict carries (written by companion.analysis and companion.verdicts), in the
# words the dashboard shows on a candidate card: a user never reads a code like `tier2_existing`.
# tests/test_dashboard_layout.py fails if a label the code writes has no words here.
VERDICT_LABELS = {
    "tier1": "Links to your site",
    "worth_boosting": "Worth boosting",
    "link_lost": "Your link here is gone",
    "link_changed": "Your link here changed",
    "tier2_existing": "Already links to a tier-1 page",
    "tier2_opportunity": "Good spot for a tier-2 link",
    "tier3": "Links to one of your tier-2 pages",
    "placement_lost": "A tier-2 link you built here is gone",
    "broken_target": "Links to a broken page of yours",
    "competitor_linker": "Links to a competitor",
    "owned_site": "One of your own sites",
    "not_indexable": "Search engines will not index it",
    "guest_post": "Your guest post",
}
CHOICES["verdict_label"] = tuple(VERDICT_LABELS)

# How the dashboard names a value; a value without an entry is shown as written, tidied.
LABELS = {
    "auto": "Detect automatically", "ahrefs": "Ahrefs", "semrush": "Semrush", "moz": "Moz",
    "majestic": "Majestic", "gsc": "Google Search Console", "bing": "Bing Webmaster Tools", "csv": "Plain CSV",
    "boost": "Boost (tier 1)", "tier2": "Tier-2 spots", "tier1": "Tier-1 pages",
    "social": "Social share", "roundup": "Expert roundup",
}


def label(value: str) -> str:
    return LABELS.get(value) or value.replace("_", " ").capitalize()


# Lists whose values have words of their own (the same code may mean something else elsewhere).
OWN_WORDS = {"verdict_label": VERDICT_LABELS}


def for_api() -> dict[str, list[dict]]:
    """GET /api/choices: every list as [{"value", "label"}], in the order the code defines."""
    return {name: [{"value": v, "label": OWN_WORDS.get(name, {}).get(v) or label(v)} for v in values]
            for name, values in CHOICES.items()}
