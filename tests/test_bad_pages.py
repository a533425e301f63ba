"""Bad pages never break the analysis: damaged corpus pages and generated HTML.

Every corpus page is cut at random points and has random bytes flipped (seeded,
so a failure replays), and hypothesis generates HTML from a grammar of the
constructs that trouble parsers (unclosed and misnested tags, odd attributes,
entities, NULs, deep nesting, broken URLs). The analysis must return a result
with a consistent link count, never raise.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.analysis.analyze import analyze
from companion.analysis.profile import validate
from conftest import corpus_pages, needs_corpus

PROFILE = validate({"domains": ["example.com"], "competitors": ["rival.test"], "owned_sites": ["mine.test"]})


def check(result: dict) -> None:
    counts = result["counts"]
    assert counts["links"] == len(result["links"])
    assert counts["internal"] + counts["external"] == counts["links"]
    for link in result["links"]:
        assert isinstance(link["href"], str) and link["position"] in (
            "content", "navigation", "header", "footer", "sidebar", "comments")


@needs_corpus
@pytest.mark.parametrize("path", corpus_pages(), ids=lambda p: p.name)
def test_damaged_corpus_page(path):
    data = path.read_bytes()
    rng = random.Random(path.name)
    for _ in range(3):
        cut = data[: rng.randrange(len(data) + 1)]
        check(analyze("https://corpus.test/cut", cut, PROFILE))
        flipped = bytearray(data)
        for _ in range(max(1, len(flipped) // 2000)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        check(analyze("https://corpus.test/flip", bytes(flipped), PROFILE))


TAGS = ["a", "div", "p", "nav", "footer", "header", "aside", "main", "article", "section", "table", "td",
        "tr", "li", "ul", "span", "b", "img", "area", "map", "base", "meta", "link", "title", "html", "body",
        "head", "script", "style", "svg", "template", "noscript", "iframe", "form", "select", "option"]
ATTRS = st.sampled_from([
    'href="https://example.com/x"', 'href="/rel"', "href=''", 'href="javascript:void(0)"', 'href="http://[::1"',
    'href="  https://rival.test/ "', 'href="\\\\evil\\path"', 'href="https://#"', 'href="mailto:a@b"',
    'rel="nofollow ugc"', 'rel="SPONSORED"', 'class="footer nav"', 'id="sidebar"', 'role="navigation"',
    'name="robots" content="none"', 'rel="canonical" href="https://elsewhere.test/"', 'alt="pic"',
    'href="https://bücher.de/ü"', 'charset="x-unknown"', 'href="http://example.com:99999/"', "\x00", "=", '"',
])
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)


@st.composite
def html_fragments(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 4))
        if kind == 0 or depth > 6:
            parts.append(draw(TEXT).replace("<", "&lt;"))
        elif kind == 1:
            tag = draw(st.sampled_from(TAGS))
            attrs = " ".join(draw(st.lists(ATTRS, max_size=3)))
            inner = draw(html_fragments(depth=depth + 1))
            close = draw(st.sampled_from([f"</{tag}>", "", "</div>", "</a></b>"]))
            parts.append(f"<{tag} {attrs}>{inner}{close}")
        elif kind == 2:
            parts.append(draw(st.sampled_from(["&amp;", "&#0;", "&#x110000;", "&bogus;", "<!--", "-->", "<![CDATA[",
                                               "</html>", "<html>", "<?xml version='1.0' encoding='latin1'?>"])))
        elif kind == 3:
            parts.append("<div>" * draw(st.integers(0, 300)) + '<a href="https://example.com/deep">d</a>')
        else:
            parts.append(draw(st.binary(max_size=40)).decode("latin-1"))
    return "".join(parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=html_fragments())
def test_generated_html_never_breaks_the_analysis(html):
    check(analyze("https://blog.test/post", html, PROFILE))
    check(analyze("https://blog.test/post", html.encode("utf-8", "surrogatepass"), PROFILE))
