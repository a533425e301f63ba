"""Guest-post draft check (issue 8): companion.verdicts.drafts, `tierlink check-draft`, POST /api/drafts/check.

Every warning code has a hand-made draft that should raise it (and a look-alike
that should not), every input form (HTML, Markdown with inline / reference /
autolink / HTML-inside links, plain text with bare URLs) is checked for the
links it yields, and bad input gives a clear one-line error or a 4xx JSON
error, never a traceback.

The data home is real: the profile is loaded and the tier-1 pages imported
through the CLI as a user would (`tierlink profile load`, `tierlink import
--format csv`); placements through companion.workflow.placements.add, as `tierlink
placements add` and POST /api/placements do.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from companion.verdicts import drafts
from companion.workflow import placements
from companion.core.errors import BadInput
from companion.workspace import Workspace
from serverutil import CompanionServer

PROFILE = {
    "domains": ["example.com"],
    "money_pages": [{"url": "https://example.com/pricing", "keywords": ["link tool pricing"]}],
    "competitors": ["rival.test"],
    "owned_sites": ["my-other-blog.test"],
    "guest_post_link_limit": 2,
}

TIER1_CSV = """source_url,target_url,anchor,title
https://serpstat.test/blog/seo-tools-guide,https://example.com/,example,The complete guide to SEO tools for agencies
https://prowly.test/pr/outreach-tips,https://example.com/blog,example blog,Outreach tips for PR pros
https://pricing-blog.test/compare/link-tool-pricing,https://example.com/pricing,example,Link tool pricing compared
https://boosted.test/seo-audit-checklist,https://example.com/audit,audit,SEO audit checklist for small sites
https://recent.test/seo-tools-review,https://example.com/,example,SEO tools review: rank trackers and crawlers
"""

TODAY = datetime.now(timezone.utc).date().isoformat()
PLACEMENTS = [
    ("https://tier2host.test/post-a", "https://boosted.test/seo-audit-checklist", "seo audit steps", "2025-01-10"),
    ("https://tier2host.test/post-b", "https://boosted.test/seo-audit-checklist", "audit guide", "2025-02-10"),
    ("https://tier2host.test/post-c", "https://recent.test/seo-tools-review", "tools review", TODAY),
]

SERPSTAT = "https://serpstat.test/blog/seo-tools-guide"
BOOSTED = "https://boosted.test/seo-audit-checklist"
COMPETING = "https://pricing-blog.test/compare/link-tool-pricing"


def make_home(cli, tmp: Path) -> Path:
    (tmp / "profile.json").write_text(json.dumps(PROFILE))
    cli("profile", "load", str(tmp / "profile.json"))
    (tmp / "tier1.csv").write_text(TIER1_CSV)
    summary = cli.json("import", str(tmp / "tier1.csv"), "--format", "csv")
    summary = summary[0] if isinstance(summary, list) else summary
    assert summary["added"] == 5, summary
    ws = Workspace(cli.home)
    try:
        for from_url, to_url, anchor, date in PLACEMENTS:
            placements.add(ws.store, ws.profile, from_url, to_url, anchor=anchor, via="guest_post", date=date)
    finally:
        ws.close()
    return cli.home


@pytest.fixture(scope="module")
def draft_home(tmp_path_factory) -> Path:
    """One prepared data home for the library tests (check_draft only reads it)."""
    from conftest import CLI

    tmp = tmp_path_factory.mktemp("draft_home")
    return make_home(CLI(tmp / "home"), tmp)


@pytest.fixture
def ws(draft_home):
    workspace = Workspace(draft_home)
    yield workspace
    workspace.close()


def codes(report) -> list[str]:
    return [w["code"] for w in report["warnings"]]


def warned(report, code: str) -> list[dict]:
    return [w for w in report["warnings"] if w["code"] == code]


# --- classification and the link limit --------------------------------------------------

def test_every_link_is_classified(ws):
    html = f"""<h1>Ten SEO tools</h1><p>
      <a href="https://www.example.com/pricing">pricing</a>
      <a href="{SERPSTAT}">a guide to SEO tools</a>
      <a href="https://rival.test/">a rival</a>
      <a href="https://my-other-blog.test/post">my other blog</a>
      <a href="https://host.test/archive">their archive</a>
      <a href="https://wikipedia.test/wiki/SEO">SEO</a></p>"""
    report = drafts.check_draft(ws.store, ws.profile, html=html, host_url="https://host.test/guest/ten-seo-tools")
    assert [(l["href"], l["target"]) for l in report["links"]] == [
        ("https://www.example.com/pricing", "me"),
        (SERPSTAT, "tier1"),
        ("https://rival.test/", "competitor"),
        ("https://my-other-blog.test/post", "owned"),
        ("https://host.test/archive", "internal"),
        ("https://wikipedia.test/wiki/SEO", "other"),
    ]
    assert all(set(l) == {"href", "text", "rel", "follow", "target"} for l in report["links"])
    assert report["links"][1]["text"] == "a guide to SEO tools"
    assert report["own_links"] == 1 and report["limit"] == 2
    assert "too_many_own_links" not in codes(report)


def test_too_many_own_links_says_how_many_over(ws):
    html = """<p><a href="https://example.com/a">one</a> <a href="https://blog.example.com/b">two</a>
              <a href="https://example.com/c">three</a> <a href="https://example.com/d">four</a></p>"""
    report = drafts.check_draft(ws.store, ws.profile, html=html)
    assert report["own_links"] == 4 and report["limit"] == 2
    [w] = warned(report, "too_many_own_links")
    assert "4" in w["message"] and "remove 2" in w["message"] and "href" not in w
    assert "too_many_own_links" not in codes(drafts.check_draft(ws.store, ws.profile, html=html, limit=4))
    over = drafts.check_draft(ws.store, ws.profile, html=html, limit=3)
    assert over["limit"] == 3 and "remove 1" in warned(over, "too_many_own_links")[0]["message"]
    assert drafts.check_draft(ws.store, ws.profile, html=html, limit=0)["limit"] == 0


def test_nofollow_links_to_me_or_tier1_warn_others_do_not(ws):
    html = f"""<p><a rel="nofollow" href="https://example.com/x">mine</a>
      <a rel="UGC" href="{SERPSTAT}">tier one</a>
      <a rel="sponsored noopener" href="https://my-other-blog.test/">owned</a>
      <a rel="nofollow" href="https://wikipedia.test/">other</a>
      <a rel="noopener" href="https://example.com/y">followed</a></p>"""
    report = drafts.check_draft(ws.store, ws.profile, html=html)
    hrefs = [w["href"] for w in warned(report, "nofollow_link")]
    assert hrefs == ["https://example.com/x", SERPSTAT, "https://my-other-blog.test/"]
    assert all("equity" in w["message"] for w in warned(report, "nofollow_link"))
    assert [l["follow"] for l in report["links"]] == [False, False, False, False, True]
    assert report["links"][1]["rel"] == ["ugc"]


def test_competitor_link(ws):
    report = drafts.check_draft(ws.store, ws.profile, markdown="See [their tool](https://app.rival.test/features).")
    [w] = warned(report, "competitor_link")
    assert w["href"] == "https://app.rival.test/features" and "rival.test" in w["message"]


def test_tier3_link_to_a_page_holding_my_placement(ws):
    report = drafts.check_draft(ws.store, ws.profile, text="More in https://www.tier2host.test/post-a/ and https://tier2host.test/other")
    [w] = warned(report, "tier3_link")
    assert w["href"] == "https://www.tier2host.test/post-a/" and "tier-3" in w["message"]


def test_competing_tier1(ws):
    report = drafts.check_draft(ws.store, ws.profile, html=f'<p><a href="{COMPETING}">a comparison</a></p>')
    assert report["links"][0]["target"] == "tier1"
    [w] = warned(report, "competing_tier1")
    assert w["href"] == COMPETING and "link tool pricing" in w["message"]
    assert not warned(drafts.check_draft(ws.store, ws.profile, html=f'<a href="{SERPSTAT}">guide</a>'), "competing_tier1")


def test_footprint_counts_my_placements(ws):
    report = drafts.check_draft(ws.store, ws.profile, html=f'<p><a href="{BOOSTED}">a checklist</a></p>')
    [w] = warned(report, "footprint")
    assert w["href"] == BOOSTED and "2 of my placements" in w["message"]
    # one placement is not a footprint yet
    assert not warned(drafts.check_draft(ws.store, ws.profile, html='<a href="https://recent.test/seo-tools-review">r</a>'),
                      "footprint")


def test_repeated_anchors(ws):
    html = f"""<p><a href="https://example.com/a">great tools</a> and <a href="https://example.com/b">Great  Tools</a>
      <a href="{BOOSTED}">Audit guide</a>
      <a href="https://example.com/pricing">Link Tool Pricing</a>
      <a href="https://wikipedia.test/1">here</a> <a href="https://wikipedia.test/2">here</a></p>"""
    report = drafts.check_draft(ws.store, ws.profile, html=html, limit=5)
    found = warned(report, "repeated_anchor")
    by_href = {w["href"]: w["message"] for w in found}
    assert len(found) == 3, found
    assert "more than once in this draft" in by_href["https://example.com/b"]
    assert "already used in 1 of my placements" in by_href[BOOSTED]
    assert "money keyword 'link tool pricing'" in by_href["https://example.com/pricing"]
    # 'here' twice to other sites is not about my link profile
    assert not any("wikipedia" in w["href"] for w in found)


def test_relative_and_malformed_links(ws):
    html = """<p><a href="/about">about</a> <a href="example.com/pricing">pricing</a>
      <a href="http://[::1">broken</a> <a href="htps://example.com/">typo</a>
      <a href="#toc">contents</a> <a href="//cdn.other.test/x">cdn</a></p>"""
    report = drafts.check_draft(ws.store, ws.profile, html=html)
    found = {w["href"]: w["message"] for w in warned(report, "relative_link")}
    assert set(found) == {"/about", "example.com/pricing", "http://[::1", "htps://example.com/"}
    assert "relative" in found["/about"]
    assert "domain without https://" in found["example.com/pricing"]
    assert "malformed" in found["http://[::1"]
    assert "htps" in found["htps://example.com/"]
    targets = {l["href"]: l["target"] for l in report["links"]}
    assert targets["/about"] == "internal" and targets["example.com/pricing"] == "internal"
    assert targets["#toc"] == "internal" and targets["https://cdn.other.test/x"] == "other"
    assert not any("draft.invalid" in l["href"] for l in report["links"])
    # with the host's address the links resolve as the host will resolve them
    hosted = drafts.check_draft(ws.store, ws.profile, html=html, host_url="https://host.test/guest/post")
    hrefs = [l["href"] for l in hosted["links"]]
    assert "https://host.test/about" in hrefs and "https://host.test/guest/example.com/pricing" in hrefs
    assert len(warned(hosted, "relative_link")) == 4
    assert hosted["own_links"] == 0  # 'example.com/pricing' is NOT a link to my site


# --- input forms --------------------------------------------------------------------------

MARKDOWN = f"""# Choosing SEO tools

