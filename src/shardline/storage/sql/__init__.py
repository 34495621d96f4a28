"""What the SQL adapters share: statements written once over a small dialect seam (dialect.py), run by each
adapter's own statement runner (SQLite's connection, PostgreSQL's SqlAccess), and the writers' work queue."""
