"""ConsumedCapacity as AWS reports it: read units per 4 KB, write units per 1 KB, rounded up per item, with
the units a write spends on each secondary index counted in the total and itemised under INDEXES."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024

RETURN_CAPACITY_MODES = ("INDEXES", "TOTAL", "NONE")


def read_units(size_bytes: int | None, *, consistent: bool) -> float:
    """Units for reading one item of size_bytes (None: no item found). A missing or tiny item still
    costs a whole unit; eventually consistent reads cost half (developer guide, read consumption)."""
    units = max(1, math.ceil((size_bytes or 0) / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


def write_units(*sizes_bytes: int | None) -> float:
    """Units for writing one item: AWS charges the larger of the item before and after the write,
    rounded up to the next 1 KB, and at least one unit (deleting a missing item costs one)."""
    largest = max((size for size in sizes_bytes if size is not None), default=0)
    return float(max(1, math.ceil(largest / WRITE_UNIT_BYTES)))


@dataclass(frozen=True)
class IndexUnits:
    """The units one item change spent on one secondary index."""

    index_name: str
    is_global: bool
    units: float


def index_write_units(old_size: int | None, new_size: int | None, *, key_moved: bool) -> float:
    """Units for one item's entry in one index (sizes of the projected entry before and after; None: the
    item was not in the index). AWS's rules: putting an entry in or taking one out is one write; an index
    key that changes is two (the old entry deleted, the new one put); a changed entry under the same key
    is one write of the larger. An entry the write left as it was costs nothing: callers skip it."""
    if old_size is None and new_size is None:
        return 0.0
    if old_size is None or new_size is None:
        return write_units(old_size, new_size)
    if key_moved:
        return write_units(old_size) + write_units(new_size)
    return write_units(old_size, new_size)


def consumed_capacity(
    table_name: str, units: float, mode: str | None, indexes: Iterable[IndexUnits] = ()
) -> dict[str, Any] | None:
    """The wire ConsumedCapacity for one table, or None when the caller did not ask for it. TOTAL counts
    the index units in CapacityUnits; INDEXES also shows the table's and each index's share."""
    if mode not in ("TOTAL", "INDEXES"):
        return None
    per_index = sum_index_units(indexes)
    capacity: dict[str, Any] = {
        "TableName": table_name,
        "CapacityUnits": units + sum(figure for _, figure in per_index.values()),
    }
    if mode == "INDEXES":
        capacity["Table"] = {"CapacityUnits": units}
        capacity.update(render_index_units(per_index))
    return capacity


def sum_index_units(indexes: Iterable[IndexUnits]) -> dict[str, tuple[bool, float]]:
    """Units per index name (with whether the index is global), in the order the indexes were charged."""
    totals: dict[str, tuple[bool, float]] = {}
    for spent in indexes:
        previous = totals.get(spent.index_name, (spent.is_global, 0.0))[1]
        totals[spent.index_name] = (spent.is_global, previous + spent.units)
    return totals


def render_index_units(
    per_index: dict[str, tuple[bool, float]], unit_kind: str | None = None
) -> dict[str, Any]:
    """The GlobalSecondaryIndexes and LocalSecondaryIndexes members of an INDEXES ConsumedCapacity."""
    rendered: dict[str, Any] = {}
    for name, (is_global, units) in per_index.items():
        figures: dict[str, Any] = {"CapacityUnits": units}
        if unit_kind is not None:
            figures[unit_kind] = units
        member = "GlobalSecondaryIndexes" if is_global else "LocalSecondaryIndexes"
        rendered.setdefault(member, {})[name] = figures
    return rendered


def add_consumed_capacity(
    response: dict[str, Any],
    table_name: str,
    units: float,
    mode: str | None,
    indexes: Iterable[IndexUnits] = (),
) -> dict[str, Any]:
    """Adds ConsumedCapacity to response when mode asks for it; returns response."""
    capacity = consumed_capacity(table_name, units, mode, indexes)
    if capacity is not None:
        response["ConsumedCapacity"] = capacity
    return response
