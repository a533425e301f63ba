"""User journeys in a real Chromium (see conftest.py and journeyutil.py).

A package, so that its conftest is `journeys.conftest` and never shadows tests/conftest.py,
which other test modules import as `conftest`."""
