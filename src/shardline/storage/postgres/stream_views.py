"""Stream storage for the PostgreSQL adapter (the streams part of the ReadView and WriteView).

Appends lock the table's open shards (held until commit) and number records in memory (stream_appends.py), so
appends to one shard are serialised across processes, their numbers are strictly increasing, and they commit in
number order (a reader never sees a later number before an earlier one). Records are inserted in the same
transaction as the item change; every other shard or record statement of a write view first writes them out.
The reads are the shared core's (storage/sql/stream_reads.py) in PostgreSQL's dialect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from shardline.errors import StorageError
from shardline.storage.backend import AppendedRecord, NewShard, StoredShard, StoredStream
from shardline.storage.postgres.stream_appends import SELECT_OPEN_SHARDS, OpenShard, write_out_statements
from shardline.storage.sql.dialect import SqlDialect
from shardline.storage.sql.stream_reads import SqlStreamReads, StreamReadStatements, stored_shard

if TYPE_CHECKING:
    from shardline.storage.postgres.pending import Pending
    from shardline.storage.postgres.sql_access import Rows

TRIM_BATCH = 50_000
# An append that finds no open shard looks again this many times: a shard closed (rolled over or split) by
# another process while this append waited for its row has children that only the next statement sees.
APPEND_ATTEMPTS = 3

# A shard's counter is written at commit with the group's appends (stream_appends.py), and a write view writes
# pending appends out before it reads shards (_before_stream_statement), so the stored column is current.
POSTGRES = SqlDialect(
    placeholder="%s",
    greatest="greatest",
    last_sequence="s.last_sequence",
    sequence_high="(SELECT number FROM stream_meta WHERE name = 'sequence_high')",
    iterator_key_column="blob",
    replaces_on_upsert=False,
)
# what INSERT and UPDATE return (no table alias there)
_RETURNED_SHARD_COLUMNS = (
    "shard_no, stream_id, shard_id, parent_shard_id, hash_lower, hash_upper, created_at,"
    " starting_sequence, last_sequence, trimmed_through, ending_sequence, closed_at"
)


class StreamReadMixin(SqlStreamReads):
    _stream_sql = StreamReadStatements.written_for(POSTGRES)


class StreamWriteMixin:
    if TYPE_CHECKING:
        _pending: Pending
        _may_wait: bool
        _stream_sql: StreamReadStatements

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

    # A write view's shard listing locks the open shards it shows (as appends do: in shard order, NOWAIT unless
    # the work may wait), because its caller acts on them: upkeep rolls a listed shard over, disabling a stream
    # closes its listed shards. Unlocked, another process could close a listed shard between the listing and
    # close_shard, which then finds no open shard and fails the whole work (found by two processes' upkeep).
    # Waiting for the lock re-reads the row, so a shard closed meanwhile is listed closed, with its children.
    _LOCK_STREAM_SHARDS = (
        "SELECT shard_no FROM stream_shards WHERE stream_id = %s AND ending_sequence IS NULL ORDER BY shard_no"
        " FOR UPDATE"
    )
    _LOCK_TABLE_SHARDS = (
        "SELECT shard_no FROM stream_shards WHERE table_id = %s AND ending_sequence IS NULL ORDER BY shard_no"
        " FOR UPDATE"
    )

    def list_shards(self, stream_id: int) -> list[StoredShard]:
        return self._locked_listing(self._LOCK_STREAM_SHARDS, self._stream_sql.list_shards, stream_id)

    def list_open_shards(self, table_id: str) -> list[StoredShard]:
        return self._locked_listing(self._LOCK_TABLE_SHARDS, self._stream_sql.list_open_shards, table_id)

    def _locked_listing(self, lock: str, listing: str, key: int | str) -> list[StoredShard]:
        self._before_stream_statement()
        statement = lock if self._may_wait else lock + " NOWAIT"
        locked: set[int] = set()
        while True:
            locked.update(int(row[0]) for row in self._rows(statement, (key,)))
            # The listing is a later statement: it may show a shard opened since the lock statement (a child of
            # one closed meanwhile), which is then locked too before anything is answered.
            shards = [stored_shard(row) for row in self._rows(listing, (key,))]
            if all(shard.shard_no in locked for shard in shards if shard.is_open):
                return shards

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
            f" RETURNING {_RETURNED_SHARD_COLUMNS}",
            (
                shard.shard_id, shard.parent_shard_id, shard.hash_lower, shard.hash_upper, shard.created_at,
                first_sequence, first_sequence - 1, first_sequence - 1, shard.stream_id,
            ),
        )
        if not rows:
            raise StorageError(f"no stream with id {shard.stream_id}")
        return stored_shard(rows[0])

    def close_shard(self, shard_no: int, closed_at: float) -> StoredShard:
        self._before_stream_statement()
        rows = self._rows(
            "UPDATE stream_shards SET ending_sequence = greatest(last_sequence, starting_sequence), closed_at = %s"
            f" WHERE shard_no = %s AND ending_sequence IS NULL RETURNING {_RETURNED_SHARD_COLUMNS}",
            (closed_at, shard_no),
        )
        if not rows:
            raise StorageError(f"no open shard {shard_no}")
        return stored_shard(rows[0])

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
        # Records of a shard are appended in time order, so the trimmed ones are a prefix. Upkeep asks every
        # shard on every pass, and mostly nothing has expired: the oldest record alone tells (one key lookup).
        oldest = self._rows(
            "SELECT created_at FROM stream_records WHERE shard_no = %s ORDER BY sequence LIMIT 1", (shard_no,)
        )
        if not oldest or float(oldest[0][0]) >= created_before:
            return 0
        # Otherwise find the first record that stays and cut everything before it.
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
