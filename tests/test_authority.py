"""Every tool's authority in the boost score, and the spam and low-quality signals.

A page measured by Ahrefs, Semrush, Moz or Majestic must score about the same (each
tool's metric is normalised onto one scale), and every reason must quote the tool's
own metric. The exports here are small hand-made files in each tool's real layout
(headers as in ../shared/exports), imported by the real importer into a real data home.
"""

from __future__ import annotations

import sqlite3

import pytest

from companion.store import sqlstore
from companion.verdicts import verdicts
from companion.importing import import_files
from companion.store.store import Store
from companion.workspace import Workspace

ME = "example.com"
PAGE = "https://widgetweekly.example.org/best-widgets-2025/"
TARGET = "https://www.example.com/blog/best-widgets/"


def ahrefs(dr, ur, external=12, is_spam="false", url=PAGE):
    return ("Referring page title,Referring page URL,Domain rating,UR,External links,Target URL,Anchor,Nofollow,"
            "Is spam,First seen,Last seen,Lost\n"
            f"Best widgets,{url},{dr},{ur},{external},{TARGET},widgets,false,{is_spam},"
            "2025-03-14 09:21:07,2025-11-30 22:04:51,\n")


def semrush_row(ascore, url=PAGE, external=12, sitewide="false", nofollow="false"):
    return (f"{ascore},Best widgets,{url},{TARGET},widgets,{external},40,{nofollow},false,false,{sitewide},"
            "2025-03-14,2025-11-30,false\n")


SEMRUSH_HEAD = ("Page ascore,Source title,Source url,Target url,Anchor,External links,Internal links,Nofollow,"
                "Sponsored,Ugc,Sitewide,First seen,Last seen,Lost link\n")


def semrush(ascore, **kw):
    return SEMRUSH_HEAD + semrush_row(ascore, **kw)


def moz(pa, da, spam=1):
    return ("URL,Title,Anchor Text,Spam Score,Page Authority,Domain Authority,Target URL,Only rel=nofollow\n"
            f"{PAGE},Best widgets,widgets,{spam},{pa},{da},{TARGET},No\n")


def majestic(tf, cf, domain_ttf):
    return ("Target URL,Source URL,Anchor Text,Source Crawl Date,Source First Found Date,FlagNoFollow,"
            "SourceCitationFlow,SourceTrustFlow,RefDomainTopicalTrustFlow_Topic_0,RefDomainTopicalTrustFlow_Value_0\n"
            f"{TARGET},{PAGE},widgets,2025-11-30,2025-03-14,,{cf},{tf},Home/Home Improvement,{domain_ttf}\n")


@pytest.fixture
def make(tmp_path):
    opened = []

    def _make(name: str, *files: str) -> Workspace:
        ws = Workspace(tmp_path / name)
        ws.set_profile({"domains": [ME]})
        import_files(ws.store, ws.profile, [(f"{name}-{i}.csv", text.encode()) for i, text in enumerate(files)])
        opened.append(ws)
        return ws

    yield _make
    for ws in opened:
        ws.close()


def only(ws, **kw) -> dict:
    items = ws.boost_list(10, **kw)
    assert len(items) == 1, items
    return items[0]


def text(item) -> str:
    return " | ".join(item["reasons"])


# The same page, as each tool measures it: a strong page on a strong domain, and a weak one.
STRONG = {"ahrefs": ahrefs(80, 30), "semrush": semrush(60), "moz": moz(60, 80), "majestic": majestic(37.5, 45, 40)}
WEAK = {"ahrefs": ahrefs(10, 2), "semrush": semrush(5), "moz": moz(5, 10), "majestic": majestic(3, 5, 5)}
QUOTES = {"ahrefs": ["(Ahrefs DR)"], "semrush": ["page authority 60 (Semrush Page ascore)"],
          "moz": ["domain authority 80 (Moz Domain Authority)"],
          "majestic": ["domain authority 40 (Majestic domain Topical Trust Flow)"]}


