"""The SQLite adapter of the storage port."""

from shardline.storage.sqlite.backend import SqliteBackend

__all__ = ["SqliteBackend"]
