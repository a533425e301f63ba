"""Tier verdicts: labels, boost and tier-2 scores, changes against the store, the boost list.

Each test builds a real data home (profile file + TinyDB store) and hand-made
pages; scores are compared by direction (this page scores lower than that one),
and every reason is checked for the signal it names.
"""

from __future__ import annotations

import re

import lxml.etree
import pytest

from companion.analysis import urls
from companion.verdicts import verdicts
from companion.workspace import Workspace
from conftest import CORPUS, needs_corpus

ME = "example.com"
PROFILE = {
    "domains": [ME],
    "money_pages": [{"url": "https://example.com/pricing", "keywords": ["link tool pricing"]}],
    "competitors": ["rival.test"],
    "owned_sites": ["mine.test"],
}


@pytest.fixture
def ws(home):
    w = Workspace(home)
    w.set_profile(PROFILE)
    yield w
    w.close()


def backlink(source, target="https://example.com/pricing", anchor="link tool", follow=True, rel=None,
             status="live", **metrics):
    return {"source_url": source, "target_url": target, "anchor": anchor,
            "rel": rel if rel is not None else ([] if follow else ["nofollow"]), "follow": follow,
            "status": status, "first_seen": "2026-01-01", "last_seen": "2026-11-01", "metrics": metrics}


def seed(ws, *rows, origin="ahrefs"):
    ws.store.merge_backlinks(list(rows), origin=origin)


def page(body: str, title: str = "A post", head: str = "") -> str:
    return f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"


ARTICLE = "<p>" + "Some words about gardening and soil. " * 20 + "</p>"


def content_link(href="https://example.com/pricing", text="great tool", rel=""):
    return f'<main><article>{ARTICLE}<p>See <a href="{href}" rel="{rel}">{text}</a>.</p></article></main>'


def footer_link(href="https://example.com/pricing", text="great tool", rel=""):
    return f'<main><article>{ARTICLE}</article></main><footer><a href="{href}" rel="{rel}">{text}</a></footer>'


SIGNAL = re.compile(r"\[(boost|tier2)\.[a-z_]+ [+-]\d+\]$")


def reasons(verdict) -> str:
    """All reasons as one string; every reason must name its signal and its points."""
    for reason in verdict["reasons"]:
        assert SIGNAL.search(reason), f"reason without its signal: {reason!r}"
    return " | ".join(verdict["reasons"])


# --- boost --------------------------------------------------------------------------

def test_followed_content_link_beats_nofollow_footer_link(ws):
    good = ws.analyze("https://blog.test/a", page(content_link()))
    bad = ws.analyze("https://blog.test/b", page(footer_link(rel="nofollow")))
    assert "tier1" in good["labels"] and "tier1" in bad["labels"]
    assert good["boost"]["score"] > bad["boost"]["score"]
    assert "[boost.followed" in reasons(good["boost"]) and "[boost.in_content" in reasons(good["boost"])
    assert "[boost.nofollow" in reasons(bad["boost"]) and "[boost.boilerplate" in reasons(bad["boost"])
    assert "footer" in reasons(bad["boost"])


def test_worth_boosting_label_for_a_strong_page(ws):
    seed(ws, backlink("https://blog.test/strong", dr=70, ur=8))
    result = ws.analyze("https://blog.test/strong", page(content_link()))
    assert "worth_boosting" in result["labels"]
    text = reasons(result["boost"])
    assert "[boost.high_dr" in text and "[boost.room_to_grow" in text and "[boost.money_page" in text


def test_page_targeting_my_money_keyword_is_not_worth_boosting(ws):
    seed(ws, backlink("https://blog.test/compete", dr=70, ur=8))
    result = ws.analyze("https://blog.test/compete",
                        page(content_link(), title="The best link tool pricing compared"))
    assert "worth_boosting" not in result["labels"]
    assert "link tool pricing" in reasons(result["boost"]) and "[boost.competes" in reasons(result["boost"])


