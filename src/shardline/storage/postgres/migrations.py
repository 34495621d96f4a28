"""The PostgreSQL schema as ordered migrations, recorded in `schema_version`; applied ones never change.

Text keys use COLLATE "C" and keys of items are bytea, so every ordering is bytewise (memcmp), whatever the
database's default collation: the same order as SQLite's BLOB and BINARY comparisons.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from shardline.errors import StorageError

# Held (transaction-scoped) while migrating, so processes starting together migrate one after the other.
MIGRATION_LOCK = 0x5368_6172_646C_696E  # "Shardlin"

Connection = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]
    after: Callable[[Connection], None] | None = None


def _make_iterator_key(connection: Connection) -> None:
    # Made once, with the schema, so shard iterators stay valid across restarts and across processes.
    connection.execute(
        "INSERT INTO stream_meta (name, blob, number) VALUES ('iterator_key', %s, 0) ON CONFLICT DO NOTHING",
        (os.urandom(32),),
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "tables, counters and items",
        (
            # `version` grows with every definition change: processes cache decoded definitions by it.
            """
            CREATE TABLE tables (
                name text COLLATE "C" PRIMARY KEY,
                table_id text COLLATE "C" NOT NULL UNIQUE,
                definition bytea NOT NULL,
                version bigint NOT NULL DEFAULT 1
            )
            """,
            # Counters sit apart from the table row: writers hold a share lock on the table row for their
            # whole transaction, and add their counts here only at commit, in table_id order.
            """
            CREATE TABLE table_counters (
                table_id text COLLATE "C" PRIMARY KEY,
                item_count bigint NOT NULL DEFAULT 0,
                size_bytes bigint NOT NULL DEFAULT 0
            )
            """,
            # The primary key is the clustered order of SQLite's WITHOUT ROWID table: a Query is one index
            # range read of a partition, a Scan walks partitions in hash order.
            """
            CREATE TABLE items (
                table_id text COLLATE "C" NOT NULL,
                partition_hash bigint NOT NULL,
                pk bytea NOT NULL,
                sk bytea NOT NULL,
                size integer NOT NULL,
                item bytea NOT NULL,
                PRIMARY KEY (table_id, partition_hash, pk, sk)
            )
            """,
            # Items are orjson bytes: compressing them costs CPU on every write for little gain.
            "ALTER TABLE items ALTER COLUMN item SET STORAGE EXTERNAL",
        ),
    ),
    Migration(
        2,
        "secondary index entries",
        (
            """
            CREATE TABLE index_entries (
                table_id text COLLATE "C" NOT NULL,
                index_name text COLLATE "C" NOT NULL,
                partition_hash bigint NOT NULL,
                pk bytea NOT NULL,
                sk bytea NOT NULL,
                base_pk bytea NOT NULL,
                base_sk bytea NOT NULL,
                size integer NOT NULL,
                item bytea NOT NULL,
                PRIMARY KEY (table_id, index_name, partition_hash, pk, sk, base_pk, base_sk)
            )
            """,
            "ALTER TABLE index_entries ALTER COLUMN item SET STORAGE EXTERNAL",
            """
            CREATE TABLE index_counters (
                table_id text COLLATE "C" NOT NULL,
                index_name text COLLATE "C" NOT NULL,
                item_count bigint NOT NULL,
                size_bytes bigint NOT NULL,
                PRIMARY KEY (table_id, index_name)
            )
            """,
        ),
    ),
    Migration(
        3,
        "streams, shards and stream records",
        (
            """
            CREATE TABLE streams (
                stream_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                table_name text COLLATE "C" NOT NULL,
                table_id text COLLATE "C" NOT NULL,
                label text COLLATE "C" NOT NULL,
                view_type text NOT NULL,
                key_elements bytea NOT NULL,
                created_at double precision NOT NULL,
                enabled boolean NOT NULL,
                disabled_at double precision,
                UNIQUE (table_name, label)
            )
            """,
            # last_sequence is the shard's counter: an append increments it under the row's lock, in the
            # transaction of the item change, so numbers are strictly increasing per shard across processes
            # and commit in the order they were allocated.
            """
            CREATE TABLE stream_shards (
                shard_no bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                stream_id bigint NOT NULL,
                table_id text COLLATE "C" NOT NULL,
                shard_id text COLLATE "C" NOT NULL,
                parent_shard_id text COLLATE "C",
                hash_lower bigint NOT NULL,
                hash_upper bigint NOT NULL,
                created_at double precision NOT NULL,
                starting_sequence bigint NOT NULL,
                last_sequence bigint NOT NULL,
                trimmed_through bigint NOT NULL,
                ending_sequence bigint,
                closed_at double precision,
                UNIQUE (stream_id, shard_id)
            )
            """,
            """
            CREATE INDEX open_stream_shards ON stream_shards (table_id, hash_lower)
            WHERE ending_sequence IS NULL
            """,
            """
            CREATE TABLE stream_records (
                shard_no bigint NOT NULL,
                sequence bigint NOT NULL,
                created_at double precision NOT NULL,
                size integer NOT NULL,
                body bytea NOT NULL,
                PRIMARY KEY (shard_no, sequence)
            )
            """,
            "ALTER TABLE stream_records ALTER COLUMN body SET STORAGE EXTERNAL",
            """
            CREATE TABLE stream_meta (
                name text COLLATE "C" PRIMARY KEY,
                blob bytea,
                number bigint NOT NULL DEFAULT 0
            )
            """,
            "INSERT INTO stream_meta (name, number) VALUES ('sequence_high', 0)",
        ),
        after=_make_iterator_key,
    ),
    Migration(
        4,
        "trigger mappings, checkpoints and leases",
        (
            """
            CREATE TABLE trigger_mappings (
                uuid text COLLATE "C" PRIMARY KEY,
                document bytea NOT NULL,
                updated_at double precision NOT NULL
            )
            """,
            # As in SQLite, no foreign key: mappings from a triggers file have checkpoints but no mapping row.
            """
            CREATE TABLE trigger_checkpoints (
                mapping_uuid text COLLATE "C" NOT NULL,
                stream_arn text COLLATE "C" NOT NULL,
                shard_id text COLLATE "C" NOT NULL,
                position text NOT NULL,
                finished boolean NOT NULL,
                updated_at double precision NOT NULL,
                window_state bytea,
                PRIMARY KEY (mapping_uuid, stream_arn, shard_id)
            )
            """,
            # Which process runs a mapping, until when: a holder renews its lease; another takes it over
            # once it has expired (the holder died or lost the database).
            """
            CREATE TABLE trigger_leases (
                mapping_uuid text COLLATE "C" PRIMARY KEY,
                holder text NOT NULL,
                expires_at double precision NOT NULL
            )
            """,
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


def current_version(connection: Connection) -> int:
    connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY)")
    row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
    return 0 if row is None or row[0] is None else int(str(row[0]))


def migrate(connection: Connection) -> int:
    """Brings the schema (in the connection's search_path) to LATEST_VERSION in one transaction; returns the
    final version. The connection must be in autocommit mode."""
    try:
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            version = current_version(connection)
            if version > LATEST_VERSION:
                raise StorageError(
                    f"the store has schema version {version}, newer than this shardline supports "
                    f"({LATEST_VERSION})"
                )
            for migration in MIGRATIONS:
                if migration.version <= version:
                    continue
                for statement in migration.statements:
                    connection.execute(statement)
                if migration.after is not None:
                    migration.after(connection)
                connection.execute("INSERT INTO schema_version (version) VALUES (%s)", (migration.version,))
                version = migration.version
    except psycopg.Error as error:
        raise StorageError(f"cannot migrate the PostgreSQL schema: {error}") from error
    return version
