# Sourced by scripts/run and scripts/test: make (once) and activate the project's
# virtual environment in .venv, with the project installed in editable mode.
# Re-installs only when pyproject.toml changed since the last install.
# Takes exactly one argument, the pip extra ("[test]", or "" for none): always pass
# it, since `source FILE` with no arguments hands the caller's own ones on.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRA="${1:-}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
STAMP="$VENV/.tierlink-installed$EXTRA"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip >&2 || true
    "$VENV/bin/python" -m pip install -q -e "$ROOT$EXTRA" >&2
    touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