def test_noindex_and_canonical_elsewhere_lower_the_score(ws):
    plain = ws.analyze("https://blog.test/p", page(content_link()))["boost"]["score"]
    noindex = ws.analyze("https://blog.test/q", page(content_link(), head='<meta name="robots" content="noindex">'))
    canon = ws.analyze("https://blog.test/r", page(content_link(), head='<link rel="canonical" href="https://blog.test/x">'))
    assert noindex["boost"]["score"] < plain and "[boost.noindex" in reasons(noindex["boost"])
    assert canon["boost"]["score"] < plain and "[boost.canonical_elsewhere" in reasons(canon["boost"])


def test_the_indexable_reason_says_whether_the_page_names_a_canonical(ws):
    """"with a self canonical" was said of a page that names no canonical at all."""
    none = reasons(ws.analyze("https://blog.test/p", page(content_link()))["boost"])
    itself = reasons(ws.analyze("https://blog.test/s", page(content_link(),
                                                           head='<link rel="canonical" href="https://blog.test/s">'))["boost"])
    assert "self canonical" not in none and "it names no canonical" in none and "[boost.indexable" in none
    assert "the page is indexable with a self canonical [boost.indexable" in itself


def test_outbound_dilution_lowers_the_score(ws):
    many = "".join(f'<a href="https://site{i}.test/">s{i}</a>' for i in range(150))
    lean = ws.analyze("https://blog.test/lean", page(content_link()))
    diluted = ws.analyze("https://blog.test/diluted", page(content_link() + f"<div>{many}</div>"))
    assert diluted["boost"]["score"] < lean["boost"]["score"]
    assert "[boost.diluted" in reasons(diluted["boost"]) and "[boost.few_outbound" in reasons(lean["boost"])


def test_my_own_site_is_never_worth_boosting(ws):
    result = ws.analyze("https://www.mine.test/post", page(content_link()))
    assert "owned_site" in result["labels"] and "worth_boosting" not in result["labels"]
    assert "[boost.owned_site" in reasons(result["boost"])


def test_weights_are_tunable_through_the_profile(ws):
    before = ws.analyze("https://blog.test/w", page(content_link()))["boost"]["score"]
    ws.set_profile(dict(PROFILE, weights={"boost.in_content": 0}))
    after = ws.analyze("https://blog.test/w", page(content_link()))["boost"]["score"]
    assert after == before - 10


# --- changes ------------------------------------------------------------------------

def test_lost_link_is_reported_and_recorded_with_history(ws):
    seed(ws, backlink("https://blog.test/gone", anchor="great tool"))
    result = ws.analyze("https://blog.test/gone", page('<p><a href="https://other.test/">elsewhere</a></p>'))
    assert "link_lost" in result["labels"]
    assert result["changes"] == [{"kind": "lost", "target": "https://example.com/pricing", "was": "great tool",
                                  "now": None}]
    record = ws.store.get_backlink("https://blog.test/gone", "https://example.com/pricing")
    assert record["status"] == "lost" and record["history"][-1]["kind"] == "lost"
    history = len(record["history"])
    again = ws.analyze("https://blog.test/gone", page('<p><a href="https://other.test/">elsewhere</a></p>'))
    assert "link_lost" in again["labels"]  # still gone: told on every visit, recorded once
    assert [(c["kind"], c["since"]) for c in again["changes"]] == [("lost", record["history"][-1]["at"])]
    assert len(ws.store.get_backlink("https://blog.test/gone", "https://example.com/pricing")["history"]) == history
    back = ws.analyze("https://blog.test/gone", page(content_link()))
    assert "link_lost" not in back["labels"] and [c["kind"] for c in back["changes"]] == ["restored"]


