"""The cheaper contact extraction finds exactly what the code before it found.

The code before is read from git (the commit before the speed-up, `BEFORE`) into a temp
directory during the run and imported as its own module; both run over every page of
../shared/corpus and over local pages made for each marker the new code tests differently
(written-out marks, byline classes that overlap, `mailto:` casings, social links and
mailto: links read in one walk over the <a> elements, link words per kind).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from companion.analysis import analyze, contacts
from conftest import CORPUS, needs_corpus

ROOT = Path(__file__).resolve().parents[1]
BEFORE = "f7f92df68ddd3832a75e76ea008d8379d7d50cc1"  # main with contacts on save, before the speed-up
PAGE = "https://www.blog.test/2024/05/a-post"


@pytest.fixture(scope="module")
def before(tmp_path_factory):
    """companion/analysis/contacts.py as it was at BEFORE, imported from a temp file."""
    try:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{BEFORE}:companion/analysis/contacts.py"],
                                capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"the code before is not in this checkout's git history: {e}")
    path = tmp_path_factory.mktemp("before") / "contacts_before.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("contacts_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["contacts_before"] = module
    spec.loader.exec_module(module)
    assert module.extract is not contacts.extract and "_marks_in" not in vars(module)
    return module


def made(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head><title>t</title>{head}</head><body>{body}</body></html>"


MADE = {
    "plain mailto": made('<a href="mailto:Editor@Blog.TEST?subject=x">mail</a>'),
    "Mailto only": made('<a href="Mailto:ann@blog.test">mail</a>'),
    "MAILTO only": made('<a href="MAILTO:ann@blog.test">mail</a>'),
    "mAILTO (no casing the code knows)": made('<a href="mAILTO:ann@blog.test">mail</a>'),
    "ailto without m": made('<p>xailto:ann@blog.test</p>'),
    "every written-out mark": made("<p>" + " ".join(f"u{i} {mark} blog{i} [dot] test" for i, mark in enumerate(
        ("[at]", "(at)", "{at}", "[AT]", "(AT)", "{AT}", "[ at ]", "( at )", "{ at }", "[arobase]"))) + "</p>"),
    "a near-mark before a mark": made("<p>x [ at] y, then ann [at] blog [dot] test and bob (at)blog.test</p>"),
    "near-marks only": made("<p>ann [ AT ] blog [dot] test, [at ], (At), {aT}, ( at)</p>"),
    "mark in a script only": made('<script>var s = "ann [at] blog [dot] test";</script><p>none</p>'),
    "address after a script (the tail)": made('<script>x()</script>write to ann@blog.test'),
    "plain and written-out of one address": made("<p>ann [at] blog [dot] test</p><p>ann@blog.test</p>"),
    "cfemail": made('<span data-cfemail="5a3b343b1a3836353d742e3f292e">[email protected]</span>'),
    "overlapping byline classes": made('<div class="post-author-name">Jane Doe</div>'
                                       '<span class="entry-author__name">John Roe</span>'),
    "every byline class": made("".join(f'<span class="{c}">By Name {chr(65 + i)}</span>'
                                       for i, c in enumerate(contacts._BYLINE_CLASSES))),
    "byline in comments": made('<div class="comments"><span class="byline">A Commenter</span></div>'
                               '<span class="Byline">par Marie Curie</span>'),
    "stem at the very start": made("") .replace("<!doctype html>", "uthor-name byline"),
    "rel author and meta": made('<a rel="author" href="/author/jane/">Jane</a><link rel="Author" href="https://x.com/jane">',
                                '<meta name="author" content="Jane Doe"><meta property="article:author" '
                                'content="https://www.facebook.com/janedoe">'),
    "microdata": made('<div itemprop="author" itemscope><span itemprop="name">Ann Lee</span></div>'),
    "json-ld": made('<script type="application/ld+json">{"@type": "Article", "author": {"name": "Ann", '
                    '"sameAs": ["https://twitter.com/ann"], "email": "ann@blog.test"}, "publisher": '
                    '{"@type": "Organization", "sameAs": "https://www.linkedin.com/company/blog"}}</script>'),
    "social links of every shape": made(
        '<div class="author-bio"><a href="https://twitter.com/jane">t</a><a href="https://Instagram.COM/jane/">i</a></div>'
        '<a href="https://www.facebook.com/sharer.php?u=x">share</a><a href="https://twitter.com/intent/tweet">tw</a>'
        '<a href="HTTPS://WWW.LINKEDIN.COM/in/blog">in</a><a href="twitter.com/relative">rel</a>'
        '<a href="/go?to=https://github.com/blog">redirect</a><a href="">empty</a><a>none</a>'
        '<a href="https://youtube.com/@blog">yt</a><a href="https://www.youtube.com/@blog">yt again</a>'
        '<a href="https://x.com/a/https://x.com/b">twice</a>'
        '<a href="https://\nreddit.com/r/blog">newline</a><a href="https://medium.com/@blog">m</a>'),
    "social host without a social link": made('<a href="https://twitter.com">home</a><a href="/twitter.com/">own</a>'),
    "French contact pages": made('<a href="/nous-contacter">Nous contacter</a><a href="/a-propos">À propos</a>'
                                 '<a href="/proposer-un-article">Proposer un article</a>'),
    "nothing": made("<p>Nothing to find here, not even an @ sign alone.</p>"),
}


def same(before, url: str, html: str | bytes) -> dict:
    """Both versions on one page, the popup's way (analysis's links, the HTML as sent) and the
    CLI's way (extract_html); asserts they agree and returns the new answer."""
    analysis, doc = analyze.analyze_document(url, html)
    new = contacts.extract(analysis["url"], doc, analysis["links"], html)
    old = before.extract(analysis["url"], doc, analysis["links"], html)
    assert new == old
    assert contacts.extract_html(url, html) == before.extract_html(url, html)
    return new


