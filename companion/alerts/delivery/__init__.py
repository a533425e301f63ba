"""The alert channels that leave the machine: webhook (queued, retried) and the daily mail digest.

The desktop channel is the extension's: it polls GET /api/alerts (extension/lib/alerts.js).
"""
