"""Contacts on save: the site's contact routes read from the page, each with where it was found.

Local pages made for each form (plain mailto, written-out addresses, rel=author, JSON-LD and
microdata authors, meta author, social profiles vs share buttons, French links), real pages
of ../shared/corpus, pages where nothing may be found and nothing is; the popup's path
(POST /api/analyze with contacts, then the save), the CLI's `save --html FILE`, and Find
contacts on a 127.0.0.x site that keeps robots.txt.
"""

from __future__ import annotations

import json

import pytest

from companion.analysis import contacts
from conftest import CORPUS, needs_corpus
from websites import sites  # noqa: F401  (fixture)

PAGE = "https://www.blog.test/2024/05/a-post"


def ex(html: str, url: str = PAGE) -> dict:
    return contacts.extract_html(url, f"<!doctype html><html><head><title>t</title></head><body>{html}</body></html>")


def addresses(found: dict) -> list[str]:
    return [e["address"] for e in found["emails"]]


def cfemail(address: str, key: int = 0x5A) -> str:
    return f"{key:02x}" + "".join(f"{ord(ch) ^ key:02x}" for ch in address)


# --- each form, on a page made for it ------------------------------------------------------

def test_plain_mailto_link_with_where_it_was_found():
    found = ex('<p>Write to <a href="mailto:Editor@Blog.TEST?subject=Guest%20post">the editor</a></p>')
    assert found["emails"] == [{"address": "Editor@blog.test", "found": "mailto: link", "page": PAGE}]


def test_mailto_with_several_addresses_and_percent_encoding():
    found = ex('<a href="mailto:ann%40blog.test,bob@blog.test">both</a>')
    assert addresses(found) == ["ann@blog.test", "bob@blog.test"]


@pytest.mark.parametrize("written, expected", [
    ("ann [at] blog [dot] test", "ann@blog.test"),
    ("ann (at) blog (dot) co (dot) uk", "ann@blog.co.uk"),
    ("ann{at}blog{dot}test", "ann@blog.test"),
    ("ann [AT] blog.test", "ann@blog.test"),
    ("redaction [arobase] blog [point] fr", "redaction@blog.fr"),
    ("ann [ at ] blog [ dot ] test", "ann@blog.test"),
])
def test_written_out_addresses_are_put_back_together(written, expected):
    found = ex(f"<p>Pitches: {written}. Thanks!</p>")
    assert addresses(found) == [expected]
    assert found["emails"][0]["found"].startswith("written as ")


def test_an_address_written_in_the_text_counts_but_not_one_in_a_script():
    found = ex('<p>Contact: press@blog.test</p><script>var x = "tracker@analytics.test";</script>'
               '<style>@media print { a { color: red } }</style>')
    assert addresses(found) == ["press@blog.test"]
    assert found["emails"][0]["found"] == "written in the page"


def test_cloudflare_protected_address_is_decoded_as_the_site_script_does():
    found = ex(f'<a href="/cdn-cgi/l/email-protection#{cfemail("hello@blog.test")}">'
               f'<span class="__cf_email__" data-cfemail="{cfemail("hello@blog.test")}">[email&#160;protected]</span></a>')
    assert addresses(found) == ["hello@blog.test"]


def test_rel_author_link_gives_the_author_and_their_page():
    found = ex('<article><p>By <a rel="author" href="/author/jane-doe/">Jane Doe</a></p></article>')
    assert found["authors"] == [{"name": "Jane Doe", "found": "rel=author link",
                                 "url": "https://www.blog.test/author/jane-doe/", "page": PAGE}]


def test_json_ld_author_with_same_as_profiles_and_publisher_profiles():
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "BlogPosting", "headline": "x",
         "author": {"@type": "Person", "name": "Jane Doe", "url": "https://www.blog.test/about/jane",
                    "sameAs": ["https://twitter.com/janedoe", "https://www.linkedin.com/in/jane-doe/"]}},
        {"@type": "Organization", "name": "Blog", "sameAs": ["https://www.facebook.com/blogtest"],
         "email": "hello@blog.test"}]}
    found = contacts.extract_html(PAGE, f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script>'
                                        "</head><body><p>text</p></body></html>")
    assert [(a["name"], a["found"], a.get("url")) for a in found["authors"]] == [
        ("Jane Doe", "JSON-LD author", "https://www.blog.test/about/jane")]
    assert [(s["network"], s["of"]) for s in found["social"]] == [("x", "author"), ("linkedin", "author"),
                                                                  ("facebook", "site")]
    assert addresses(found) == ["hello@blog.test"]