Start with [our pricing](https://example.com/pricing "Pricing") and the [guide][g].
Compare with <https://rival.test/compare> and bare https://wikipedia.test/wiki/SEO too.
<a href="https://my-other-blog.test/notes" rel="nofollow">notes</a>

`https://code.test/not-a-link` and README.md are not links.

[g]: {SERPSTAT}
"""

SAME_AS_HTML = f"""<h1>Choosing SEO tools</h1>
<p>Start with <a href="https://example.com/pricing" title="Pricing">our pricing</a> and the <a href="{SERPSTAT}">guide</a>.
Compare with <a href="https://rival.test/compare">https://rival.test/compare</a> and bare
<a href="https://wikipedia.test/wiki/SEO">https://wikipedia.test/wiki/SEO</a> too.
<a href="https://my-other-blog.test/notes" rel="nofollow">notes</a></p>
<p><code>https://code.test/not-a-link</code> and README.md are not links.</p>"""


def test_markdown_inline_reference_autolink_bare_and_html(ws):
    report = drafts.check_draft(ws.store, ws.profile, markdown=MARKDOWN)
    assert [(l["href"], l["target"], l["text"]) for l in report["links"]] == [
        ("https://example.com/pricing", "me", "our pricing"),
        (SERPSTAT, "tier1", "guide"),
        ("https://rival.test/compare", "competitor", "https://rival.test/compare"),
        ("https://wikipedia.test/wiki/SEO", "other", "https://wikipedia.test/wiki/SEO"),
        ("https://my-other-blog.test/notes", "owned", "notes"),
    ]
    assert report["links"][4]["rel"] == ["nofollow"] and report["own_links"] == 1


def test_same_draft_as_html_and_markdown_gives_same_links(ws):
    md = drafts.check_draft(ws.store, ws.profile, markdown=MARKDOWN)
    html = drafts.check_draft(ws.store, ws.profile, html=SAME_AS_HTML)
    assert md["links"] == html["links"]
    assert codes(md) == codes(html)


def test_plain_text_bare_urls(ws):
    text = ("I wrote about this at https://example.com/blog/tiers, and the guide "
            f"({SERPSTAT}) explains it.\n\nSee www.wikipedia.test or wikipedia.com/wiki/SEO. "
            "Files like README.md or setup.py are not links; mail me at me@example.com.")
    report = drafts.check_draft(ws.store, ws.profile, text=text)
    assert [(l["href"], l["target"]) for l in report["links"]] == [
        ("https://example.com/blog/tiers", "me"),
        (SERPSTAT, "tier1"),
        ("http://wikipedia.com/wiki/SEO", "other"),
    ]
    assert report["links"][1]["text"] == SERPSTAT


def test_broken_markdown_still_gives_a_report(ws):
    broken = "# [unclosed](https://example.com/a \n\n[ref]: \n<div><a href='https://example.com/b'>b\n```\n[x](https://c.test)"
    report = drafts.check_draft(ws.store, ws.profile, markdown=broken)
    assert isinstance(report["links"], list) and report["own_links"] >= 1


# --- suggestions ------------------------------------------------------------------------

def test_suggestions_fit_the_topic_and_skip_linked_boosted_and_competing_pages(ws):
    md = ("# The best SEO tools for agencies\n\nA guide to SEO tools: rank trackers, crawlers, audit checklists "
          "and link tool pricing compared. Outreach tips come later.\n")
    report = drafts.check_draft(ws.store, ws.profile, markdown=md)
    urls_suggested = [s["tier1_url"] for s in report["suggestions"]]
    assert SERPSTAT in urls_suggested
    assert COMPETING not in urls_suggested  # competes with my money keyword
    assert BOOSTED not in urls_suggested  # already boosted from 2 placements
    assert "https://recent.test/seo-tools-review" not in urls_suggested  # boosted this month
    assert all(s["anchor"] and s["why"] and set(s) == {"tier1_url", "anchor", "why"} for s in report["suggestions"])
    # a tier-1 page the draft already links to is not suggested again
    linked = drafts.check_draft(ws.store, ws.profile, markdown=md + f"\nSee [the guide]({SERPSTAT}).\n")
    assert SERPSTAT not in [s["tier1_url"] for s in linked["suggestions"]]


def test_suggested_anchor_differs_from_anchors_in_use(ws):
    report = drafts.check_draft(ws.store, ws.profile, markdown="# Outreach tips\n\nOutreach tips for PR pros and journalists.\n"
                                             "[Outreach tips for PR pros](https://example.com/)\n")
    [s] = [s for s in report["suggestions"] if s["tier1_url"] == "https://prowly.test/pr/outreach-tips"]
    assert s["anchor"].casefold() != "outreach tips for pr pros"


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{"text": ""}, {"markdown": "  \n\t "}, {"html": "<html><body></body></html>"},
                                    {"html": b"\xef\xbb\xbf  "}])
