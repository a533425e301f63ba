"""Anchor classes: what kind of anchor text a link carries (issue 28, "Anchor classes").

A link builder reads a money page's anchors as a mix: branded, exact-match, partial-match,
naked URL, generic ("click here", "en savoir plus"), image, other. A natural profile is
mostly branded, URL and generic; a high exact-match share is what a search engine's link
spam filters look for. So every anchor gets one class and the reason for it.

Why it is built like this:

* The rules are data (`anchor_rules.json`: their order, the generic phrases per language),
  so a word list is fixed without touching code and a test checks each rule on real exports.
* Anchors are compared folded: case-folded, accents dropped (NFKD), punctuation as spaces,
  because real exports carry "La Micro By Flo", "LA MICRO BY FLO" and "la micro by Flo".
* Brand: the profile's `brand_names`, else each domain's name ("lamicrobyflo" of
  lamicrobyflo.fr); matched with spaces and punctuation removed, so "La Micro by Flo" is
  the brand lamicrobyflo and "MDSupplies and Service" the brand mdsupplies.
* Exact and partial read the money keywords *of the link's target* (the profile's money
  pages): an anchor "revenu annuel" is exact-match only on the page that ranks for it.
  Partial: every word of one keyword is in the anchor (any order, other words around).
* Image: the exporter's link type (`type` = image: Ahrefs' Type, Semrush's and Majestic's
  image flags); its text is the image's alt, or nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from companion.analysis import urls

RULES_FILE = Path(__file__).with_name("anchor_rules.json")
CLASSES = ("brand", "exact", "partial", "url", "generic", "image", "other")

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
_NAKED_URL = re.compile(r"^(?:(?:https?:)?//)?(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?::\d+)?(?:[/?#]\S*)?$", re.I)


@lru_cache(maxsize=1)
def rules() -> dict:
    """The rule data (read once): order, generic phrases per language, min brand length."""
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    data["generic_phrases"] = {fold(p) for lang in data["generic"].values() for p in lang}
    return data


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as single spaces: 'L’Article !' -> 'l article'."""
    text = text or ""
    if not text.isascii():  # (ASCII has no decomposition and no combining mark: a per-character pass saved)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).replace("_", " ").split())


def squash(text: str) -> str:
    """`fold` without spaces: how a brand is found inside an anchor ('La Micro by Flo')."""
    return fold(text).replace(" ", "")


SHAPES = ("image", "url", "generic", "empty", "text")


def shape(anchor: str | None, link_type: str | None = None, folded: str | None = None) -> str:
    """What an anchor is whatever the profile says: `image`, `url`, `generic`, `empty`, or
    `text` (brand, exact, partial or other, by the profile). The store keeps it with each link
    (and `fold(anchor)`), so the whole site's mix is counted in SQL (`sql_rules`). `folded`:
    `fold(anchor)` where the caller has it (the same as the fold of its white space collapsed)."""
    if (link_type or "").lower() == "image":
        return "image"
    text = " ".join((anchor or "").split())
    if text and " " not in text and _NAKED_URL.match(text):
        return "url"
    if folded is None:
        folded = fold(text)
    if not folded:
        return "empty"
    return "generic" if folded in rules()["generic_phrases"] else "text"


def sql_rules(profile) -> dict:
    """The profile's part of the rules, for the store's SQL (`Store.anchor_class_counts`):
    the brand words (squashed), and per money page (page key) its keywords folded (exact) and
    their words (partial). The store applies them in `rules()["order"]` to each link's shape
    and folded anchor, exactly as `Classifier.classify` does."""
    c = Classifier(profile)
    return {"order": list(rules()["order"]), "brands": c.brands,
            "exact": {k: sorted({f for _kw, f, _w in kws}) for k, kws in c._keywords.items()},
            "partial": {k: [sorted(w) for _kw, _f, w in kws if w] for k, kws in c._keywords.items()}}


def brand_words(profile) -> list[str]:
    """The brand names to look for: the profile's own, else each domain's first label."""
    names = list(getattr(profile, "brand_names", []) or [])
    if not names:
        for domain in profile.domains:
            label = urls.registrable_domain(domain).split(".")[0]
            if label and label not in names:
                names.append(label)
    minimum = rules()["min_brand_length"]
    return [w for w in dict.fromkeys(squash(n) for n in names) if len(w) >= minimum]


@dataclass(frozen=True)
class AnchorClass:
    name: str     # one of CLASSES
    reason: str   # why, in words a user reads


class Classifier:
    """Classifies anchors for one profile (its brand words and money pages read once)."""

    def __init__(self, profile):
        self.brands = brand_words(profile)
        self._keywords: dict[str, list[tuple[str, str, frozenset]]] = {}
        for page in profile.money_pages:
            key = urls.safe_page_key(page["url"])
            if key:
                self._keywords.setdefault(key, []).extend(
                    (kw, fold(kw), frozenset(fold(kw).split())) for kw in page.get("keywords", []) if fold(kw))

    def keywords_of(self, target_key: str | None) -> list[tuple[str, str, frozenset]]:
        return self._keywords.get(target_key or "", [])

    def classify(self, anchor: str | None, target_key: str | None = None, link_type: str | None = None) -> AnchorClass:
        """The class of one anchor pointing at the page `target_key` (urls.page_key)."""
        return self.classify_folded(shape(anchor, link_type), fold(anchor or ""), target_key,
                                    " ".join((anchor or "").split()))

    def classify_folded(self, shape_: str, folded: str, target_key: str | None = None,
                        text: str | None = None) -> AnchorClass:
        """The class from what the store keeps of an anchor (its shape and folded text), the same
        rules in the same order; `text`: the anchor as written, for the reason (else the folded)."""
        text = folded if text is None else text
        for rule in rules()["order"]:
            found = getattr(self, f"_{rule}")(text, folded, target_key, shape_)
            if found:
                return AnchorClass(rule, found)
        raise AssertionError("the rule order ends with 'other', which always matches")

    # One method per rule: the reason if the rule matches, else None.
    def _image(self, text, folded, target_key, shape_):
        if shape_ == "image":
            return f"an image link (alt text '{text[:60]}')" if text else "an image link without alt text"
        return None

    def _url(self, text, folded, target_key, shape_):
        return f"a naked URL ('{text[:60]}')" if shape_ == "url" else None

    def _exact(self, text, folded, target_key, shape_):
        for keyword, kw_folded, _words in self.keywords_of(target_key):
            if folded == kw_folded:
                return f"the money keyword '{keyword}' of its target, word for word"
        return None

    def _brand(self, text, folded, target_key, shape_):
        squashed = folded.replace(" ", "")
        for word in self.brands:
            if word in squashed:
                return f"names the brand '{word}'"
        return None

    def _partial(self, text, folded, target_key, shape_):
        words = set(folded.split())
        for keyword, _kw_folded, kw_words in self.keywords_of(target_key):
            if kw_words and kw_words <= words:
                return f"holds the words of the money keyword '{keyword}' among others"
        return None

    def _generic(self, text, folded, target_key, shape_):
        if shape_ == "generic":
            return f"'{text[:60]}' says nothing of the page (a generic anchor)"
        return None

    def _other(self, text, folded, target_key, shape_):
        return "no anchor text" if not folded else "descriptive text: none of the rules above"
