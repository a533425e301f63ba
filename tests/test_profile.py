"""The data home and the site profile through the CLI."""

import json

import pytest

from companion.core.errors import BadInput
from companion.analysis.profile import validate


def test_init_creates_home_and_profile(cli, home):
    out = cli.json("init", "--domain", "WWW.Example.com", "--domain", "https://blog.test/x")
    assert out["domains"] == ["example.com", "blog.test"]
    assert (home / "profile.json").is_file()
    assert (home.stat().st_mode & 0o777) == 0o700
    shown = cli.json("profile", "show")
    assert shown["domains"] == ["example.com", "blog.test"] and shown["guest_post_link_limit"] == 2


def test_init_again_adds_domains_and_force_replaces(cli):
    cli("init", "--domain", "a.test")
    assert cli.json("init", "--domain", "b.test")["domains"] == ["a.test", "b.test"]
    assert cli.json("init", "--domain", "c.test", "--force")["domains"] == ["c.test"]


def test_profile_load_round_trip(cli, tmp_path):
    data = {"domains": ["example.com"], "money_pages": [{"url": "https://example.com/pricing",
            "keywords": ["link tool pricing"]}], "competitors": ["rival.test"],
            "owned_sites": ["my-other-blog.test"], "guest_post_link_limit": 3}
    f = tmp_path / "p.json"
    f.write_text(json.dumps(data))
    cli("profile", "load", str(f))
    shown = cli.json("profile", "show")
    assert {k: shown[k] for k in data} == data


@pytest.mark.parametrize("content, fragment", [
    (b"{not json", "not valid JSON"),
    (json.dumps({"domains": "example.com"}).encode(), "'domains' must be a list"),
    (json.dumps({"domains": ["not a domain"]}).encode(), "is not a domain name"),
    (json.dumps({"domains": [], "guest_post_link_limit": "2"}).encode(), "guest_post_link_limit"),
    (json.dumps({"domains": [], "money_pages": [{"url": "ftp://x"}]}).encode(), "not an http(s) URL"),
    (json.dumps({"domainz": []}).encode(), "unknown field 'domainz'"),
    (json.dumps({"weights": {"boost.nope": 1}}).encode(), "unknown weight"),
    (json.dumps([1, 2]).encode(), "expected a JSON object"),
])
def test_bad_profile_is_refused_and_nothing_changes(cli, tmp_path, content, fragment):
    cli("init", "--domain", "keep.test")
    f = tmp_path / "bad.json"
    f.write_bytes(content)
    message = cli.fails("profile", "load", str(f))
    assert fragment in message
    assert cli.json("profile", "show")["domains"] == ["keep.test"]


def test_home_flag_beats_the_environment(cli, tmp_path):
    other = tmp_path / "other"
    cli("--home", str(other), "init", "--domain", "flag.test")
    assert json.loads((other / "profile.json").read_text())["domains"] == ["flag.test"]
    assert not (cli.home / "profile.json").exists()


def test_usage_errors_are_one_line(cli):
    assert "No such command 'frobnicate'" in cli.fails("frobnicate")
    assert "--url" in cli.fails("analyze", "-")
    assert "cannot read" in cli.fails("analyze", "/nonexistent/page.html", "--url", "https://x.test/")


def test_weights_override_through_the_profile():
    prof = validate({"weights": {"boost.high_dr": 25}})
    assert prof.weights == {"boost.high_dr": 25}
    with pytest.raises(BadInput):
        validate({"weights": {"boost.high_dr": float("nan")}})
