"""Keeps a table's secondary indexes in step with its items, inside the item change's transaction, and
tells the caller what each index write cost (for ConsumedCapacity)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shardline.operations.capacity import IndexUnits, index_write_units
from shardline.operations.indexes.projection import IndexEntry, IndexPlan, index_entry, index_plans
from shardline.storage.backend import WriteView

if TYPE_CHECKING:
    from shardline.operations.item_changes import ItemChange


def maintain_indexes(view: WriteView, change: ItemChange) -> tuple[IndexUnits, ...]:
    """Writes, moves or removes the change's entries in every LSI and GSI of its table; returns the units
    spent on each index the change touched."""
    if not change.table.definition.get("indexes"):
        return ()  # the hot path: most tables have no index
    spent: list[IndexUnits] = []
    for plan in index_plans(change.table):
        if plan.maintained:
            units = _maintain_one(view, change, plan)
            if units:
                spent.append(IndexUnits(plan.name, plan.is_global, units))
    return tuple(spent)


def _maintain_one(view: WriteView, change: ItemChange, plan: IndexPlan) -> float:
    table_id = change.table.table_id
    old = None if change.old is None else index_entry(plan, change.old, change.key)
    new = None if change.new is None else index_entry(plan, change.new, change.key)
    moved = old is not None and (new is None or old.key != new.key)
    if old is not None and moved:
        view.delete_index_entry(table_id, plan.name, old.key)
    if new is not None:
        if _unchanged(old, new):
            return 0.0
        view.put_index_entry(table_id, plan.name, new.key, new.item, new.size)
    return index_write_units(
        None if old is None else old.size, None if new is None else new.size, key_moved=moved
    )


def _unchanged(old: IndexEntry | None, new: IndexEntry) -> bool:
    # An update that leaves the index key and the projected attributes alone (say, a non-projected
    # attribute of a KEYS_ONLY index) does not touch the index, as in DynamoDB, and costs it nothing.
    return old is not None and old.key == new.key and old.item == new.item
