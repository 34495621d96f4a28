"""Secondary-index storage for the SQLite adapter (the index part of the ReadView and WriteView).

Entries live in `index_entries`, keyed by (table, index, partition hash, index key, base key); per-index
counters live in `index_counters` and change in the same statement group as the entries. The reads are the
shared core's (storage/sql/index_reads.py) in SQLite's dialect.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import orjson

from shardline.errors import StorageError
from shardline.storage.backend import IndexKey
from shardline.storage.sql.index_reads import IndexReadStatements, SqlIndexReads
from shardline.storage.sqlite.stream_views import SQLITE, SqliteStatements
from shardline.values.key_codec import partition_hash
from shardline.values.types import Item


class IndexReadMixin(SqlIndexReads, SqliteStatements):
    _index_sql = IndexReadStatements.written_for(SQLITE)


class IndexWriteMixin:
    if TYPE_CHECKING:

        def _sql(self) -> sqlite3.Connection: ...

    def put_index_entry(self, table_id: str, index_name: str, key: IndexKey, item: Item, size_bytes: int) -> None:
        try:
            encoded = orjson.dumps(item)
        except TypeError as error:
            raise StorageError(f"index entry is not JSON: {error}") from error
        row_key = (
            table_id, index_name, partition_hash(key.partition), key.partition, key.sort, key.base.partition,
            key.base.sort,
        )
        connection = self._sql()
        try:
            old = connection.execute(
                "SELECT size FROM index_entries WHERE table_id = ? AND index_name = ? AND partition_hash = ?"
                " AND pk = ? AND sk = ? AND base_pk = ? AND base_sk = ?",
                row_key,
            ).fetchone()
            connection.execute(
                "INSERT OR REPLACE INTO index_entries"
                " (table_id, index_name, partition_hash, pk, sk, base_pk, base_sk, size, item)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*row_key, size_bytes, encoded),
            )
            if old is None:
                self._count_index(connection, table_id, index_name, 1, size_bytes)
            else:
                self._count_index(connection, table_id, index_name, 0, size_bytes - int(old[0]))
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error

    def delete_index_entry(self, table_id: str, index_name: str, key: IndexKey) -> None:
        connection = self._sql()
        try:
            # fetchall: the statement must finish before the work's savepoint is released
            removed = connection.execute(
                "DELETE FROM index_entries WHERE table_id = ? AND index_name = ? AND partition_hash = ?"
                " AND pk = ? AND sk = ? AND base_pk = ? AND base_sk = ? RETURNING size",
                (
                    table_id, index_name, partition_hash(key.partition), key.partition, key.sort,
                    key.base.partition, key.base.sort,
                ),
            ).fetchall()
            if removed:
                self._count_index(connection, table_id, index_name, -1, -int(removed[0][0]))
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error

    def delete_index(self, table_id: str, index_name: str) -> None:
        connection = self._sql()
        try:
            connection.execute(
                "DELETE FROM index_entries WHERE table_id = ? AND index_name = ?", (table_id, index_name)
            )
            connection.execute(
                "DELETE FROM index_counters WHERE table_id = ? AND index_name = ?", (table_id, index_name)
            )
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error

    @staticmethod
    def _count_index(
        connection: sqlite3.Connection, table_id: str, index_name: str, items: int, size_bytes: int
    ) -> None:
        connection.execute(
            "INSERT INTO index_counters (table_id, index_name, item_count, size_bytes) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (table_id, index_name) DO UPDATE SET item_count = item_count + excluded.item_count,"
            " size_bytes = size_bytes + excluded.size_bytes",
            (table_id, index_name, items, size_bytes),
        )