def test_rel_and_anchor_changes(ws):
    seed(ws, backlink("https://blog.test/changed", anchor="great tool"))
    result = ws.analyze("https://blog.test/changed", page(content_link(text="a different anchor", rel="sponsored")))
    kinds = {c["kind"]: c for c in result["changes"]}
    assert "link_changed" in result["labels"]
    assert kinds["rel_changed"]["was"] == "follow" and kinds["rel_changed"]["now"] == "sponsored"
    assert kinds["anchor_changed"]["now"] == "a different anchor"
    record = ws.store.get_backlink("https://blog.test/changed", "https://example.com/pricing")
    assert record["follow"] is False and record["anchor"] == "a different anchor"
    assert [h["kind"] for h in record["history"]][-2:] == ["rel_changed", "anchor_changed"]


def test_a_new_link_is_discovered(ws):
    result = ws.analyze("https://blog.test/new?utm_source=x", page(content_link(href="https://www.example.com/guide")))
    assert result["changes"][0]["kind"] == "new"
    record = ws.store.get_backlink("https://blog.test/new", "https://example.com/guide")
    assert record is not None and record["origins"] == ["discovered"] and record["status"] == "live"
    again = ws.analyze("https://blog.test/new", page(content_link(href="https://www.example.com/guide")))
    assert again["changes"] == []


def test_unchanged_page_reports_nothing(ws):
    seed(ws, backlink("https://blog.test/same", anchor="great tool"))
    result = ws.analyze("https://blog.test/same", page(content_link()))
    assert result["changes"] == [] and "link_lost" not in result["labels"]


# --- tier 2 -------------------------------------------------------------------------

GARDEN_T1 = "https://gardenblog.test/soil-composting-guide"


@pytest.fixture
def tier1_pages(ws):
    seed(ws,
         backlink(GARDEN_T1, anchor="composting tools", dr=60, ur=5),
         backlink("https://finance.test/retirement-savings-tips", anchor="savings calculator", dr=60, ur=5))
    return ws


def test_guest_post_site_is_a_tier2_opportunity_with_relevant_suggestions(tier1_pages):
    ws = tier1_pages
    nav = '<nav><a href="/write-for-us">Write for us</a></nav>'
    outbound = "".join(f'<p><a href="https://garden{i}.test/">garden resource {i}</a></p>' for i in range(6))
    html = page(nav + f"<main><h1>Composting soil for your garden</h1>{ARTICLE}{outbound}</main>",
                title="Composting soil: a gardening guide")
    result = ws.analyze("https://greenthumb.test/composting", html)
    assert "tier2_opportunity" in result["labels"]
    tier2 = result["tier2"]
    assert "[tier2.guest_posts" in reasons(tier2) and "[tier2.relevance" in reasons(tier2)
    assert tier2["suggestions"][0]["tier1_url"] == GARDEN_T1
    assert tier2["suggestions"][0]["anchor"] and "compost" in tier2["suggestions"][0]["why"]
    assert all(s["tier1_url"] != "https://finance.test/retirement-savings-tips" for s in tier2["suggestions"])


def test_guest_post_wording_is_quoted_as_the_page_writes_it(tier1_pages):
    """The search runs on lower-cased text (fast); a link or heading is quoted in the page's
    own casing. The body text is kept lower-cased for relevance, so it is quoted so; the
    wording is found deep in a long body text full of near misses ("submit", "guidelines")."""
    filler = "<p>" + "Submit a comment below. Community guidelines apply. " * 2000 + "</p>"
    mention = "<p>Guest Post Guidelines: send us your draft.</p>"
    result = tier1_pages.analyze("https://long.test/post", page(f"<main>{ARTICLE}{filler}{mention}</main>"))
    assert "the page mentions guest contributions ('guest post')" in reasons(result["tier2"])
    nav = tier1_pages.analyze("https://nav.test/post",
                              page('<nav><a href="/w">WRITE FOR US</a></nav>' + f"<main>{ARTICLE}</main>"))
    assert "the site accepts guest posts ('WRITE FOR US')" in reasons(nav["tier2"])
    plain = tier1_pages.analyze("https://plain.test/post", page(f"<main>{ARTICLE}{filler}</main>"))
    assert plain["tier2"] is None


