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
    Migration(
        2,
        "secondary index entries",
        (
            # Entries sort by the index partition's hash, the index key, then the base item's key: a Query on
            # an index is a range read of one index partition, and a parallel Scan splits by hash.
            """
            CREATE TABLE index_entries (
                table_id TEXT NOT NULL,
                index_name TEXT NOT NULL,
                partition_hash INTEGER NOT NULL,
                pk BLOB NOT NULL,
                sk BLOB NOT NULL,
                base_pk BLOB NOT NULL,
                base_sk BLOB NOT NULL,
                size INTEGER NOT NULL,
                item BLOB NOT NULL,
                PRIMARY KEY (table_id, index_name, partition_hash, pk, sk, base_pk, base_sk)
            ) WITHOUT ROWID
            """,
            # Kept beside the entries so DescribeTable reads an index's ItemCount and size without a scan.
            """
            CREATE TABLE index_counters (
                table_id TEXT NOT NULL,
                index_name TEXT NOT NULL,
                item_count INTEGER NOT NULL,
                size_bytes INTEGER NOT NULL,
                PRIMARY KEY (table_id, index_name)
            ) WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        3,
        "streams, shards and stream records",
        (
            """
            CREATE TABLE streams (
                stream_id INTEGER PRIMARY KEY,
                table_name TEXT NOT NULL,
                table_id TEXT NOT NULL,
                label TEXT NOT NULL,
                view_type TEXT NOT NULL,
                key_elements BLOB NOT NULL,
                created_at REAL NOT NULL,
                enabled INTEGER NOT NULL,
                disabled_at REAL,
                UNIQUE (table_name, label)
            )
            """,
            """
            CREATE TABLE stream_shards (
                shard_no INTEGER PRIMARY KEY,
                stream_id INTEGER NOT NULL,
                table_id TEXT NOT NULL,
                shard_id TEXT NOT NULL,
                parent_shard_id TEXT,
                hash_lower INTEGER NOT NULL,
                hash_upper INTEGER NOT NULL,
                created_at REAL NOT NULL,
                starting_sequence INTEGER NOT NULL,
                last_sequence INTEGER NOT NULL,
                trimmed_through INTEGER NOT NULL,
                ending_sequence INTEGER,
                closed_at REAL,
                UNIQUE (stream_id, shard_id)
            )
            """,
            # Capture finds the open shard of a partition through this small partial index: only the open
            # shards of enabled streams are in it.
            """
            CREATE INDEX open_stream_shards ON stream_shards (table_id, hash_lower)
            WHERE ending_sequence IS NULL
            """,
            # Records of one shard are one key range in sequence order: appends go to its end, GetRecords
            # reads forward from a position, trimming removes from its start.
            """
            CREATE TABLE stream_records (
                shard_no INTEGER NOT NULL,
                sequence INTEGER NOT NULL,
                created_at REAL NOT NULL,
                size INTEGER NOT NULL,
                body BLOB NOT NULL,
                PRIMARY KEY (shard_no, sequence)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE stream_meta (
                name TEXT PRIMARY KEY NOT NULL,
                value BLOB NOT NULL
            ) WITHOUT ROWID
            """,
            # The iterator signing key is made once, here, so iterators stay valid across restarts.
            "INSERT INTO stream_meta (name, value) VALUES ('iterator_key', randomblob(32))",
            "INSERT INTO stream_meta (name, value) VALUES ('sequence_high', 0)",
        ),
    ),
    Migration(
        4,
        "trigger mappings and checkpoints",
        (
            """
            CREATE TABLE trigger_mappings (
                uuid TEXT PRIMARY KEY NOT NULL,
                document BLOB NOT NULL,
                updated_at REAL NOT NULL
            ) WITHOUT ROWID
            """,
            # Checkpoints are kept for mappings from a triggers file too (which have no mapping row), so
            # there is no foreign key: a file mapping with the same uuid resumes where it stopped.
            """
            CREATE TABLE trigger_checkpoints (
                mapping_uuid TEXT NOT NULL,
                stream_arn TEXT NOT NULL,
                shard_id TEXT NOT NULL,
                position TEXT NOT NULL,
                finished INTEGER NOT NULL,
                updated_at REAL NOT NULL,
                window_state BLOB,
                PRIMARY KEY (mapping_uuid, stream_arn, shard_id)
            ) WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        5,
        "trigger leases",
        (
            # One process serves a SQLite store, but the lease row keeps the port's contract the same as
            # PostgreSQL's, where several processes take turns running a mapping.
            """
            CREATE TABLE trigger_leases (
                mapping_uuid TEXT PRIMARY KEY NOT NULL,
                holder TEXT NOT NULL,
                expires_at REAL NOT NULL
            ) WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        6,
        "standalone runner statuses",
        (
            # What `shardline triggers run` last reported about each mapping, for `triggers status --state`
            # (storage/sqlite/runner_status_views.py); only a runner's state file ever fills it.
            """
            CREATE TABLE runner_statuses (
                mapping_uuid TEXT PRIMARY KEY NOT NULL,
                document BLOB NOT NULL,
                saved_at REAL NOT NULL,
                process_id TEXT NOT NULL,
                stopped INTEGER NOT NULL
            )
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
