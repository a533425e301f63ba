"""URL resolution as browsers do it, page identity for matching, registrable domains.

Why: a link is credited to the site and page the browser would follow, and the
extension outlines links by matching the analysis' hrefs against the browser's
`a.href`, so resolution must be the WHATWG parser's (ada), string for string; page
keys must make one page of every spelling of it. The web platform's own suite runs
through the analysis in test_urltestdata.py; here are our rules, the Resolver's
shortcuts against the parser, and the real-world cases of issue 16.
"""

import html
import re
from pathlib import Path

import ada_url
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion import urls
from companion.importers import rows
from companion.workspace import Workspace
from conftest import needs_corpus


@pytest.mark.parametrize("base, href, expected", [
    ("https://blog.test/a/b", "c", "https://blog.test/a/c"),
    ("https://blog.test/a/b", "/x", "https://blog.test/x"),
    ("https://blog.test/a/b", "//cdn.test/y", "https://cdn.test/y"),
    ("https://blog.test/a/b", "  https://example.com/p  ", "https://example.com/p"),
    ("https://blog.test/a/b", "https://exa\nmple.com/p\t", "https://example.com/p"),
    ("https://blog.test/a/b", "https:\\\\example.com\\p", "https://example.com/p"),
    ("https://blog.test/a/b", "\\x\\y", "https://blog.test/x/y"),
    ("https://blog.test/a/b", "#top", "https://blog.test/a/b#top"),
    ("https://blog.test/a/b", "?q=1", "https://blog.test/a/b?q=1"),
])
def test_resolve_like_a_browser(base, href, expected):
    assert urls.resolve(base, href) == expected


@pytest.mark.parametrize("href", [
    "", "   ", None, "javascript:void(0)", " JavaScript:alert(1)", "mailto:a@b.test", "tel:+123",
    "data:text/html,hi", "http://[::1", "https://", "http://example.com:99999/",
])
def test_unfollowable_hrefs_are_left_out(href):
    assert urls.resolve("https://blog.test/", href) is None


@pytest.mark.parametrize("a, b", [
    ("http://www.Example.com/path/", "https://example.com/path"),
    ("https://example.com:443/p#frag", "https://example.com/p"),
    ("http://example.com:80", "https://example.com/"),
    ("https://example.com/p?utm_source=x&b=2&a=1&gclid=z&fbclid=q", "https://example.com/p?a=1&b=2"),
    ("https://bücher.de/é", "https://xn--bcher-kva.de/%C3%A9"),
    ("https://example.com/%c3%a9", "https://example.com/é"),
])
def test_same_page_after_normalisation(a, b):
    assert urls.page_key(a) == urls.page_key(b)


@pytest.mark.parametrize("a, b", [
    ("https://example.com/p", "https://example.com/q"),
    ("https://example.com/p?id=1", "https://example.com/p?id=2"),
    ("https://example.com:8080/p", "https://example.com/p"),
    ("https://blog.example.com/p", "https://example.com/p"),
])
def test_different_pages_stay_different(a, b):
    assert urls.page_key(a) != urls.page_key(b)


def test_registrable_domain_uses_the_private_section():
    assert urls.registrable_domain("alice.blogspot.com") == "alice.blogspot.com"
    assert urls.registrable_domain("bob.blogspot.com") != urls.registrable_domain("alice.blogspot.com")
    assert urls.registrable_domain("www.bbc.co.uk") == "bbc.co.uk"
    assert urls.registrable_domain("a.b.example.com") == "example.com"
    assert urls.registrable_domain("127.0.0.1") == "127.0.0.1"
    assert urls.registrable_domain("localhost") == "localhost"


def test_idn_hosts_become_punycode():
    assert urls.host_of("https://Bücher.DE/x") == "xn--bcher-kva.de"
    assert urls.registrable_domain("www.bücher.de") == "xn--bcher-kva.de"


def test_domain_matching_covers_subdomains_only():
    assert urls.domain_matches("blog.example.com", "example.com")
    assert urls.domain_matches("example.com", "example.com")
    assert not urls.domain_matches("notexample.com", "example.com")
    assert not urls.domain_matches("example.com.evil.test", "example.com")


@pytest.mark.parametrize("typed, expected", [
    ("Example.COM", "example.com"), ("https://www.example.com/x", "example.com"),
    ("www.example.com", "example.com"), ("bücher.de", "xn--bcher-kva.de"), ("example.com:8080", "example.com"),
])
def test_domains_as_users_type_them(typed, expected):
    assert urls.normalize_domain(typed) == expected


