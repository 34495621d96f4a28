"""Stream storage for the PostgreSQL adapter (the streams part of the ReadView and WriteView).

Appends lock the table's open shards (held until commit) and number records in memory (stream_appends.py), so
appends to one shard are serialised across processes, their numbers are strictly increasing, and they commit in
number order (a reader never sees a later number before an earlier one). Records are inserted in the same
transaction as the item change; every other shard or record statement of a write view first writes them out.
"""

from __future__ import annotations

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
from shardline.storage.postgres.stream_appends import SELECT_OPEN_SHARDS, OpenShard, write_out_statements

if TYPE_CHECKING:
    from shardline.storage.postgres.pending import Pending
    from shardline.storage.postgres.sql_access import Rows

TRIM_BATCH = 50_000
# An append that finds no open shard looks again this many times: a shard closed (rolled over or split) by
# another process while this append waited for its row has children that only the next statement sees.
APPEND_ATTEMPTS = 3

_STREAM_COLUMNS = (
    "stream_id, table_name, table_id, label, view_type, key_elements, created_at, enabled, disabled_at"
)
_SHARD_COLUMNS = (
    "shard_no, stream_id, shard_id, parent_shard_id, hash_lower, hash_upper, created_at,"
    " starting_sequence, last_sequence, trimmed_through, ending_sequence, closed_at"
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

        def _rows(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> Rows: ...

    def _before_stream_statement(self) -> None:
        """A statement on shards or records follows: a write view first writes out its pending appends."""

    def get_stream(self, table_name: str, label: str) -> StoredStream | None:
        rows = self._rows(
            f"SELECT {_STREAM_COLUMNS} FROM streams WHERE table_name = %s AND label = %s", (table_name, label)
        )
        return _stream(rows[0]) if rows else None

    def list_streams(self, table_name: str | None) -> list[StoredStream]:
        if table_name is None:
            rows = self._rows(f"SELECT {_STREAM_COLUMNS} FROM streams ORDER BY stream_id")
        else:
            rows = self._rows(
                f"SELECT {_STREAM_COLUMNS} FROM streams WHERE table_name = %s ORDER BY stream_id", (table_name,)
            )
        return [_stream(row) for row in rows]

    def list_shards(self, stream_id: int) -> list[StoredShard]:
        self._before_stream_statement()
        rows = self._rows(
            f"SELECT {_SHARD_COLUMNS} FROM stream_shards WHERE stream_id = %s ORDER BY shard_id", (stream_id,)
        )
        return [_shard(row) for row in rows]

    def list_open_shards(self, table_id: str) -> list[StoredShard]:
        self._before_stream_statement()
        rows = self._rows(
            f"SELECT {_SHARD_COLUMNS} FROM stream_shards WHERE table_id = %s AND ending_sequence IS NULL"
            " ORDER BY hash_lower",
            (table_id,),
        )
        return [_shard(row) for row in rows]

    def get_shard(self, stream_id: int, shard_id: str) -> StoredShard | None:
        self._before_stream_statement()
        rows = self._rows(
            f"SELECT {_SHARD_COLUMNS} FROM stream_shards WHERE stream_id = %s AND shard_id = %s", (stream_id, shard_id)
        )
        return _shard(rows[0]) if rows else None

    def read_stream_records(
        self, shard_no: int, after_sequence: int, limit: int, max_bytes: int
    ) -> list[StoredStreamRecord]:
        self._before_stream_statement()
        rows = self._rows(
            "SELECT sequence, created_at, size, body FROM stream_records WHERE shard_no = %s AND sequence > %s"
            " ORDER BY sequence LIMIT %s",
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
        self._before_stream_statement()
        first = self._rows(
            "SELECT sequence FROM stream_records WHERE shard_no = %s AND created_at >= %s ORDER BY sequence LIMIT 1",
            (shard_no, created_at),
        )
        if first:
            return int(first[0][0]) - 1
        last = self._rows("SELECT last_sequence FROM stream_shards WHERE shard_no = %s", (shard_no,))
        if not last:
            raise StorageError(f"no shard {shard_no}")
        return int(last[0][0])

    def shard_record_bytes(self, shard_no: int, after_sequence: int = 0) -> tuple[int, int]:
        self._before_stream_statement()
        rows = self._rows(
            "SELECT coalesce(sum(size), 0), coalesce(max(sequence), %s) FROM stream_records"
            " WHERE shard_no = %s AND sequence > %s",
            (after_sequence, shard_no, after_sequence),
        )
        return int(rows[0][0]), int(rows[0][1])

    def stream_iterator_key(self) -> bytes:
        rows = self._rows("SELECT blob FROM stream_meta WHERE name = 'iterator_key'")
        if not rows or rows[0][0] is None:
            raise StorageError("the store has no iterator key")
        return bytes(rows[0][0])

    def sequence_floor(self) -> int:
        self._before_stream_statement()
        rows = self._rows(
            "SELECT greatest((SELECT number FROM stream_meta WHERE name = 'sequence_high'),"
            " (SELECT max(last_sequence) FROM stream_shards), 0)"
        )
        return int(rows[0][0] or 0) + 1


class StreamWriteMixin:
    if TYPE_CHECKING:
        _pending: Pending
        _may_wait: bool

        def _rows(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> Rows: ...

        def _execute(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> int: ...

        def _defer(self, statement: str, parameters: tuple[object, ...] | list[object] | None = None) -> None: ...

    def _before_stream_statement(self) -> None:
        # Inside the work's savepoint: if the work fails, the write-out is undone with it, and the group's
        # appends stay pending (the work's layer, which records that they were written, is dropped).
        records, moved = self._pending.appends.take_pending()
        for statement, parameters in write_out_statements(records, moved):
            self._defer(statement, parameters)

    def _lock_open_shards(self, table_id: str) -> None:
        # Every open shard of the table, in shard order (see stream_appends.py); NOWAIT unless this work may
        # wait, so that a transaction holding locks never waits (LockNotAvailable ends its group instead).
        statement = SELECT_OPEN_SHARDS if self._may_wait else SELECT_OPEN_SHARDS + " NOWAIT"
        rows = self._rows(statement, (table_id,))
        shards = [OpenShard(int(no), int(lower), int(upper), int(last)) for no, lower, upper, last in rows]
        self._pending.appends.lock(table_id, shards)

    def create_stream(self, stream: StoredStream) -> StoredStream:
        rows = self._rows(
            "INSERT INTO streams (table_name, table_id, label, view_type, key_elements, created_at, enabled,"
            " disabled_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING stream_id",
            (
                stream.table_name, stream.table_id, stream.label, stream.view_type,
                orjson.dumps([list(pair) for pair in stream.key_elements]), stream.created_at,
                stream.enabled, stream.disabled_at,
            ),
        )
        if not rows:
            raise StorageError(f"stream {stream.table_name}/{stream.label} already exists")
        return StoredStream(
            int(rows[0][0]), stream.table_name, stream.table_id, stream.label, stream.view_type,
            stream.key_elements, stream.created_at, stream.enabled, stream.disabled_at,
        )

    def disable_stream(self, stream_id: int, disabled_at: float) -> None:
        self._execute(
            "UPDATE streams SET enabled = false, disabled_at = %s WHERE stream_id = %s", (disabled_at, stream_id)
        )

    def _raise_sequence_high(self, shards: str, parameter: int) -> None:
        # Deleted shards take their counters along; the high-water mark keeps later numbers above theirs.
        self._execute(
            "UPDATE stream_meta SET number = greatest(number, coalesce((SELECT max(last_sequence)"
            f" FROM stream_shards WHERE {shards} = %s), 0)) WHERE name = 'sequence_high'",
            (parameter,),
        )

    def delete_stream(self, stream_id: int) -> None:
        self._before_stream_statement()
        self._raise_sequence_high("stream_id", stream_id)
        self._execute(
            "DELETE FROM stream_records WHERE shard_no IN (SELECT shard_no FROM stream_shards WHERE stream_id = %s)",
            (stream_id,),
        )
        self._execute("DELETE FROM stream_shards WHERE stream_id = %s", (stream_id,))
        self._execute("DELETE FROM streams WHERE stream_id = %s", (stream_id,))

    def create_shard(self, shard: NewShard, first_sequence: int) -> StoredShard:
        self._before_stream_statement()
        rows = self._rows(
            "INSERT INTO stream_shards (stream_id, table_id, shard_id, parent_shard_id, hash_lower, hash_upper,"
            " created_at, starting_sequence, last_sequence, trimmed_through)"
            " SELECT stream_id, table_id, %s, %s, %s, %s, %s, %s, %s, %s FROM streams WHERE stream_id = %s"
            f" RETURNING {_SHARD_COLUMNS}",
            (
                shard.shard_id, shard.parent_shard_id, shard.hash_lower, shard.hash_upper, shard.created_at,
                first_sequence, first_sequence - 1, first_sequence - 1, shard.stream_id,
            ),
        )
        if not rows:
            raise StorageError(f"no stream with id {shard.stream_id}")
        return _shard(rows[0])

    def close_shard(self, shard_no: int, closed_at: float) -> StoredShard:
        self._before_stream_statement()
        rows = self._rows(
            "UPDATE stream_shards SET ending_sequence = greatest(last_sequence, starting_sequence), closed_at = %s"
            f" WHERE shard_no = %s AND ending_sequence IS NULL RETURNING {_SHARD_COLUMNS}",
            (closed_at, shard_no),
        )
        if not rows:
            raise StorageError(f"no open shard {shard_no}")
        return _shard(rows[0])

    def delete_shard(self, shard_no: int) -> None:
        self._before_stream_statement()
        self._raise_sequence_high("shard_no", shard_no)
        self._execute("DELETE FROM stream_records WHERE shard_no = %s", (shard_no,))
        self._execute("DELETE FROM stream_shards WHERE shard_no = %s", (shard_no,))

    def append_stream_record(
        self, table_id: str, partition_hash: int, created_at: float, size_bytes: int, body: bytes
    ) -> AppendedRecord | None:
        appends = self._pending.appends
        for attempt in range(APPEND_ATTEMPTS):
            if attempt:
                # No locked shard covers the hash: the shard may have been closed (rolled over or split) by
                # another process, whose children only a new statement sees. Pending numbers go out first,
                # so that reading the shards again sees them.
                self._before_stream_statement()
            if attempt or appends.locked(table_id) is None:
                self._lock_open_shards(table_id)
            shard = appends.allocate(table_id, partition_hash, created_at, size_bytes, body)
            if shard is not None:
                return AppendedRecord(shard.shard_no, shard.last)
        return None

    def trim_stream_records(self, shard_no: int, created_before: float) -> int:
        self._before_stream_statement()
        # Records of a shard are appended in time order, so the trimmed ones are a prefix: find the first
        # record that stays and cut everything before it.
        keep = self._rows(
            "SELECT sequence FROM stream_records WHERE shard_no = %s AND created_at >= %s ORDER BY sequence LIMIT 1",
            (shard_no, created_before),
        )
        if keep:
            bound = int(keep[0][0]) - 1
        else:
            last = self._rows("SELECT last_sequence FROM stream_shards WHERE shard_no = %s", (shard_no,))
            if not last:
                return 0
            bound = int(last[0][0])
        # at most TRIM_BATCH records a call, so one upkeep pass never holds the writer for long
        cap = self._rows(
            "SELECT sequence FROM stream_records WHERE shard_no = %s ORDER BY sequence LIMIT 1 OFFSET %s",
            (shard_no, TRIM_BATCH - 1),
        )
        if cap:
            bound = min(bound, int(cap[0][0]))
        removed = self._execute(
            "DELETE FROM stream_records WHERE shard_no = %s AND sequence <= %s", (shard_no, bound)
        )
        if removed > 0:
            self._execute(
                "UPDATE stream_shards SET trimmed_through = greatest(trimmed_through, %s) WHERE shard_no = %s",
                (bound, shard_no),
            )
        return removed
