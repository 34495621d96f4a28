"""A stream's shards: one open shard per table partition (a range of partition-key hashes), closed and
continued by children on rollover, split in two when a partition grows, and all closed on disable.

A child always opens after its parent closes, with sequence numbers above the parent's and a ShardId that
sorts after it, so lexical ShardId order is lineage order.
"""

from __future__ import annotations

from collections.abc import Sequence

from shardline.errors import StorageError
from shardline.storage.backend import NewShard, StoredShard, StoredStream, StoredTable, WriteView
from shardline.streams.arns import shard_id

MIN_HASH = -(2**63)
MAX_HASH = 2**63 - 1
# A new on-demand table's stream typically shows four shards on AWS.
DEFAULT_PARTITIONS = 4


def partition_ranges(count: int) -> list[tuple[int, int]]:
    """`count` contiguous, equal hash ranges covering the whole signed 64-bit space."""
    count = max(1, count)
    span = (MAX_HASH - MIN_HASH + 1) // count
    ranges = []
    lower = MIN_HASH
    for index in range(count):
        upper = MAX_HASH if index == count - 1 else lower + span - 1
        ranges.append((lower, upper))
        lower = upper + 1
    return ranges


def _new_shard(
    stream_id: int, lower: int, upper: int, created_at: float, parent: StoredShard | None
) -> NewShard:
    if parent is not None:
        # keep the child's id (and so its place in ShardId order) after its parent's, even within one ms
        created_at = max(created_at, parent.created_at + 0.001)
    parent_id = None if parent is None else parent.shard_id
    seed = f"{stream_id}:{parent_id}:{lower}:{upper}"
    return NewShard(stream_id, shard_id(created_at, seed), parent_id, lower, upper, created_at)


def open_stream(
    view: WriteView,
    *,
    table_name: str,
    table_id: str,
    label: str,
    view_type: str,
    key_elements: Sequence[tuple[str, str]],
    now: float,
    partitions: int,
) -> StoredStream:
    """Creates an enabled stream with one open shard per partition."""
    stream = view.create_stream(
        StoredStream(0, table_name, table_id, label, view_type, tuple(key_elements), now)
    )
    first = view.sequence_floor()
    for lower, upper in partition_ranges(partitions):
        view.create_shard(_new_shard(stream.stream_id, lower, upper, now, None), first)
    return stream


def close_stream(view: WriteView, table_name: str, label: str, now: float) -> None:
    """Disables a stream: every open shard closes; the stream stays readable until retention ends."""
    stream = view.get_stream(table_name, label)
    if stream is None or not stream.enabled:
        return
    for shard in view.list_shards(stream.stream_id):
        if shard.is_open:
            view.close_shard(shard.shard_no, now)
    view.disable_stream(stream.stream_id, now)


def restore_stream(view: WriteView, table: StoredTable, now: float) -> None:
    """Opens the stream a table's definition says is enabled but storage does not have (a store written
    before streams were stored), or reopens shards missing from it."""
    settings = table.definition.get("stream") or {}
    periods = settings.get("periods") or []
    if not settings.get("enabled") or not periods:
        raise StorageError(f"table {table.name} has no enabled stream to restore")
    latest = periods[-1]
    elements = [(str(name), str(kind)) for name, kind in table.definition["key_elements"]]
    stream = view.get_stream(table.name, str(latest["label"]))
    if stream is None:
        open_stream(
            view, table_name=table.name, table_id=table.table_id, label=str(latest["label"]),
            view_type=str(latest["view_type"]), key_elements=elements, now=now, partitions=DEFAULT_PARTITIONS,
        )
        return
    if view.list_open_shards(table.table_id):
        raise StorageError(f"stream shards of table {table.name} do not cover every partition")
    first = view.sequence_floor()
    for lower, upper in partition_ranges(DEFAULT_PARTITIONS):
        view.create_shard(_new_shard(stream.stream_id, lower, upper, now, None), first)


def roll_over(view: WriteView, shard: StoredShard, now: float) -> StoredShard:
    """Closes an open shard and opens its one child over the same partition."""
    closed = view.close_shard(shard.shard_no, now)
    first = view.sequence_floor()
    return view.create_shard(_new_shard(shard.stream_id, shard.hash_lower, shard.hash_upper, now, closed), first)


def split(view: WriteView, shard: StoredShard, now: float) -> list[StoredShard]:
    """Closes an open shard and opens two children, each over half of its partition."""
    if shard.hash_lower == shard.hash_upper:
        return [roll_over(view, shard, now)]
    closed = view.close_shard(shard.shard_no, now)
    middle = shard.hash_lower + (shard.hash_upper - shard.hash_lower) // 2
    first = view.sequence_floor()
    return [
        view.create_shard(_new_shard(shard.stream_id, lower, upper, now, closed), first)
        for lower, upper in ((shard.hash_lower, middle), (middle + 1, shard.hash_upper))
    ]


def split_table_shards(view: WriteView, table_id: str, now: float) -> list[StoredShard]:
    """Splits every open shard of a table's stream (the `shardline shards split` control)."""
    children: list[StoredShard] = []
    for shard in view.list_open_shards(table_id):
        children.extend(split(view, shard, now))
    return children
