"""The README is the front door: every command and every API route is in it, and
the commands it promises exist."""

import re

from companion.web.app import create_app
from companion.cli.main import tierlink
from conftest import ROOT

README = (ROOT / "README.md").read_text("utf-8")


def commands() -> list[str]:
    return sorted(tierlink.commands)


def test_every_command_is_in_the_readme():
    missing = [name for name in commands() if f"tierlink {name}" not in README]
    assert not missing, f"README does not mention: {missing}"


def test_every_api_route_is_in_the_readme(tmp_path):
    app = create_app(tmp_path / "home", 8765)
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/")}
    missing = sorted(r for r in routes if r not in README)
    assert not missing, f"README does not mention: {missing}"


def test_the_two_commands_exist_and_ci_calls_the_test_command():
    assert "scripts/run" in README and "scripts/test" in README
    for script in ("scripts/run", "scripts/test", ".ci/run"):
        assert (ROOT / script).stat().st_mode & 0o111, f"{script} is not executable"
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()


def _all_commands(group=None, path=()):
    group = group or tierlink
    for name, command in sorted(group.commands.items()):
        yield path + (name,), command
        if hasattr(command, "commands"):
            yield from _all_commands(command, path + (name,))


def test_every_command_shows_an_example_in_its_help(cli):
    """Each command is one function whose docstring ends with an example (`tierlink X --help`)."""
    missing = []
    for path, _command in _all_commands():
        text = cli(*path, "--help").stdout.decode()
        if "Example:" not in text or f"tierlink {' '.join(path)}" not in text.split("Example:", 1)[1]:
            missing.append(" ".join(path))
    assert not missing, f"no example in the help of: {missing}"
