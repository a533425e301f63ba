"""The page analysis engine, rule by rule, on small hand-made pages."""

import pytest

from companion.analysis.analyze import analyze
from companion.core.limits import MAX_HTML_BYTES
from companion.analysis.profile import validate

PAGE = "https://blog.test/post"
PROFILE = validate({"domains": ["example.com"], "competitors": ["rival.test"], "owned_sites": ["mine.test"]})


def links_of(body: str, url: str = PAGE, profile=PROFILE, head: str = ""):
    return analyze(url, f"<html><head>{head}</head><body>{body}</body></html>", profile)


def one(body: str, **kw) -> dict:
    result = links_of(body, **kw)
    assert len(result["links"]) == 1, result["links"]
    return result["links"][0]


@pytest.mark.parametrize("rel, tokens, follow", [
    ("", [], True),
    ("nofollow", ["nofollow"], False),
    ("NoFollow Noopener", ["nofollow", "noopener"], False),
    ("ugc", ["ugc"], False),
    ("sponsored", ["sponsored"], False),
    ("noopener noreferrer", ["noopener", "noreferrer"], True),
    ("external  external", ["external"], True),
    # Google reads rel as a space- or comma-separated list
    ("nofollow,noindex", ["nofollow", "noindex"], False),
    ("noopener, sponsored", ["noopener", "sponsored"], False),
])
def test_rel_tokens_and_follow(rel, tokens, follow):
    link = one(f'<p><a href="https://example.com/" rel="{rel}">x</a></p>')
    assert link["rel"] == tokens
    assert link["follow"] is follow


@pytest.mark.parametrize("metas, noindex, nofollow", [
    ('<meta name="robots" content="index, follow">', False, False),
    ('<meta name="ROBOTS" content="NOINDEX">', True, False),
    ('<meta name="robots" content="nofollow">', False, True),
    ('<meta name="googlebot" content="noindex,nofollow">', True, True),
    ('<meta name="robots" content="none">', True, True),
    ('<meta name="robots" content="index"><meta name="googlebot" content="noindex">', True, False),
    ('<meta name="bingbot" content="noindex">', False, False),
])
def test_robots_meta_most_restrictive_wins(metas, noindex, nofollow):
    result = links_of('<a href="https://example.com/">x</a>', head=metas)
    assert result["robots"] == {"noindex": noindex, "nofollow": nofollow}
    assert result["indexable"] is not noindex
    assert result["links"][0]["follow"] is not nofollow


def test_canonical_decides_indexable():
    elsewhere = links_of("", head='<link rel="canonical" href="https://blog.test/other">')
    assert elsewhere["canonical"] == "https://blog.test/other" and elsewhere["indexable"] is False
    itself = links_of("", head='<link rel="canonical" href="http://www.blog.test/post/?utm_source=x">')
    assert itself["indexable"] is True


def test_base_href_resolves_relative_links():
    result = links_of('<a href="page">x</a><a href="/root">y</a>', head='<base href="https://cdn.test/dir/">')
    assert [l["href"] for l in result["links"]] == ["https://cdn.test/dir/page", "https://cdn.test/root"]


def test_relative_base_href_resolves_against_the_page():
    result = links_of('<a href="x">x</a>', head='<base href="/sub/">')
    assert result["links"][0]["href"] == "https://blog.test/sub/x"


def test_image_link_takes_the_alt_and_area_is_a_link():
    result = links_of('<a href="https://example.com/"><img src="a.png" alt="Example  logo"></a>'
                      '<map name="m"><area href="https://example.com/area" alt="Region"></map>')
    assert [(l["text"], l["href"]) for l in result["links"]] == [
        ("Example logo", "https://example.com/"), ("Region", "https://example.com/area")]


def test_skipped_schemes_and_empty_hrefs_are_left_out_in_document_order():
    result = links_of('<a href="javascript:void(0)">j</a><a href="mailto:x@y.test">m</a><a href="tel:1">t</a>'
                      '<a href="data:,x">d</a><a href="">e</a><a>no href</a><a href=" /a ">a</a>'
                      '<a href="http://[::1">broken</a><a href="b c">b</a>')
    assert [(l["href"], l["valid"]) for l in result["links"]] == [
        ("https://blog.test/a", True), ("http://[::1", False), ("https://blog.test/b%20c", True)]  # a.href
    assert result["links"][1]["target"] == "other"


def test_content_after_closing_html_is_included():
    html = '<html><body><a href="/in">in</a></body></html><a href="https://example.com/after">after</a>'
    result = analyze(PAGE, html, PROFILE)
    assert [l["text"] for l in result["links"]] == ["in", "after"]
    assert result["labels"] == ["tier1"]


