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


def _partition_conditions(
    table_id: str, index_name: str, partition: bytes, key_range: KeyRange, forward: bool,
    cursor: tuple[bytes, bytes, bytes] | None,
) -> tuple[list[str], list[object]]:
    """WHERE terms for one index partition's sort-key range, continuing after `cursor`. The cursor
    replaces the bound on the side the read starts from: SQLite seeks the primary key by the row value
    only when no plain bound on sk competes with it, and a page deep into a range must not walk the
    entries before it."""
    conditions = ["table_id = ?", "index_name = ?", "partition_hash = ?", "pk = ?"]
    parameters: list[object] = [table_id, index_name, partition_hash(partition), partition]
    lower: tuple[bytes, bool] | None = None
    if key_range.lower is not None:
        lower = (key_range.lower, key_range.lower_inclusive)
    upper: tuple[bytes, bool] | None = None
    if key_range.upper is not None:
        upper = (key_range.upper, key_range.upper_inclusive)
    if cursor is not None:
        start_bound = lower if forward else upper
        if start_bound is None or _cursor_within(cursor[0], start_bound, forward):
            conditions.append("(sk, base_pk, base_sk) > (?, ?, ?)" if forward else "(sk, base_pk, base_sk) < (?, ?, ?)")
            parameters.extend(cursor)
            if forward:
                lower = None
            else:
                upper = None
    if lower is not None:
        conditions.append("sk >= ?" if lower[1] else "sk > ?")
        parameters.append(lower[0])
    if upper is not None:
        conditions.append("sk <= ?" if upper[1] else "sk < ?")
        parameters.append(upper[0])
    return conditions, parameters


def _cursor_within(sort: bytes, bound: tuple[bytes, bool], forward: bool) -> bool:
    """Whether a cursor at `sort` lies past the starting bound, so that it can stand in for the bound."""
    value, inclusive = bound
    if sort == value:
        return inclusive
    return sort > value if forward else sort < value


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
        cursor: tuple[bytes, bytes, bytes] | None = None
        if exclusive_start is not None:
            cursor = (exclusive_start.sort, exclusive_start.base.partition, exclusive_start.base.sort)
        order = "ASC" if forward else "DESC"
        remaining = limit
        while remaining > 0:
            chunk = min(remaining, INDEX_CHUNK_ROWS)
            conditions, parameters = _partition_conditions(
                table_id, index_name, partition, key_range, forward, cursor
            )
            rows = self._index_rows(
                "SELECT partition_hash, pk, sk, base_pk, base_sk, item FROM index_entries WHERE "
                + " AND ".join(conditions)
                + f" ORDER BY sk {order}, base_pk {order}, base_sk {order} LIMIT ?",
                (*parameters, chunk),
            )
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
        remaining = limit
        while remaining > 0:
            chunk = min(remaining, INDEX_CHUNK_ROWS)
            conditions = ["table_id = ?", "index_name = ?"]
            parameters: list[object] = [table_id, index_name]
            # As for queries: a cursor inside the segment stands in for its lower bound, so SQLite seeks
            # straight to it.
            if cursor is not None and (segment is None or cursor[0] >= segment.lower):
                conditions.append("(partition_hash, pk, sk, base_pk, base_sk) > (?, ?, ?, ?, ?)")
                parameters.extend(cursor)
            elif segment is not None:
                conditions.append("partition_hash >= ?")
                parameters.append(segment.lower)
            if segment is not None:
                conditions.append("partition_hash <= ?")
                parameters.append(segment.upper)
            rows = self._index_rows(
                "SELECT partition_hash, pk, sk, base_pk, base_sk, item FROM index_entries WHERE "
                + " AND ".join(conditions)
                + " ORDER BY partition_hash, pk, sk, base_pk, base_sk LIMIT ?",
                (*parameters, chunk),
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
