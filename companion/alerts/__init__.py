"""Alerts: each change that costs the user a link becomes one alert, then reaches them.

records   — what an alert is, made from a recheck's changes, stored once (a dedupe key)
hook      — the one call the recheck makes after storing its results
delivery/ — the optional channels: webhook (queue with retries), mail (daily digest);
            the extension's desktop notification polls GET /api/alerts itself
"""
