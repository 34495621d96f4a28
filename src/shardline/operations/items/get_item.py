"""GetItem: read one item by its key, optionally projected."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.expressions.ast import Projection
from shardline.expressions.compile import compile_expressions
from shardline.expressions.legacy import projection_from_attributes_to_get
from shardline.expressions.parameters import check_parameter_styles
from shardline.expressions.projection import project
from shardline.operations.capacity import add_consumed_capacity, read_units
from shardline.operations.context import OperationContext
from shardline.operations.items.item_request import locate_key
from shardline.storage.backend import ReadView
from shardline.values.attribute_value import validate_item
from shardline.values.item_size import item_size
from shardline.values.types import Item

NAME = "GetItem"


@dataclass(frozen=True)
class Request:
    table_name: str
    key: Item
    projection: Projection | None
    consistent_read: bool
    return_consumed_capacity: str | None


@dataclass(frozen=True)
class Found:
    table_name: str
    item: Item | None


def parse(body: Mapping[str, Any]) -> Request:
    """AWS's order: parameter styles, the Key's values, AttributesToGet, then the expressions."""
    check_parameter_styles(body, NAME)
    key = validate_item(body["Key"])
    attributes_to_get = body.get("AttributesToGet")
    projection = (
        projection_from_attributes_to_get(attributes_to_get) if attributes_to_get is not None else None
    )
    compiled = compile_expressions(
        projection=body.get("ProjectionExpression"), names=body.get("ExpressionAttributeNames")
    )
    if compiled.projection is not None:
        projection = compiled.projection
    return Request(
        table_name=body["TableName"],
        key=key,
        projection=projection,
        consistent_read=bool(body.get("ConsistentRead", False)),
        return_consumed_capacity=body.get("ReturnConsumedCapacity"),
    )


def read(view: ReadView, request: Request) -> Found:
    located = locate_key(view, request.table_name, request.key)
    return Found(located.table.name, view.get_item(located.table_id, located.key))


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body)
    # Every read sees all acknowledged writes, so ConsistentRead changes only the capacity charged.
    found = await ctx.storage.read(lambda view: read(view, request))
    response: dict[str, Any] = {}
    if found.item is not None:
        # A projection that matches nothing still answers "Item": {} for an existing item.
        response["Item"] = project(request.projection, found.item) if request.projection else found.item
    if request.return_consumed_capacity is not None:
        # Capacity is charged on the whole stored item, whatever the projection keeps.
        size = item_size(found.item) if found.item is not None else None
        units = read_units(size, consistent=request.consistent_read)
        add_consumed_capacity(response, found.table_name, units, request.return_consumed_capacity)
    return response