@pytest.mark.parametrize("href, expected", [
    # the string fast paths (absolute, root-relative, fragment) ...
    ("https://Example.COM/x", ("https://example.com/x", "example.com", True)),
    ("HTTPS://a.test", ("https://a.test/", "a.test", True)),
    ("https://a.test", ("https://a.test/", "a.test", True)),
    ("http://a.test?x#y", ("http://a.test/?x#y", "a.test", True)),
    ("https://bücher.test/ä", ("https://xn--bcher-kva.test/%C3%A4", "xn--bcher-kva.test", True)),
    ("#frag", ("https://site.test/dir/page?q=1#frag", "site.test", True)),
    ("/a/b", ("https://site.test/a/b", "site.test", True)),
    ("?p=2", ("https://site.test/dir/page?p=2", "site.test", True)),
    ("/a/./b/../c", ("https://site.test/a/c", "site.test", True)),
    ("https://a.test/x/%2e%2E/y", ("https://a.test/y", "a.test", True)),
    ("http://1.2.3/", ("http://1.2.0.3/", "1.2.0.3", True)),
    ("http://a.test/?it's", ("http://a.test/?it%27s", "a.test", True)),
    # ... and what they must hand to resolve(): ports, userinfo, IPv6, whitespace
    # anywhere (Unicode too), backslashes, relative and scheme-relative paths
    ("https://a.test:8080/x", ("https://a.test:8080/x", "a.test", True)),
    ("https://user@a.test/", ("https://user@a.test/", "a.test", True)),
    ("https://[::1]/x", ("https://[::1]/x", "::1", True)),
    ("/a\u3000b", ("https://site.test/a%E3%80%80b", "site.test", True)),
    ("/a\\b", ("https://site.test/a/b", "site.test", True)),
    ("\thttps://t.test/\n", ("https://t.test/", "t.test", True)),
    ("//cdn.test/x", ("https://cdn.test/x", "cdn.test", True)),
    ("rel/x", ("https://site.test/dir/rel/x", "site.test", True)),
    ("https://", ("https://", "", False)),
    ("javascript:void(0)", None),
    ("", None),
])
def test_resolver_fast_paths_agree_with_the_slow_one(href, expected):
    base = "https://site.test/dir/page?q=1#top"
    resolver = urls.Resolver(base)
    assert resolver(href) == expected
    if expected is not None and expected[2]:
        assert urls.resolve(base, href) == expected[0]
    assert resolver.resolve(href) == expected  # calling the resolver is resolve()


@pytest.mark.parametrize("base", ["https://a.test/p?", "https://a.test/p#", "https://a.test/p?#", "https://a.test?q#f",
                                  "https://u:p@a.test:8443/d/p?q=1#f", "HTTPS://A.TEST/x/../p?q"])
@pytest.mark.parametrize("href", ["#x", "?y", "/z", "/z?a#b", "https://b.test", "w"])
def test_resolver_fast_paths_on_odd_bases(base, href):
    """A bare '?' or '#' ends many real page URLs; the shortcuts cut the base as the parser does."""
    assert urls.Resolver(base)(href)[0] == ada_url.join_url(base, href)


# --- the browser's parser, on the hrefs of real pages --------------------------------

def _corpus_hrefs():
    import lxml.html

    from conftest import corpus_pages
    for path in corpus_pages():
        doc = lxml.html.document_fromstring(path.read_bytes())
        yield "https://corpus.test/dir/" + path.stem, [el.get("href") for el in doc.iter("a", "area")
                                                       if el.get("href") is not None]


@needs_corpus
def test_resolver_fast_paths_give_the_parsers_answer_on_every_corpus_href():
    """The Resolver's string shortcuts are only allowed where ada would return the same string."""
    checked = 0
    for base, hrefs in _corpus_hrefs():
        resolver = urls.Resolver(base)
        for raw in hrefs:
            got = resolver(raw)
            if not urls.is_followable(raw):
                assert got is None, raw
                continue
            try:
                expected = ada_url.join_url(base, urls.clean_href(raw))
            except ValueError:
                assert got == (urls.clean_href(raw), "", False), raw
                continue
            assert got == (expected, urls.host_of(expected), True), raw
            checked += 1
    assert checked > 10000


