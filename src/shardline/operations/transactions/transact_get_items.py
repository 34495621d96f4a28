"""TransactGetItems: 1..100 Gets across tables, read from one consistent snapshot, answered in order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.expressions.ast import Projection
from shardline.expressions.compile import compile_expressions
from shardline.expressions.parameters import check_parameter_styles
from shardline.expressions.projection import project
from shardline.operations.batches.capacity_tally import READ_UNITS, CapacityTally
from shardline.operations.batches.item_keys import key_of_key
from shardline.operations.capacity import read_units
from shardline.operations.context import OperationContext
from shardline.operations.items.item_request import TableKey
from shardline.operations.tables.lookup import require_table
from shardline.operations.transactions.write_plan import (
    MULTIPLE_OPERATIONS,
    TRANSACTION_COST_FACTOR,
    check_aggregate_size,
)
from shardline.storage.backend import ItemKey, ReadView
from shardline.values.attribute_value import validate_item
from shardline.values.item_size import item_size
from shardline.values.types import Item

NAME = "TransactGetItems"


@dataclass(frozen=True)
class Get:
    table_name: str
    key: Item
    projection: Projection | None


@dataclass(frozen=True)
class Request:
    gets: tuple[Get, ...]
    return_consumed_capacity: str | None


def _parse_get(entry: Mapping[str, Any]) -> Get:
    body: Mapping[str, Any] = entry["Get"]
    check_parameter_styles(body, "GetItem")
    key = validate_item(body["Key"])
    compiled = compile_expressions(
        projection=body.get("ProjectionExpression"), names=body.get("ExpressionAttributeNames")
    )
    return Get(body["TableName"], key, compiled.projection)


def parse(body: Mapping[str, Any]) -> Request:
    return Request(
        gets=tuple(_parse_get(entry) for entry in body["TransactItems"]),
        return_consumed_capacity=body.get("ReturnConsumedCapacity"),
    )


def read(view: ReadView, request: Request, tally: CapacityTally) -> list[Item | None]:
    """Tables and keys are all checked first (missing tables and bad keys refuse the request), then
    every item is read from the same snapshot."""
    places: list[TableKey] = []
    seen: set[tuple[str, ItemKey]] = set()
    for get in request.gets:
        where = key_of_key(require_table(view, get.table_name), get.key)
        if (where.table_id, where.key) in seen:
            raise ValidationException(MULTIPLE_OPERATIONS)
        seen.add((where.table_id, where.key))
        places.append(where)
    found: list[Item | None] = []
    sizes: list[int] = []
    for where in places:
        item = view.get_item(where.table_id, where.key)
        size = item_size(item) if item is not None else None
        # Transactional reads are strongly consistent and cost twice the units.
        tally.add(where.table.name, TRANSACTION_COST_FACTOR * read_units(size, consistent=True))
        found.append(item)
        sizes.append(size or 0)
    check_aggregate_size(sizes)
    return found


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body)
    tally = CapacityTally(READ_UNITS)
    found = await ctx.storage.read(lambda view: read(view, request, tally))
    responses: list[dict[str, Any]] = []
    for get, item in zip(request.gets, found, strict=True):
        if item is None:
            responses.append({})
        else:
            responses.append({"Item": project(get.projection, item) if get.projection else item})
    response: dict[str, Any] = {"Responses": responses}
    return tally.add_to(response, request.return_consumed_capacity)
