"""The SQLite schema as ordered migrations, recorded in `schema_version` so a store upgrades in place.

Later features (stream records, shards, trigger checkpoints) append migrations; applied ones never change.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from shardline.errors import StorageError


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "tables and items",
        (
            """
            CREATE TABLE tables (
                name TEXT PRIMARY KEY NOT NULL,
                table_id TEXT NOT NULL UNIQUE,
                definition BLOB NOT NULL,
                item_count INTEGER NOT NULL DEFAULT 0,
                size_bytes INTEGER NOT NULL DEFAULT 0
            )
            """,
            # WITHOUT ROWID keeps each item inside the primary-key b-tree: a Scan walks the table in
            # partition-hash order and a Query reads one partition's sort-key range through that index.
            """
            CREATE TABLE items (
                table_id TEXT NOT NULL,
                partition_hash INTEGER NOT NULL,
                pk BLOB NOT NULL,
                sk BLOB NOT NULL,
                size INTEGER NOT NULL,
                item BLOB NOT NULL,
                PRIMARY KEY (table_id, partition_hash, pk, sk)
            ) WITHOUT ROWID
            """,
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


def current_version(connection: sqlite3.Connection) -> int:
    connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
    return 0 if row is None or row[0] is None else int(row[0])


def migrate(connection: sqlite3.Connection) -> int:
    """Brings the store to LATEST_VERSION in one transaction; returns the final version.
    The connection must be in autocommit mode (isolation_level=None)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = current_version(connection)
        if version > LATEST_VERSION:
            raise StorageError(
                f"the store has schema version {version}, newer than this shardline supports "
                f"({LATEST_VERSION})"
            )
        for migration in MIGRATIONS:
            if migration.version > version:
                for statement in migration.statements:
                    connection.execute(statement)
                connection.execute("INSERT INTO schema_version (version) VALUES (?)", (migration.version,))
                version = migration.version
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return version
