"""Majestic: the download/bulk backlinks table and the API's field names (FORMATS.md).

Any non-empty Flag cell is set; a FlagMention row is a mention, not a link (skipped);
FlagOldCrawl and FlagDeleted mean the link is gone.
"""

from __future__ import annotations

from companion.importers.formats import Format, spec

FIELDS = spec(
    source=("source url", "sourceurl"), target=("target url", "targeturl"), anchor=("anchor text", "anchortext"),
    nofollow="flagnofollow", image=("flagimagelink", "flagimages"), redirect="flagredirect",
    frame="flagframe", oldcrawl="flagoldcrawl", deleted="flagdeleted", mention="flagmention",
    first_seen=("source first found date", "firstindexeddate"),
    last_seen=("source crawl date", "lastseendate", "date"), lost_date="datelost",
    m_citation_flow="sourcecitationflow", m_trust_flow="sourcetrustflow",
    m_target_citation_flow="targetcitationflow", m_target_trust_flow="targettrustflow",
    m_domain_topical_trust_flow="refdomaintopicaltrustflow_value_0",  # the referring domain's level
    s_topic="sourcetopicaltrustflow_topic_0")


def detect(cols: set[str], mapping, wanted) -> str | None:
    if {"source url", "target url", "flagnofollow"} <= cols:
        return "download"
    if {"sourceurl", "targeturl"} <= cols:
        return "api"
    return None


FORMAT = Format(name="majestic", label="majestic", order=20, variants={"download": FIELDS, "api": FIELDS},
                detect=detect, flag_marks=True)
