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


# --- streams: stream, shard and record rows (see streams/ for their meaning) -----------------------------


@dataclass(frozen=True)
class StoredStream:
    """One enable..disable cycle of a table's stream. `stream_id` is storage's handle; the ARN is built by
    the streams layer from table_name and label. `key_elements` is the table's key schema as
    ((name, "HASH"|"RANGE"), ...), kept so the stream stays describable after its table is gone."""

    stream_id: int
    table_name: str
    table_id: str
    label: str
    view_type: str
    key_elements: tuple[tuple[str, str], ...]
    created_at: float
    enabled: bool = True
    disabled_at: float | None = None


@dataclass(frozen=True)
class NewShard:
    """A shard to open: it takes records of partition hashes in [hash_lower, hash_upper] (inclusive)."""

    stream_id: int
    shard_id: str
    parent_shard_id: str | None
    hash_lower: int
    hash_upper: int
    created_at: float


@dataclass(frozen=True)
class StoredShard:
    """A shard. Sequence numbers are plain integers here (streams.sequence_numbers formats them);
    `last_sequence` is the highest one allocated (starting_sequence - 1 while empty), `trimmed_through`
    the highest one trimmed away (starting_sequence - 1 while nothing is trimmed). An open shard has
    ending_sequence None; closing sets it to max(last_sequence, starting_sequence)."""

    shard_no: int
    stream_id: int
    shard_id: str
    parent_shard_id: str | None
    hash_lower: int
    hash_upper: int
    created_at: float
    starting_sequence: int
    last_sequence: int
    trimmed_through: int
    ending_sequence: int | None = None
    closed_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self.ending_sequence is None


@dataclass(frozen=True)
class StoredStreamRecord:
    """A record as storage keeps it: `body` is the streams layer's opaque encoding of the change."""

    sequence: int
    created_at: float
    size_bytes: int
    body: bytes


@dataclass(frozen=True)
class AppendedRecord:
    shard_no: int
    sequence: int


# --- triggers: event source mappings and their checkpoints (see triggers/ for their meaning) -------------


@dataclass(frozen=True)
class StoredMapping:
    """An event source mapping made through the API: `document` is the triggers layer's opaque JSON."""

    uuid: str
    document: bytes
    updated_at: float


