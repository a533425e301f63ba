"""Every real page in ../shared/corpus analyses, and its link list matches an independent count."""

import lxml.html
import pytest

from companion.analysis.analyze import analyze
from companion.analysis.decode import decode_html
from companion.analysis.profile import validate
from conftest import CORPUS, corpus_pages, needs_corpus

SKIPPED = ("javascript:", "mailto:", "tel:", "data:")


def independent_count(data: bytes) -> int:
    """lxml's //a[@href] | //area[@href] over the whole document, minus the skipped schemes and
    those inside a <template> (an inert fragment in the browser, no part of the document)."""
    text, _ = decode_html(data)
    parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True)
    root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    # `//` on the tree also sees a second top-level element (content after </html>)
    hrefs = root.getroottree().xpath("//a[@href][not(ancestor::template)]/@href"
                                     " | //area[@href][not(ancestor::template)]/@href")
    kept = 0
    for href in hrefs:
        value = "".join(ch for ch in href.strip() if ch not in "\t\n\r")
        if value and not value.lower().startswith(SKIPPED):
            kept += 1
    return kept


@needs_corpus
@pytest.mark.parametrize("path", corpus_pages(), ids=lambda p: p.name)
def test_corpus_page_link_count(path):
    data = path.read_bytes()
    result = analyze("https://corpus.test/" + path.stem, data, validate({"domains": ["example.com"]}))
    assert result["counts"]["links"] == len(result["links"]) == independent_count(data)
    assert result["counts"]["internal"] + result["counts"]["external"] == result["counts"]["links"]


@needs_corpus
def test_wrong_charset_page_through_the_cli(cli):
    page = CORPUS / "025-qq-zh-wrong-charset.html"
    raw_root = lxml.html.document_fromstring(page.read_bytes())
    assert raw_root.xpath("//a[@href]") == []  # lxml on the raw bytes finds none: the trap
    result = cli.json("analyze", str(page), "--url", "https://news.qq.com/a/20161013/000001.htm")
    assert result["counts"]["links"] == 103
    assert "腾讯" in result["title"]


@needs_corpus
def test_corpus_page_links_to_a_profile_domain_make_it_tier1(cli):
    page = CORPUS / "002-wikipedia-en-2.html"
    cli("init", "--domain", "wikimedia.org")
    result = cli.json("analyze", str(page), "--url", "https://en.wikipedia.org/wiki/New_Zealand")
    assert "tier1" in result["labels"]
    assert any(l["target"] == "me" for l in result["links"])
