"""One page of a Query or Scan: read entries in order until Limit items were evaluated or 1 MB was read
(both measured before the filter, as AWS does), filter and shape them, and note where the page ended."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shardline.expressions.ast import Condition
from shardline.expressions.evaluate import evaluate_condition
from shardline.expressions.projection import project
from shardline.operations.capacity import READ_UNIT_BYTES
from shardline.operations.reads.read_target import ReadTarget
from shardline.operations.reads.select import OutputPlan
from shardline.operations.reads.start_key import last_evaluated_key
from shardline.values.item_size import item_size
from shardline.values.types import Item

MAX_PAGE_BYTES = 1024 * 1024
# Storage reads lazily in chunks, so "no Limit" can be any large bound: the page stops at 1 MB anyway.
UNLIMITED = sys.maxsize

Position = TypeVar("Position")


@dataclass
class Page:
    items: list[Item] = field(default_factory=list)
    count: int = 0
    scanned_count: int = 0
    last_evaluated_key: Item | None = None
    read_bytes: int = 0  # of the entries read from the table or index
    fetched_units: float = 0.0  # base-table reads of an LSI query that fetched whole items


def storage_limit(limit: int | None) -> int:
    return UNLIMITED if limit is None else limit


def read_page(
    target: ReadTarget,
    entries: Iterable[tuple[Position, Item]],
    *,
    limit: int | None,
    filter: Condition | None,
    plan: OutputPlan,
    consistent_read: bool,
    fetch: Callable[[Position], Item | None] | None = None,
) -> Page:
    """Consumes entries (lazily read from storage) into one page. With fetch_base, each entry's base
    item is read through fetch and charged like a GetItem of it."""
    page = Page()
    for position, entry in entries:
        page.scanned_count += 1
        page.read_bytes += item_size(entry)
        item = entry
        if plan.fetch_base and fetch is not None:
            base = fetch(position)
            if base is not None:
                item = base
                page.fetched_units += item_read_units(item_size(base), consistent_read)
        if filter is None or evaluate_condition(filter, item):
            page.count += 1
            if not plan.count_only:
                page.items.append(project(plan.projection, item) if plan.projection is not None else item)
        if page.scanned_count == limit or page.read_bytes >= MAX_PAGE_BYTES:
            page.last_evaluated_key = last_evaluated_key(target, entry)
            break
    return page


def item_read_units(size_bytes: int, consistent_read: bool) -> float:
    units = max(1, math.ceil(size_bytes / READ_UNIT_BYTES))
    return float(units) if consistent_read else units / 2


def page_capacity(target: ReadTarget, page: Page, consistent_read: bool, mode: str | None) -> dict[str, Any] | None:
    """ConsumedCapacity of a page: the bytes read, rounded up to 4 KB once for the whole page (a page that
    reads nothing still costs the minimum unit); reading an index charges the index, and base items an LSI
    fetched charge the table."""
    if mode not in ("TOTAL", "INDEXES"):
        return None
    read_units = item_read_units(page.read_bytes, consistent_read)
    table_units = read_units if target.index is None else page.fetched_units
    index_units = 0.0 if target.index is None else read_units
    capacity: dict[str, Any] = {"TableName": target.table.name, "CapacityUnits": table_units + index_units}
    if mode == "INDEXES":
        capacity["Table"] = {"CapacityUnits": table_units}
        if target.index is not None:
            group = "GlobalSecondaryIndexes" if target.index.is_global else "LocalSecondaryIndexes"
            capacity[group] = {target.index.name: {"CapacityUnits": index_units}}
    return capacity


def page_response(page: Page, plan: OutputPlan, capacity: dict[str, Any] | None) -> dict[str, Any]:
    response: dict[str, Any] = {}
    if not plan.count_only:
        response["Items"] = page.items
    response["Count"] = page.count
    response["ScannedCount"] = page.scanned_count
    if page.last_evaluated_key is not None:
        response["LastEvaluatedKey"] = page.last_evaluated_key
    if capacity is not None:
        response["ConsumedCapacity"] = capacity
    return response
