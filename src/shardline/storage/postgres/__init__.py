"""The PostgreSQL adapter of the storage port: many shardline processes can share one database."""

from shardline.storage.postgres.backend import PostgresBackend

__all__ = ["PostgresBackend"]
