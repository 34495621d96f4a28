"""What the four single-item operations share: request checks, the table and key lookup, the condition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.errors import ConditionalCheckFailedException, ValidationException
from shardline.expressions.ast import Condition
from shardline.expressions.evaluate import evaluate_condition
from shardline.expressions.legacy import condition_from_expected
from shardline.operations.tables.definition import key_schema_of
from shardline.operations.tables.lookup import require_table
from shardline.storage.backend import ItemKey, ReadView, StoredTable
from shardline.values.attribute_value import expression_value_error, validate_attribute_value
from shardline.values.key_schema import (
    KeySchema,
    encode_item_key,
    extract_key,
    validate_item_key,
    validate_key,
)
from shardline.values.types import AttributeValue, Item


@dataclass(frozen=True)
class TableKey:
    """A table found inside a storage transaction, with its key schema and one item's encoded key."""

    table: StoredTable
    schema: KeySchema
    key: ItemKey

    @property
    def table_id(self) -> str:
        return self.table.table_id


def validate_expression_values(raw: Mapping[str, Any] | None) -> dict[str, AttributeValue] | None:
    """ExpressionAttributeValues checked one by one; AWS names the offending placeholder:
    "ExpressionAttributeValues contains invalid value: <reason> for key :v"."""
    if raw is None:
        return None
    checked: dict[str, AttributeValue] = {}
    for placeholder, value in raw.items():
        try:
            checked[placeholder] = validate_attribute_value(value)
        except ValidationException as invalid:
            raise expression_value_error(invalid, placeholder) from None
    return checked


def legacy_condition(body: Mapping[str, Any]) -> Condition | None:
    """The condition of the pre-expression Expected/ConditionalOperator parameters, or None."""
    expected = body.get("Expected")
    if expected is None:
        return None
    return condition_from_expected(expected, body.get("ConditionalOperator"))


def locate_key(view: ReadView, table_name: str, key: Item) -> TableKey:
    """Inside a transaction: the table (ResourceNotFoundException when missing), then a Key checked
    against its schema ("The provided key element does not match the schema") and encoded."""
    table = require_table(view, table_name)
    schema = key_schema_of(table)
    validate_key(schema, key)
    return TableKey(table, schema, encode_item_key(schema, key))


def locate_item(view: ReadView, table_name: str, item: Item) -> TableKey:
    """Like locate_key for a whole item: its key attributes must be present and of the schema's types
    ("Missing the key pk in the item", "Type mismatch for key pk expected: S actual: N")."""
    table = require_table(view, table_name)
    schema = key_schema_of(table)
    validate_item_key(schema, item)
    return TableKey(table, schema, encode_item_key(schema, extract_key(schema, item)))


def check_condition(condition: Condition | None, old_item: Item | None, return_old_on_failure: bool) -> None:
    """Raises ConditionalCheckFailedException when the condition is false for old_item; with
    ReturnValuesOnConditionCheckFailure=ALL_OLD the existing item travels in the error as Item."""
    if condition is None or evaluate_condition(condition, old_item):
        return
    extra = {"Item": old_item} if return_old_on_failure and old_item is not None else None
    raise ConditionalCheckFailedException(extra=extra)


def wants_old_on_failure(body: Mapping[str, Any]) -> bool:
    return body.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
