"""The storage port: what operations need from a store, with no SQL and no engine detail.

Adapters (storage/sqlite, later storage/postgres) implement StorageBackend. Every write runs as a
function over a WriteView inside one storage transaction: the backend may group the work of many
requests into one commit (group commit), but each function's effects are atomic on their own. If the
function raises, none of its effects are kept and the exception reaches the caller; otherwise its
result is handed back only after the commit is durable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from shardline.values.types import Item

T = TypeVar("T")


@dataclass(frozen=True)
class StoredTable:
    """A table as storage keeps it. `definition` is a JSON document owned by the operations layer
    (key schema, attribute definitions, indexes, stream and billing settings, tags, creation time);
    storage keeps it opaque. The counters are maintained by storage as items are written."""

    name: str
    table_id: str
    definition: Mapping[str, Any]
    item_count: int = 0
    size_bytes: int = 0


@dataclass(frozen=True, order=True)
class ItemKey:
    """An item's primary key in the order-preserving encoding of values.key_codec.
    `sort` is b"" for a table without a sort key."""

    partition: bytes
    sort: bytes = b""


@dataclass(frozen=True)
class KeyRange:
    """Bounds on the encoded sort key within one partition; None means unbounded."""

    lower: bytes | None = None
    lower_inclusive: bool = True
    upper: bytes | None = None
    upper_inclusive: bool = True


@dataclass(frozen=True, order=True)
class IndexKey:
    """An entry's position in a secondary index: the encoded index key, then the base item's key, which
    makes entries with equal index keys unique and ordered (as DynamoDB orders them)."""

    partition: bytes
    sort: bytes
    base: ItemKey


@dataclass(frozen=True)
class HashSegment:
    """A parallel-scan segment: partition hashes in [lower, upper] (both inclusive, signed 64-bit)."""

    lower: int
    upper: int


class ReadView(Protocol):
    def get_table(self, name: str) -> StoredTable | None: ...

    def list_table_names(self, exclusive_start: str | None, limit: int) -> list[str]:
        """Names in ascending order, after exclusive_start, at most limit of them."""
        ...

    def get_item(self, table_id: str, key: ItemKey) -> Item | None: ...

    def query_items(
        self, table_id: str, partition: bytes, key_range: KeyRange, forward: bool,
        exclusive_start: ItemKey | None, limit: int,
    ) -> Iterator[tuple[ItemKey, Item]]:
        """Items of one partition in sort-key order (reversed when not forward), read through the
        index: cost O(log n + k)."""
        ...

    def scan_items(
        self, table_id: str, exclusive_start: ItemKey | None, limit: int, segment: HashSegment | None = None
    ) -> Iterator[tuple[ItemKey, Item]]:
        """Items of a table in storage order (partition hash, then key), after exclusive_start; only
        partitions whose hash lies in `segment` when given."""
        ...

    def query_index(
        self, table_id: str, index_name: str, partition: bytes, key_range: KeyRange, forward: bool,
        exclusive_start: IndexKey | None, limit: int,
    ) -> Iterator[tuple[IndexKey, Item]]:
        """Entries (projected items) of one index partition in index sort-key order, then base-key order."""
        ...

    def scan_index(
        self, table_id: str, index_name: str, exclusive_start: IndexKey | None, limit: int,
        segment: HashSegment | None = None,
    ) -> Iterator[tuple[IndexKey, Item]]: ...

    def index_statistics(self, table_id: str, index_name: str) -> tuple[int, int]:
        """(item_count, size_bytes) of an index."""
        ...


class WriteView(ReadView, Protocol):
    def create_table(self, table: StoredTable) -> None: ...

    def update_table_definition(self, name: str, definition: Mapping[str, Any]) -> None: ...

    def delete_table(self, name: str) -> None:
        """Removes the table and all its items."""
        ...

    def put_item(self, table_id: str, key: ItemKey, item: Item, size_bytes: int) -> None:
        """Creates or replaces the item; keeps the table's item_count and size_bytes right."""
        ...

    def delete_item(self, table_id: str, key: ItemKey) -> None: ...

    def put_index_entry(self, table_id: str, index_name: str, key: IndexKey, item: Item, size_bytes: int) -> None:
        """Creates or replaces one index entry (the projected item)."""
        ...

    def delete_index_entry(self, table_id: str, index_name: str, key: IndexKey) -> None: ...

    def delete_index(self, table_id: str, index_name: str) -> None:
        """Removes every entry of one index."""
        ...


class StorageBackend(Protocol):
    async def read(self, work: Callable[[ReadView], T]) -> T:
        """Runs work over a consistent snapshot that includes every acknowledged write."""
        ...

    async def write(self, work: Callable[[WriteView], T]) -> T:
        """Runs work atomically in a write transaction; returns after its commit is durable."""
        ...

    async def close(self) -> None:
        """Finishes the writes already accepted, then releases the store."""
        ...
