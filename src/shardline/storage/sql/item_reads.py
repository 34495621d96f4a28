"""The item range reads shared by the SQL adapters: Query's sort-key ranges of one partition and Scan's walk of
a table (or of one parallel-scan segment) in hash order, fetched in bounded chunks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from shardline.storage.backend import HashSegment, ItemKey, KeyRange
from shardline.storage.sql.dialect import RunsStatements, SqlDialect
from shardline.storage.sql.stored_json import decode_item
from shardline.values.key_codec import partition_hash
from shardline.values.types import Item

# Range reads fetch this many rows per statement and continue after the last key, so a caller that stops
# early (a 1 MB page) costs little and no statement stays open past a chunk.
CHUNK_ROWS = 256
MIN_HASH = -(2**63)
MAX_HASH = 2**63 - 1

_SELECT_SORTED = "SELECT sk, item FROM items WHERE "


@dataclass(frozen=True)
class SortBounds:
    """The WHERE terms bounding `sk`, the sort key of an item or of an index entry."""

    above: str
    at_least: str
    below: str
    at_most: str

    @classmethod
    def written_for(cls, dialect: SqlDialect) -> SortBounds:
        p = dialect.placeholder
        return cls(above=f"sk > {p}", at_least=f"sk >= {p}", below=f"sk < {p}", at_most=f"sk <= {p}")


@dataclass(frozen=True)
class ItemReadStatements:
    """The item range statements in one dialect, written once when an adapter's views are defined; a query's
    WHERE terms are joined per call from these pieces (which bounds it has varies)."""

    in_partition: str
    sort: SortBounds
    ascending: tuple[str, str]  # what follows the terms: (continuing after a cursor, from the start)
    descending: tuple[str, str]
    scan_from: str
    scan_after: str

    @classmethod
    def written_for(cls, dialect: SqlDialect, lock: str = "") -> ItemReadStatements:
        """`lock` ends every statement: PostgreSQL's write view share-locks the rows its range reads return."""
        p = dialect.placeholder
        return cls(
            in_partition=f"table_id = {p} AND partition_hash = {p} AND pk = {p}",
            sort=SortBounds.written_for(dialect),
            ascending=(f" AND sk > {p} ORDER BY sk ASC LIMIT {p}{lock}", f" ORDER BY sk ASC LIMIT {p}{lock}"),
            descending=(f" AND sk < {p} ORDER BY sk DESC LIMIT {p}{lock}", f" ORDER BY sk DESC LIMIT {p}{lock}"),
            # The hash bounds keep a parallel-scan segment an index range read of its own slice of the table;
            # with a cursor, the row-value bound must lead (SQLite seeks on it, not on a plain lower bound).
            scan_from=(
                f"SELECT partition_hash, pk, sk, item FROM items WHERE table_id = {p}"
                f" AND partition_hash >= {p} AND partition_hash <= {p}"
                f" ORDER BY partition_hash, pk, sk LIMIT {p}{lock}"
            ),
            scan_after=(
                f"SELECT partition_hash, pk, sk, item FROM items WHERE table_id = {p}"
                f" AND (partition_hash, pk, sk) > ({p}, {p}, {p}) AND partition_hash <= {p}"
                f" ORDER BY partition_hash, pk, sk LIMIT {p}{lock}"
            ),
        )


class SqlItemReads(RunsStatements):
    """The item range reads of a ReadView; an adapter sets `_item_sql` to the statements of its dialect.
    (Both engines return key and item columns as bytes: sqlite3 for BLOBs, psycopg's text format for bytea.)"""

    _item_sql: ClassVar[ItemReadStatements]

    def query_items(
        self, table_id: str, partition: bytes, key_range: KeyRange, forward: bool,
        exclusive_start: ItemKey | None, limit: int,
    ) -> Iterator[tuple[ItemKey, Item]]:
        sql = self._item_sql
        terms = [sql.in_partition]
        parameters: list[object] = [table_id, partition_hash(partition), partition]
        if key_range.lower is not None:
            terms.append(sql.sort.at_least if key_range.lower_inclusive else sql.sort.above)
            parameters.append(key_range.lower)
        if key_range.upper is not None:
            terms.append(sql.sort.at_most if key_range.upper_inclusive else sql.sort.below)
            parameters.append(key_range.upper)
        select = _SELECT_SORTED + " AND ".join(terms)
        after_cursor, from_start = sql.ascending if forward else sql.descending
        start = None if exclusive_start is None else exclusive_start.sort
        return self._query_chunks(partition, select + after_cursor, select + from_start, parameters, start, limit)

    def _query_chunks(
        self, partition: bytes, with_cursor: str, without_cursor: str, parameters: list[object],
        cursor: bytes | None, limit: int,
    ) -> Iterator[tuple[ItemKey, Item]]:
        remaining = limit
        while remaining > 0:
            chunk = min(remaining, CHUNK_ROWS)
            if cursor is None:
                rows = self._rows(without_cursor, (*parameters, chunk))
            else:
                rows = self._rows(with_cursor, (*parameters, cursor, chunk))
            for sort, blob in rows:
                yield ItemKey(partition, sort), decode_item(blob)
            if len(rows) < chunk:
                return
            remaining -= len(rows)
            cursor = rows[-1][0]

    def scan_items(
        self, table_id: str, exclusive_start: ItemKey | None, limit: int, segment: HashSegment | None = None
    ) -> Iterator[tuple[ItemKey, Item]]:
        lower, upper = (MIN_HASH, MAX_HASH) if segment is None else (segment.lower, segment.upper)
        cursor = None
        if exclusive_start is not None:
            start = exclusive_start
            cursor = (partition_hash(start.partition), start.partition, start.sort)
            if cursor[0] < lower:
                cursor = None  # a start before the segment: the segment's lower bound is the later one
        return self._scan_chunks(table_id, cursor, limit, lower, upper)

    def _scan_chunks(
        self, table_id: str, cursor: tuple[int, bytes, bytes] | None, limit: int, lower: int, upper: int
    ) -> Iterator[tuple[ItemKey, Item]]:
        sql = self._item_sql
        remaining = limit
        while remaining > 0:
            chunk = min(remaining, CHUNK_ROWS)
            if cursor is None:
                rows = self._rows(sql.scan_from, (table_id, lower, upper, chunk))
            else:
                rows = self._rows(sql.scan_after, (table_id, *cursor, upper, chunk))
            for _, partition, sort, blob in rows:
                yield ItemKey(partition, sort), decode_item(blob)
            if len(rows) < chunk:
                return
            remaining -= len(rows)
            last = rows[-1]
            cursor = (last[0], last[1], last[2])
