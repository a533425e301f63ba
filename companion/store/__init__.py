"""The durable data: the backlink database (SQLite) and the workflow tables (TinyDB), merge rules,
migrations and backups. Only this layer talks to sqlite/tinydb."""