def test_empty_draft(ws, kwargs):
    with pytest.raises(BadInput, match="the draft is empty"):
        drafts.check_draft(ws.store, ws.profile, **kwargs)


def test_ten_megabytes_is_refused_with_413(ws):
    big = "word " * (2 * 1024 * 1024)
    with pytest.raises(BadInput, match="10.0 MiB; a draft may be at most 512 KiB as Markdown or text") as exc:
        drafts.check_draft(ws.store, ws.profile, markdown=big)
    assert exc.value.status == 413 and exc.value.code == "too_large"
    with pytest.raises(BadInput, match="at most 2.0 MiB as HTML"):
        drafts.check_draft(ws.store, ws.profile, html=b"<p>" + b"x" * (10 * 1024 * 1024))
    with pytest.raises(BadInput, match="at most 512 KiB"):
        drafts.check_draft(ws.store, ws.profile, text=("\u00e9" * (300 * 1024)).encode())  # 600 KiB of UTF-8


def test_limits_leave_room_for_long_drafts(ws):
    """A 1 MiB HTML draft (editor markup) and a 400 KiB Markdown draft are checked."""
    para = '<p style="margin:0 0 1em;font-family:Arial">Words about SEO tools and audits.</p>\n'
    html = para * (1024 * 1024 // len(para)) + '<a href="https://example.com/">me</a>'
    assert drafts.check_draft(ws.store, ws.profile, html=html)["own_links"] == 1
    md = "Words about SEO tools and audits.\n\n" * (400 * 1024 // 35) + "[me](https://example.com/)"
    assert drafts.check_draft(ws.store, ws.profile, markdown=md)["own_links"] == 1


@pytest.mark.parametrize("kwargs", [{"text": b"PK\x03\x04\x00\x00binary"}, {"markdown": "a\x00b"},
                                    {"markdown": b"\x81\x8d\x8f\x90\x9d" * 10},
                                    {"text": "".join(chr(c) for c in range(1, 9)) * 50}])
def test_binary_is_not_a_text_draft(ws, kwargs):
    with pytest.raises(BadInput, match="not a text draft"):
        drafts.check_draft(ws.store, ws.profile, **kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({}, "exactly one of"),
    ({"html": "<a href='https://x.test'>x</a>", "text": "x"}, "exactly one of"),
    ({"text": "x", "limit": -1}, "'limit'"),
    ({"text": "x", "limit": "3"}, "'limit'"),
    ({"text": "x", "host_url": "host.test/post"}, "'host_url'"),
])
def test_bad_arguments(ws, kwargs, message):
    with pytest.raises(BadInput, match=message):
        drafts.check_draft(ws.store, ws.profile, **kwargs)


def test_legacy_encoded_markdown_is_read(ws):
    report = drafts.check_draft(ws.store, ws.profile, markdown="Caf\xe9 [menu](https://example.com/caf\xe9)".encode("cp1252"))
    assert report["links"][0]["text"] == "menu" and report["own_links"] == 1


def test_sniffing_the_form():
    assert drafts.sniff_form("\ufeff  <!DOCTYPE html><p>x") == "html"
    assert drafts.sniff_form("<p>hello</p>") == "html"
    assert drafts.sniff_form("<https://x.test> is an autolink") == "markdown"
    assert drafts.sniff_form("# Title\n\ntext") == "markdown"
    assert drafts.sniff_form("see [x](https://x.test)") == "markdown"
    assert drafts.sniff_form("just words and https://x.test") == "text"


# --- the command line ------------------------------------------------------------------------

def test_cli_human_and_json(cli, tmp_path):
    make_home(cli, tmp_path)
    draft = tmp_path / "post.md"
    draft.write_text(MARKDOWN + "\n[a](https://example.com/1) [b](https://example.com/2)\n")
    out = cli("check-draft", str(draft)).stdout.decode()
    assert "3 to my site, host limit 2 (over the limit)" in out
    assert "too_many_own_links" in out and "competitor_link" in out and "[tier1" in out
    report = cli.json("check-draft", str(draft), "--limit", "3", "--host-url", "https://host.test/p")
    assert report["own_links"] == 3 and report["limit"] == 3 and "too_many_own_links" not in codes(report)
    # stdin is sniffed: HTML here
    piped = cli.json("check-draft", "-", input=SAME_AS_HTML.encode())
    assert piped["links"] == drafts_links_of_markdown(cli)
    # a .txt file is plain text even if it looks like HTML
    txt = tmp_path / "post.txt"
    txt.write_text("<b>see https://example.com/x</b>")
    assert [l["href"] for l in cli.json("check-draft", str(txt))["links"]] == ["https://example.com/x"]


def drafts_links_of_markdown(cli):
    ws = Workspace(cli.home)
    try:
        return drafts.check_draft(ws.store, ws.profile, markdown=MARKDOWN)["links"]
    finally:
        ws.close()


def test_cli_errors_are_one_line(cli, tmp_path):
    make_home(cli, tmp_path)
    empty = tmp_path / "empty.md"
    empty.write_text("\n\n")
    assert "the draft is empty" in cli.fails("check-draft", str(empty))
    big = tmp_path / "big.html"
    big.write_bytes(b"<p>" + b"x" * (10 * 1024 * 1024))
    assert "larger than 2 MiB" in cli.fails("check-draft", str(big))
    binary = tmp_path / "photo.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert "not a text draft" in cli.fails("check-draft", str(binary))
    assert "cannot read" in cli.fails("check-draft", str(tmp_path / "missing.md"))
    assert "host_url" in cli.fails("check-draft", str(empty), "--host-url", "nope")
    assert "not a text draft" in cli.fails("check-draft", "-", input=b"\x00\x01\x02")


# --- the HTTP API ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def draft_server(tmp_path_factory):
    from conftest import CLI

    tmp = tmp_path_factory.mktemp("drafts")
    home = make_home(CLI(tmp / "home"), tmp)
    with CompanionServer(home) as srv:
        yield srv


def test_api_checks_a_draft(draft_server):
    report = draft_server.api("POST", "/api/drafts/check", json={"markdown": MARKDOWN, "limit": 0})
    assert [l["target"] for l in report["links"]] == ["me", "tier1", "competitor", "other", "owned"]
    assert report["own_links"] == 1 and report["limit"] == 0
    assert {"too_many_own_links", "competitor_link", "nofollow_link"} <= set(codes(report))
    assert SERPSTAT not in [s["tier1_url"] for s in report["suggestions"]]
    report = draft_server.api("POST", "/api/drafts/check",
                              json={"html": '<a href="/x">x</a>', "host_url": "https://host.test/post"})
    assert report["links"][0]["href"] == "https://host.test/x" and codes(report) == ["relative_link"]


@pytest.mark.parametrize("body, status, code", [
    ({}, 400, "bad_input"),
    ({"html": "<p>x</p>", "markdown": "x"}, 400, "bad_input"),
    ({"text": "   "}, 400, "empty_draft"),
    ({"text": "a\u0000b"}, 400, "not_text"),
    ({"text": 5}, 400, "bad_input"),
    ({"text": "x", "limit": True}, 400, "bad_input"),
    ({"text": "x", "limit": 1000}, 400, "bad_input"),
    ({"text": "x", "host_url": "ftp://x.test/"}, 400, "bad_input"),
    ({"markdown": "x " * (5 * 1024 * 1024)}, 413, "too_large"),
])
def test_api_bad_input_is_a_json_4xx(draft_server, body, status, code):
    r = draft_server.request("POST", "/api/drafts/check", json=body)
    assert r.status == status, r.text
    assert r.json()["error"]["code"] == code


def test_api_needs_the_token(draft_server):
    r = draft_server.request("POST", "/api/drafts/check", json={"text": "x"}, headers={"Authorization": None})
    assert r.status == 401
