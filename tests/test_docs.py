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


# --- the project's own documents (docs/) -------------------------------------------------

DOCS = ROOT / "docs"
# A docs/ path as code, tests, scripts and the README cite it (`docs/CONTRACT.md`, an image under
# docs/img/), not the docs/ folder of some web address (https://host/docs/x.md).
_CITED_DOC = re.compile(r"(?<![\w/.-])docs/[\w./-]*\w\.(?:md|png)\b")


def test_every_cited_docs_file_exists():
    """A comment that says "see docs/SECURITY.md" is only worth something if a person who
    clones the project finds that file: every docs/… path cited in companion/, tests/,
    scripts/, extension/ and the README exists."""
    for name in ("CONTRACT.md", "SECURITY.md", "DOMAIN.md"):
        assert (DOCS / name).is_file(), f"docs/{name} is missing"
    sources = [ROOT / "README.md"]
    for folder in ("companion", "tests", "scripts", "extension"):
        sources += [p for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix in {".py", ".md", ".js", ".mjs", ""}
                    and "node_modules" not in p.parts and "__pycache__" not in p.parts]
    cited = {}
    for path in sources:
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError:
            continue
        for match in _CITED_DOC.finditer(text):
            cited.setdefault(match.group(0), path.relative_to(ROOT).as_posix())
    missing = {doc: where for doc, where in cited.items() if not (ROOT / doc).is_file()}
    assert not missing, f"cited but not in the repository (document: first citing file): {missing}"


def _contract_routes() -> set[tuple[str, str]]:
    """(METHOD, path) of each row of docs/CONTRACT.md's route table."""
    text = (DOCS / "CONTRACT.md").read_text("utf-8")
    return set(re.findall(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/api/[^`\s?]*)`", text, re.M))


def test_the_contract_lists_exactly_the_routes_the_app_serves(tmp_path):
    """docs/CONTRACT.md cannot drift silently: a route added to the app without a row there,
    or a row for a route the app no longer has, fails here."""
    app = create_app(tmp_path / "home", 8765)
    served = {(method, re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule))
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = _contract_routes()
    assert len(documented) >= 20, "the route table of docs/CONTRACT.md was not found"
    assert not served - documented, f"served but not in docs/CONTRACT.md: {sorted(served - documented)}"
    assert not documented - served, f"in docs/CONTRACT.md but not served: {sorted(documented - served)}"


def test_the_documents_name_what_they_promise():
    """Each document says what the brief of issue 24 asks of it, in the terms the code uses."""
    contract = (DOCS / "CONTRACT.md").read_text("utf-8")
    assert "/api/openapi.json" in contract and "companion/web/openapi.py" in contract
    assert '{"error": {"code"' in contract
    security = (DOCS / "SECURITY.md").read_text("utf-8")
    for point in ("Host", "Origin", "Bearer", "compare_digest", "413", "--allow-private-hosts", "formula"):
        assert point in security, f"docs/SECURITY.md says nothing of {point}"
    domain = (DOCS / "DOMAIN.md").read_text("utf-8")
    from companion.core.weights import DEFAULTS
    # every weight's group and the spam signals are named with their weight keys
    missing = [name for name in DEFAULTS if name.startswith(("boost.", "tier2.")) and f"`{name}`" not in domain]
    assert not missing, f"docs/DOMAIN.md does not name the signals {missing}"
