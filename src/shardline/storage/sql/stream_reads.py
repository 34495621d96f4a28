"""The read side of stream storage shared by the SQL adapters: streams, shards, records and positions
(`streams`, `stream_shards`, `stream_records`, `stream_meta`), and the decoding of their rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import orjson

from shardline.errors import StorageError
from shardline.storage.backend import StoredShard, StoredStream, StoredStreamRecord
from shardline.storage.sql.dialect import RunsStatements, SqlDialect

STREAM_COLUMNS = "stream_id, table_name, table_id, label, view_type, key_elements, created_at, enabled, disabled_at"


def shard_columns(dialect: SqlDialect) -> str:
    """The columns `stored_shard` decodes, over `stream_shards s`."""
    return (
        "s.shard_no, s.stream_id, s.shard_id, s.parent_shard_id, s.hash_lower, s.hash_upper, s.created_at,"
        f" s.starting_sequence, {dialect.last_sequence}, s.trimmed_through, s.ending_sequence, s.closed_at"
    )


def stored_stream(row: tuple[Any, ...]) -> StoredStream:
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


def stored_shard(row: tuple[Any, ...]) -> StoredShard:
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


@dataclass(frozen=True)
class StreamReadStatements:
    """The stream read statements in one dialect, written once when an adapter's views are defined."""

    get_stream: str
    list_streams: str
    list_table_streams: str
    list_shards: str
    list_open_shards: str
    get_shard: str
    read_records: str
    first_record_since: str
    shard_last_sequence: str
    record_bytes: str
    iterator_key: str
    sequence_floor: str

    @classmethod
    def written_for(cls, dialect: SqlDialect) -> StreamReadStatements:
        p = dialect.placeholder
        shards = f"SELECT {shard_columns(dialect)} FROM stream_shards s"
        return cls(
            get_stream=f"SELECT {STREAM_COLUMNS} FROM streams WHERE table_name = {p} AND label = {p}",
            list_streams=f"SELECT {STREAM_COLUMNS} FROM streams ORDER BY stream_id",
            list_table_streams=f"SELECT {STREAM_COLUMNS} FROM streams WHERE table_name = {p} ORDER BY stream_id",
            list_shards=f"{shards} WHERE s.stream_id = {p} ORDER BY s.shard_id",
            list_open_shards=f"{shards} WHERE s.table_id = {p} AND s.ending_sequence IS NULL ORDER BY s.hash_lower",
            get_shard=f"{shards} WHERE s.stream_id = {p} AND s.shard_id = {p}",
            read_records=(
                f"SELECT sequence, created_at, size, body FROM stream_records WHERE shard_no = {p} AND sequence > {p}"
                f" ORDER BY sequence LIMIT {p}"
            ),
            first_record_since=(
                f"SELECT sequence FROM stream_records WHERE shard_no = {p} AND created_at >= {p}"
                " ORDER BY sequence LIMIT 1"
            ),
            shard_last_sequence=f"SELECT {dialect.last_sequence} FROM stream_shards s WHERE s.shard_no = {p}",
            record_bytes=(
                f"SELECT coalesce(sum(size), 0), coalesce(max(sequence), {p}) FROM stream_records"
                f" WHERE shard_no = {p} AND sequence > {p}"
            ),
            iterator_key=f"SELECT {dialect.iterator_key_column} FROM stream_meta WHERE name = 'iterator_key'",
            # Deleted shards took their counters along; the high-water mark keeps new numbers above theirs.
            sequence_floor=(
                f"SELECT {dialect.greatest}({dialect.sequence_high},"
                f" coalesce((SELECT max({dialect.last_sequence}) FROM stream_shards s), 0))"
            ),
        )


class SqlStreamReads(RunsStatements):
    """The streams part of a ReadView; an adapter sets `_stream_sql` to the statements of its dialect."""

    _stream_sql: ClassVar[StreamReadStatements]

    def _before_stream_statement(self) -> None:
        """A statement on shards or records follows: a write view may first write out what it holds back
        (PostgreSQL's pending appends)."""

    def get_stream(self, table_name: str, label: str) -> StoredStream | None:
        rows = self._rows(self._stream_sql.get_stream, (table_name, label))
        return stored_stream(rows[0]) if rows else None

    def list_streams(self, table_name: str | None) -> list[StoredStream]:
        if table_name is None:
            rows = self._rows(self._stream_sql.list_streams)
        else:
            rows = self._rows(self._stream_sql.list_table_streams, (table_name,))
        return [stored_stream(row) for row in rows]

    def list_shards(self, stream_id: int) -> list[StoredShard]:
        self._before_stream_statement()
        rows = self._rows(self._stream_sql.list_shards, (stream_id,))
        return [stored_shard(row) for row in rows]

    def list_open_shards(self, table_id: str) -> list[StoredShard]:
        self._before_stream_statement()
        rows = self._rows(self._stream_sql.list_open_shards, (table_id,))
        return [stored_shard(row) for row in rows]

    def get_shard(self, stream_id: int, shard_id: str) -> StoredShard | None:
        self._before_stream_statement()
        rows = self._rows(self._stream_sql.get_shard, (stream_id, shard_id))
        return stored_shard(rows[0]) if rows else None

    def read_stream_records(
        self, shard_no: int, after_sequence: int, limit: int, max_bytes: int
    ) -> list[StoredStreamRecord]:
        self._before_stream_statement()
        rows = self._rows(self._stream_sql.read_records, (shard_no, after_sequence, max(limit, 0)))
        records: list[StoredStreamRecord] = []
        total = 0
        for sequence, created_at, size, body in rows:
            if records and total + int(size) > max_bytes:
                break
            records.append(StoredStreamRecord(int(sequence), float(created_at), int(size), bytes(body)))
            total += int(size)
        return records

    def stream_position_at(self, shard_no: int, created_at: float) -> int:
        self._before_stream_statement()
        first = self._rows(self._stream_sql.first_record_since, (shard_no, created_at))
        if first:
            return int(first[0][0]) - 1
        last = self._rows(self._stream_sql.shard_last_sequence, (shard_no,))
        if not last:
            raise StorageError(f"no shard {shard_no}")
        return int(last[0][0])

    def shard_record_bytes(self, shard_no: int, after_sequence: int = 0) -> tuple[int, int]:
        self._before_stream_statement()
        rows = self._rows(self._stream_sql.record_bytes, (after_sequence, shard_no, after_sequence))
        return int(rows[0][0]), int(rows[0][1])

    def stream_iterator_key(self) -> bytes:
        rows = self._rows(self._stream_sql.iterator_key)
        if not rows or rows[0][0] is None:
            raise StorageError("the store has no iterator key")
        return bytes(rows[0][0])

    def sequence_floor(self) -> int:
        self._before_stream_statement()
        rows = self._rows(self._stream_sql.sequence_floor)
        return int(rows[0][0] or 0) + 1
