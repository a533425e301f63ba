"""The companion service: the Flask app and its API, the security gates (Host, Origin, token, body
caps), the OpenAPI description, uploads, waitress and the dashboard (static/)."""
