"""Secondary-index storage for the PostgreSQL adapter (the index part of the ReadView and WriteView).

Entries live in `index_entries` keyed by (table, index, partition hash, index key, base key); counters in
`index_counters`, changed at commit from the transaction's pending sums (see pending.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import orjson

from shardline.errors import StorageError
from shardline.storage.backend import HashSegment, IndexKey, ItemKey, KeyRange
from shardline.values.key_codec import partition_hash
from shardline.values.types import Item

if TYPE_CHECKING:
    from shardline.storage.postgres.pending import Pending
    from shardline.storage.postgres.sql_access import Rows

INDEX_CHUNK_ROWS = 256


def _entry(row: tuple[Any, ...]) -> tuple[IndexKey, Item]:
    _, partition, sort, base_partition, base_sort, blob = row
    key = IndexKey(bytes(partition), bytes(sort), ItemKey(bytes(base_partition), bytes(base_sort)))
    return key, cast(Item, orjson.loads(blob))


def _cursor_within(sort: bytes, bound: tuple[bytes, bool], forward: bool) -> bool:
    """Whether a cursor at `sort` lies past the starting bound, so that it can stand in for the bound."""
    value, inclusive = bound
    if sort == value:
        return inclusive
    return sort > value if forward else sort < value


def _partition_conditions(
    table_id: str, index_name: str, partition: bytes, key_range: KeyRange, forward: bool,
    cursor: tuple[bytes, bytes, bytes] | None,
) -> tuple[list[str], list[object]]:
    conditions = ["table_id = %s", "index_name = %s", "partition_hash = %s", "pk = %s"]
    parameters: list[object] = [table_id, index_name, partition_hash(partition), partition]
    lower = None if key_range.lower is None else (key_range.lower, key_range.lower_inclusive)
    upper = None if key_range.upper is None else (key_range.upper, key_range.upper_inclusive)
    if cursor is not None:
        start_bound = lower if forward else upper
        if start_bound is None or _cursor_within(cursor[0], start_bound, forward):
            comparison = ">" if forward else "<"
            conditions.append(f"(sk, base_pk, base_sk) {comparison} (%s, %s, %s)")
            parameters.extend(cursor)
            if forward:
                lower = None
            else:
                upper = None
    if lower is not None:
        conditions.append("sk >= %s" if lower[1] else "sk > %s")
        parameters.append(lower[0])
    if upper is not None:
        conditions.append("sk <= %s" if upper[1] else "sk < %s")
        parameters.append(upper[0])
    return conditions, parameters


class IndexReadMixin:
    if TYPE_CHECKING:

        def _rows(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> Rows: ...

    def query_index(
        self, table_id: str, index_name: str, partition: bytes, key_range: KeyRange, forward: bool,
        exclusive_start: IndexKey | None, limit: int,
    ) -> Iterator[tuple[IndexKey, Item]]:
        cursor: tuple[bytes, bytes, bytes] | None = None
        if exclusive_start is not None:
            cursor = (exclusive_start.sort, exclusive_start.base.partition, exclusive_start.base.sort)
        return self._query_index_chunks(table_id, index_name, partition, key_range, forward, cursor, limit)

    def _query_index_chunks(
        self, table_id: str, index_name: str, partition: bytes, key_range: KeyRange, forward: bool,
        cursor: tuple[bytes, bytes, bytes] | None, limit: int,
    ) -> Iterator[tuple[IndexKey, Item]]:
        order = "ASC" if forward else "DESC"
        remaining = limit
        while remaining > 0:
            chunk = min(remaining, INDEX_CHUNK_ROWS)
            conditions, parameters = _partition_conditions(
                table_id, index_name, partition, key_range, forward, cursor
            )
            rows = self._rows(
                "SELECT partition_hash, pk, sk, base_pk, base_sk, item FROM index_entries WHERE "
                + " AND ".join(conditions)
                + f" ORDER BY sk {order}, base_pk {order}, base_sk {order} LIMIT %s",
                (*parameters, chunk),
            )
            for row in rows:
                yield _entry(row)
            if len(rows) < chunk:
                return
            remaining -= len(rows)
            last = rows[-1]
            cursor = (bytes(last[2]), bytes(last[3]), bytes(last[4]))

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
            conditions = ["table_id = %s", "index_name = %s"]
            parameters: list[object] = [table_id, index_name]
            if cursor is not None and (segment is None or cursor[0] >= segment.lower):
                conditions.append("(partition_hash, pk, sk, base_pk, base_sk) > (%s, %s, %s, %s, %s)")
                parameters.extend(cursor)
            elif segment is not None:
                conditions.append("partition_hash >= %s")
                parameters.append(segment.lower)
            if segment is not None:
                conditions.append("partition_hash <= %s")
                parameters.append(segment.upper)
            rows = self._rows(
                "SELECT partition_hash, pk, sk, base_pk, base_sk, item FROM index_entries WHERE "
                + " AND ".join(conditions)
                + " ORDER BY partition_hash, pk, sk, base_pk, base_sk LIMIT %s",
                (*parameters, chunk),
            )
            for row in rows:
                yield _entry(row)
            if len(rows) < chunk:
                return
            remaining -= len(rows)
            last = rows[-1]
            cursor = (int(last[0]), bytes(last[1]), bytes(last[2]), bytes(last[3]), bytes(last[4]))

    def index_statistics(self, table_id: str, index_name: str) -> tuple[int, int]:
        rows = self._rows(
            "SELECT item_count, size_bytes FROM index_counters WHERE table_id = %s AND index_name = %s",
            (table_id, index_name),
        )
        return (0, 0) if not rows else (int(rows[0][0]), int(rows[0][1]))


class IndexWriteMixin:
    if TYPE_CHECKING:
        _pending: Pending

        def _rows(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> Rows: ...

        def _execute(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> int: ...

    def index_statistics(self, table_id: str, index_name: str) -> tuple[int, int]:
        rows = self._rows(
            "SELECT item_count, size_bytes FROM index_counters WHERE table_id = %s AND index_name = %s",
            (table_id, index_name),
        )
        items, size_bytes = (0, 0) if not rows else (int(rows[0][0]), int(rows[0][1]))
        pending_items, pending_bytes = self._pending.index_delta((table_id, index_name))
        return items + pending_items, size_bytes + pending_bytes

    def put_index_entry(self, table_id: str, index_name: str, key: IndexKey, item: Item, size_bytes: int) -> None:
        try:
            encoded = orjson.dumps(item)
        except TypeError as error:
            raise StorageError(f"index entry is not JSON: {error}") from error
        row_key = (
            table_id, index_name, partition_hash(key.partition), key.partition, key.sort, key.base.partition,
            key.base.sort,
        )
        rows = self._rows(
            "WITH old AS (SELECT size FROM index_entries WHERE table_id = %s AND index_name = %s"
            " AND partition_hash = %s AND pk = %s AND sk = %s AND base_pk = %s AND base_sk = %s),"
            " new AS (INSERT INTO index_entries"
            " (table_id, index_name, partition_hash, pk, sk, base_pk, base_sk, size, item)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (table_id, index_name, partition_hash, pk, sk, base_pk, base_sk)"
            " DO UPDATE SET size = excluded.size, item = excluded.item RETURNING 1)"
            " SELECT (SELECT size FROM old), (SELECT count(*) FROM new)",
            (*row_key, *row_key, size_bytes, encoded),
        )
        old = rows[0][0]
        ref = (table_id, index_name)
        if old is None:
            self._pending.work.add_index(ref, 1, size_bytes)
        else:
            self._pending.work.add_index(ref, 0, size_bytes - int(old))

    def delete_index_entry(self, table_id: str, index_name: str, key: IndexKey) -> None:
        removed = self._rows(
            "DELETE FROM index_entries WHERE table_id = %s AND index_name = %s AND partition_hash = %s"
            " AND pk = %s AND sk = %s AND base_pk = %s AND base_sk = %s RETURNING size",
            (
                table_id, index_name, partition_hash(key.partition), key.partition, key.sort,
                key.base.partition, key.base.sort,
            ),
        )
        if removed:
            self._pending.work.add_index((table_id, index_name), -1, -int(removed[0][0]))

    def delete_index(self, table_id: str, index_name: str) -> None:
        self._execute("DELETE FROM index_entries WHERE table_id = %s AND index_name = %s", (table_id, index_name))
        self._execute("DELETE FROM index_counters WHERE table_id = %s AND index_name = %s", (table_id, index_name))
        self._pending.work.reset_index((table_id, index_name))
