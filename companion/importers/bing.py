"""Bing Webmaster Tools: the referring pages table (Source Url, Anchor text, Target Url): no rel, no dates."""

from __future__ import annotations

from companion.importers.formats import Format, spec

INSTEAD = " Export the referring pages table (Source Url, Anchor text, Target Url) instead"


def detect(cols: set[str], mapping, wanted) -> str | None:
    return "referring pages" if {"source url", "target url"} <= cols else None


FORMAT = Format(
    name="bing", label="bing", order=50,
    variants={"referring pages": spec(source="source url", target="target url", anchor="anchor text")},
    detect=detect, rel_known=lambda ix: False,
    refuse=(
        (frozenset({"domain", "backlinks count"}),
         "this is Bing Webmaster Tools' \"Referring domains\" table: it has domains and counts, no page-level links."
         + INSTEAD),
        (frozenset({"anchor", "backlinks count"}),
         "this is Bing Webmaster Tools' anchor text table: it has anchors and counts, no page-level links." + INSTEAD),
    ),
    notes=("Bing's referring pages table has no rel or dates: links are recorded without dates "
           "(a dateless row never sets or moves a stored date)",))
