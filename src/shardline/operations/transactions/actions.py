"""The actions of a TransactWriteItems request (ConditionCheck, Put, Update, Delete), parsed and checked
the way the single-item operations check theirs, before the transaction starts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.expressions.ast import Condition, UpdatePlan
from shardline.expressions.compile import compile_expressions
from shardline.expressions.parameters import check_parameter_styles
from shardline.operations.items.item_request import validate_expression_values, wants_old_on_failure
from shardline.values.attribute_value import validate_item
from shardline.values.item_size import MAX_ITEM_BYTES, item_size
from shardline.values.types import Item

CONDITION_CHECK = "ConditionCheck"
PUT = "Put"
UPDATE = "Update"
DELETE = "Delete"
ACTION_KINDS = (CONDITION_CHECK, PUT, DELETE, UPDATE)

NO_ACTION = "The action or operation requested is invalid. Verify that the action is typed correctly."
SEVERAL_ACTIONS = "TransactItems can only contain one of Check, Put, Update or Delete"
# A Put too large is refused before the transaction starts (spec 9.1); an Update's result is only known
# inside it and becomes a cancellation reason instead.
PUT_TOO_LARGE = "Item size has exceeded the maximum allowed size"

# Which single-item operation's parameter rules each action follows.
_PARAMETER_STYLE = {CONDITION_CHECK: "DeleteItem", PUT: "PutItem", UPDATE: "UpdateItem", DELETE: "DeleteItem"}


@dataclass(frozen=True)
class WriteAction:
    """One action. `key_or_item` is the Item of a Put and the Key of the others; `item_size` is the
    Put's item size."""

    kind: str
    table_name: str
    key_or_item: Item
    condition: Condition | None
    update: UpdatePlan | None
    return_old_on_failure: bool
    item_size: int | None = None

    @property
    def writes(self) -> bool:
        return self.kind != CONDITION_CHECK


def action_kind(entry: Mapping[str, Any]) -> str:
    kinds = [kind for kind in ACTION_KINDS if entry.get(kind) is not None]
    if not kinds:
        raise ValidationException(NO_ACTION)
    if len(kinds) > 1:
        raise ValidationException(SEVERAL_ACTIONS)
    return kinds[0]


def parse_action(entry: Mapping[str, Any]) -> WriteAction:
    kind = action_kind(entry)
    body: Mapping[str, Any] = entry[kind]
    check_parameter_styles(body, _PARAMETER_STYLE[kind])
    size: int | None = None
    if kind == PUT:
        key_or_item = validate_item(body["Item"])
        size = item_size(key_or_item)
        if size > MAX_ITEM_BYTES:
            raise ValidationException(PUT_TOO_LARGE)
    else:
        key_or_item = validate_item(body["Key"])
    values = validate_expression_values(body.get("ExpressionAttributeValues"))
    compiled = compile_expressions(
        update=body.get("UpdateExpression"),
        condition=body.get("ConditionExpression"),
        names=body.get("ExpressionAttributeNames"),
        values=values,
    )
    return WriteAction(
        kind=kind,
        table_name=body["TableName"],
        key_or_item=key_or_item,
        condition=compiled.condition,
        update=compiled.update,
        return_old_on_failure=wants_old_on_failure(body),
        item_size=size,
    )