def test_broken_json_ld_is_skipped_and_the_rest_still_read():
    found = contacts.extract_html(PAGE, '<html><head><script type="application/ld+json">{"author": </script>'
                                        '<meta name="author" content="Ann Smith"></head><body></body></html>')
    assert [(a["name"], a["found"]) for a in found["authors"]] == [("Ann Smith", "meta author")]


def test_microdata_author_and_byline_but_not_a_commenter():
    found = ex('<article><span itemprop="author" itemscope itemtype="https://schema.org/Person">'
               '<span itemprop="name">Carla Ruiz</span></span>'
               '<p class="byline">By Dan Brown</p></article>'
               '<section id="comments"><p class="byline">By Spammy Commenter</p></section>')
    assert [(a["name"], a["found"]) for a in found["authors"]] == [("Carla Ruiz", "microdata author"),
                                                                   ("Dan Brown", "byline")]


def test_contact_routes_of_this_site_only_english_and_french():
    found = ex('<nav><a href="/contact-us/">Contact</a><a href="/about">About us</a>'
               '<a href="/write-for-us">Write for us</a><a href="/guest-post-guidelines">Guidelines</a>'
               '<a href="/nous-contacter">Nous contacter</a><a href="/ecrire-pour-nous">Écrire pour nous</a>'
               '<a href="/qui-sommes-nous">Qui sommes-nous ?</a>'
               '<a href="https://other.test/contact">Contact</a><a href="/2024/05/other-post">A post</a></nav>')
    assert [(p["url"].removeprefix("https://www.blog.test"), p["kind"]) for p in found["pages"]] == [
        ("/contact-us/", "contact"), ("/about", "about"), ("/write-for-us", "write_for_us"),
        ("/guest-post-guidelines", "guidelines"), ("/nous-contacter", "contact"),
        ("/ecrire-pour-nous", "write_for_us"), ("/qui-sommes-nous", "about")]
    assert found["pages"][0]["found"] == "link 'Contact'"


def test_social_profiles_are_kept_share_buttons_and_posts_are_not():
    found = ex('<footer><a href="https://twitter.com/blogtest">X</a><a href="https://www.instagram.com/blogtest/">IG</a>'
               '<a href="https://www.linkedin.com/company/blogtest/">in</a></footer>'
               '<div class="share"><a href="https://twitter.com/intent/tweet?url=x">tweet</a>'
               '<a href="https://www.facebook.com/sharer/sharer.php?u=x">share</a>'
               '<a href="https://www.linkedin.com/shareArticle?url=x">share</a>'
               '<a href="https://twitter.com/someone/status/123">a tweet</a></div>'
               '<div class="author-bio"><a href="https://github.com/janedoe">gh</a></div>')
    assert [(s["url"], s["of"]) for s in found["social"]] == [
        ("https://twitter.com/blogtest", "site"), ("https://www.instagram.com/blogtest/", "site"),
        ("https://www.linkedin.com/company/blogtest/", "site"), ("https://github.com/janedoe", "author")]


def test_a_page_with_nothing_to_find_gives_nothing_and_guesses_nothing():
    """No address is made up from the domain (no contact@, no info@); share-only mailto links,
    image names with an @ and an @-handle are no addresses."""
    found = ex('<p>Read our post. Follow @blogtest. <img src="/logo@2x.png"></p>'
               '<a href="mailto:?subject=Read%20this&body=https://www.blog.test/">Share by e-mail</a>'
               '<a href="/2024/05/next">Next post</a><a href="https://twitter.com/share?url=x">tweet</a>')
    assert found == contacts.empty()
    assert contacts.is_empty(found)


def test_empty_and_unparsable_pages_give_nothing():
    assert contacts.extract_html(PAGE, "") == contacts.empty()
    assert contacts.extract_html(PAGE, b"\x00\x01\x02") == contacts.empty()


