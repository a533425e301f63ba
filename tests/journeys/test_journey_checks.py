"""The journeys' own eyes, tried on pages made to fail and to pass: a check that cannot
fail, or that fails on a sound page, would make every journey worthless."""

from __future__ import annotations

from journeys.journeyutil import Checks, label_codes, numbers_in, shows_number

SCREEN = {"width": 1366, "height": 768}

FLAWED = """<!doctype html><html><body style="margin:0"><main>
<div id="card" style="width:600px;overflow-x:auto"><table style="width:900px"><tr>
  <td>why it ranks</td><td><button id="save">Save</button></td></tr></table></div>
<p id="code">Labels: worth_boosting, tier1</p>
<p id="tick">Run `tierlink serve` first, or pass --allow-private-hosts.</p>
<table><tr><td id="narrow" style="width:10px">one word per line here</td></tr></table>
<footer style="width:200px;display:flex;white-space:nowrap"><a href="#">Open dashboard</a><a href="#">Options and more</a></footer>
</main></body></html>"""

SOUND = """<!doctype html><html><body style="margin:0"><main style="width:800px">
<div style="width:300px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap">
  https://a-very-long-address.example/with/a/path/that/does/not/fit/in/three/hundred/pixels</div>
<p>The link to me is followed <span>[boost.high_dr +9]</span>; anchor <a href="https://x.test/a_b">x.test/a_b</a>.</p>
<p>anchor from the export: asia_trade_hub</p>
<pre>tierlink recheck --allow-private-hosts</pre>
<details><summary>Why</summary><p>hidden_code_while_folded</p></details>
<button>Save</button> <p>1,899 backlinks</p>
</main></body></html>"""


def test_the_checks_see_each_flaw(chromium):
    page = chromium.new_page(viewport=SCREEN)
    page.set_content(FLAWED)
    checks = Checks("self-test", SCREEN)
    checks.layout(page, "flawed")
    checks.words(page, "flawed")
    seen = "\n".join(checks.problems)
    assert "content wider than its box: div#card" in seen
    assert 'action cut off or scrolled out of sight: button#save' in seen
    assert "one word per line: td#narrow" in seen
    assert "content wider than its box: footer" in seen
    assert "raw label code 'worth_boosting'" in seen and "'tier1'" not in seen
    assert "literal backticks" in seen
    assert "command-line flag '--allow-private-hosts'" in seen
    page.close()


def test_the_checks_leave_a_sound_page_alone(chromium):
    page = chromium.new_page(viewport=SCREEN)
    page.set_content(SOUND)
    checks = Checks("self-test", SCREEN, data_text="Anchor\nasia_trade_hub\n")
    checks.layout(page, "sound")
    checks.words(page, "sound")
    assert checks.problems == []
    assert shows_number(page.locator("main").inner_text(), 1899)
    page.close()


def test_label_codes_and_numbers():
    assert label_codes("labels: worth_boosting, tier2_existing; boost.high_dr +9 see a_b.csv") == \
        ["worth_boosting", "tier2_existing"]
    assert numbers_in("2,000 rows read, 1 899 added") == [2000, 1, 899]
    assert shows_number("showing 500 of 1,899 backlinks", 1899) and not shows_number("18990 rows", 1899)