# Characters around the fast paths' edges: case, dots, escapes, quotes, IPv4-looking labels.
_EDGY = st.lists(st.sampled_from(list("aZ09.-_/%2eE?#'\"<>`{}^|:@~ \\é[]!$&()*+,;=\t\x7f")
                                 + ["xn--", "www.", "//", "..", "/.", "%2e", "%2E", "0x", "a:"]),
                 max_size=14).map("".join)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(["https://", "http://", "HtTp://", "/", "#", "?", "", "//", "h", "H"]), _EDGY, _EDGY)
def test_resolver_agrees_with_the_parser_on_edge_strings(prefix, host, rest):
    base = "https://site.test/dir/page?q=1#top"
    raw = prefix + host + ("/" + rest if prefix.endswith("//") else rest)
    got = urls.Resolver(base)(raw)
    if not urls.is_followable(raw):
        assert got is None
        return
    try:
        expected = ada_url.join_url(base, urls.clean_href(raw))
    except ValueError:
        assert got == (urls.clean_href(raw), "", False)
        return
    assert got == (expected, urls.host_of(expected), True)


# --- the five real-world cases of issue 16, through the analysis ----------------------

ME = "mysite.com"


@pytest.fixture
def ws(home):
    w = Workspace(home)
    w.set_profile({"domains": [ME, "example.com", "faß.example"]})
    yield w
    w.close()


def _links(ws, page_url, *hrefs):
    body = "".join(f'<p><a href="{html.escape(h, quote=True)}">link {i}</a></p>' for i, h in enumerate(hrefs))
    return ws.analyze(page_url, f"<html><head><title>t</title></head><body><main>{body}</main></body></html>")


def test_scheme_relative_with_three_slashes_is_a_backlink(ws):
    """'///mysite.com/landing' on an https page is https://mysite.com/landing, not a path on the page's site."""
    result = _links(ws, "https://blog.test/post", "///mysite.com/landing")
    [link] = result["links"]
    assert link["href"] == "https://mysite.com/landing" and link["valid"]
    assert link["target"] == "me" and not link["internal"] and "tier1" in result["labels"]


@pytest.mark.parametrize("page_url, href, expected", [
    ("http://blog.test/post", "https:/example.com/", "https://example.com/"),
    ("https://blog.test/post", "http:example.com/", "http://example.com/"),
])
def test_one_slash_or_none_after_the_other_scheme_is_still_a_link(ws, page_url, href, expected):
    """Browsers read 'https:/host' and 'http:host' on a page of the other scheme as links to that host."""
    result = _links(ws, page_url, href)
    [link] = result["links"]
    assert link == {**link, "href": expected, "valid": True, "target": "me"}
    assert "tier1" in result["labels"]


def test_same_scheme_without_slashes_stays_on_the_page_site(ws):
    """The counterpart: 'http:example.com/' on an http page is a relative path there (what a browser follows)."""
    [link] = _links(ws, "http://blog.test/dir/post", "http:example.com/")["links"]
    assert link["href"] == "http://blog.test/dir/example.com/" and link["target"] == "internal"


def test_idn_hosts_follow_uts46_not_idna2003(ws):
    """'faß.example' is xn--fa-hia.example to a browser (IDNA 2003 made it fass.example, another site)."""
    result = _links(ws, "https://blog.test/post", "https://faß.example/", "https://fass.example/")
    ss, s = result["links"]
    assert ss["href"] == "https://xn--fa-hia.example/" and ss["target"] == "me"
    assert s["href"] == "https://fass.example/" and s["target"] == "other"
    assert urls.site_of(ss["href"]) == urls.registrable_domain("faß.example") == "xn--fa-hia.example"
    assert urls.normalize_domain("FASS.example") != urls.normalize_domain("faß.example")


@pytest.mark.parametrize("written", [
    "https://mysite.com/a/./b/../c", "https://mysite.com/a/b/%2e%2e/c", "https://mysite.com/a/b/%2E./c/",
    "https://mysite.com/a/c/.", "HTTPS://WWW.mysite.com/x/../a/c#top",
])
def test_dot_segments_give_one_page_key(written):
    """A page written with dot segments is the page the browser goes to: one key, so never a false 'lost'."""
    assert urls.page_key(written) == urls.page_key("https://mysite.com/a/c") == "mysite.com/a/c"


