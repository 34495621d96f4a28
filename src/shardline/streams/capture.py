"""Change capture: turns an item change into its stream record, appended in the change's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shardline.errors import StorageError
from shardline.storage.backend import WriteView
from shardline.streams.records import encode_change, items_equal
from shardline.streams.shards import restore_stream
from shardline.values.key_codec import partition_hash

if TYPE_CHECKING:
    from shardline.operations.item_changes import ItemChange


def capture_change(view: WriteView, change: ItemChange) -> None:
    """Appends the stream record of `change` when its table has an enabled stream and the change
    changed something."""
    # The definition document is read directly (not through TableDefinition): this runs for every write.
    stream = change.table.definition.get("stream")
    if not stream or not stream.get("enabled"):
        return
    old, new = change.old, change.new
    if old is None:
        if new is None:
            return
    elif new is not None and items_equal(old, new):
        return
    key_names = [str(name) for name, key_type in change.table.definition["key_elements"]]
    body = encode_change(
        key_names=key_names, view_type=str(stream["view_type"]), old=old, new=new, now=change.now,
        new_size=change.new_size,
    )
    size = len(body)  # storage's measure of the record (GetRecords' 1 MB budget, partition splits)
    table_id = change.table.table_id
    hashed = partition_hash(change.key.partition)
    if view.append_stream_record(table_id, hashed, change.now, size, body) is not None:
        return
    # An enabled stream always has open shards covering every hash; a store that lacks them (made by an
    # older shardline) gets them now.
    restore_stream(view, change.table, change.now)
    if view.append_stream_record(table_id, hashed, change.now, size, body) is None:
        raise StorageError(f"table {change.table.name} has no open stream shard for hash {hashed}")
