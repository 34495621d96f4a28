"""What a secondary index holds for an item: whether it qualifies (sparse indexes), its index key, and the
projected attributes (KEYS_ONLY, INCLUDE or ALL), as plans compiled once per table definition."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.operations.tables.definition import IndexDefinition, TableDefinition, definition_of
from shardline.storage.backend import IndexKey, ItemKey, StoredTable
from shardline.values.item_size import item_size
from shardline.values.key_codec import encode_key_value
from shardline.values.types import AttributeValue, Item

ACTIVE = "ACTIVE"
CREATING = "CREATING"
DELETING = "DELETING"


@dataclass(frozen=True)
class IndexPlan:
    """One index of a table, reduced to what maintaining and reading its entries needs."""

    name: str
    is_global: bool
    partition_name: str
    partition_type: str
    sort_name: str | None
    sort_type: str | None
    projection_type: str
    projected_names: frozenset[str]  # table keys + index keys (+ NonKeyAttributes); unused for ALL
    status: str

    @property
    def maintained(self) -> bool:
        """A DELETING index is being emptied in the background: writes no longer touch it."""
        return self.status != DELETING


@dataclass(frozen=True)
class IndexEntry:
    key: IndexKey
    item: Item
    size: int


def plan_of(definition: TableDefinition, index: IndexDefinition) -> IndexPlan:
    partition = next(e.name for e in index.key_elements if e.key_type == "HASH")
    sort = next((e.name for e in index.key_elements if e.key_type == "RANGE"), None)
    names = {element.name for element in definition.key_elements}
    names.update(element.name for element in index.key_elements)
    if index.projection.projection_type == "INCLUDE":
        names.update(index.projection.non_key_attributes)
    return IndexPlan(
        name=index.name,
        is_global=index.is_global,
        partition_name=partition,
        partition_type=definition.attribute_type(partition),
        sort_name=sort,
        sort_type=None if sort is None else definition.attribute_type(sort),
        projection_type=index.projection.projection_type,
        projected_names=frozenset(names),
        status=index.status,
    )


class _PlanCache:
    """Plans per table id, valid while the table's definition document is the same object: the catalog
    replaces a definition on every change and never mutates one in place."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plans: dict[str, tuple[Mapping[str, Any], tuple[IndexPlan, ...]]] = {}

    def get(self, table: StoredTable) -> tuple[IndexPlan, ...]:
        cached = self._plans.get(table.table_id)
        if cached is not None and cached[0] is table.definition:
            return cached[1]
        definition = definition_of(table)
        plans = tuple(plan_of(definition, index) for index in definition.indexes)
        with self._lock:
            self._plans[table.table_id] = (table.definition, plans)
        return plans


_CACHE = _PlanCache()


def index_plans(table: StoredTable) -> tuple[IndexPlan, ...]:
    """Every LSI and GSI of the table (DELETING ones included), in definition order."""
    if not table.definition.get("indexes"):
        return ()
    return _CACHE.get(table)


def project(plan: IndexPlan, item: Item) -> Item:
    if plan.projection_type == "ALL":
        return item
    return {name: value for name, value in item.items() if name in plan.projected_names}


def index_entry(plan: IndexPlan, item: Item, base: ItemKey) -> IndexEntry | None:
    """The item's entry in the index, or None when the item lacks an index key attribute (a sparse index)
    or holds it with another type than the index declares (an item written before a GSI existed)."""
    partition = item.get(plan.partition_name)
    if partition is None or not _usable(partition, plan.partition_type):
        return None
    sort_bytes = b""
    if plan.sort_name is not None:
        sort = item.get(plan.sort_name)
        if sort is None or plan.sort_type is None or not _usable(sort, plan.sort_type):
            return None
        sort_bytes = encode_key_value(sort)
    projected = project(plan, item)
    return IndexEntry(IndexKey(encode_key_value(partition), sort_bytes, base), projected, item_size(projected))


def _usable(value: AttributeValue, key_type: str) -> bool:
    # Writes reject empty index keys, but items stored before a GSI was added may hold "" there.
    return key_type in value and value[key_type] != ""