@pytest.mark.parametrize("stored_target", ["https://mysite.com/a/b/%2e%2e/c", "https://mysite.com/a/./c"])
@pytest.mark.parametrize("on_page", ["https://mysite.com/a/./b/../c", "https://mysite.com/a/c",
                                     "//mysite.com/a/b/%2e%2e/c", "https://www.mysite.com/a/x/%2E%2E/c/"])
def test_a_link_written_with_dots_is_not_lost(ws, stored_target, on_page):
    """The stored backlink and the live link are the same page however each spells the path."""
    ws.store.merge_backlinks([{
        "source_url": "https://mysite-fan.test/post", "target_url": stored_target, "anchor": "link 0", "rel": [],
        "follow": True, "status": "live", "first_seen": "2026-01-01", "last_seen": "2026-11-01", "metrics": {}}],
        origin="ahrefs")
    result = _links(ws, "https://mysite-fan.test/post", on_page)
    [link] = result["links"]
    assert link["target"] == "me" and urls.page_key(link["href"]) == "mysite.com/a/c"
    assert result["changes"] == [] and "link_lost" not in result["labels"]


# --- registrable domains on the hosts the parser gives --------------------------------

PSL_TESTS = Path(__file__).resolve().parents[2] / "shared" / "external" / "test_psl.txt"
_PSL_CASE = re.compile(r"^checkPublicSuffix\((null|'[^']*'), (null|'[^']*')\);", re.M)


def _parsed_host(host: str) -> str | None:
    """The ASCII host a browser gives for http://HOST/, None where it refuses it."""
    try:
        return urls.host_of(ada_url.join_url("http://x.test/", f"http://{host}/"))
    except ValueError:
        return None


@pytest.mark.skipif(not PSL_TESTS.is_file(), reason=f"{PSL_TESTS} not found (third-party data, only in the team's checkout)")
def test_public_suffix_lists_own_tests_pass_on_the_parsers_ascii_hosts():
    """Sites are judged on the hosts links really have (punycode from ada), so the PSL must agree in that form."""
    checked = 0
    for raw, want in _PSL_CASE.findall(PSL_TESTS.read_text(encoding="utf-8")):
        if raw == "null" or raw.startswith("'."):
            continue  # no host, or a leading dot: not something a link's host can be
        host = _parsed_host(raw[1:-1])
        if host is None:
            continue
        expected = host if want == "null" else _parsed_host(want[1:-1])  # a bare suffix is its own site
        assert urls.registrable_domain(host) == expected, raw
        checked += 1
    assert checked >= 60


@pytest.mark.parametrize("url", ["https://www.食狮.公司.cn/x", "https://faß.example/", "https://Bücher.DE/",
                                 "https://xn--85x722f.xn--fiqs8s/", "https://ÉCOLE.fr/a"])
def test_site_of_a_resolved_link_is_the_site_of_its_unicode_host(url):
    """The analysis sees ada's ASCII href; the profile holds what the user typed: both name one site."""
    href = urls.resolve("https://page.test/", url)
    unicode_host = url.split("/")[2]
    assert href.isascii()
    assert urls.site_of(href) == urls.registrable_domain(unicode_host) == urls.site_of(url)
    assert urls.host_of(href) == urls.normalize_host(unicode_host)


# --- the importers' page-key shortcut -------------------------------------------------

@pytest.mark.parametrize("url", [
    "https://a.test/a/./b/../c", "https://a.test/a/b/..", "http://1.2.3/x", "http://foo.09/x", "https://xn--a.test/x",
    "https://www.A.test/é//", "https://a.test/.well-known/x", "https://a.test", "https://a.test/x/", "https://a.b.c/..x/.",
])
def test_importers_page_key_shortcut_agrees_with_page_key(url):
    """Imports take a string shortcut to page keys; it must give urls.page_key's answer or step aside."""
    m = rows._FAST_SRC(url)
    fast = m and rows._fast_source_key(m)
    assert fast is None or fast == urls.safe_page_key(url)


@needs_corpus
def test_importers_page_key_shortcut_agrees_on_corpus_links():
    checked = 0
    for base, hrefs in _corpus_hrefs():
        for raw in hrefs:
            href = urls.resolve(base, raw)
            m = href and rows._FAST_SRC(href)
            if m and (fast := rows._fast_source_key(m)) is not None:
                assert fast == urls.page_key(href), href
                checked += 1
    assert checked > 5000
