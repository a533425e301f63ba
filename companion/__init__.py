"""Tierlink's companion: page analysis, backlink store, verdicts, HTTP service and CLI.

The CLI (`companion.cli`) and the HTTP API (`companion.app`) are thin layers over
the same library modules, so both give the same answers.
"""

__version__ = "0.1.0"
# Where the bot's User-Agent points site owners (TierlinkBot/<version> (+PROJECT_URL)).
PROJECT_URL = "https://tierlink.dev/bot"