@pytest.mark.parametrize("body, position", [
    ('<main><p><a href="/x">x</a></p></main>', "content"),
    ('<nav><a href="/x">x</a></nav>', "navigation"),
    ('<header><a href="/x">x</a></header>', "header"),
    ('<footer><a href="/x">x</a></footer>', "footer"),
    ('<aside><a href="/x">x</a></aside>', "sidebar"),
    ('<footer><nav><a href="/x">x</a></nav></footer>', "footer"),
    ('<aside><div class="widget"><nav><a href="/x">x</a></nav></div></aside>', "sidebar"),
    ('<div role="navigation"><a href="/x">x</a></div>', "navigation"),
    ('<div role="banner"><a href="/x">x</a></div>', "header"),
    ('<div role="contentinfo"><a href="/x">x</a></div>', "footer"),
    ('<div role="complementary"><a href="/x">x</a></div>', "sidebar"),
    ('<div id="menu"><a href="/x">x</a></div>', "navigation"),
    ('<ol class="breadcrumb"><li><a href="/x">x</a></li></ol>', "navigation"),
    ('<div class="site-footer dark"><a href="/x">x</a></div>', "footer"),
    ('<div id="sidebar"><a href="/x">x</a></div>', "sidebar"),
    ('<div class="widget"><a href="/x">x</a></div>', "sidebar"),
    ('<article><p>t</p><div id="comments"><a href="/x">x</a></div></article>', "comments"),
    ('<div class="comment-list"><a href="/x">x</a></div>', "comments"),
    # a header/footer inside an article is the article's own (byline, tags): content
    ('<article><header><a href="/x">x</a></header></article>', "content"),
    ('<article><footer><a href="/x">x</a></footer></article>', "content"),
    # layout wrappers around the main content are not regions
    ('<div class="has-sidebar"><main><a href="/x">x</a></main></div>', "content"),
    ('<div id="navigation-wrapper" class="nav"><main><a href="/x">x</a></main></div>', "content"),
    ('<div class="canvas unavailable"><a href="/x">x</a></div>', "content"),
])
def test_link_position(body, position):
    assert one(body)["position"] == position


def test_body_classes_do_not_make_everything_a_sidebar():
    html = '<html><body class="sidebar menu footer"><p><a href="/x">x</a></p></body></html>'
    assert analyze(PAGE, html, PROFILE)["links"][0]["position"] == "content"


@pytest.mark.parametrize("href, target, internal", [
    ("https://www.example.com/pricing", "me", False),
    ("https://shop.example.com/", "me", False),
    ("https://rival.test/x", "competitor", False),
    ("https://blog.mine.test/", "owned", False),
    ("https://blog.test/other", "internal", True),
    ("https://cdn.blog.test/other", "internal", True),
    ("https://elsewhere.test/", "other", False),
])
def test_targets_from_the_profile(href, target, internal):
    link = one(f'<a href="{href}">x</a>')
    assert (link["target"], link["internal"]) == (target, internal)


def test_private_suffix_sites_are_different_sites():
    result = links_of('<a href="https://bob.blogspot.com/">bob</a><a href="https://alice.blogspot.com/p">me</a>',
                      url="https://alice.blogspot.com/post")
    assert [l["internal"] for l in result["links"]] == [False, True]


def test_idn_link_to_my_domain():
    profile = validate({"domains": ["bücher.de"]})
    link = one('<a href="https://www.BÜCHER.de/shop">x</a>', profile=profile)
    assert link["target"] == "me"


def test_links_to_my_site_from_my_site_are_internal():
    result = links_of('<a href="https://example.com/a">a</a>', url="https://www.example.com/b")
    assert result["links"][0]["target"] == "internal" and "tier1" not in result["labels"]


def test_counts_and_labels():
    result = links_of('<a href="/a">a</a><a href="https://example.com/">me</a>'
                      '<a href="https://rival.test/" rel="nofollow">r</a><a href="https://other.test/">o</a>')
    assert result["counts"] == {"links": 4, "internal": 1, "external": 3, "external_follow": 2}
    assert result["labels"] == ["tier1"]
    competitor_only = links_of('<a href="https://rival.test/">r</a>')
    assert competitor_only["labels"] == ["competitor_linker"]
    owned = links_of('<a href="/x">x</a>', url="https://www.mine.test/")
    assert owned["labels"] == ["owned_site"]


def test_title_lang_and_verdict_places():
    result = analyze(PAGE, '<html lang="de-AT"><head><title>  Ein\n Titel </title></head><body></body></html>')
    assert (result["title"], result["lang"]) == ("Ein Titel", "de-AT")
    assert result["boost"] is None and result["tier2"] is None and result["changes"] == []


@pytest.mark.parametrize("html", [
    "", "   \n\t ", b"", b"\x00\xff\xfe\x00" * 1000, bytes(range(256)) * 50,
    "<div><p><a href='/x'>unclosed", "<html><body><a href=/ok>ok</a><<<>>>&&&</body>",
])
def test_bad_pages_give_a_result(html):
    result = analyze(PAGE, html, PROFILE)
    assert isinstance(result["links"], list)


def test_empty_page_says_so():
    assert analyze(PAGE, "   ")["notes"] == ["the page is empty"]


