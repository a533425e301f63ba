"""URL resolution as browsers do it, page identity for matching, registrable domains."""

import pytest

from companion.analysis import urls


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
    ("https://Example.COM/x", ("https://Example.COM/x", "example.com", True)),
    ("HTTPS://a.test", ("HTTPS://a.test", "a.test", True)),
    ("http://a.test?x#y", ("http://a.test?x#y", "a.test", True)),
    ("https://bücher.test/ä", ("https://bücher.test/ä", "xn--bcher-kva.test", True)),
    ("#frag", ("https://site.test/dir/page?q=1#frag", "site.test", True)),
    ("/a/b", ("https://site.test/a/b", "site.test", True)),
    # ... and what they must hand to resolve(): ports, userinfo, IPv6, whitespace
    # anywhere (Unicode too), backslashes, relative and scheme-relative paths
    ("https://a.test:8080/x", ("https://a.test:8080/x", "a.test", True)),
    ("https://user@a.test/", ("https://user@a.test/", "a.test", True)),
    ("https://[::1]/x", ("https://[::1]/x", "::1", True)),
    ("/a\u3000b", ("https://site.test/a\u3000b", "site.test", True)),
    ("/a\\b", ("https://site.test/a/b", "site.test", True)),
    ("\thttps://t.test/\n", ("https://t.test/", "t.test", True)),
    ("//cdn.test/x", ("https://cdn.test/x", "cdn.test", True)),
    ("rel/x", ("https://site.test/dir/rel/x", "site.test", True)),
    ("https://", ("https://", "", False)),
    ("javascript:void(0)", None),
    ("", None),
])
def test_resolver_fast_paths_agree_with_the_slow_one(href, expected):
    resolver = urls.Resolver("https://site.test/dir/page?q=1#top")
    assert resolver(href) == expected
    assert resolver.resolve(href) == expected  # calling the resolver is resolve()
