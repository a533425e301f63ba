"""A host's sitemaps as the recheck reads them (companion.monitor.sitemaps), on real local servers.

Listed / not listed / no sitemap; a sitemap index and its children; a `.gz` file; the caps
(files, URLs, bytes): past a cap a page not found is "not known", never "not listed"; the
sitemaps robots.txt names on another path; XML that tries entities or a DTD fetches nothing.
"""

from __future__ import annotations

import gzip

from companion.monitor.fetch import Fetcher
from companion.monitor.robots import RobotsCache
from companion.monitor.sitemaps import SitemapCache
from websites import sites  # noqa: F401  (fixture)

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
XML = {"Content-Type": "application/xml"}


def urlset(*locs: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{"".join(f"<url><loc>{u}</loc></url>" for u in locs)}</urlset>'.encode()


def index(*locs: str) -> bytes:
    body = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {NS}>{body}</sitemapindex>'.encode()


def read(site, url, **caps):
    with Fetcher(timeout=2, allow_private=True) as fetcher:
        cache = SitemapCache(fetcher, RobotsCache(fetcher), **caps)
        found = cache.for_url(url)
        again = cache.for_url(site.url("/another"))  # the same host: not read twice
        assert again is found
        return found


def test_listed_and_not_listed_compared_by_page_key(sites):  # noqa: F811
    a = sites.new()
    a.route("/sitemap.xml", body=urlset(a.url("/listed/"), a.url("/other?utm_source=x")), headers=XML)
    found = read(a, a.url("/listed"))
    assert found.status(a.url("/listed")) == ("listed", "")  # the trailing slash makes no other page
    assert found.status(a.url("/other")) == ("listed", "")  # nor a tracking parameter
    assert found.status(a.url("/missing")) == ("not listed", "")
    assert a.paths() == ["/robots.txt", "/sitemap.xml"]


def test_no_sitemap(sites):  # noqa: F811
    a = sites.new()
    a.route("/sitemap.xml", status=404, body=b"<html>nope</html>")
    assert read(a, a.url("/p")).status(a.url("/p")) == ("no sitemap", "")


def test_robots_txt_names_a_gzipped_index_whose_children_list_the_page(sites):  # noqa: F811
    a, b = sites.new(), sites.new()
    a.route("/robots.txt", body=f"User-agent: *\nAllow: /\nSitemap: {a.url('/maps/index.xml.gz')}\n".encode(),
            headers={"Content-Type": "text/plain"})
    a.route("/maps/index.xml.gz", body=gzip.compress(index(a.url("/maps/posts.xml"), b.url("/pages.xml.gz"))),
            headers={"Content-Type": "application/gzip"})
    a.route("/maps/posts.xml", body=urlset(a.url("/post-1"), a.url("/post-2")), headers=XML)
    b.route("/pages.xml.gz", body=gzip.compress(urlset(a.url("/about"))), headers={"Content-Type": "application/gzip"})
    found = read(a, a.url("/post-2"))
    assert found.status(a.url("/post-2"))[0] == "listed" and found.status(a.url("/about"))[0] == "listed"
    assert found.status(a.url("/post-3"))[0] == "not listed"
    assert len(found.files) == 3 and found.capped is None


def test_over_the_url_cap_a_page_not_seen_is_not_known(sites):  # noqa: F811
    a = sites.new()
    a.route("/sitemap.xml", body=urlset(*[a.url(f"/p{i}") for i in range(50)]), headers=XML)
    found = read(a, a.url("/p1"), max_urls=10)
    assert found.status(a.url("/p3")) == ("listed", "")
    state, note = found.status(a.url("/p40"))
    assert state is None and "more than 10 URLs" in note and "not known" in note


def test_over_the_file_cap_and_the_byte_cap(sites):  # noqa: F811
    a = sites.new()
    a.route("/sitemap.xml", body=index(*[a.url(f"/s{i}.xml") for i in range(5)]), headers=XML)
    for i in range(5):
        a.route(f"/s{i}.xml", body=urlset(a.url(f"/in-{i}")), headers=XML)
    found = read(a, a.url("/x"), max_files=3)
    assert found.status(a.url("/in-1"))[0] == "listed"
    assert found.status(a.url("/in-4"))[0] is None and "more than 3 sitemap files" in found.capped
    assert "/s4.xml" not in a.paths() and "/s3.xml" not in a.paths()
    b = sites.new()
    b.route("/sitemap.xml", body=urlset(*[b.url(f"/page-{i}") for i in range(2000)]), headers=XML)
    cut = read(b, b.url("/page-0"), max_bytes=4096)
    assert cut.status(b.url("/page-0"))[0] == "listed"
    assert cut.status(b.url("/page-1999"))[0] is None and "larger than 4,096 bytes" in cut.capped
    bomb = sites.new()
    bomb.route("/sitemap.xml", body=gzip.compress(urlset(*[bomb.url(f"/g-{i}") for i in range(2000)])),
               headers={"Content-Type": "application/gzip"})
    inflated = read(bomb, bomb.url("/g-0"), max_bytes=4096)  # the gzip is small, what it inflates to is not
    assert inflated.status(bomb.url("/g-0"))[0] == "listed" and inflated.capped


def test_entities_and_dtds_are_never_expanded_nor_fetched(sites):  # noqa: F811
    a = sites.new()
    laughs = ('<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
              f'<!ENTITY ext SYSTEM "{a.url("/secret")}">]>'
              f'<urlset {NS}><url><loc>{a.url("/p")}</loc></url><url><loc>&c;&ext;</loc></url></urlset>')
    a.route("/sitemap.xml", body=laughs.encode(), headers=XML)
    a.route("/secret", body=b"http://127.0.0.9/stolen")
    found = read(a, a.url("/p"))
    assert found.status(a.url("/p"))[0] == "listed"
    assert found.keys == {k for k in found.keys if "aaaa" not in k and "stolen" not in k} and len(found.keys) == 1
    assert "/secret" not in a.paths()
