"""The secondary-index reads shared by the SQL adapters: Query's sort-key ranges of one index partition, Scan's
walk of an index in hash order (chunked like the item reads), and the index counters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from shardline.storage.backend import HashSegment, IndexKey, ItemKey, KeyRange
from shardline.storage.sql.dialect import RunsStatements, SqlDialect
from shardline.storage.sql.item_reads import SortBounds
from shardline.storage.sql.stored_json import decode_item
from shardline.values.key_codec import partition_hash
from shardline.values.types import Item

# Like the item range reads: fetch a bounded chunk per statement and continue after its last entry.
INDEX_CHUNK_ROWS = 256

_SELECT_ENTRIES = "SELECT partition_hash, pk, sk, base_pk, base_sk, item FROM index_entries WHERE "


@dataclass(frozen=True)
class IndexReadStatements:
    """The index read statements in one dialect, written once when an adapter's views are defined; the WHERE
    terms of a read are joined per call from these pieces (which bounds it has varies)."""

    in_partition: str
    after_cursor: str
    before_cursor: str
    sort: SortBounds
    ascending: str  # what follows the terms of a query
    descending: str
    in_index: str
    scan_after_cursor: str
    hash_from: str
    hash_through: str
    scan_order: str
    statistics: str

    @classmethod
    def written_for(cls, dialect: SqlDialect) -> IndexReadStatements:
        p = dialect.placeholder
        return cls(
            in_partition=f"table_id = {p} AND index_name = {p} AND partition_hash = {p} AND pk = {p}",
            after_cursor=f"(sk, base_pk, base_sk) > ({p}, {p}, {p})",
            before_cursor=f"(sk, base_pk, base_sk) < ({p}, {p}, {p})",
            sort=SortBounds.written_for(dialect),
            ascending=f" ORDER BY sk ASC, base_pk ASC, base_sk ASC LIMIT {p}",
            descending=f" ORDER BY sk DESC, base_pk DESC, base_sk DESC LIMIT {p}",
            in_index=f"table_id = {p} AND index_name = {p}",
            scan_after_cursor=f"(partition_hash, pk, sk, base_pk, base_sk) > ({p}, {p}, {p}, {p}, {p})",
            hash_from=f"partition_hash >= {p}",
            hash_through=f"partition_hash <= {p}",
            scan_order=f" ORDER BY partition_hash, pk, sk, base_pk, base_sk LIMIT {p}",
            statistics=f"SELECT item_count, size_bytes FROM index_counters WHERE table_id = {p} AND index_name = {p}",
        )


def _entry(row: tuple[Any, ...]) -> tuple[IndexKey, Item]:
    _, partition, sort, base_partition, base_sort, blob = row
    return IndexKey(partition, sort, ItemKey(base_partition, base_sort)), decode_item(blob)


def _cursor_within(sort: bytes, bound: tuple[bytes, bool], forward: bool) -> bool:
    """Whether a cursor at `sort` lies past the starting bound, so that it can stand in for the bound."""
    value, inclusive = bound
    if sort == value:
        return inclusive
    return sort > value if forward else sort < value


def _partition_terms(
    sql: IndexReadStatements, table_id: str, index_name: str, partition: bytes, key_range: KeyRange,
    forward: bool, cursor: tuple[bytes, bytes, bytes] | None,
) -> tuple[list[str], list[object]]:
    """WHERE terms for one index partition's sort-key range, continuing after `cursor`. The cursor
    replaces the bound on the side the read starts from: SQLite seeks the primary key by the row value
    only when no plain bound on sk competes with it, and a page deep into a range must not walk the
    entries before it."""
    terms = [sql.in_partition]
    parameters: list[object] = [table_id, index_name, partition_hash(partition), partition]
    lower = None if key_range.lower is None else (key_range.lower, key_range.lower_inclusive)
    upper = None if key_range.upper is None else (key_range.upper, key_range.upper_inclusive)
    if cursor is not None:
        start_bound = lower if forward else upper
        if start_bound is None or _cursor_within(cursor[0], start_bound, forward):
            terms.append(sql.after_cursor if forward else sql.before_cursor)
            parameters.extend(cursor)
            if forward:
                lower = None
            else:
                upper = None
    if lower is not None:
        terms.append(sql.sort.at_least if lower[1] else sql.sort.above)
        parameters.append(lower[0])
    if upper is not None:
        terms.append(sql.sort.at_most if upper[1] else sql.sort.below)
        parameters.append(upper[0])
    return terms, parameters


class SqlIndexReads(RunsStatements):
    """The index part of a ReadView; an adapter sets `_index_sql` to the statements of its dialect."""

    _index_sql: ClassVar[IndexReadStatements]

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
        sql = self._index_sql
        order = sql.ascending if forward else sql.descending

        def select(after: tuple[Any, ...] | None, chunk: int) -> tuple[str, tuple[object, ...]]:
            terms, parameters = _partition_terms(sql, table_id, index_name, partition, key_range, forward, after)
            return _SELECT_ENTRIES + " AND ".join(terms) + order, (*parameters, chunk)

        return self._in_chunks(limit, cursor, select, lambda last: (last[2], last[3], last[4]))

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
        sql = self._index_sql

        def select(after: tuple[Any, ...] | None, chunk: int) -> tuple[str, tuple[object, ...]]:
            terms = [sql.in_index]
            parameters: list[object] = [table_id, index_name]
            # As for queries: a cursor inside the segment stands in for its lower bound, so SQLite seeks
            # straight to it.
            if after is not None and (segment is None or after[0] >= segment.lower):
                terms.append(sql.scan_after_cursor)
                parameters.extend(after)
            elif segment is not None:
                terms.append(sql.hash_from)
                parameters.append(segment.lower)
            if segment is not None:
                terms.append(sql.hash_through)
                parameters.append(segment.upper)
            return _SELECT_ENTRIES + " AND ".join(terms) + sql.scan_order, (*parameters, chunk)

        return self._in_chunks(limit, cursor, select, lambda last: tuple(last[:5]))

    def _in_chunks(
        self, limit: int, cursor: tuple[Any, ...] | None,
        select: Callable[[tuple[Any, ...] | None, int], tuple[str, tuple[object, ...]]],
        cursor_after: Callable[[tuple[Any, ...]], tuple[Any, ...]],
    ) -> Iterator[tuple[IndexKey, Item]]:
        """Reads up to `limit` entries a bounded chunk per statement, each chunk continuing after the last."""
        remaining = limit
        while remaining > 0:
            chunk = min(remaining, INDEX_CHUNK_ROWS)
            rows = self._rows(*select(cursor, chunk))
            for row in rows:
                yield _entry(row)
            if len(rows) < chunk:
                return
            remaining -= len(rows)
            cursor = cursor_after(rows[-1])

    def index_statistics(self, table_id: str, index_name: str) -> tuple[int, int]:
        """The index's committed counters (item count, size in bytes)."""
        rows = self._rows(self._index_sql.statistics, (table_id, index_name))
        return (0, 0) if not rows else (int(rows[0][0]), int(rows[0][1]))
