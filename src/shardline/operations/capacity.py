"""ConsumedCapacity as AWS reports it: read units per 4 KB, write units per 1 KB, rounded up per item."""

from __future__ import annotations

import math
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


def consumed_capacity(table_name: str, units: float, mode: str | None) -> dict[str, Any] | None:
    """The wire ConsumedCapacity for one table, or None when the caller did not ask for it."""
    if mode not in ("TOTAL", "INDEXES"):
        return None
    capacity: dict[str, Any] = {"TableName": table_name, "CapacityUnits": units}
    if mode == "INDEXES":
        capacity["Table"] = {"CapacityUnits": units}
    return capacity


def add_consumed_capacity(
    response: dict[str, Any], table_name: str, units: float, mode: str | None
) -> dict[str, Any]:
    """Adds ConsumedCapacity to response when mode asks for it; returns response."""
    capacity = consumed_capacity(table_name, units, mode)
    if capacity is not None:
        response["ConsumedCapacity"] = capacity
    return response
