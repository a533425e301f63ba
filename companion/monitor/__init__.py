"""Link monitoring: recheck stored tier-1 pages and my placement pages without browsing.

* `fetch`: the HTTP client (redirects, timeouts, size cap, decompression, decoding,
  the address check on every hop);
* `politeness`: one request at a time per host, a delay between two;
* `robots`: robots.txt once per host per run, Crawl-delay;
* `recheck`: a run and how each page is judged (the RecheckSummary);
* `lock`: one run at a time per data home; `runner`: runs inside `tierlink serve`.
"""