@dataclass(frozen=True)
class StoredCheckpoint:
    """Where a mapping stands in one shard: `position` is the triggers layer's opaque marker of what is done
    (a sequence number after which processing resumes), `finished` says the shard is done, and `window`
    holds its tumbling-window state (opaque JSON) when it has one."""

    mapping_uuid: str
    stream_arn: str
    shard_id: str
    position: str
    finished: bool
    updated_at: float
    window: bytes | None = None


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

    # --- streams ---------------------------------------------------------------------------------------

    def get_stream(self, table_name: str, label: str) -> StoredStream | None: ...

    def list_streams(self, table_name: str | None) -> list[StoredStream]:
        """Every stored stream (enabled or not), of one table when table_name is given."""
        ...

    def list_shards(self, stream_id: int) -> list[StoredShard]:
        """The stream's shards in ShardId order."""
        ...

    def list_open_shards(self, table_id: str) -> list[StoredShard]:
        """The open shards of a table's enabled stream."""
        ...

    def get_shard(self, stream_id: int, shard_id: str) -> StoredShard | None: ...

    def read_stream_records(
        self, shard_no: int, after_sequence: int, limit: int, max_bytes: int
    ) -> list[StoredStreamRecord]:
        """Records of a shard with sequence > after_sequence, in order: at most `limit`, and stopping once
        their size_bytes reach max_bytes (at least one record is returned when any exists)."""
        ...

    def stream_position_at(self, shard_no: int, created_at: float) -> int:
        """The position (a sequence number to read after) of the shard's first record created at or after
        the time: its sequence number minus one, or the shard's last_sequence when there is none."""
        ...

    def shard_record_bytes(self, shard_no: int, after_sequence: int = 0) -> tuple[int, int]:
        """(total size_bytes, highest sequence) of the shard's records after after_sequence: what a partition
        split is measured by, counted incrementally by the caller (the highest is after_sequence when none)."""
        ...

    def stream_iterator_key(self) -> bytes:
        """The store's secret for signing shard iterators: made once per store, kept across restarts."""
        ...

    def sequence_floor(self) -> int:
        """A number above every sequence number this store has ever allocated."""
        ...

    # --- triggers ----------------------------------------------------------------------------------------

    def list_trigger_mappings(self) -> list[StoredMapping]:
        """Every stored mapping, in uuid order."""
        ...

    def list_trigger_checkpoints(self, mapping_uuid: str) -> list[StoredCheckpoint]:
        """The mapping's checkpoints, in (stream_arn, shard_id) order."""
        ...

    def trigger_lease_holder(self, mapping_uuid: str, now: float) -> str | None:
        """The holder of the mapping's lease if it has not expired at `now`, else None."""
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

    # --- DeleteTable of a large table: the table goes at once, its rows in bounded batches afterwards ------

    def detach_table(self, name: str) -> None:
        """Removes the table from the catalog at once (no reader sees it any more and its name is free for a
        new table), with its counters, but leaves its items and index entries to purge_detached_rows:
        deleting a large table's rows in one work would hold the writer for as long as that takes."""
        ...

    def purge_detached_rows(self, table_id: str, limit: int) -> int:
        """Removes up to `limit` rows (items first, then index entries) of a detached table, in key order;
        returns how many it removed, so fewer than `limit` means none are left."""
        ...

    def detached_table_ids(self) -> list[str]:
        """Ids of detached tables that still have items or index entries (purges to resume after a
        restart), found through the primary keys rather than by reading rows."""
        ...

    # --- streams ---------------------------------------------------------------------------------------

    def create_stream(self, stream: StoredStream) -> StoredStream:
        """Stores a stream (its stream_id is ignored) and returns it with the id storage gave it."""
        ...

    def disable_stream(self, stream_id: int, disabled_at: float) -> None: ...

    def delete_stream(self, stream_id: int) -> None:
        """Removes a stream with its shards and records."""
        ...

    def create_shard(self, shard: NewShard, first_sequence: int) -> StoredShard:
        """Opens a shard whose first record will get sequence number first_sequence."""
        ...

    def close_shard(self, shard_no: int, closed_at: float) -> StoredShard: ...

    def delete_shard(self, shard_no: int) -> None:
        """Removes a shard and its records."""
        ...

    def append_stream_record(
        self, table_id: str, partition_hash: int, created_at: float, size_bytes: int, body: bytes
    ) -> AppendedRecord | None:
        """Appends a record to the open shard of the table's stream that covers partition_hash, allocating
        its sequence number in this transaction; None when the table has no open shard for it."""
        ...

    def trim_stream_records(self, shard_no: int, created_before: float) -> int:
        """Removes the shard's records created before the time, oldest first, and moves its
        trimmed_through past them; returns how many were removed."""
        ...

    # --- triggers ----------------------------------------------------------------------------------------

    def put_trigger_mapping(self, mapping: StoredMapping) -> None:
        """Creates or replaces a mapping."""
        ...

    def delete_trigger_mapping(self, uuid: str) -> None:
        """Removes a mapping and all its checkpoints."""
        ...

    def put_trigger_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        """Creates or replaces the checkpoint of (mapping_uuid, stream_arn, shard_id)."""
        ...

    def delete_trigger_checkpoints(self, mapping_uuid: str) -> None:
        """Removes every checkpoint of a mapping (its mapping row stays)."""
        ...

    def acquire_trigger_lease(self, mapping_uuid: str, holder: str, now: float, duration: float) -> bool:
        """Takes or renews the mapping's lease for `holder` until now + duration: True when the lease was
        free, expired or already `holder`'s; False (nothing changed) while another holder's lease runs.
        This is how only one process at a time runs a mapping."""
        ...

    def release_trigger_lease(self, mapping_uuid: str, holder: str) -> None:
        """Gives up `holder`'s lease so another process can take the mapping at once; a lease held by
        someone else is left alone."""
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
