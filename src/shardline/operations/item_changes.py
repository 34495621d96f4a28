"""The one path by which an item changes: the base item, its secondary-index entries and its stream record
are written together, inside the caller's storage transaction, or not at all.

Every write operation (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems, later TTL) calls
apply_item_change from inside its `storage.write` work and never calls the WriteView item methods itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from shardline.operations.capacity import IndexUnits
from shardline.operations.indexes.maintenance import maintain_indexes
from shardline.storage.backend import ItemKey, StoredTable, WriteView
from shardline.streams.capture import capture_change
from shardline.values.item_size import item_size
from shardline.values.types import Item


@dataclass(frozen=True)
class ItemChange:
    """One item's change: `old` is the item before (None if absent), `new` after (None if deleted).
    `now` is the change's time (epoch seconds) from the operation's clock."""

    table: StoredTable
    key: ItemKey
    old: Item | None
    new: Item | None
    now: float
    new_size: int | None = None


def apply_item_change(view: WriteView, change: ItemChange) -> tuple[IndexUnits, ...]:
    """Applies the change; returns the write units it spent on each secondary index it touched."""
    if change.new is None:
        if change.old is None:
            return ()
        view.delete_item(change.table.table_id, change.key)
    else:
        size = change.new_size if change.new_size is not None else item_size(change.new)
        view.put_item(change.table.table_id, change.key, change.new, size)
    spent = maintain_indexes(view, change)
    capture_change(view, change)
    return spent