def test_a_huge_page_is_cut_and_says_so():
    filler = "<p>" + "x" * 1000 + "</p>"
    html = '<a href="https://example.com/first">a</a>' + filler * (21 * 1024) + '<a href="https://example.com/last">z</a>'
    result = analyze(PAGE, html, PROFILE)
    assert result["truncated"] is True
    assert any("cut at" in note for note in result["notes"])
    assert [l["text"] for l in result["links"]] == ["a"]
    assert len(html.encode()) > MAX_HTML_BYTES


def test_deep_nesting_does_not_raise_and_is_reported():
    html = "<div>" * 100_000 + '<a href="https://example.com/">deep</a>' + "</div>" * 100_000
    result = analyze(PAGE, html, PROFILE)
    assert result["truncated"] is True
    assert any("nested" in note for note in result["notes"])


def test_moderate_nesting_keeps_its_links():
    html = "<div>" * 1000 + '<a href="https://example.com/">deep</a>' + "</div>" * 1000
    result = analyze(PAGE, html, PROFILE)
    assert [l["target"] for l in result["links"]] == ["me"] and result["truncated"] is False


@pytest.mark.parametrize("url", ["", "ftp://x.test/", "not a url", "http://", "javascript:alert(1)"])
def test_page_url_must_be_http(url):
    from companion.core.errors import BadInput
    with pytest.raises(BadInput):
        analyze(url, "<a href=/x>x</a>")


def test_declared_charset_that_decodes_is_used():
    html = '<html><head><meta charset="windows-1251"><title>Привет</title></head><body></body></html>'
    result = analyze(PAGE, html.encode("cp1251"))
    assert result["title"] == "Привет"


def test_bom_wins():
    html = "<title>Grüße</title><a href='/x'>x</a>"
    assert analyze(PAGE, html.encode("utf-16"))["title"] == "Grüße"
    assert analyze(PAGE, b"\xef\xbb\xbf" + html.encode("utf-8"))["title"] == "Grüße"


@pytest.mark.parametrize("body, position", [
    ('<p><a class="nav-link footer" href="/x">x</a></p>', "content"),  # a link's class is its style
    ('<p><a role="navigation" href="/x">x</a></p>', "navigation"),
    ('<footer><a role="navigation" href="/x">x</a></footer>', "footer"),
    ('<div class="sidebar"><div class="comments"><a href="/x">x</a></div></div>', "sidebar"),
])
def test_the_link_itself_and_nested_regions(body, position):
    assert one(body)["position"] == position


def test_links_placed_with_their_region_keep_the_rules():
    # The first link met in a region places every link below it at once; the
    # region's own element, links beside it and a hinted link's own class are
    # still decided by the rules (a link's class is its style, never a region).
    body = (
        '<div class="wrap"><nav><ul><li><a href="/a">a</a></li>'
        '<li><div class="footer"><a href="/b">b</a></div></li></ul><a href="/c">c</a></nav>'
        '<p><a href="/d">d</a></p>'
        '<div><a href="/o" class="menu"><span class="menu"><a href="/i">i</a></span>o</a></div>'
        '<div class="sidebar"><a href="/s1">s1</a><section><div class="footer"><a href="/s2">s2</a></div></section></div>'
        '<div class="widget"><article><a href="/w">w</a></article></div>'
        '<div class="menu-wrap has-sidebar" id="nav"><main><a href="/m">m</a></main><a href="/n">n</a></div></div>'
    )
    positions = {link["href"].rsplit("/", 1)[1]: link["position"] for link in links_of(body)["links"]}
    assert positions == {"a": "navigation", "b": "navigation", "c": "navigation", "d": "content",
                         "o": "content", "i": "navigation", "s1": "sidebar", "s2": "sidebar",
                         "w": "content", "m": "content", "n": "content"}


def test_links_inside_template_are_not_in_the_document():
    """A <template>'s content is an inert fragment in the browser: not a link of the page."""
    result = links_of('<template><p><a href="https://example.com/t">in a template</a>'
                      '<template><a href="https://example.com/deeper">deeper</a></template></p></template>'
                      '<a href="https://other.test/real">real</a>')
    assert [l["href"] for l in result["links"]] == ["https://other.test/real"]
    assert result["counts"]["links"] == 1 and "tier1" not in result["labels"]  # no link to me in the document


@pytest.mark.parametrize("inner, text", [
    ("a&nbsp;b", "a\u00a0b"),                     # text only
    ("<span>a&nbsp;b</span>", "a\u00a0b"),        # the same text inside an element
    ("&nbsp;<b> a \n\t b </b>&nbsp;", "\u00a0 a b \u00a0"),  # ASCII whitespace collapses, no-break spaces stay
    ("  x\fy  ", "x y"),                          # form feed is ASCII whitespace
    ("x\x0by\u2003z", "x\x0by\u2003z"),          # a vertical tab or an em space is not
])
def test_anchor_text_is_text_content_with_ascii_whitespace_collapsed(inner, text):
    """One rule whether the link holds only text or elements: Chromium's textContent keeps a
    no-break space (tests/test_links_as_chromium.py checks against the browser itself)."""
    assert one(f'<a href="https://example.com/">{inner}</a>')["text"] == text