def test_every_list_is_capped():
    found = ex("".join(f'<a href="mailto:a{i}@blog.test">x</a>' for i in range(100)))
    assert len(found["emails"]) == contacts.MAX_EACH


# --- real pages -------------------------------------------------------------------------------

@needs_corpus
@pytest.mark.parametrize("name, url, emails, author", [
    # the draft's page: its mailto: to the draft's list, and its authors' addresses in the text
    ("012-ietf-rfc.html", "https://tools.ietf.org/html/draft-dejong-remotestorage-04",
     ["draft-dejong-remotestorage@tools.ietf.org", "michiel@michielbdejong.com", "fkooman@tuxed.net"], None),
    # a WordPress post: rel=author on the byline
    ("027-wordpress-blog.html", "https://wptavern.com/post", [], "Sarah Gooding"),
])
def test_real_pages(name, url, emails, author):
    found = contacts.extract_html(url, (CORPUS / name).read_bytes())
    assert addresses(found) == emails
    if author:
        assert author in [a["name"] for a in found["authors"]]


@needs_corpus
@pytest.mark.parametrize("name", ["013-liberation-fr.html", "030-givewell-openthread.html"])
def test_real_pages_whose_only_mailto_links_are_share_links_give_no_address(name):
    """Libération and GiveWell carry `mailto:?subject=...` share links: nothing to write to."""
    raw = (CORPUS / name).read_bytes()
    assert b"mailto:" in raw.lower()
    found = contacts.extract_html("https://corpus.test/" + name, raw)
    assert not any(e["found"] == "mailto: link" for e in found["emails"]), found["emails"]


@needs_corpus
def test_every_corpus_page_gives_only_addresses_it_shows():
    """Across the corpus, every address found is written in the page's source (as such, or
    written out, or Cloudflare-encoded): nothing is invented."""
    for path in sorted(CORPUS.glob("*.html")):
        raw = path.read_bytes()
        found = contacts.extract_html("https://corpus.test/" + path.stem, raw)
        text = raw.decode("utf-8", "replace").lower()
        for e in found["emails"]:
            local, _, domain = e["address"].lower().partition("@")
            assert e["found"].startswith(("written as", "protected")) or (local in text and domain in text), (path.name, e)
        for name in contacts.LISTS:
            assert len(found[name]) <= contacts.MAX_EACH


# --- the save: popup (API), CLI ----------------------------------------------------------------

CONTACT_PAGE = ('<article><p>By <a rel="author" href="/author/ann">Ann Lee</a></p><p>Pitch: ann [at] spot [dot] test</p>'
                '<footer><a href="/write-for-us">Write for us</a></footer></article>')


def test_popup_path_analysis_with_contacts_then_save_keeps_them(client):
    client.api("PUT", "/api/profile", {"domains": ["mine.test"]})
    url = "https://spot.test/post"
    analysis = client.api("POST", "/api/analyze", {"url": url, "html": CONTACT_PAGE, "contacts": True})
    assert addresses(analysis["contacts"]) == ["ann@spot.test"]
    plain = client.api("POST", "/api/analyze", {"url": "https://other.test/", "html": CONTACT_PAGE})
    assert "contacts" not in plain  # the badge's analysis reads no contacts
    saved = client.api("POST", "/api/candidates", {"url": url, "kind": "tier2"}, expect=201)
    assert addresses(saved["contacts"]) == ["ann@spot.test"]
    assert [a["name"] for a in saved["contacts"]["authors"]] == ["Ann Lee"]
    assert saved["contacts"]["pages"][0]["kind"] == "write_for_us"
    assert "warnings" not in saved  # nothing to warn about
    listed = client.api("GET", "/api/candidates")
    assert listed[0]["contacts"] == saved["contacts"]


def test_analyze_refuses_a_contacts_flag_that_is_not_a_boolean(client):
    r = client.request("POST", "/api/analyze", json={"url": "https://spot.test/", "html": "<p>x</p>", "contacts": "yes"})
    assert r.status == 400 and r.json()["error"]["code"] == "bad_input"


