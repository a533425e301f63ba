"""Does a page compete with me for a money keyword? Shared content words, stemmed.

The seed: never boost a page that targets the keywords I want to rank for; every link
built to it makes my own ranking harder. "Every word of the keyword appears in the
title" missed the obvious case (a tier-1 page titled "Best running shoes 2025, tested"
against my keyword "trail running shoes for women"). The rule now: the keyword's
content words (stop words out, each stemmed by Snowball's English stemmer, so "running"
meets "run" and "shoes" meets "shoe") and the page's; the page competes when it shares
at least two of them and at least half of them (a one-word keyword: that word). The
strength is the share of the keyword's words matched: a full match weighs fully, a
partial one in proportion, and the reason says which.

One rule for every caller: the boost verdict of a visit (the page's title and
headings), the stored boost score and the suggestions (the export's title and the URL
words), and the draft check's `competing_tier1`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from companion import relevance

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# relevance.STOPWORDS (English function words, URL noise) plus more English function words.
STOPWORDS = relevance.STOPWORDS | frozenset("""
about after all also am any been before being both can could did do does doing down during each few
further had having he her here hers him his just me more most my no nor not now off once only other
out over own same she should some such too under until up very while would yours vs via
""".split())
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def content_words(text: str, prefixes: frozenset[str] | None = None) -> list[str]:
    """The stemmed content words of a text, in order, each once.

    `prefixes`: stem only words that begin with one of these letters (the first letters of
    the stems looked for). Snowball's English stemmer keeps a word's first letter (not
    always its second: dying -> die), so no match is lost, and most words of a page title
    are not stemmed at all: stemming was three quarters of the rule's cost.
    """
    out: dict[str, None] = {}
    for tok in _WORD.findall(text.lower()):
        if len(tok) < 2 or tok in STOPWORDS or tok.isdigit():
            continue
        if prefixes is not None and tok[0] not in prefixes:
            continue
        out[_stem(tok)] = None
    return list(out)


@dataclass(frozen=True)
class Keyword:
    text: str
    words: tuple[str, ...]  # stemmed content words

    @property
    def needed(self) -> int:
        n = len(self.words)
        return n if n < 2 else max(2, math.ceil(n / 2))


@dataclass(frozen=True)
class Competition:
    keyword: str
    shared: tuple[str, ...]
    total: int

    @property
    def strength(self) -> float:
        return len(self.shared) / self.total

    @property
    def full(self) -> bool:
        return len(self.shared) == self.total

    def describe(self) -> str:
        how = "every content word" if self.full else f"{len(self.shared)} of its {self.total} content words"
        return (f"the page targets my money keyword '{self.keyword}' ({how}: {', '.join(self.shared)}; "
                f"{'full' if self.full else 'partial'} match)")


def keywords(money_keywords: list[str]) -> list[Keyword]:
    return [Keyword(kw, tuple(words)) for kw in money_keywords if (words := content_words(kw))]


def competes(kws: list[Keyword], text: str) -> Competition | None:
    """The strongest money keyword the text competes for, or None."""
    if not kws:
        return None
    words = set(content_words(text, frozenset(w[0] for kw in kws for w in kw.words)))
    best = None
    for kw in kws:
        shared = tuple(w for w in kw.words if w in words)
        if len(shared) >= kw.needed and (best is None or len(shared) / len(kw.words) > best.strength):
            best = Competition(kw.text, shared, len(kw.words))
    return best


def stored_text(title: str, url: str) -> str:
    """What a tier-1 page is known by without a visit: the export's title and its URL words."""
    return f"{title} {relevance.url_words(url)}"
