"""BatchWriteItem: up to 25 puts and deletes across tables. Every request is checked before anything is
written; the writes then run in one storage transaction, each one atomic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.operations.batches.capacity_tally import CapacityTally
from shardline.operations.batches.item_keys import DUPLICATE_KEYS, key_of_item, key_of_key
from shardline.operations.capacity import write_units
from shardline.operations.context import OperationContext
from shardline.operations.item_changes import ItemChange, apply_item_change
from shardline.operations.items.index_keys import check_index_keys
from shardline.operations.items.item_collection import item_collection_metrics
from shardline.operations.items.item_request import TableKey
from shardline.operations.tables.lookup import require_table
from shardline.storage.backend import ItemKey, WriteView
from shardline.values.attribute_value import validate_item
from shardline.values.item_size import MAX_ITEM_BYTES, item_size
from shardline.values.types import Item

NAME = "BatchWriteItem"

MAX_REQUESTS = 25
TOO_MANY_REQUESTS = "Too many items requested for the BatchWriteItem call"
# A WriteRequest must hold exactly one of PutRequest and DeleteRequest. AWS validates it like an
# AttributeValue union, hence the wording (dynalite's AWS-validated test for an empty request).
NOT_ONE_REQUEST = (
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
)
ITEM_TOO_LARGE = "Item size has exceeded the maximum allowed size"


@dataclass(frozen=True)
class WriteRequest:
    """A put (item is the new item) or a delete (item is None) of the item with `key`."""

    key_or_item: Item
    item: Item | None
    size: int | None


@dataclass(frozen=True)
class TableRequests:
    table_name: str
    requests: tuple[WriteRequest, ...]


@dataclass(frozen=True)
class Request:
    tables: tuple[TableRequests, ...]
    return_consumed_capacity: str | None
    return_collection_metrics: str | None


@dataclass
class Outcome:
    """What run() reports: units per table and ItemCollectionMetrics per table."""

    tally: CapacityTally
    metrics: dict[str, list[dict[str, Any]]]


def _parse_request(raw: Mapping[str, Any]) -> WriteRequest:
    put, delete = raw.get("PutRequest"), raw.get("DeleteRequest")
    if (put is None) == (delete is None):
        raise ValidationException(NOT_ONE_REQUEST)
    if put is not None:
        item = validate_item(put["Item"])
        size = item_size(item)
        if size > MAX_ITEM_BYTES:
            raise ValidationException(ITEM_TOO_LARGE)
        return WriteRequest(item, item, size)
    assert delete is not None
    return WriteRequest(validate_item(delete["Key"]), None, None)


def parse(body: Mapping[str, Any]) -> Request:
    tables: list[TableRequests] = []
    counted = 0
    for table_name, raw_requests in body["RequestItems"].items():
        requests: list[WriteRequest] = []
        for raw in raw_requests:
            requests.append(_parse_request(raw))
            counted += 1
            if counted > MAX_REQUESTS:
                raise ValidationException(TOO_MANY_REQUESTS)
        tables.append(TableRequests(table_name, tuple(requests)))
    return Request(
        tables=tuple(tables),
        return_consumed_capacity=body.get("ReturnConsumedCapacity"),
        return_collection_metrics=body.get("ReturnItemCollectionMetrics"),
    )


def _locate(view: WriteView, table_requests: TableRequests) -> list[TableKey]:
    table = require_table(view, table_requests.table_name)
    located: list[TableKey] = []
    seen: set[ItemKey] = set()
    for request in table_requests.requests:
        if request.item is not None:
            where = key_of_item(table, request.item)
            check_index_keys(table, request.item)
        else:
            where = key_of_key(table, request.key_or_item)
        # A put and a delete of one key are duplicates too.
        if where.key in seen:
            raise ValidationException(DUPLICATE_KEYS)
        seen.add(where.key)
        located.append(where)
    return located


def write(view: WriteView, request: Request, now: float) -> Outcome:
    located = [_locate(view, table_requests) for table_requests in request.tables]
    outcome = Outcome(CapacityTally(), {})
    for table_requests, places in zip(request.tables, located, strict=True):
        for write_request, where in zip(table_requests.requests, places, strict=True):
            old_item = view.get_item(where.table_id, where.key)
            change = ItemChange(where.table, where.key, old_item, write_request.item, now, write_request.size)
            index_units = apply_item_change(view, change)
            old_size = item_size(old_item) if old_item is not None else None
            outcome.tally.add(where.table.name, write_units(write_request.size, old_size), index_units)
            metrics = item_collection_metrics(where, write_request.key_or_item, request.return_collection_metrics)
            if metrics is not None:
                outcome.metrics.setdefault(table_requests.table_name, []).append(metrics)
    return outcome


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body)
    now = ctx.clock.now()
    outcome = await ctx.storage.write(lambda view: write(view, request, now))
    # Every request is processed at once, so nothing is ever left over.
    response: dict[str, Any] = {"UnprocessedItems": {}}
    outcome.tally.add_to(response, request.return_consumed_capacity)
    if outcome.metrics:
        response["ItemCollectionMetrics"] = outcome.metrics
    return response
