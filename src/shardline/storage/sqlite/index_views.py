"""Secondary-index storage for the SQLite adapter (the index part of the ReadView and WriteView).

Entries live in `index_entries`, keyed by (table, index, partition hash, index key, base key); per-index
counters live in `index_counters` and change in the same statement group as the entries.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

import orjson

from shardline.errors import StorageError
from shardline.storage.backend import HashSegment, IndexKey, ItemKey, KeyRange
from shardline.values.key_codec import partition_hash
from shardline.values.types import Item

# Like the item range reads: fetch a bounded chunk per statement and continue after its last entry.
INDEX_CHUNK_ROWS = 256

_Row = tuple[int, bytes, bytes, bytes, bytes, bytes]


def _decode(blob: bytes) -> Item:
    return cast(Item, orjson.loads(blob))


def _entry(row: _Row) -> tuple[IndexKey, Item]:
    _, partition, sort, base_partition, base_sort, blob = row
    return IndexKey(partition, sort, ItemKey(base_partition, base_sort)), _decode(blob)


class IndexReadMixin:
    if TYPE_CHECKING:

        def _sql(self) -> sqlite3.Connection: ...

    def _index_rows(self, statement: str, parameters: tuple[object, ...]) -> list[_Row]:
        try:
            return cast(list[_Row], self._sql().execute(statement, parameters).fetchall())
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error

    def query_index(
        self, table_id: str, index_name: str, partition: bytes, key_range: KeyRange, forward: bool,
        exclusive_start: IndexKey | None, limit: int,
    ) -> Iterator[tuple[IndexKey, Item]]:
        conditions = ["table_id = ?", "index_name = ?", "partition_hash = ?", "pk = ?"]
        parameters: list[object] = [table_id, index_name, partition_hash(partition), partition]
        if key_range.lower is not None:
            conditions.append("sk >= ?" if key_range.lower_inclusive else "sk > ?")
            parameters.append(key_range.lower)
        if key_range.upper is not None:
            conditions.append("sk <= ?" if key_range.upper_inclusive else "sk < ?")
            parameters.append(key_range.upper)
        order = "ASC" if forward else "DESC"
        select = (
            "SELECT partition_hash, pk, sk, base_pk, base_sk, item FROM index_entries WHERE "
            + " AND ".join(conditions)
        )
        ordering = f" ORDER BY sk {order}, base_pk {order}, base_sk {order} LIMIT ?"
        after = " AND (sk, base_pk, base_sk) > (?, ?, ?)" if forward else " AND (sk, base_pk, base_sk) < (?, ?, ?)"
        cursor: tuple[bytes, bytes, bytes] | None = None
        if exclusive_start is not None:
            cursor = (exclusive_start.sort, exclusive_start.base.partition, exclusive_start.base.sort)
        return self._query_index_chunks(select, ordering, after, tuple(parameters), cursor, limit)

    def _query_index_chunks(
        self, select: str, ordering: str, after: str, parameters: tuple[object, ...],
        cursor: tuple[bytes, bytes, bytes] | None, limit: int,
    ) -> Iterator[tuple[IndexKey, Item]]:
        remaining = limit
        while remaining > 0:
            chunk = min(remaining, INDEX_CHUNK_ROWS)
            if cursor is None:
                rows = self._index_rows(select + ordering, (*parameters, chunk))
            else:
                rows = self._index_rows(select + after + ordering, (*parameters, *cursor, chunk))
            for row in rows:
                yield _entry(row)
            if len(rows) < chunk:
                return
            remaining -= len(rows)
            last = rows[-1]
            cursor = (last[2], last[3], last[4])

    def scan_index(
        self, table_id: str, index_name: str, exclusive_start: IndexKey | None, limit: int,
        segment: HashSegment | None = None,
    ) -> Iterator[tuple[IndexKey, Item]]:
        cursor: tuple[int, bytes, bytes, bytes, bytes] | None = None
        if exclusive_start is not None:
            start = exclusive_start
            cursor = (
                partition_hash(start.partition), start.partition, start.sort, start.base.partition,
                start.base.sort,
            )
        return self._scan_index_chunks(table_id, index_name, cursor, limit, segment)

    def _scan_index_chunks(
        self, table_id: str, index_name: str, cursor: tuple[int, bytes, bytes, bytes, bytes] | None,
        limit: int, segment: HashSegment | None,
    ) -> Iterator[tuple[IndexKey, Item]]:
        select = (
            "SELECT partition_hash, pk, sk, base_pk, base_sk, item FROM index_entries"
            " WHERE table_id = ? AND index_name = ?"
        )
        bounds: tuple[object, ...] = ()
        if segment is not None:
            select += " AND partition_hash BETWEEN ? AND ?"
            bounds = (segment.lower, segment.upper)
        ordering = " ORDER BY partition_hash, pk, sk, base_pk, base_sk LIMIT ?"
        after = " AND (partition_hash, pk, sk, base_pk, base_sk) > (?, ?, ?, ?, ?)"
        remaining = limit
        while remaining > 0:
            chunk = min(remaining, INDEX_CHUNK_ROWS)
            if cursor is None:
                rows = self._index_rows(select + ordering, (table_id, index_name, *bounds, chunk))
            else:
                rows = self._index_rows(
                    select + after + ordering, (table_id, index_name, *bounds, *cursor, chunk)
                )
            for row in rows:
                yield _entry(row)
            if len(rows) < chunk:
                return
            remaining -= len(rows)
            cursor = rows[-1][:5]

    def index_statistics(self, table_id: str, index_name: str) -> tuple[int, int]:
        try:
            row = self._sql().execute(
                "SELECT item_count, size_bytes FROM index_counters WHERE table_id = ? AND index_name = ?",
                (table_id, index_name),
            ).fetchone()
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error
        return (0, 0) if row is None else (int(row[0]), int(row[1]))


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
