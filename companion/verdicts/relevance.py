"""Topical relevance of tier-1 pages to a page or a draft: Okapi BM25.

A tier-2 link is worth most on a page about the same topic as the tier-1 page it
points at (docs/DOMAIN.md). We rank tier-1 pages with BM25 (Robertson & Zaragoza),
the standard lexical ranking function, over a small document per tier-1 page:
its title, the words of its URL, the anchors it uses to link to me and whatever
text we stored when the user visited it. The query is the page's (or draft's)
title, headings, description and URL words.

To keep a verdict as cheap with a million stored backlinks as with a thousand,
postings are *impact-ordered and truncated*: each term keeps only the
`MAX_POSTINGS` documents where it weighs most (static index pruning), and very
common terms (in more than half the documents) carry no IDF and are dropped. A
query then touches at most `len(query terms) × MAX_POSTINGS` postings.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

K1 = 1.2
B = 0.75
MAX_POSTINGS = 256
MAX_QUERY_TERMS = 48

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset("""
a an and are as at be but by for from has have how i if in into is it its of on or our so than that the their
them then there these they this to was we were what when where which who why will with you your www com org net
html htm php asp aspx index page amp nbsp http https de la le les des et en el los las del un une que di il
""".split())


def tokens(text: str) -> list[str]:
    """Lower-case word tokens, stopwords and 1-letter tokens out, a light plural fold."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        if len(tok) < 2 or tok in STOPWORDS or tok.isdigit():
            continue
        if len(tok) > 4 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return out


def url_words(url: str) -> str:
    """The words a URL carries in its host and path ('/best-seo-tools/' → 'best seo tools')."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    host = (parts.hostname or "").split(".")
    return " ".join(host[:-1]) + " " + unquote(parts.path).replace("-", " ").replace("_", " ").replace("/", " ")


@dataclass
class Doc:
    key: str
    payload: dict = field(default_factory=dict)


class BM25Index:
    """An immutable BM25 index over short documents (one per tier-1 page)."""

    def __init__(self, docs: list[tuple[str, object, dict]], pretokenized: bool = False):
        """docs: (key, text or token list, payload)."""
        self.docs: list[Doc] = []
        lengths: list[int] = []
        postings: dict[str, list[tuple[int, int]]] = {}
        for i, (key, text, payload) in enumerate(docs):
            toks = text if pretokenized else tokens(text)
            self.docs.append(Doc(key, payload))
            lengths.append(len(toks))
            for term, tf in Counter(toks).items():
                plist = postings.get(term)
                if plist is None:
                    postings[term] = [(i, tf)]
                else:
                    plist.append((i, tf))
        n = len(self.docs)
        self.n = n
        self.avgdl = avgdl = (sum(lengths) / n) if n else 1.0
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for term, plist in postings.items():
            df = len(plist)
            if n > 20 and df > n / 2:
                continue  # a term in most documents ranks nothing
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            weighted = []
            for i, tf in plist:
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[i] / avgdl))
                weighted.append((i, idf * norm))
            if len(weighted) > MAX_POSTINGS:
                weighted = heapq.nlargest(MAX_POSTINGS, weighted, key=lambda p: p[1])
            self.postings[term] = weighted

    def add(self, key: str, toks: list[str], payload: dict) -> None:
        """Add one document without a rebuild (IDF estimated from the current postings)."""
        i = len(self.docs)
        self.docs.append(Doc(key, payload))
        self.n += 1
        length = len(toks) or 1
        for term, tf in Counter(toks).items():
            plist = self.postings.setdefault(term, [])
            df = len(plist) + 1
            idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
            norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / self.avgdl))
            plist.append((i, idf * norm))
            if len(plist) > 2 * MAX_POSTINGS:
                plist[:] = heapq.nlargest(MAX_POSTINGS, plist, key=lambda p: p[1])

    def search(self, query: str, limit: int = 10) -> list[tuple[Doc, float, list[str]]]:
        """Best documents for the query: (doc, BM25 score, matched terms)."""
        terms = [t for t, _ in Counter(tokens(query)).most_common(MAX_QUERY_TERMS)]
        scores: dict[int, float] = {}
        matched: dict[int, list[str]] = {}
        for term in terms:
            for i, weight in self.postings.get(term, ()):
                scores[i] = scores.get(i, 0.0) + weight
                matched.setdefault(i, []).append(term)
        best = heapq.nlargest(limit, scores.items(), key=lambda kv: kv[1])
        return [(self.docs[i], score, matched[i]) for i, score in best]


def saturate(score: float, half: float = 6.0) -> float:
    """Map an unbounded BM25 score to 0..1 (half at `half`), for use as a signal strength."""
    return score / (score + half) if score > 0 else 0.0
