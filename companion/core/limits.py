"""Every limit and default that more than one module, or the user, relies on: one table.

A bound written twice drifts (the URL length was once 8192 in three modules, the
default port in two); each module imports it from here instead, and the README
quotes these values. Limits private to one module (a parser's batch size, a
table's field lengths) stay beside their code.
"""

from __future__ import annotations

# --- the service ---------------------------------------------------------------------
DEFAULT_HOST = "127.0.0.1"  # loopback only: the companion is never on the network
DEFAULT_PORT = 8765
# A page sent as JSON (escaped) plus its URL fits in 16 MiB; the same figure for
# waitress and Flask, so a body is refused with 413 however it is sent.
MAX_BODY = 16 * 1024 * 1024
DEFAULT_MAX_IMPORT = 4 * 1024 ** 3  # POST /api/import: `tierlink serve --max-import-size`

# --- pages and links -----------------------------------------------------------------
# libxml2 drops text nodes over ~10 MB and content nested too deep: the analysis caps
# the input itself and says so rather than lose links silently (the recheck reads no further).
MAX_HTML_BYTES = 10 * 1024 * 1024
MAX_URL_LENGTH = 8192  # any url field of the API, the CLI, the workflow tables and an import (longer: row skipped)
MAX_ANCHOR = 500  # a link's anchor text: a placement's, and an imported backlink's (cut to it and counted)
MAX_TITLE = 500  # a page title: a candidate's, and an imported backlink's (cut to it and counted)
MAX_HEADER_VALUE = 8192  # one value of a page header the extension passes on (X-Robots-Tag)
MAX_HEADERS = 200  # header names in one POST /api/analyze
MAX_DOMAIN = 253  # a host name (DNS): GET /api/backlinks?domain=
MAX_DNC_VALUE = 320  # a do-not-contact entry: an e-mail address at most (RFC 3696), or a domain
MAX_DNC_REASON = 500  # why it is on the list
# rel values that stop equity: the analysis, the verdicts and the imports agree on them.
NOFOLLOW_RELS = frozenset({"nofollow", "ugc", "sponsored"})

# --- the research workflow (candidates, placements) ------------------------------------
MAX_NOTE = 10_000  # a note on a candidate or placement
MAX_TAGS = 50  # tags on one candidate
MAX_TAG = 100  # characters of one tag
MAX_ID = 64  # characters of a candidate's or placement's id (a longer one is a 404)
MAX_SCORE = 100  # verdict scores, and the authority scale they share, run from 0 to MAX_SCORE
MAX_LINK_LIMIT = 100  # a guest post's own-link limit: the profile's guest_post_link_limit and the draft check's `limit`
BOOST_LIST = (20, 1000)  # GET /api/boost?limit: (default, most)

# What the browser extension must know of these, written into extension/lib/limits.js by
# scripts/extension-limits (a test fails when that file and this table disagree).
FOR_EXTENSION = ("MAX_URL_LENGTH", "MAX_TITLE", "MAX_NOTE", "MAX_TAGS", "MAX_TAG", "MAX_HEADER_VALUE", "MAX_DRAFT_BYTES")

# --- guest-post drafts ----------------------------------------------------------------
MAX_DRAFT_BYTES = 2 * 1024 * 1024  # as HTML
MAX_TEXT_DRAFT_BYTES = 512 * 1024  # as Markdown or plain text

# --- the command line -----------------------------------------------------------------
MAX_CLI_INPUT = 64 * 1024 * 1024  # a saved page or draft read from a file or stdin

# --- recheck (`tierlink recheck`, POST /api/recheck) ------------------------------------
RECHECK_DELAY = 2.0  # seconds between two requests to one host (a longer Crawl-delay wins)
RECHECK_TIMEOUT = 20.0  # connect and read timeout, seconds
RECHECK_CONCURRENCY = 8  # hosts fetched in parallel
# The range of each recheck option (the CLI's flags, POST /api/recheck's fields): (least, most).
RECHECK_RANGES = {"limit": (1, 1_000_000), "older_than": (0, 36500), "delay": (0, 3600), "timeout": (0.1, 600),
                  "concurrency": (1, 64)}
RECHECK_EVERY_DAYS = (0.01, 365)  # the profile's recheck_every_days: `tierlink serve` rechecks in the background