@pytest.mark.parametrize("tool", ["semrush", "moz", "majestic"])
def test_a_page_scores_about_the_same_whichever_tool_measured_it(make, tool):
    """The same page in another tool's export lands within 10 points of its Ahrefs score, strong
    or weak, and the reasons quote the tool's own metric."""
    for label, pages in (("strong", STRONG), ("weak", WEAK)):
        reference = only(make(f"ahrefs-{label}-{tool}", pages["ahrefs"]))
        other = only(make(f"{tool}-{label}", pages[tool]))
        assert abs(other["score"] - reference["score"]) <= 10, (label, reference, other)
        if label == "strong":
            assert other["score"] >= 55 and "[boost.high_dr" in text(other)
            for quote in QUOTES[tool]:
                assert quote in text(other)
        else:
            assert other["score"] <= 45 and "[boost.low_dr" in text(other)


def test_the_ahrefs_page_quotes_dr_and_ur(make):
    """DR leads the Ahrefs reasons; a low UR on a decent domain is room to grow."""
    item = only(make("ahrefs", ahrefs(70, 5)))
    assert "domain authority 70 (Ahrefs DR)" in text(item)
    assert "page authority 5 (Ahrefs UR), room to grow [boost.room_to_grow" in text(item)


def test_where_several_tools_measured_a_page_the_reason_says_which_was_used(make):
    """Ahrefs and Semrush on one page: Ahrefs' UR is used, Semrush's value is quoted beside it."""
    item = only(make("both", ahrefs(70, 5), semrush(38)))
    assert "page authority 5 (Ahrefs UR; also Semrush Page ascore 38)" in text(item)


def test_the_boost_item_carries_the_values_used_in_the_tools_words(make):
    """The dashboard shows these whichever tool measured the page (not only Ahrefs' DR and UR)."""
    assert only(make("s", semrush(60)))["authority"] == {"page": {"value": 60, "metric": "Semrush Page ascore"},
                                                         "domain": None}
    assert only(make("m", moz(38, 54)))["authority"] == {"page": {"value": 38, "metric": "Moz Page Authority"},
                                                         "domain": {"value": 54, "metric": "Moz Domain Authority"}}


def test_a_semrush_page_without_domain_authority_gets_no_room_to_grow(make):
    """Room to grow needs a known decent domain: a low Page ascore alone is no evidence of one."""
    item = only(make("semrush-low", semrush(25)))
    assert "[boost.room_to_grow" not in text(item)


def test_spam_signals_are_named_weighted_and_drop_below_every_ordinary_page(make):
    """A link farm, an exporter's spam flag and a search-result page each name their signal; spam
    pages are listed only when asked for, then among the followed pages in score order (here all
    before a nofollow, zero-authority ordinary page, which comes after every followed one)."""
    ws = make("spam",
              SEMRUSH_HEAD
              + semrush_row(70, url="https://farm.test/links.html", external=9999)
              + semrush_row(60, url="https://de.search.yahoo.com/mobile/s?p=widgets")
              + semrush_row(0, url="https://plain.test/post", nofollow="true"),
              ahrefs(90, 40, is_spam="true", url="https://flagged.test/a"),
              moz(50, 50, spam=12).replace(PAGE, "https://mozspam.test/a"))
    hidden = ws.boost_list(10)
    assert [i["url"] for i in hidden] == ["https://plain.test/post"]
    shown = ws.boost_list(10, spam="show")
    assert shown[-1]["url"] == "https://plain.test/post" and not shown[-1]["spam"]
    spam = {i["url"]: text(i) for i in shown[:-1]}
    assert all(i["spam"] for i in shown[:-1]) and len(spam) == 4
    assert [i["score"] for i in shown[:-1]] == sorted((i["score"] for i in shown[:-1]), reverse=True)
    assert "9999 external links" in spam["https://farm.test/links.html"] and "[boost.link_farm -40]" in spam["https://farm.test/links.html"]
    assert "[boost.search_results -40]" in spam["https://de.search.yahoo.com/mobile/s?p=widgets"]
    assert "Ahrefs marks the page as spam" in spam["https://flagged.test/a"]
    assert "Moz Spam Score 12 is high [boost.spam_flag -40]" in spam["https://mozspam.test/a"]
    assert shown[-1]["score"] < max(i["score"] for i in shown[:-1])  # nofollow: below by class, whatever the score


def test_spam_pages_are_never_suggested_as_tier2_targets(make):
    """A farm page that fits the topic perfectly is still not suggested."""
    ws = make("suggest", SEMRUSH_HEAD
              + semrush_row(70, url="https://farm.test/best-widgets-reviewed", external=5000)
              + semrush_row(30, url="https://fine.test/widgets-reviewed-best"))
    urls_ = [s["tier1_url"] for s in verdicts.suggest_tier1(ws.store, "best widgets reviewed")]
    assert urls_ == ["https://fine.test/widgets-reviewed-best"]


