"""Keeps a table's secondary indexes in step with its items, inside the item change's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shardline.operations.indexes.projection import IndexEntry, IndexPlan, index_entry, index_plans
from shardline.storage.backend import WriteView

if TYPE_CHECKING:
    from shardline.operations.item_changes import ItemChange


def maintain_indexes(view: WriteView, change: ItemChange) -> None:
    """Writes, moves or removes the change's entries in every LSI and GSI of its table."""
    if not change.table.definition.get("indexes"):
        return  # the hot path: most tables have no index
    for plan in index_plans(change.table):
        if plan.maintained:
            _maintain_one(view, change, plan)


def _maintain_one(view: WriteView, change: ItemChange, plan: IndexPlan) -> None:
    table_id = change.table.table_id
    old = None if change.old is None else index_entry(plan, change.old, change.key)
    new = None if change.new is None else index_entry(plan, change.new, change.key)
    if old is not None and (new is None or old.key != new.key):
        view.delete_index_entry(table_id, plan.name, old.key)
    if new is not None and not _unchanged(old, new):
        view.put_index_entry(table_id, plan.name, new.key, new.item, new.size)


def _unchanged(old: IndexEntry | None, new: IndexEntry) -> bool:
    # An update that leaves the index key and the projected attributes alone (say, a non-projected
    # attribute of a KEYS_ONLY index) does not touch the index, as in DynamoDB.
    return old is not None and old.key == new.key and old.item == new.item