@pytest.mark.parametrize("name", sorted(MADE))
def test_made_up_pages_give_what_they_gave(before, name):
    new = same(before, PAGE, MADE[name])
    if name == "nothing":
        assert contacts.is_empty(new)


def test_the_made_up_pages_find_what_each_was_made_for(before):
    """The comparison above compares answers that hold something (not two empty lists)."""
    found = {name: same(before, PAGE, html) for name, html in MADE.items()}
    assert len(found["every written-out mark"]["emails"]) == 10
    assert {e["address"] for e in found["a near-mark before a mark"]["emails"]} == {"ann@blog.test", "bob@blog.test"}
    assert [a["name"] for a in found["overlapping byline classes"]["authors"]] == ["Jane Doe", "John Roe"]
    assert len(found["every byline class"]["authors"]) == len(contacts._BYLINE_CLASSES)
    assert [a["name"] for a in found["byline in comments"]["authors"]] == ["Marie Curie"]
    assert [e["address"] for e in found["Mailto only"]["emails"]] == ["ann@blog.test"]
    assert [e["address"] for e in found["MAILTO only"]["emails"]] == ["ann@blog.test"]
    social = found["social links of every shape"]["social"]
    assert {(s["network"], s["of"]) for s in social} >= {("x", "author"), ("instagram", "author"),
                                                        ("linkedin", "site"), ("youtube", "site")}
    assert found["address after a script (the tail)"]["emails"] == []  # the tail of a script counts as script


@needs_corpus
def test_every_corpus_page_gives_what_it_gave(before):
    pages = sorted(CORPUS.glob("*.html"))
    assert len(pages) >= 100
    counts = dict.fromkeys(contacts.LISTS, 0)
    for path in pages:
        html = path.read_bytes().decode("utf-8", "replace")
        new = same(before, f"https://www.{path.stem}.corpus.test/{path.stem}", html)
        for name in contacts.LISTS:
            counts[name] += len(new[name])
    assert all(counts.values()), counts  # the corpus has some of each: the comparison is not of empties