def test_cli_save_with_the_page_file(cli, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(CONTACT_PAGE)
    doc = cli.json("save", "https://spot.test/post", "--kind", "tier2", "--html", str(page))
    assert addresses(doc["contacts"]) == ["ann@spot.test"]


def test_cli_save_with_a_missing_file_is_one_line(cli, tmp_path):
    message = cli.fails("save", "https://spot.test/x", "--kind", "tier2", "--html", str(tmp_path / "missing.html"))
    assert "cannot read" in message and "Traceback" not in message
    assert cli.json("candidates") == []  # nothing half-saved


# --- Find contacts on a real local site ---------------------------------------------------------

def test_find_contacts_fetches_the_contact_page_keeping_robots_txt(client, sites):  # noqa: F811
    site = sites.new()
    site.route("/robots.txt", body=b"User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"})
    site.page("/", '<nav><a href="/private/team">About us</a><a href="/contact">Contact</a></nav>')
    site.page("/contact", "<p>Write to editor (at) example-site (dot) test, we answer within a week.</p>")
    site.page("/private/team", '<a href="mailto:secret@example-site.test">x</a>')
    saved = client.api("POST", "/api/candidates", {"url": site.url("/post"), "kind": "tier2"}, expect=201)
    assert contacts.is_empty(saved["contacts"] or None)

    refused = client.request("POST", f"/api/candidates/{saved['id']}/find-contacts", json={})
    assert refused.status == 200 and "error" in refused.json()["fetched"][0]  # loopback: not without the option
    assert site.paths() == []

    done = client.api("POST", f"/api/candidates/{saved['id']}/find-contacts", {"allow_private_hosts": True})
    assert addresses(done["contacts"]) == ["editor@example-site.test"]
    assert done["contacts"]["emails"][0]["page"] == site.url("/contact")
    assert site.paths() == ["/robots.txt", "/", "/contact"]  # never /private/team: robots.txt disallows it
    assert site.max_active == 1
    assert len({e["ua"] for e in site.requests()}) == 1 and site.requests()[0]["ua"].startswith("TierlinkBot/")
    again = client.api("GET", "/api/candidates")[0]
    assert addresses(again["contacts"]) == ["editor@example-site.test"]


def test_find_contacts_where_robots_txt_disallows_everything_fetches_no_page(client, sites):  # noqa: F811
    site = sites.new()
    site.route("/robots.txt", body=b"User-agent: TierlinkBot\nDisallow: /\n", headers={"Content-Type": "text/plain"})
    site.page("/", '<a href="mailto:x@example-site.test">x</a>')
    saved = client.api("POST", "/api/candidates", {"url": site.url("/post"), "kind": "boost"}, expect=201)
    done = client.api("POST", f"/api/candidates/{saved['id']}/find-contacts", {"allow_private_hosts": True})
    assert site.paths() == ["/robots.txt"]
    assert "robots.txt" in done["fetched"][0]["skipped"]
    assert contacts.is_empty(done["contacts"])


def test_find_contacts_on_a_site_with_no_contact_route_finds_nothing(client, sites):  # noqa: F811
    site = sites.new()
    site.page("/", "<p>Just posts here.</p><a href='/2024/post'>A post</a>")
    saved = client.api("POST", "/api/candidates", {"url": site.url("/post"), "kind": "boost"}, expect=201)
    done = client.api("POST", f"/api/candidates/{saved['id']}/find-contacts", {"allow_private_hosts": True})
    assert site.paths() == ["/robots.txt", "/"]
    assert contacts.is_empty(done["contacts"])


def test_find_contacts_bad_input(client):
    r = client.request("POST", "/api/candidates/nope/find-contacts", json={})
    assert r.status == 404 and r.json()["error"]["code"] == "not_found"
    saved = client.api("POST", "/api/candidates", {"url": "https://spot.test/", "kind": "boost"}, expect=201)
    r = client.request("POST", f"/api/candidates/{saved['id']}/find-contacts", json={"allow_private_hosts": "yes"})
    assert r.status == 400 and set(r.json()) == {"error"}
    r = client.request("POST", f"/api/candidates/{saved['id']}/find-contacts", json={"delay": 0})
    assert r.status == 400
