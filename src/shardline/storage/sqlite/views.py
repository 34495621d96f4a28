"""The ReadView and WriteView of the port over one SQLite connection: tables and items (the range reads are
the shared core's, storage/sql/item_reads.py, in SQLite's dialect).

A view is live only while its work runs: the backend closes it afterwards, so a view or iterator that
escapes its work raises StorageError instead of reading outside its transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Protocol

import orjson

from shardline.errors import StorageError
from shardline.storage.backend import ItemKey, StoredTable
from shardline.storage.sql.item_reads import ItemReadStatements, SqlItemReads
from shardline.storage.sql.stored_json import decode_item, encode_definition
from shardline.storage.sqlite.catalog import PendingCatalog
from shardline.storage.sqlite.index_views import IndexReadMixin, IndexWriteMixin
from shardline.storage.sqlite.open_shards import OpenShardCache
from shardline.storage.sqlite.purge_views import PurgeWriteMixin
from shardline.storage.sqlite.runner_status_views import RunnerStatusReadMixin, RunnerStatusWriteMixin
from shardline.storage.sqlite.stream_views import SQLITE, StreamReadMixin, StreamWriteMixin
from shardline.storage.sqlite.trigger_views import TriggerReadMixin, TriggerWriteMixin
from shardline.values.key_codec import partition_hash
from shardline.values.types import Item


class CatalogLookup(Protocol):
    def get(self, name: str) -> StoredTable | None: ...

    def get_by_id(self, table_id: str) -> StoredTable | None: ...

    def names(self) -> list[str]: ...


@contextmanager
def storage_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as error:
        raise StorageError(f"sqlite: {error}") from error


class SqliteReadView(SqlItemReads, IndexReadMixin, StreamReadMixin, TriggerReadMixin, RunnerStatusReadMixin):
    _item_sql = ItemReadStatements.written_for(SQLITE)

    def __init__(self, connection: sqlite3.Connection, catalog: CatalogLookup) -> None:
        self._connection = connection
        self._catalog = catalog
        self._open = True

    def close(self) -> None:
        self._open = False

    def _sql(self) -> sqlite3.Connection:
        if not self._open:
            raise StorageError("storage view used after its work finished")
        return self._connection

    def get_table(self, name: str) -> StoredTable | None:
        self._sql()
        return self._catalog.get(name)

    def list_table_names(self, exclusive_start: str | None, limit: int) -> list[str]:
        self._sql()
        names = sorted(self._catalog.names())
        if exclusive_start is not None:
            names = [name for name in names if name > exclusive_start]
        return names[: max(limit, 0)]

    def get_item(self, table_id: str, key: ItemKey) -> Item | None:
        try:  # not storage_errors(): this is every item request's statement, and the context manager showed
            row = self._sql().execute(
                "SELECT item FROM items WHERE table_id = ? AND partition_hash = ? AND pk = ? AND sk = ?",
                (table_id, partition_hash(key.partition), key.partition, key.sort),
            ).fetchone()
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error
        return None if row is None else decode_item(row[0])


class SqliteWriteView(
    IndexWriteMixin, PurgeWriteMixin, StreamWriteMixin, TriggerWriteMixin, RunnerStatusWriteMixin, SqliteReadView
):
    """Writes go to SQL at once (inside the work's savepoint); table rows and counters go to the work's
    layer of the pending catalog, and counters reach SQL once per group (see writer.flush_counters)."""

    def __init__(
        self, connection: sqlite3.Connection, catalog: PendingCatalog, open_shards: OpenShardCache | None = None
    ) -> None:
        super().__init__(connection, catalog)
        self._pending = catalog
        self._open_shards = open_shards
        self.bytes_written = 0
        # The stored size of items this work has read or written (None: absent), so a put that follows the
        # read of its old item (every write operation's read-check-write) needs no second SELECT.
        self._sizes: dict[tuple[str, ItemKey], int | None] = {}

    def _table_by_id(self, table_id: str) -> StoredTable:
        table = self._pending.get_by_id(table_id)
        if table is None:
            raise StorageError(f"no table with id {table_id!r}")
        return table

    def _table_by_name(self, name: str) -> StoredTable:
        table = self._pending.get(name)
        if table is None:
            raise StorageError(f"no table named {name!r}")
        return table

    def create_table(self, table: StoredTable) -> None:
        if self._pending.get(table.name) is not None:
            raise StorageError(f"table {table.name!r} already exists")
        encoded = encode_definition(table.definition)
        with storage_errors():
            self._sql().execute(
                "INSERT INTO tables (name, table_id, definition, item_count, size_bytes)"
                " VALUES (?, ?, ?, ?, ?)",
                (table.name, table.table_id, encoded, table.item_count, table.size_bytes),
            )
        # cache what a reopened store would load, not the caller's (mutable) mapping
        self._pending.changes.set(replace(table, definition=orjson.loads(encoded)))

    def update_table_definition(self, name: str, definition: Mapping[str, Any]) -> None:
        table = self._table_by_name(name)
        encoded = encode_definition(definition)
        with storage_errors():
            self._sql().execute("UPDATE tables SET definition = ? WHERE name = ?", (encoded, name))
        self._pending.changes.set(replace(table, definition=orjson.loads(encoded)))

    def delete_table(self, name: str) -> None:
        table = self._table_by_name(name)
        self._sizes.clear()
        with storage_errors():
            self._sql().execute("DELETE FROM items WHERE table_id = ?", (table.table_id,))
            self._sql().execute("DELETE FROM tables WHERE name = ?", (name,))
        self._pending.changes.remove(name)

    def get_item(self, table_id: str, key: ItemKey) -> Item | None:
        try:
            row = self._sql().execute(
                "SELECT size, item FROM items WHERE table_id = ? AND partition_hash = ? AND pk = ? AND sk = ?",
                (table_id, partition_hash(key.partition), key.partition, key.sort),
            ).fetchone()
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error
        if row is None:
            self._sizes[(table_id, key)] = None
            return None
        self._sizes[(table_id, key)] = int(row[0])
        return decode_item(row[1])

    def put_item(self, table_id: str, key: ItemKey, item: Item, size_bytes: int) -> None:
        table = self._table_by_id(table_id)
        hashed = partition_hash(key.partition)
        try:
            encoded = orjson.dumps(item)
        except TypeError as error:
            raise StorageError(f"item is not JSON: {error}") from error
        connection = self._sql()
        known = (table_id, key)
        try:  # the hottest path: a plain try costs less than the storage_errors() context manager
            if known in self._sizes:
                old_size = self._sizes[known]
            else:
                old = connection.execute(
                    "SELECT size FROM items WHERE table_id = ? AND partition_hash = ? AND pk = ? AND sk = ?",
                    (table_id, hashed, key.partition, key.sort),
                ).fetchone()
                old_size = None if old is None else int(old[0])
            connection.execute(
                "INSERT OR REPLACE INTO items (table_id, partition_hash, pk, sk, size, item)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (table_id, hashed, key.partition, key.sort, size_bytes, encoded),
            )
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error
        self._sizes[known] = size_bytes
        if old_size is None:
            self._count(table, 1, size_bytes)
        else:
            self._count(table, 0, size_bytes - old_size)
        self.bytes_written += len(encoded)

    def delete_item(self, table_id: str, key: ItemKey) -> None:
        table = self._table_by_id(table_id)
        with storage_errors():
            # fetchall, not fetchone: the statement must finish before the work's savepoint is released
            removed = self._sql().execute(
                "DELETE FROM items WHERE table_id = ? AND partition_hash = ? AND pk = ? AND sk = ?"
                " RETURNING size",
                (table_id, partition_hash(key.partition), key.partition, key.sort),
            ).fetchall()
        self._sizes[(table_id, key)] = None
        if removed:
            self._count(table, -1, -int(removed[0][0]))

    def _count(self, table: StoredTable, items: int, size_bytes: int) -> None:
        self._pending.changes.set(
            StoredTable(
                table.name, table.table_id, table.definition,
                table.item_count + items, table.size_bytes + size_bytes,
            )
        )