def test_the_same_generated_path_on_five_sites_is_a_network(make):
    """Four sites sharing a generated page name are not yet a network; a fifth, imported later,
    makes all five spam (the earlier pages are rescored), and a shared everyday path never is."""
    gen = "/page-4dca616a930ef43f867938701ec5c437.html"
    rows = "".join(semrush_row(20, url=f"https://site{i}.test{gen}") for i in range(4))
    rows += "".join(semrush_row(20, url=f"https://org{i}.test/partners/") for i in range(6))
    ws = make("network", SEMRUSH_HEAD + rows)
    assert not any(i["spam"] for i in ws.boost_list(20, spam="show"))
    import_files(ws.store, ws.profile, [("more.csv", (SEMRUSH_HEAD + semrush_row(20, url=f"https://mail.site9.test{gen}")).encode())])
    items = ws.boost_list(20, spam="show")
    networked = [i for i in items if gen in i["url"]]
    assert len(networked) == 5 and all(i["spam"] and "on 5 referring sites" in text(i) for i in networked)
    assert not any(i["spam"] for i in items if "/partners" in i["url"])


@pytest.mark.parametrize("url, signal", [
    ("https://blog.test/tag/widgets/", "boost.archive"),
    ("https://blog.test/category/tools/widgets", "boost.archive"),
    ("https://blog.test/2024/12/", "boost.archive"),
    ("https://blog.test/news/page/7", "boost.archive"),
    ("https://blog.test/?s=widgets", "boost.search_results"),
    ("https://www.bing.com/images/results.aspx?q=widgets", "boost.search_results"),
])
def test_listing_pages_are_named(make, url, signal):
    ws = make("kind", semrush(30, url=url))
    assert f"[{signal} " in text(ws.boost_list(1, spam="show")[0])


def test_low_quality_signals_lower_the_score_without_hiding_the_page(make):
    """Sitewide and no-authority pages stay ordinary, ranked below a clean page of the same kind."""
    ws = make("lowq", SEMRUSH_HEAD + semrush_row(30, url="https://clean.test/a")
              + semrush_row(30, url="https://sitewide.test/a", sitewide="true")
              + semrush_row(0, url="https://nothing.test/a"))
    items = ws.boost_list(10)
    assert [i["url"] for i in items][0] == "https://clean.test/a" and not any(i["spam"] for i in items)
    by = {i["url"]: text(i) for i in items}
    assert "[boost.sitewide -10]" in by["https://sitewide.test/a"]
    assert "no authority at all: Semrush Page ascore 0 [boost.no_authority -10]" in by["https://nothing.test/a"]


def test_equal_scores_fall_to_page_then_domain_authority(make):
    """Never file order: of pages with the same score, the higher page authority leads, then the domain's."""
    ws = make("ties", "Referring page title,Referring page URL,Domain rating,UR,External links,Target URL,Anchor,"
                      "Nofollow,First seen,Last seen,Lost\n"
              + "".join(f"t,https://{name}.test/p,{dr},{ur},50,{TARGET},a,false,2025-03-14,2025-11-30,\n"
                        for name, dr, ur in [("a", 85, 1), ("b", 90, 3), ("c", 95, 3)]))
    items = ws.boost_list(10)
    assert len({i["score"] for i in items}) == 1
    assert [i["url"] for i in items] == ["https://c.test/p", "https://b.test/p", "https://a.test/p"]


def test_a_schema_1_store_is_migrated_and_rescored(tmp_path, make):
    """A store written before the path, network and tie-break columns opens, gains them, and is rescored."""
    ws = make("old", SEMRUSH_HEAD + "".join(
        semrush_row(20, url=f"https://s{i}.test/0123456789abcdef-generated.html") for i in range(6)))
    ws.close()
    db = sqlite3.connect(tmp_path / "old" / sqlstore.DB_FILE)
    db.executescript("""
        DROP INDEX tier1_by_score; DROP INDEX tier1_by_path;
        ALTER TABLE tier1 DROP COLUMN path; ALTER TABLE tier1 DROP COLUMN site; ALTER TABLE tier1 DROP COLUMN network;
        ALTER TABLE tier1 DROP COLUMN page_authority; ALTER TABLE tier1 DROP COLUMN domain_authority;
        CREATE INDEX tier1_by_score ON tier1 (blocked, score DESC, placements, url);
        UPDATE meta SET value = '1' WHERE name = 'schema';""")
    db.commit()
    db.close()
    store = Store.open(tmp_path / "old")
    store.close()
    again = Workspace(tmp_path / "old")
    try:
        items = again.boost_list(10, spam="show")
        assert len(items) == 6 and all(i["spam"] and "on 6 referring sites" in text(i) for i in items)
    finally:
        again.close()