def test_script_and_style_text_is_not_the_pages_text(tier1_pages):
    """A guest-post wording in a script or a style is no mention by the page (the page's text
    leaves them out); the same words in the text are. The script's text is still in the
    document afterwards (the text is read around it), and a page whose copy comes without
    script text (the extension's) gets the same verdict."""
    script = '<script>var cfg = {label: "Write for us", cta: "guest post"};</script><style>.guest-post{}</style>'
    hidden = tier1_pages.analyze("https://scripted.test/post", page(f"<main>{ARTICLE}{script}</main>"))
    assert hidden["tier2"] is None
    bare = tier1_pages.analyze("https://scripted.test/post2", page(f"<main>{ARTICLE}<script></script><style></style></main>"))
    assert bare["tier2"] is None
    shown = tier1_pages.analyze("https://shown.test/post", page(f"<main>{ARTICLE}{script}<p>Guest post? Write to us.</p></main>"))
    assert "the page mentions guest contributions ('guest post')" in reasons(shown["tier2"])
    result, doc = verdicts.analyze_document("https://scripted.test/post", page(f"<main>{ARTICLE}{script}</main>"))
    feats = verdicts.page_features(result, doc)
    assert "write for us" not in feats.text and "guest-post" not in feats.text and "gardening" in feats.text
    assert "Write for us" in next(doc.iter("script")).text and ".guest-post" in next(doc.iter("style")).text


def test_script_text_lxml_will_not_take_back(tier1_pages):
    """A damaged page's script may hold a control character that lxml parses but refuses to
    set back: its text is still left out of the page's, the document is left as it was, and
    the analysis answers (a 500 in the damaged-corpus test before)."""
    script = '<script>var cfg = "guest post\x01";</script>'
    result, doc = verdicts.analyze_document("https://damaged.test/post", page(f"<main>{ARTICLE}{script}</main>"))
    before = lxml.etree.tostring(doc)
    feats = verdicts.page_features(result, doc)
    assert "guest post" not in feats.text and "gardening" in feats.text
    assert lxml.etree.tostring(doc) == before
    assert tier1_pages.analyze("https://damaged.test/post", page(f"<main>{ARTICLE}{script}</main>"))["tier2"] is None


def test_page_without_a_way_to_place_a_link_has_no_tier2(tier1_pages):
    result = tier1_pages.analyze("https://news.test/story", page(f"<main>{ARTICLE}</main>"))
    assert result["tier2"] is None and "tier2_opportunity" not in result["labels"]


def test_link_farm_scores_lower(tier1_pages):
    ws = tier1_pages
    guest = '<nav><a href="/write-for-us">Write for us</a></nav>'
    farm = "".join(f'<a href="https://farm{i}.test/">x</a>' for i in range(400))
    clean = ws.analyze("https://a.test/x", page(guest + f"<main><h1>Composting</h1>{ARTICLE}</main>"))
    spam = ws.analyze("https://b.test/x", page(guest + f"<main><h1>Composting</h1>{ARTICLE}{farm}</main>"))
    assert spam["tier2"]["score"] < clean["tier2"]["score"]
    assert "[tier2.link_farm" in reasons(spam["tier2"])


@pytest.mark.parametrize("url, body, title, signal", [
    ("https://www.reddit.com/r/gardening/comments/1", "<main><p>hi</p></main>", "Composting tips", "tier2.social"),
    ("https://blog.mine.test/compost", "<main><p>hi</p></main>", "Composting", "tier2.own_site"),
    ("https://roundup.test/x", "<main><h1>32 Experts Share Their Composting Tips</h1></main>", "Roundup", "tier2.roundup"),
    ("https://res.test/garden-resources", "<main>" + "".join(
        f'<a href="https://s{i}.test/">r{i}</a>' for i in range(12)) + "</main>", "Gardening resources",
     "tier2.resource_page"),
])
def test_placement_signals(tier1_pages, url, body, title, signal):
    result = tier1_pages.analyze(url, page(body, title=title))
    assert result["tier2"] is not None, result["labels"]
    assert f"[{signal}" in reasons(result["tier2"])


