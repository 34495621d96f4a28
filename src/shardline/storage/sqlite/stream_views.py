"""Stream storage for the SQLite adapter (the streams part of the ReadView and WriteView).

Streams, shards and records live in `streams`, `stream_shards` and `stream_records` (migration 3). On the
writer, an append finds its shard and next sequence number in the writer's OpenShardCache and costs one INSERT
(one SELECT loads a table's open shards when the cache has forgotten them).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

import orjson

from shardline.errors import StorageError
from shardline.storage.backend import (
    AppendedRecord,
    NewShard,
    StoredShard,
    StoredStream,
    StoredStreamRecord,
)
from shardline.storage.sqlite.open_shards import OpenShard, OpenShardCache

TRIM_BATCH = 50_000

_STREAM_COLUMNS = (
    "stream_id, table_name, table_id, label, view_type, key_elements, created_at, enabled, disabled_at"
)
# A shard's counter is not updated on every append (that UPDATE would double the cost of capture): its last
# sequence number is the greatest of the stored column (set at close), what was trimmed, and its newest record.
_LAST_SEQUENCE = (
    "max(s.last_sequence, s.trimmed_through,"
    " coalesce((SELECT max(r.sequence) FROM stream_records r WHERE r.shard_no = s.shard_no), 0))"
)
_SHARD_COLUMNS = (
    "s.shard_no, s.stream_id, s.shard_id, s.parent_shard_id, s.hash_lower, s.hash_upper, s.created_at,"
    f" s.starting_sequence, {_LAST_SEQUENCE}, s.trimmed_through, s.ending_sequence, s.closed_at"
)


def _stream(row: tuple[Any, ...]) -> StoredStream:
    stream_id, table_name, table_id, label, view_type, elements, created_at, enabled, disabled_at = row
    return StoredStream(
        stream_id=int(stream_id),
        table_name=str(table_name),
        table_id=str(table_id),
        label=str(label),
        view_type=str(view_type),
        key_elements=tuple((str(name), str(kind)) for name, kind in orjson.loads(elements)),
        created_at=float(created_at),
        enabled=bool(enabled),
        disabled_at=None if disabled_at is None else float(disabled_at),
    )


def _shard(row: tuple[Any, ...]) -> StoredShard:
    (shard_no, stream_id, shard_id, parent, lower, upper, created_at, starting, last, trimmed, ending,
     closed_at) = row
    return StoredShard(
        shard_no=int(shard_no),
        stream_id=int(stream_id),
        shard_id=str(shard_id),
        parent_shard_id=None if parent is None else str(parent),
        hash_lower=int(lower),
        hash_upper=int(upper),
        created_at=float(created_at),
        starting_sequence=int(starting),
        last_sequence=int(last),
        trimmed_through=int(trimmed),
        ending_sequence=None if ending is None else int(ending),
        closed_at=None if closed_at is None else float(closed_at),
    )


class StreamReadMixin:
    if TYPE_CHECKING:

        def _sql(self) -> sqlite3.Connection: ...

    def _stream_rows(self, statement: str, parameters: tuple[object, ...]) -> list[tuple[Any, ...]]:
        try:
            return self._sql().execute(statement, parameters).fetchall()
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error

    def get_stream(self, table_name: str, label: str) -> StoredStream | None:
        rows = self._stream_rows(
            f"SELECT {_STREAM_COLUMNS} FROM streams WHERE table_name = ? AND label = ?", (table_name, label)
        )
        return _stream(rows[0]) if rows else None

    def list_streams(self, table_name: str | None) -> list[StoredStream]:
        if table_name is None:
            rows = self._stream_rows(f"SELECT {_STREAM_COLUMNS} FROM streams ORDER BY stream_id", ())
        else:
            rows = self._stream_rows(
                f"SELECT {_STREAM_COLUMNS} FROM streams WHERE table_name = ? ORDER BY stream_id", (table_name,)
            )
        return [_stream(row) for row in rows]

    def list_shards(self, stream_id: int) -> list[StoredShard]:
        rows = self._stream_rows(
            f"SELECT {_SHARD_COLUMNS} FROM stream_shards s WHERE s.stream_id = ? ORDER BY s.shard_id", (stream_id,)
        )
        return [_shard(row) for row in rows]

    def list_open_shards(self, table_id: str) -> list[StoredShard]:
        rows = self._stream_rows(
            f"SELECT {_SHARD_COLUMNS} FROM stream_shards s WHERE s.table_id = ? AND s.ending_sequence IS NULL"
            " ORDER BY s.hash_lower",
            (table_id,),
        )
        return [_shard(row) for row in rows]

    def get_shard(self, stream_id: int, shard_id: str) -> StoredShard | None:
        rows = self._stream_rows(
            f"SELECT {_SHARD_COLUMNS} FROM stream_shards s WHERE s.stream_id = ? AND s.shard_id = ?",
            (stream_id, shard_id),
        )
        return _shard(rows[0]) if rows else None

    def read_stream_records(
        self, shard_no: int, after_sequence: int, limit: int, max_bytes: int
    ) -> list[StoredStreamRecord]:
        rows = self._stream_rows(
            "SELECT sequence, created_at, size, body FROM stream_records WHERE shard_no = ? AND sequence > ?"
            " ORDER BY sequence LIMIT ?",
            (shard_no, after_sequence, max(limit, 0)),
        )
        records: list[StoredStreamRecord] = []
        total = 0
        for sequence, created_at, size, body in rows:
            if records and total + int(size) > max_bytes:
                break
            records.append(StoredStreamRecord(int(sequence), float(created_at), int(size), bytes(body)))
            total += int(size)
        return records

    def stream_position_at(self, shard_no: int, created_at: float) -> int:
        first = self._stream_rows(
            "SELECT sequence FROM stream_records WHERE shard_no = ? AND created_at >= ? ORDER BY sequence LIMIT 1",
            (shard_no, created_at),
        )
        if first:
            return int(first[0][0]) - 1
        last = self._stream_rows(f"SELECT {_LAST_SEQUENCE} FROM stream_shards s WHERE s.shard_no = ?", (shard_no,))
        if not last:
            raise StorageError(f"no shard {shard_no}")
        return int(last[0][0])

    def shard_record_bytes(self, shard_no: int, after_sequence: int = 0) -> tuple[int, int]:
        rows = self._stream_rows(
            "SELECT coalesce(sum(size), 0), coalesce(max(sequence), ?) FROM stream_records"
            " WHERE shard_no = ? AND sequence > ?",
            (after_sequence, shard_no, after_sequence),
        )
        return int(rows[0][0]), int(rows[0][1])

    def stream_iterator_key(self) -> bytes:
        rows = self._stream_rows("SELECT value FROM stream_meta WHERE name = 'iterator_key'", ())
        if not rows:
            raise StorageError("the store has no iterator key")
        return bytes(rows[0][0])

    def sequence_floor(self) -> int:
        rows = self._stream_rows(
            "SELECT max((SELECT CAST(value AS INTEGER) FROM stream_meta WHERE name = 'sequence_high'),"
            f" coalesce((SELECT max({_LAST_SEQUENCE}) FROM stream_shards s), 0))",
            (),
        )
        return int(rows[0][0] or 0) + 1


class StreamWriteMixin:
    # The writer's cache of open shards (None: every append reads its shard from SQL), and whether this
    # view changed stream state, so the writer knows to forget the cache if the work is rolled back.
    _open_shards: OpenShardCache | None = None
    stream_changed: bool = False

    if TYPE_CHECKING:

        def _sql(self) -> sqlite3.Connection: ...

        def _stream_rows(self, statement: str, parameters: tuple[object, ...]) -> list[tuple[Any, ...]]: ...

        def get_stream(self, table_name: str, label: str) -> StoredStream | None: ...

        def sequence_floor(self) -> int: ...

    def create_stream(self, stream: StoredStream) -> StoredStream:
        self._stream_state_changes()
        if self.get_stream(stream.table_name, stream.label) is not None:
            raise StorageError(f"stream {stream.table_name}/{stream.label} already exists")
        rows = self._stream_rows(
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
        self._stream_rows(
            "UPDATE streams SET enabled = 0, disabled_at = ? WHERE stream_id = ? RETURNING stream_id",
            (disabled_at, stream_id),
        )

    def _stream_state_changes(self) -> None:
        self.stream_changed = True
        if self._open_shards is not None:
            self._open_shards.forget()

    def _raise_sequence_high(self, shard_nos: str, parameters: tuple[object, ...]) -> None:
        # Deleted shards take their counters along; the high-water mark keeps later numbers above theirs.
        self._stream_rows(
            f"UPDATE stream_meta SET value = max(CAST(value AS INTEGER), coalesce((SELECT max({_LAST_SEQUENCE})"
            f" FROM stream_shards s WHERE {shard_nos}), 0)) WHERE name = 'sequence_high' RETURNING name",
            parameters,
        )

    def delete_stream(self, stream_id: int) -> None:
        self._stream_state_changes()
        self._raise_sequence_high("s.stream_id = ?", (stream_id,))
        self._stream_rows(
            "DELETE FROM stream_records WHERE shard_no IN (SELECT shard_no FROM stream_shards WHERE stream_id = ?)"
            " RETURNING shard_no",
            (stream_id,),
        )
        self._stream_rows("DELETE FROM stream_shards WHERE stream_id = ? RETURNING shard_no", (stream_id,))
        self._stream_rows("DELETE FROM streams WHERE stream_id = ? RETURNING stream_id", (stream_id,))

    def create_shard(self, shard: NewShard, first_sequence: int) -> StoredShard:
        self._stream_state_changes()
        rows = self._stream_rows(
            "SELECT table_id FROM streams WHERE stream_id = ?", (shard.stream_id,)
        )
        if not rows:
            raise StorageError(f"no stream with id {shard.stream_id}")
        created = self._stream_rows(
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
        rows = self._stream_rows(f"SELECT {_SHARD_COLUMNS} FROM stream_shards s WHERE s.shard_no = ?", (shard_no,))
        if not rows:
            raise StorageError(f"no shard {shard_no}")
        return _shard(rows[0])

    def close_shard(self, shard_no: int, closed_at: float) -> StoredShard:
        self._stream_state_changes()
        last = _LAST_SEQUENCE.replace("s.", "stream_shards.")
        rows = self._stream_rows(
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
        self._stream_rows("DELETE FROM stream_records WHERE shard_no = ? RETURNING shard_no", (shard_no,))
        self._stream_rows("DELETE FROM stream_shards WHERE shard_no = ? RETURNING shard_no", (shard_no,))

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
        # Records of a shard are appended in time order, so the trimmed ones are a prefix: find the first
        # record that stays and cut everything before it.
        keep = self._stream_rows(
            "SELECT sequence FROM stream_records WHERE shard_no = ? AND created_at >= ? ORDER BY sequence LIMIT 1",
            (shard_no, created_before),
        )
        if keep:
            bound = int(keep[0][0]) - 1
        else:
            last = self._stream_rows(f"SELECT {_LAST_SEQUENCE} FROM stream_shards s WHERE s.shard_no = ?", (shard_no,))
            if not last:
                return 0
            bound = int(last[0][0])
        # at most TRIM_BATCH records a call, so one upkeep pass never holds the writer for long
        cap = self._stream_rows(
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
            self._stream_rows(
                "UPDATE stream_shards SET trimmed_through = max(trimmed_through, ?) WHERE shard_no = ?"
                " RETURNING shard_no",
                (bound, shard_no),
            )
        return max(removed, 0)