def test_the_api_hides_spam_unless_asked_and_refuses_a_bad_value(app_server, tmp_path):
    """GET /api/boost: spam=hide (the default) leaves spam out, spam=show lists it last and marked;
    anything else is a 400 in the one error shape."""
    from conftest import CLI

    cli = CLI(app_server.home)
    cli("init", "--domain", ME)
    farm = tmp_path / "semrush.csv"
    farm.write_text(SEMRUSH_HEAD + semrush_row(70, url="https://farm.test/links.html", external=9999)
                    + semrush_row(10, url="https://plain.test/post"), encoding="utf-8")
    cli("import", str(farm))
    assert [i["url"] for i in app_server.api("GET", "/api/boost")] == ["https://plain.test/post"]
    shown = app_server.api("GET", "/api/boost?spam=show")
    assert [(i["url"], i["spam"]) for i in shown] == [("https://plain.test/post", False),
                                                       ("https://farm.test/links.html", True)]
    bad = app_server.request("GET", "/api/boost?spam=maybe")
    assert bad.status == 400 and bad.json()["error"]["code"] and "spam" in bad.json()["error"]["message"]


def test_a_visited_link_farm_is_spam_and_not_worth_boosting(make):
    """On a visit the measured external links decide: 600 of them (601 with mine) make the page a link farm."""
    ws = make("visit", ahrefs(80, 5, url="https://farm.test/post"))
    links = "".join(f'<a href="https://s{i}.test/">s{i}</a> ' for i in range(600))
    html = (f"<html><head><title>Links</title></head><body><main><p>{links}"
            f'<a href="{TARGET}">widgets</a></p></main></body></html>')
    result = ws.analyze("https://farm.test/post", html)
    assert result["boost"]["spam"] and "worth_boosting" not in result["labels"]
    assert any("601 external links on the page" in r and "[boost.link_farm -40]" in r for r in result["boost"]["reasons"])


def test_followed_links_come_before_every_nofollow_one(make):
    """A nofollow link on a strong page scores higher than a followed one on a weak, sitewide
    page, yet the followed one is listed first: a tier-2 link to a page whose link to me is not
    followed passes little on to me."""
    ws = make("follow", "Referring page title,Referring page URL,Domain rating,UR,External links,Target URL,Anchor,"
                        "Nofollow,First seen,Last seen,Lost\n"
              f"t,https://strong.test/p,90,5,10,{TARGET},a,true,2025-03-14,2025-11-30,\n"
              f"t,https://weak.test/p,0,0,150,{TARGET},a,false,2025-03-14,2025-11-30,\n")
    items = ws.boost_list(10)
    assert [i["url"] for i in items] == ["https://weak.test/p", "https://strong.test/p"]
    assert items[0]["score"] < items[1]["score"]


def test_the_sort_value_is_the_level_the_signals_read():
    """The list's authority column (`sort_value`, worked out for every row an import writes) is the
    common value of the domain level, else the page level, as `levels` makes them, for any metrics:
    each tool's, several at once, text, booleans, negative, infinite and NaN values."""
    import math
    import random

    from companion.core.authority import DOMAIN_METRICS, PAGE_METRICS, levels, sort_value

    rnd = random.Random(25)
    keys = [k for k, *_ in PAGE_METRICS + DOMAIN_METRICS] + ["external_links"]
    values = [None, True, False, "", "12", "abc", -1, 0, 0.5, 33, 99.9, 150, "1e400", math.nan, "-3", "inf", -0.0]
    for _ in range(20000):
        metrics = {rnd.choice(keys): rnd.choice(values) for _ in range(rnd.randint(0, 5))}
        page, domain = levels(metrics)
        strong = domain or page
        assert repr(sort_value(metrics)) == repr(round(strong.common, 2) if strong else None), metrics