def test_tier2_existing_and_tier3(tier1_pages):
    ws = tier1_pages
    existing = ws.analyze("https://hub.test/a", page(f'<main><a href="{GARDEN_T1}/">guide</a></main>'))
    assert "tier2_existing" in existing["labels"]
    assert [l["target"] for l in existing["links"]] == ["tier1"]
    ws.store.insert("placements", {"from_url": "https://hub.test/a", "to_url": GARDEN_T1,
                                   "from_key": urls.page_key("https://hub.test/a"),
                                   "to_key": urls.page_key(GARDEN_T1), "anchor": "guide", "via": "guest_post"})
    result = ws.analyze("https://grey.test/p", page('<main><a href="https://www.hub.test/a">hub</a></main>'))
    assert "tier3" in result["labels"]


def test_one_host_spelt_many_ways_counts_as_the_verdict_without_its_memos(tier1_pages):
    """Each link's host, site and key are computed once per verdict and shared by the tier-3
    check, the change detection and the tier-2 verdict (StoreKnowledge's memos, issue 25): a
    page spelling the same sites several ways (host case, `www.`, IDN and punycode, a
    trailing dot) gets the tier-2 verdict computed afresh, the stored link matched whatever
    its spelling, and the sites counted once each."""
    ws = tier1_pages
    seed(ws, backlink("https://spelt.test/garden-resources", target="https://example.com/pricing", anchor="great tool"))
    spellings = ["https://s{i}.test/a", "https://WWW.S{i}.test/b", "https://s{i}.test./c", "https://www.s{i}.test/d"]
    links = "".join(f'<a href="{s.format(i=i)}">r{i}</a>' for i in range(9) for s in spellings)
    links += '<a href="https://bücher.test/x">b</a><a href="https://xn--bcher-kva.test/y">b</a>'
    links += '<a href="https://WWW.Example.com/pricing">great tool</a>'
    body = page(f"<main><h1>Gardening resources</h1>{links}</main>", title="Gardening resources")
    result = ws.analyze("https://spelt.test/garden-resources", body)
    assert result["changes"] == [] and "tier1" in result["labels"]
    fresh_result, doc = verdicts.analyze_document("https://spelt.test/garden-resources", body, ws.profile)
    feats = verdicts.page_features(fresh_result, doc)
    fresh = verdicts.tier2_verdict(verdicts.weights_mod.effective(ws.profile.weights), ws.profile, fresh_result,
                                   feats, [], 0.0)
    sites = {urls.site_of(l["href"]) for l in fresh_result["links"] if not l["internal"] and l["valid"]
             and l["position"] == "content"}
    assert f"links out to {len(sites)} sites" in reasons(fresh)
    assert [r for r in fresh["reasons"] if "resource" in r] == [r for r in result["tier2"]["reasons"] if "resource" in r]


def test_competitor_linker(ws):
    result = ws.analyze("https://blog.test/c", page('<main><a href="https://rival.test/">rival</a></main>'))
    assert result["labels"] == ["competitor_linker"]


# --- boost list --------------------------------------------------------------------

def test_boost_list_ranks_and_leaves_out_competing_and_owned(ws):
    seed(ws,
         backlink("https://strong.test/a", dr=80, ur=5),
         backlink("https://weak.test/b", follow=False, dr=10),
         backlink("https://blog.mine.test/c", dr=80),
         dict(backlink("https://comp.test/link-tool-pricing-review", dr=80), title="Link tool pricing review"),
         backlink("https://gone.test/d", status="lost", dr=90))
    items = ws.boost_list(10)
    assert [i["url"] for i in items] == ["https://strong.test/a", "https://weak.test/b"]
    assert items[0]["score"] > items[1]["score"] and items[0]["placements"] == 0
    assert items[0]["domain"] == "strong.test" and items[0]["metrics"]["dr"] == 80
    assert set(items[0]) >= {"url", "domain", "target", "score", "reasons", "metrics", "placements"}


