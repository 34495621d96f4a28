"""The ReadView and WriteView of the port over one PostgreSQL connection: tables and items.

A view is live only while its work runs; afterwards it raises StorageError. Any SQL error is remembered
(`failure`): the statement has aborted the transaction, so the writer rolls the work back even if the work
caught the error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, cast

import orjson
import psycopg

from shardline.errors import StorageError
from shardline.storage.backend import ItemKey, StoredTable
from shardline.storage.postgres import prepared
from shardline.storage.postgres.index_views import IndexReadMixin, IndexWriteMixin
from shardline.storage.postgres.key_locks import KeyLocks
from shardline.storage.postgres.pending import Pending
from shardline.storage.postgres.purge_views import PurgeWriteMixin
from shardline.storage.postgres.sql_access import Rows, SqlAccess, SqlSession
from shardline.storage.postgres.stream_views import POSTGRES, StreamReadMixin, StreamWriteMixin
from shardline.storage.postgres.trigger_views import TriggerReadMixin, TriggerWriteMixin
from shardline.storage.sql.item_reads import ItemReadStatements, SqlItemReads
from shardline.storage.sql.stored_json import decode_item, encode_definition
from shardline.values.key_codec import partition_hash
from shardline.values.types import Item

DEFINITION_CACHE_SIZE = 1024

_TABLE_COLUMNS = "t.name, t.table_id, t.version, t.definition, coalesce(c.item_count, 0), coalesce(c.size_bytes, 0)"
_TABLE_FROM = "tables t LEFT JOIN table_counters c ON c.table_id = t.table_id"


class DefinitionCache:
    """Decoded definitions by (table_id, version): a definition row never changes without a new version, so
    an entry never goes stale, across processes too. The mappings are shared: never mutate one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, int], Mapping[str, Any]] = {}

    def decode(self, table_id: str, version: int, blob: bytes) -> Mapping[str, Any]:
        key = (table_id, version)
        found = self._entries.get(key)
        if found is not None:
            return found
        decoded = cast(Mapping[str, Any], orjson.loads(blob))
        with self._lock:
            if len(self._entries) >= DEFINITION_CACHE_SIZE:
                self._entries.clear()
            self._entries[key] = decoded
        return decoded


class PostgresReadView(SqlItemReads, IndexReadMixin, StreamReadMixin, TriggerReadMixin, SqlAccess):
    # Plain range reads here; a write view share-locks the rows they return (see PostgresWriteView).
    _item_sql = ItemReadStatements.written_for(POSTGRES)

    def __init__(
        self, cursor: psycopg.Cursor[tuple[Any, ...]], definitions: DefinitionCache, session: SqlSession | None = None
    ) -> None:
        SqlAccess.__init__(self, cursor, session)
        self._definitions = definitions

    def _table_of(self, row: tuple[Any, ...]) -> StoredTable:
        name, table_id, version, blob, item_count, size_bytes = row
        definition = self._definitions.decode(str(table_id), int(version), bytes(blob))
        return StoredTable(str(name), str(table_id), definition, int(item_count), int(size_bytes))

    def get_table(self, name: str) -> StoredTable | None:
        rows = self._rows_prepared(prepared.GET_TABLE, (name,))
        return self._table_of(rows[0]) if rows else None

    def list_table_names(self, exclusive_start: str | None, limit: int) -> list[str]:
        if limit <= 0:
            self._sql()
            return []
        if exclusive_start is None:
            rows = self._rows("SELECT name FROM tables ORDER BY name LIMIT %s", (limit,))
        else:
            rows = self._rows(
                "SELECT name FROM tables WHERE name > %s ORDER BY name LIMIT %s", (exclusive_start, limit)
            )
        return [str(row[0]) for row in rows]

    def get_item(self, table_id: str, key: ItemKey) -> Item | None:
        parameters = (table_id, partition_hash(key.partition), key.partition, key.sort)
        rows = self._rows_prepared(prepared.GET_ITEM, parameters)
        return decode_item(rows[0][1]) if rows else None


