"""The list of the API's route modules, so a feature brings its routes and their description
in one file of its own instead of growing `api.py` and `openapi.py` for everyone.

A route module imports `bp` (and the input helpers) from `companion.web.api`, decorates its
functions with `@bp.get/post/...`, and may define `OPENAPI_PATHS` and `OPENAPI_SCHEMAS`
(dicts in the shape of `openapi.PATHS` / `openapi.SCHEMAS`) describing exactly those routes.
`create_app` imports every module before registering the blueprint; `openapi.spec()` merges
their descriptions; tests/test_openapi.py checks the served routes and the description agree.
The description is also the route's input check: its request body and query parameters are
validated from it before the route runs (companion.web.requestrules), so a `maxLength`, an
`enum`, a type or `additionalProperties: false` written there needs no code in the route.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# One line per feature area; the core routes live in companion.web.api itself.
MODULES: tuple[str, ...] = (
    "companion.web.api",
    "companion.web.alerts_api",
    "companion.web.guestposts_api",
    "companion.web.monitor_api",
    "companion.web.outreach_api",
    "companion.web.linkprofile_api",
)


def load() -> list[ModuleType]:
    """Import every route module (their decorators add the routes to `api.bp`)."""
    return [importlib.import_module(name) for name in MODULES]


def described(kind: str) -> dict:
    """The merged `OPENAPI_PATHS` or `OPENAPI_SCHEMAS` of the route modules (a name twice is a bug)."""
    merged: dict = {}
    for module in load():
        part = getattr(module, f"OPENAPI_{kind.upper()}", {})
        clash = merged.keys() & part.keys()
        if clash:
            raise RuntimeError(f"{module.__name__} describes {sorted(clash)} again")
        merged.update(part)
    return merged