def test_boost_list_counts_placements(ws):
    seed(ws, backlink("https://strong.test/a", dr=80, ur=5))
    before = ws.boost_list(1)[0]
    ws.store.insert("placements", {"from_url": "https://t2.test/x", "to_url": "https://strong.test/a",
                                   "from_key": "t2.test/x", "to_key": urls.page_key("https://strong.test/a")})
    after = ws.boost_list(1)[0]
    assert after["placements"] == 1 and after["score"] < before["score"]


def test_boost_command(cli, home):
    ws = Workspace(home)
    ws.set_profile(PROFILE)
    seed(ws, backlink("https://strong.test/a", dr=80, ur=5))
    ws.close()
    items = cli.json("boost", "--limit", "5")
    assert items[0]["url"] == "https://strong.test/a"
    assert "strong.test" in cli("boost").stdout.decode()


def test_analyze_command_prints_changes_in_words_never_none(cli, home, tmp_path):
    """`tierlink analyze` printed "asia_trade_hub → None" for a lost link and "None → ..." for a new one."""
    ws = Workspace(home)
    ws.set_profile(PROFILE)
    seed(ws, backlink("https://blog.test/a", anchor="link tool"))
    ws.close()
    path = tmp_path / "page.html"
    path.write_text(page(content_link("https://example.com/new-page", text="fresh")))
    out = cli("analyze", str(path), "--url", "https://blog.test/a").stdout.decode()
    again = cli("analyze", str(path), "--url", "https://blog.test/a").stdout.decode()
    assert "None" not in out + again, out + again
    assert "change: lost https://example.com/pricing  (anchor was 'link tool')" in out
    assert "change: new link https://example.com/new-page  anchor 'fresh'" in out
    assert "change: lost since " in again  # still gone, told again with the date


# --- the real corpus -----------------------------------------------------------------

@needs_corpus
def test_corpus_page_dropping_a_link_is_link_lost(ws):
    import lxml.html

    html = (CORPUS / "016-guardian-1.html").read_text("utf-8", errors="replace")
    url = "https://www.theguardian.com/some/article"
    first = ws.analyze(url, html)
    mine = next(urls.site_of(l["href"]) for l in first["links"] if not l["internal"] and l["valid"])
    ws.set_profile(dict(PROFILE, domains=[mine]))
    known = ws.analyze(url, html)  # the store learns this page's links to "me"
    assert "tier1" in known["labels"]
    assert {c["kind"] for c in known["changes"]} == {"new"}
    assert ws.analyze(url, html)["changes"] == []

    doc = lxml.html.document_fromstring(html)  # the page, edited: every link to "me" dropped
    for a in doc.xpath("//a[@href]"):
        resolved = urls.resolve(url, a.get("href"))
        if resolved and urls.site_of(resolved) == mine:
            a.drop_tag()
    result = ws.analyze(url, lxml.html.tostring(doc, encoding="unicode"))
    assert "link_lost" in result["labels"] and "tier1" not in result["labels"]
    lost = [c for c in result["changes"] if c["kind"] == "lost"]
    assert len(lost) == len(known["changes"]) and {c["kind"] for c in result["changes"]} == {"lost"}