class PostgresWriteView(IndexWriteMixin, PurgeWriteMixin, StreamWriteMixin, TriggerWriteMixin, PostgresReadView):
    """Isolation across processes comes from locks taken as the work reads (READ COMMITTED otherwise):
    - a table row is share-locked when a work first looks the table up, so no other process can drop or
      redefine it (UpdateTable adding an index) while this transaction writes its items;
    - an item key is locked (transaction-scoped advisory lock) before the item is read, so a conditional
      write's read-check-write cannot interleave with another process's write of the same key, whether or
      not the item exists;
    - range reads in a write (index backfill) share-lock the rows they return."""

    _item_sql = ItemReadStatements.written_for(POSTGRES, lock=" FOR SHARE")

    def __init__(
        self, session: SqlSession, definitions: DefinitionCache, pending: Pending, key_locks: KeyLocks,
        *, may_wait: bool = True,
    ) -> None:
        super().__init__(session.cursor, definitions, session)
        self._write_session = session
        self._pending = pending
        self._key_locks = key_locks
        # Whether this work may wait for a lock: only while its transaction holds none taken by earlier works.
        # Otherwise it only tries, and on contention (`contended`) the writer commits what the group has done
        # and runs the work first in the next group, so no process ever waits while others wait for it.
        self._may_wait = may_wait
        self.contended = False
        self.bytes_written = 0

    # --- tables ------------------------------------------------------------------------------------

    def get_table(self, name: str) -> StoredTable | None:
        self._sql()
        table = self._pending.locked_table(name)
        if table is None:
            rows = self._rows(f"SELECT {_TABLE_COLUMNS} FROM {_TABLE_FROM} WHERE t.name = %s FOR SHARE OF t", (name,))
            if not rows:
                return None
            table = self._table_of(rows[0])
            self._pending.work.tables[name] = table
        return self._pending.with_counts(table)

    def _table_by_id(self, table_id: str) -> StoredTable:
        table = self._pending.locked_table_by_id(table_id)
        if table is None:
            rows = self._rows(
                f"SELECT {_TABLE_COLUMNS} FROM {_TABLE_FROM} WHERE t.table_id = %s FOR SHARE OF t", (table_id,)
            )
            if not rows:
                raise StorageError(f"no table with id {table_id!r}")
            table = self._table_of(rows[0])
            self._pending.work.tables[table.name] = table
        return table

    def _table_by_name(self, name: str) -> StoredTable:
        table = self.get_table(name)
        if table is None:
            raise StorageError(f"no table named {name!r}")
        return table

    def create_table(self, table: StoredTable) -> None:
        encoded = encode_definition(table.definition)
        inserted = self._rows(
            "INSERT INTO tables (name, table_id, definition) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING RETURNING version",
            (table.name, table.table_id, encoded),
        )
        if not inserted:
            raise StorageError(f"table {table.name!r} (or its id) already exists")
        self._rows(
            "INSERT INTO table_counters (table_id, item_count, size_bytes) VALUES (%s, %s, %s)"
            " ON CONFLICT (table_id) DO UPDATE SET item_count = excluded.item_count, size_bytes = excluded.size_bytes",
            (table.table_id, table.item_count, table.size_bytes),
        )
        self._pending.work.reset_table(table.table_id)
        self._pending.work.dropped.discard(table.name)
        # cache what a reopened store would load, not the caller's (mutable) mapping
        definition = self._definitions.decode(table.table_id, int(inserted[0][0]), encoded)
        self._pending.work.tables[table.name] = StoredTable(
            table.name, table.table_id, definition, table.item_count, table.size_bytes
        )

    def update_table_definition(self, name: str, definition: Mapping[str, Any]) -> None:
        table = self._table_by_name(name)
        encoded = encode_definition(definition)
        rows = self._rows(
            "UPDATE tables SET definition = %s, version = version + 1 WHERE name = %s RETURNING version",
            (encoded, name),
        )
        if not rows:
            raise StorageError(f"no table named {name!r}")
        decoded = self._definitions.decode(table.table_id, int(rows[0][0]), encoded)
        committed = self._pending.locked_table(name) or table
        self._pending.work.tables[name] = StoredTable(
            name, table.table_id, decoded, committed.item_count, committed.size_bytes
        )

    def delete_table(self, name: str) -> None:
        table = self._table_by_name(name)
        table_id = table.table_id
        for statement in (
            "DELETE FROM items WHERE table_id = %s",
            "DELETE FROM index_entries WHERE table_id = %s",
            "DELETE FROM index_counters WHERE table_id = %s",
            "DELETE FROM table_counters WHERE table_id = %s",
            "DELETE FROM tables WHERE table_id = %s",
        ):
            self._execute(statement, (table_id,))
        self._pending.work.tables.pop(name, None)
        self._pending.work.dropped.add(name)
        self._pending.work.reset_table(table_id)

    # --- items -------------------------------------------------------------------------------------

    def _lock_key(self, table_id: str, key: ItemKey, then: Callable[[], Rows], *, reads: bool = False) -> Rows:
        """Locks the item key (unless this transaction holds it) and runs `then` after it, in one round trip;
        `then` sees everything the previous holder of the lock committed (it starts after the lock is taken)."""
        lock = self._key_locks.lock_id(table_id, key)
        if not self._key_locks.needs(lock):
            return then()
        if self._may_wait:
            self._defer_prepared(prepared.LOCK_KEY, (lock,))
            rows = then()
        elif reads:  # a read may travel with the attempt: its rows are dropped if the attempt failed
            self._defer_prepared(prepared.TRY_LOCK_KEY, (lock,))
            rows = then()
            self._check_acquired(self._write_session.rows_before_last())
        else:  # a write must not run unless the lock is held
            self._check_acquired(self._rows_prepared(prepared.TRY_LOCK_KEY, (lock,)))
            rows = then()
        self._key_locks.hold(lock)
        return rows

    def _check_acquired(self, rows: Rows) -> None:
        if not rows or not rows[0][0]:
            self.contended = True
            raise StorageError("the item is locked by another transaction")

    def get_item(self, table_id: str, key: ItemKey) -> Item | None:
        self._sql()
        parameters = (table_id, partition_hash(key.partition), key.partition, key.sort)
        rows = self._lock_key(
            table_id, key, lambda: self._rows_prepared(prepared.GET_ITEM, parameters), reads=True
        )
        self._pending.work.item_sizes[(table_id, key.partition, key.sort)] = int(rows[0][0]) if rows else None
        return decode_item(rows[0][1]) if rows else None

    def put_item(self, table_id: str, key: ItemKey, item: Item, size_bytes: int) -> None:
        self._table_by_id(table_id)
        hashed = partition_hash(key.partition)
        try:
            encoded = orjson.dumps(item)
        except TypeError as error:
            raise StorageError(f"item is not JSON: {error}") from error
        size_key = (table_id, key.partition, key.sort)
        known, old = self._pending.known_size(size_key)
        row = (table_id, hashed, key.partition, key.sort, size_bytes, encoded)
        if known:
            # The item was read under the key lock this transaction holds: its size is known, so the upsert
            # needs no answer and travels with the next round trip.
            self._defer_prepared(prepared.UPSERT_ITEM, row)
        else:
            # One round trip: the CTE's SELECT sees the row as it was before the upsert (under the key lock).
            statement = (
                "WITH old AS (SELECT size FROM items WHERE table_id = %s AND partition_hash = %s AND pk = %s"
                f" AND sk = %s), new AS ({prepared.UPSERT_ITEM.text} RETURNING 1)"
                " SELECT (SELECT size FROM old), (SELECT count(*) FROM new)"
            )
            rows = self._lock_key(
                table_id, key, lambda: self._rows(statement, (table_id, hashed, key.partition, key.sort, *row))
            )
            old = None if rows[0][0] is None else int(rows[0][0])
        if old is None:
            self._pending.work.add_table(table_id, 1, size_bytes)
        else:
            self._pending.work.add_table(table_id, 0, size_bytes - old)
        self._pending.work.item_sizes[size_key] = size_bytes
        self.bytes_written += len(encoded)

    def delete_item(self, table_id: str, key: ItemKey) -> None:
        self._table_by_id(table_id)
        size_key = (table_id, key.partition, key.sort)
        known, old = self._pending.known_size(size_key)
        parameters = (table_id, partition_hash(key.partition), key.partition, key.sort)
        if known:
            if old is not None:
                self._defer_prepared(prepared.DELETE_ITEM, parameters)
        else:
            statement = f"{prepared.DELETE_ITEM.text} RETURNING size"
            removed = self._lock_key(table_id, key, lambda: self._rows(statement, parameters))
            old = int(removed[0][0]) if removed else None
        if old is not None:
            self._pending.work.add_table(table_id, -1, -old)
        self._pending.work.item_sizes[size_key] = None
