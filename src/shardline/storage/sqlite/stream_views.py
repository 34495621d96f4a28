"""Stream storage for the SQLite adapter (the streams part of the ReadView and WriteView).

Streams, shards and records live in `streams`, `stream_shards` and `stream_records` (migration 3); the reads
are the shared core's (storage/sql/stream_reads.py) in SQLite's dialect. On the writer, an append finds its
shard and next sequence number in the writer's OpenShardCache and costs one INSERT (one SELECT loads a table's
open shards when the cache has forgotten them).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import orjson

from shardline.errors import StorageError
from shardline.storage.backend import AppendedRecord, NewShard, StoredShard, StoredStream
from shardline.storage.sql.dialect import Parameters, Rows, SqlDialect
from shardline.storage.sql.stream_reads import SqlStreamReads, StreamReadStatements, shard_columns, stored_shard
from shardline.storage.sqlite.open_shards import OpenShard, OpenShardCache

TRIM_BATCH = 50_000

# A shard's counter is not updated on every append (that UPDATE would double the cost of capture): its last
# sequence number is the greatest of the stored column (set at close), what was trimmed, and its newest record.
_LAST_SEQUENCE = (
    "max(s.last_sequence, s.trimmed_through,"
    " coalesce((SELECT max(r.sequence) FROM stream_records r WHERE r.shard_no = s.shard_no), 0))"
)
SQLITE = SqlDialect(
    placeholder="?",
    greatest="max",
    last_sequence=_LAST_SEQUENCE,
    sequence_high="(SELECT CAST(value AS INTEGER) FROM stream_meta WHERE name = 'sequence_high')",
    iterator_key_column="value",
    replaces_on_upsert=True,
)
_SHARD_COLUMNS = shard_columns(SQLITE)


class SqliteStatements:
    """How the shared core's statements run on SQLite: on the view's connection, sqlite3 errors as
    StorageError."""

    if TYPE_CHECKING:

        def _sql(self) -> sqlite3.Connection: ...

    def _rows(self, statement: str, parameters: Parameters = ()) -> Rows:
        try:
            return self._sql().execute(statement, parameters).fetchall()
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error

    def _execute(self, statement: str, parameters: Parameters = ()) -> int:
        """Runs a statement that returns no rows; the number of rows it changed (sqlite3's changes())."""
        try:
            return max(self._sql().execute(statement, parameters).rowcount, 0)
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error


class StreamReadMixin(SqlStreamReads, SqliteStatements):
    _stream_sql = StreamReadStatements.written_for(SQLITE)


class StreamWriteMixin:
    # The writer's cache of open shards (None: every append reads its shard from SQL), and whether this
    # view changed stream state, so the writer knows to forget the cache if the work is rolled back.
    _open_shards: OpenShardCache | None = None
    stream_changed: bool = False

    if TYPE_CHECKING:

        def _sql(self) -> sqlite3.Connection: ...

        def _rows(self, statement: str, parameters: Parameters = ()) -> Rows: ...

        def get_stream(self, table_name: str, label: str) -> StoredStream | None: ...

        def sequence_floor(self) -> int: ...

    def create_stream(self, stream: StoredStream) -> StoredStream:
        self._stream_state_changes()
        if self.get_stream(stream.table_name, stream.label) is not None:
            raise StorageError(f"stream {stream.table_name}/{stream.label} already exists")
        rows = self._rows(
            "INSERT INTO streams (table_name, table_id, label, view_type, key_elements, created_at, enabled,"
            " disabled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING stream_id",
            (
                stream.table_name, stream.table_id, stream.label, stream.view_type,
                orjson.dumps([list(pair) for pair in stream.key_elements]), stream.created_at,
                int(stream.enabled), stream.disabled_at,
            ),
        )
        return StoredStream(
            int(rows[0][0]), stream.table_name, stream.table_id, stream.label, stream.view_type,
            stream.key_elements, stream.created_at, stream.enabled, stream.disabled_at,
        )

    def disable_stream(self, stream_id: int, disabled_at: float) -> None:
        self._stream_state_changes()
        self._rows(
            "UPDATE streams SET enabled = 0, disabled_at = ? WHERE stream_id = ? RETURNING stream_id",
            (disabled_at, stream_id),
        )

    def _stream_state_changes(self) -> None:
        self.stream_changed = True
        if self._open_shards is not None:
            self._open_shards.forget()

    def _raise_sequence_high(self, shard_nos: str, parameters: tuple[object, ...]) -> None:
        # Deleted shards take their counters along; the high-water mark keeps later numbers above theirs.
        self._rows(
            f"UPDATE stream_meta SET value = max(CAST(value AS INTEGER), coalesce((SELECT max({_LAST_SEQUENCE})"
            f" FROM stream_shards s WHERE {shard_nos}), 0)) WHERE name = 'sequence_high' RETURNING name",
            parameters,
        )

    def delete_stream(self, stream_id: int) -> None:
        self._stream_state_changes()
        self._raise_sequence_high("s.stream_id = ?", (stream_id,))
        self._rows(
            "DELETE FROM stream_records WHERE shard_no IN (SELECT shard_no FROM stream_shards WHERE stream_id = ?)"
            " RETURNING shard_no",
            (stream_id,),
        )
        self._rows("DELETE FROM stream_shards WHERE stream_id = ? RETURNING shard_no", (stream_id,))
        self._rows("DELETE FROM streams WHERE stream_id = ? RETURNING stream_id", (stream_id,))

    def create_shard(self, shard: NewShard, first_sequence: int) -> StoredShard:
        self._stream_state_changes()
        rows = self._rows(
            "SELECT table_id FROM streams WHERE stream_id = ?", (shard.stream_id,)
        )
        if not rows:
            raise StorageError(f"no stream with id {shard.stream_id}")
        created = self._rows(
            "INSERT INTO stream_shards (stream_id, table_id, shard_id, parent_shard_id, hash_lower, hash_upper,"
            " created_at, starting_sequence, last_sequence, trimmed_through) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING shard_no",
            (
                shard.stream_id, rows[0][0], shard.shard_id, shard.parent_shard_id, shard.hash_lower,
                shard.hash_upper, shard.created_at, first_sequence, first_sequence - 1, first_sequence - 1,
            ),
        )
        return self._shard_by_no(int(created[0][0]))

    def _shard_by_no(self, shard_no: int) -> StoredShard:
        rows = self._rows(f"SELECT {_SHARD_COLUMNS} FROM stream_shards s WHERE s.shard_no = ?", (shard_no,))
        if not rows:
            raise StorageError(f"no shard {shard_no}")
        return stored_shard(rows[0])

    def close_shard(self, shard_no: int, closed_at: float) -> StoredShard:
        self._stream_state_changes()
        last = _LAST_SEQUENCE.replace("s.", "stream_shards.")
        rows = self._rows(
            f"UPDATE stream_shards SET last_sequence = {last}, ending_sequence = max({last}, starting_sequence),"
            " closed_at = ? WHERE shard_no = ? AND ending_sequence IS NULL RETURNING shard_no",
            (closed_at, shard_no),
        )
        if not rows:
            raise StorageError(f"no open shard {shard_no}")
        return self._shard_by_no(shard_no)

    def delete_shard(self, shard_no: int) -> None:
        self._stream_state_changes()
        self._raise_sequence_high("s.shard_no = ?", (shard_no,))
        self._rows("DELETE FROM stream_records WHERE shard_no = ? RETURNING shard_no", (shard_no,))
        self._rows("DELETE FROM stream_shards WHERE shard_no = ? RETURNING shard_no", (shard_no,))

    def append_stream_record(
        self, table_id: str, partition_hash: int, created_at: float, size_bytes: int, body: bytes
    ) -> AppendedRecord | None:
        connection = self._sql()
        cache = self._open_shards
        try:  # the hot path: on the writer, the shard and its next number come from the cache
            if cache is None:
                found = [
                    OpenShard(int(row[0]), partition_hash, partition_hash, int(row[1]))
                    for row in connection.execute(
                        f"SELECT s.shard_no, {_LAST_SEQUENCE} FROM stream_shards s WHERE s.table_id = ?"
                        " AND s.ending_sequence IS NULL AND s.hash_lower <= ? AND s.hash_upper >= ?",
                        (table_id, partition_hash, partition_hash),
                    ).fetchall()
                ]
            else:
                shards = cache.get(table_id)
                if shards is None:
                    shards = cache.remember(table_id, self._load_open_shards(connection, table_id))
                found = [s for s in shards if s.hash_lower <= partition_hash <= s.hash_upper]
            if not found:
                return None
            if len(found) > 1:
                raise StorageError(f"open shards of table {table_id} overlap at hash {partition_hash}")
            shard = found[0]
            sequence = shard.last_sequence + 1
            self.stream_changed = True
            connection.execute(
                "INSERT INTO stream_records (shard_no, sequence, created_at, size, body) VALUES (?, ?, ?, ?, ?)",
                (shard.shard_no, sequence, created_at, size_bytes, body),
            )
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error
        shard.last_sequence = sequence
        return AppendedRecord(shard.shard_no, sequence)

    @staticmethod
    def _load_open_shards(connection: sqlite3.Connection, table_id: str) -> list[OpenShard]:
        rows = connection.execute(
            f"SELECT s.shard_no, s.hash_lower, s.hash_upper, {_LAST_SEQUENCE} FROM stream_shards s"
            " WHERE s.table_id = ? AND s.ending_sequence IS NULL",
            (table_id,),
        ).fetchall()
        return [OpenShard(int(no), int(lower), int(upper), int(last)) for no, lower, upper, last in rows]

    def trim_stream_records(self, shard_no: int, created_before: float) -> int:
        # Records of a shard are appended in time order, so the trimmed ones are a prefix. Upkeep asks every
        # shard on every pass, and mostly nothing has expired: the oldest record alone tells (one key lookup).
        oldest = self._rows(
            "SELECT created_at FROM stream_records WHERE shard_no = ? ORDER BY sequence LIMIT 1", (shard_no,)
        )
        if not oldest or float(oldest[0][0]) >= created_before:
            return 0
        # Otherwise find the first record that stays and cut everything before it.
        keep = self._rows(
            "SELECT sequence FROM stream_records WHERE shard_no = ? AND created_at >= ? ORDER BY sequence LIMIT 1",
            (shard_no, created_before),
        )
        if keep:
            bound = int(keep[0][0]) - 1
        else:
            last = self._rows(f"SELECT {_LAST_SEQUENCE} FROM stream_shards s WHERE s.shard_no = ?", (shard_no,))
            if not last:
                return 0
            bound = int(last[0][0])
        # at most TRIM_BATCH records a call, so one upkeep pass never holds the writer for long
        cap = self._rows(
            "SELECT sequence FROM stream_records WHERE shard_no = ? ORDER BY sequence LIMIT 1 OFFSET ?",
            (shard_no, TRIM_BATCH - 1),
        )
        if cap:
            bound = min(bound, int(cap[0][0]))
        try:
            removed = self._sql().execute(
                "DELETE FROM stream_records WHERE shard_no = ? AND sequence <= ?", (shard_no, bound)
            ).rowcount
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error
        if removed > 0:
            self._rows(
                "UPDATE stream_shards SET trimmed_through = max(trimmed_through, ?) WHERE shard_no = ?"
                " RETURNING shard_no",
                (bound, shard_no),
            )
        return max(removed, 0)
