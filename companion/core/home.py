"""The data home: the one folder that holds all of Tierlink's state.

Resolution order (docs/CONTRACT.md, "Data home"): an explicit `--home DIR`, else the
`TIERLINK_HOME` environment variable, else platformdirs' user data folder for the
app `tierlink`. Every module asks this module for its paths, so nothing is ever
written elsewhere and deleting the folder is a full reset.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "TIERLINK_HOME"


def resolve_home(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir("tierlink", appauthor=False))


def ensure_home(home: Path) -> Path:
    """Create the home (0700: it holds the API token and the user's research)."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home