def test_discovered_links_make_scored_tier1_pages_without_a_rescore(ws):
    """A visit that records a link writes that page's tier-1 row and score, and nothing else."""
    seed(ws, backlink("https://seeded.test/a"))
    ws.boost_list(5)
    signature = ws.store.scored_with()
    ws.analyze("https://fresh.test/post", page(content_link()))  # discovers fresh.test/post → me
    fresh = ws.store.tier1_page("fresh.test/post")
    assert fresh is not None and fresh["score"] is not None
    assert "https://fresh.test/post" in [i["url"] for i in ws.boost_list(5)]
    assert signature is not None and ws.store.scored_with() == signature  # no rescore of the whole list
    hub = ws.analyze("https://hub.test/x", page('<main><a href="https://fresh.test/post">fresh</a></main>'))
    assert [l["target"] for l in hub["links"]] == ["tier1"] and "tier2_existing" in hub["labels"]
    ws.analyze("https://fresh.test/post", page("<main><p>no links to me any more</p>"
                                               '<a href="https://other.test/">o</a></main>'))
    assert ws.store.tier1_page("fresh.test/post") is None
    again = ws.analyze("https://hub.test/x", page('<main><a href="https://fresh.test/post">fresh</a></main>'))
    assert [l["target"] for l in again["links"]] == ["other"]


def test_a_profile_change_rescores_every_stored_page(ws):
    seed(ws, dict(backlink("https://review.test/best-garden-hose", dr=80, ur=5), title="Best garden hose"),
         backlink("https://other.test/a", dr=30))
    assert [i["url"] for i in ws.boost_list(5)][0] == "https://review.test/best-garden-hose"
    ws.set_profile(dict(PROFILE, money_pages=[{"url": "https://example.com/hoses", "keywords": ["garden hose"]}]))
    assert [i["url"] for i in ws.boost_list(5)] == ["https://other.test/a"]  # now competes: left out
    ws.set_profile(dict(PROFILE, weights={"boost.followed": 40}))
    items = ws.boost_list(5)
    assert items[0]["url"] == "https://review.test/best-garden-hose"
    assert "[boost.followed +40]" in " ".join(items[0]["reasons"])


def test_the_boost_list_reads_stored_scores_written_by_another_process(ws, cli):
    """An import by the CLI while a Workspace is open: the open one sees it at once."""
    ws.boost_list(1)
    export = ws.home / "links.csv"
    export.write_text("source_url,target_url,anchor\nhttps://cli.test/post,https://example.com/pricing,tool\n")
    cli("import", str(export), "--format", "csv")
    assert [i["url"] for i in ws.boost_list(5)] == ["https://cli.test/post"]


def test_low_authority_domain_lowers_the_score(ws):
    seed(ws, backlink("https://weak.test/a", dr=5), backlink("https://mid.test/a", dr=35))
    weak = ws.analyze("https://weak.test/a", page(content_link()))
    mid = ws.analyze("https://mid.test/a", page(content_link()))
    assert weak["boost"]["score"] < mid["boost"]["score"]
    assert "[boost.low_dr" in reasons(weak["boost"]) and "domain authority 5 (Ahrefs DR)" in reasons(weak["boost"])


def test_outbound_follow_share_and_competitor_site(tier1_pages):
    ws = tier1_pages
    guest = '<nav><a href="/write-for-us">Write for us</a></nav>'

    def outbound(rel):
        return "".join(f'<p><a href="https://s{i}.test/" rel="{rel}">s{i}</a></p>' for i in range(10))

    followed = ws.analyze("https://a.test/p", page(guest + f"<main>{outbound('')}</main>"))
    nofollow = ws.analyze("https://b.test/p", page(guest + f"<main>{outbound('nofollow')}</main>"))
    assert "[tier2.mostly_followed" in reasons(followed["tier2"])
    assert "[tier2.mostly_nofollow" in reasons(nofollow["tier2"])
    assert nofollow["tier2"]["score"] < followed["tier2"]["score"]
    rival = ws.analyze("https://rival.test/p", page(guest + f"<main>{outbound('')}</main>"))
    assert "[tier2.competitor_site" in reasons(rival["tier2"]) and "tier2_opportunity" not in rival["labels"]
