"""DeleteItem: remove one item by its key, optionally guarded by a condition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.expressions.ast import Condition
from shardline.expressions.compile import compile_expressions
from shardline.expressions.parameters import check_parameter_styles
from shardline.operations.capacity import IndexUnits, add_consumed_capacity, write_units
from shardline.operations.context import OperationContext
from shardline.operations.item_changes import ItemChange, apply_item_change
from shardline.operations.items.item_collection import add_item_collection_metrics
from shardline.operations.items.item_request import (
    TableKey,
    check_condition,
    legacy_condition,
    locate_key,
    validate_expression_values,
    wants_old_on_failure,
)
from shardline.operations.items.return_values import (
    add_attributes,
    check_put_or_delete_mode,
    returned_attributes,
)
from shardline.storage.backend import WriteView
from shardline.values.attribute_value import validate_item
from shardline.values.item_size import item_size
from shardline.values.types import Item

NAME = "DeleteItem"


@dataclass(frozen=True)
class Request:
    table_name: str
    key: Item
    condition: Condition | None
    return_values: str
    return_old_on_failure: bool
    return_consumed_capacity: str | None
    return_collection_metrics: str | None


@dataclass(frozen=True)
class Outcome:
    located: TableKey
    old_item: Item | None
    index_units: tuple[IndexUnits, ...] = ()


def parse(body: Mapping[str, Any]) -> Request:
    """AWS's order: parameter styles, the Key's values, ReturnValues, Expected, the expressions."""
    check_parameter_styles(body, NAME)
    key = validate_item(body["Key"])
    return_values = check_put_or_delete_mode(body.get("ReturnValues"))
    condition = legacy_condition(body)
    values = validate_expression_values(body.get("ExpressionAttributeValues"))
    compiled = compile_expressions(
        condition=body.get("ConditionExpression"),
        names=body.get("ExpressionAttributeNames"),
        values=values,
    )
    if compiled.condition is not None:
        condition = compiled.condition
    return Request(
        table_name=body["TableName"],
        key=key,
        condition=condition,
        return_values=return_values,
        return_old_on_failure=wants_old_on_failure(body),
        return_consumed_capacity=body.get("ReturnConsumedCapacity"),
        return_collection_metrics=body.get("ReturnItemCollectionMetrics"),
    )


def write(view: WriteView, request: Request, now: float) -> Outcome:
    """The read-check-delete, run atomically on the writer thread."""
    located = locate_key(view, request.table_name, request.key)
    old_item = view.get_item(located.table_id, located.key)
    check_condition(request.condition, old_item, request.return_old_on_failure)
    index_units = apply_item_change(view, ItemChange(located.table, located.key, old_item, None, now))
    return Outcome(located, old_item, index_units)


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body)
    now = ctx.clock.now()
    outcome = await ctx.storage.write(lambda view: write(view, request, now))
    response: dict[str, Any] = {}
    add_attributes(response, returned_attributes(request.return_values, old=outcome.old_item, new=None))
    if request.return_consumed_capacity is not None:
        old_size = item_size(outcome.old_item) if outcome.old_item is not None else None
        add_consumed_capacity(
            response,
            outcome.located.table.name,
            write_units(old_size),
            request.return_consumed_capacity,
            outcome.index_units,
        )
    add_item_collection_metrics(response, outcome.located, request.key, request.return_collection_metrics)
    return response
