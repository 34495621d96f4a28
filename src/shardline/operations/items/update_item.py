"""UpdateItem: change some attributes of one item (creating it when missing), optionally guarded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.expressions.ast import Condition, DeleteAction, RemoveAction, UpdatePlan
from shardline.expressions.compile import compile_expressions
from shardline.expressions.legacy import update_from_attribute_updates
from shardline.expressions.parameters import check_parameter_styles
from shardline.expressions.update import apply_update
from shardline.operations.capacity import IndexUnits, add_consumed_capacity, write_units
from shardline.operations.context import OperationContext
from shardline.operations.item_changes import ItemChange, apply_item_change
from shardline.operations.items.index_keys import check_index_keys
from shardline.operations.items.item_collection import add_item_collection_metrics
from shardline.operations.items.item_request import (
    TableKey,
    check_condition,
    legacy_condition,
    locate_key,
    validate_expression_values,
    wants_old_on_failure,
)
from shardline.operations.items.return_values import NONE, add_attributes, returned_attributes
from shardline.storage.backend import WriteView
from shardline.values.attribute_value import validate_item
from shardline.values.item_size import MAX_ITEM_BYTES, item_size
from shardline.values.key_schema import KeySchema
from shardline.values.types import Item

NAME = "UpdateItem"


@dataclass(frozen=True)
class Request:
    table_name: str
    key: Item
    update: UpdatePlan | None
    condition: Condition | None
    return_values: str
    return_old_on_failure: bool
    return_consumed_capacity: str | None
    return_collection_metrics: str | None


@dataclass(frozen=True)
class Outcome:
    located: TableKey
    old_item: Item | None
    new_item: Item | None
    new_size: int
    index_units: tuple[IndexUnits, ...] = ()


def parse(body: Mapping[str, Any]) -> Request:
    """AWS's order: parameter styles, the Key's values, AttributeUpdates, Expected, the expressions."""
    check_parameter_styles(body, NAME)
    key = validate_item(body["Key"])
    attribute_updates = body.get("AttributeUpdates")
    update = update_from_attribute_updates(attribute_updates) if attribute_updates is not None else None
    condition = legacy_condition(body)
    values = validate_expression_values(body.get("ExpressionAttributeValues"))
    compiled = compile_expressions(
        update=body.get("UpdateExpression"),
        condition=body.get("ConditionExpression"),
        names=body.get("ExpressionAttributeNames"),
        values=values,
    )
    if compiled.update is not None:
        update = compiled.update
    if compiled.condition is not None:
        condition = compiled.condition
    return Request(
        table_name=body["TableName"],
        key=key,
        update=update,
        condition=condition,
        return_values=body.get("ReturnValues") or NONE,
        return_old_on_failure=wants_old_on_failure(body),
        return_consumed_capacity=body.get("ReturnConsumedCapacity"),
        return_collection_metrics=body.get("ReturnItemCollectionMetrics"),
    )


def check_key_untouched(update: UpdatePlan, schema: KeySchema) -> None:
    """Key attributes cannot be set, removed or reached into, even to the value they already have."""
    touched = update.top_level_names()
    for name in schema.names():
        if name in touched:
            raise ValidationException(
                "One or more parameter values were invalid: "
                f"Cannot update attribute {name}. This attribute is part of the key"
            )


def write(view: WriteView, request: Request, now: float) -> Outcome:
    """The read-check-update-write, run atomically on the writer thread."""
    located = locate_key(view, request.table_name, request.key)
    if request.update is not None:
        check_key_untouched(request.update, located.schema)
    old_item = view.get_item(located.table_id, located.key)
    check_condition(request.condition, old_item, request.return_old_on_failure)
    # A missing item is created from its key attributes, then updated.
    base = old_item if old_item is not None else dict(request.key)
    new_item = apply_update(request.update, base) if request.update is not None else base
    check_index_keys(located.table, new_item, updating=True)
    new_size = item_size(new_item)
    if new_size > MAX_ITEM_BYTES:
        raise ValidationException("Item size to update has exceeded the maximum allowed size")
    if old_item is None and only_removes(request.update):
        # AWS does not create an item when the update only removes attributes from nothing.
        return Outcome(located, None, None, new_size)
    index_units = apply_item_change(
        view, ItemChange(located.table, located.key, old_item, new_item, now, new_size)
    )
    return Outcome(located, old_item, new_item, new_size, index_units)


def only_removes(update: UpdatePlan | None) -> bool:
    """True for an update made only of REMOVE and DELETE actions (legacy DELETE included)."""
    if update is None or not update.actions:
        return False
    return all(isinstance(action, RemoveAction | DeleteAction) for action in update.actions)


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body)
    now = ctx.clock.now()
    outcome = await ctx.storage.write(lambda view: write(view, request, now))
    response: dict[str, Any] = {}
    paths = request.update.paths if request.update is not None else ()
    attributes = returned_attributes(
        request.return_values, old=outcome.old_item, new=outcome.new_item, updated_paths=paths
    )
    add_attributes(response, attributes)
    if request.return_consumed_capacity is not None:
        old_size = item_size(outcome.old_item) if outcome.old_item is not None else None
        add_consumed_capacity(
            response,
            outcome.located.table.name,
            write_units(old_size, outcome.new_size),
            request.return_consumed_capacity,
            outcome.index_units,
        )
    add_item_collection_metrics(response, outcome.located, request.key, request.return_collection_metrics)
    return response
