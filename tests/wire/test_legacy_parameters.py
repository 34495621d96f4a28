"""The pre-expression parameters over the wire: Expected, ConditionalOperator, AttributeUpdates and
AttributesToGet, with AWS's messages for bad legacy input and the no-mixing rule."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of

KEY = {"pk": {"S": "a"}}
ITEM = {"pk": {"S": "a"}, "n": {"N": "5"}, "s": {"S": "hello"}, "ss": {"SS": ["x", "y"]}}
INVALID = "One or more parameter values were invalid: "


def rejected(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)


def stored(dynamodb: Any, table: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = dynamodb.get_item(TableName=table, Key=KEY, ConsistentRead=True).get("Item")
    return item


@pytest.fixture
def with_item(dynamodb: Any, hash_table: str) -> str:
    dynamodb.put_item(TableName=hash_table, Item=ITEM)
    return hash_table


# --- Expected -------------------------------------------------------------------------------------

EXPECTED_HOLDS = [
    {"n": {"Value": {"N": "5.0"}}},
    {"n": {"Exists": True, "Value": {"N": "5"}}},
    {"missing": {"Exists": False}},
    {"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "4"}]}},
    {"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "5"}, {"N": "6"}]}},
    {"s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "he"}]}},
    {"ss": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "x"}]}},
    {"missing": {"ComparisonOperator": "NULL"}},
    {"s": {"ComparisonOperator": "NOT_NULL"}},
    {"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"N": "5"}]}},
    {"n": {"Value": {"N": "5"}}, "s": {"Value": {"S": "hello"}}},
]


@pytest.mark.parametrize("expected", EXPECTED_HOLDS)
def test_expected_that_holds_lets_the_put_through(dynamodb: Any, with_item: str, expected: Any) -> None:
    dynamodb.put_item(TableName=with_item, Item={"pk": {"S": "a"}, "done": {"BOOL": True}}, Expected=expected)
    assert stored(dynamodb, with_item) == {"pk": {"S": "a"}, "done": {"BOOL": True}}


EXPECTED_FAILS = [
    {"n": {"Value": {"N": "6"}}},
    {"n": {"Exists": False}},
    {"missing": {"Value": {"S": "x"}}},
    {"n": {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "5"}]}},
    {"s": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "5"}]}},
    {"n": {"Value": {"N": "5"}}, "s": {"Value": {"S": "bye"}}},
]


@pytest.mark.parametrize("expected", EXPECTED_FAILS)
def test_expected_that_fails_writes_nothing(dynamodb: Any, with_item: str, expected: Any) -> None:
    code, message = rejected(dynamodb.delete_item, TableName=with_item, Key=KEY, Expected=expected)
    assert (code, message) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert stored(dynamodb, with_item) == ITEM


def test_conditional_operator_or(dynamodb: Any, with_item: str) -> None:
    expected = {"n": {"Value": {"N": "6"}}, "s": {"Value": {"S": "hello"}}}
    code, _ = rejected(dynamodb.delete_item, TableName=with_item, Key=KEY, Expected=expected)
    assert code == "ConditionalCheckFailedException"
    dynamodb.delete_item(TableName=with_item, Key=KEY, Expected=expected, ConditionalOperator="OR")
    assert stored(dynamodb, with_item) is None


EXPECTED_ERRORS = [
    ({"a": {}}, INVALID + "Value must be provided when Exists is null for Attribute: a"),
    ({"a": {"Exists": True}}, INVALID + "Value must be provided when Exists is true for Attribute: a"),
    (
        {"a": {"Exists": False, "Value": {"S": "x"}}},
        INVALID + "Value cannot be used when Exists is false for Attribute: a",
    ),
    (
        {"a": {"Value": {"S": "x"}, "ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}},
        INVALID + "Value and AttributeValueList cannot be used together for Attribute: a",
    ),
    (
        {"a": {"ComparisonOperator": "EQ"}},
        INVALID + "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a",
    ),
    (
        {"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "x"}]}},
        INVALID + "Invalid number of argument(s) for the BETWEEN ComparisonOperator",
    ),
]


@pytest.mark.parametrize(("expected", "message"), EXPECTED_ERRORS)
def test_bad_expected(dynamodb: Any, hash_table: str, expected: Any, message: str) -> None:
    code, got = rejected(dynamodb.put_item, TableName=hash_table, Item=KEY, Expected=expected)
    assert (code, got) == ("ValidationException", message)
    assert stored(dynamodb, hash_table) is None


# --- AttributeUpdates -----------------------------------------------------------------------------


def test_attribute_updates_put_add_delete(dynamodb: Any, with_item: str) -> None:
    response = dynamodb.update_item(
        TableName=with_item,
        Key=KEY,
        AttributeUpdates={
            "s": {"Action": "PUT", "Value": {"S": "bye"}},
            "n": {"Action": "ADD", "Value": {"N": "-2"}},
            "ss": {"Action": "DELETE", "Value": {"SS": ["x"]}},
            "fresh": {"Value": {"BOOL": False}},  # the action defaults to PUT
        },
        ReturnValues="UPDATED_NEW",
    )
    assert response["Attributes"] == {
        "s": {"S": "bye"},
        "n": {"N": "3"},
        "ss": {"SS": ["y"]},
        "fresh": {"BOOL": False},
    }


def test_attribute_updates_delete_without_value_removes(dynamodb: Any, with_item: str) -> None:
    dynamodb.update_item(TableName=with_item, Key=KEY, AttributeUpdates={"s": {"Action": "DELETE"}})
    item = stored(dynamodb, with_item)
    assert item is not None
    assert "s" not in item


def test_attribute_updates_add_creates_item(dynamodb: Any, hash_table: str) -> None:
    dynamodb.update_item(
        TableName=hash_table,
        Key=KEY,
        AttributeUpdates={
            "count": {"Action": "ADD", "Value": {"N": "1"}},
            "tags": {"Action": "ADD", "Value": {"SS": ["t"]}},
        },
    )
    assert stored(dynamodb, hash_table) == {"pk": {"S": "a"}, "count": {"N": "1"}, "tags": {"SS": ["t"]}}


def test_attribute_updates_delete_only_on_missing_item_creates_nothing(
    dynamodb: Any, hash_table: str
) -> None:
    dynamodb.update_item(TableName=hash_table, Key=KEY, AttributeUpdates={"a": {"Action": "DELETE"}})
    assert stored(dynamodb, hash_table) is None


def test_attribute_updates_cannot_touch_the_key(dynamodb: Any, with_item: str) -> None:
    code, message = rejected(
        dynamodb.update_item,
        TableName=with_item,
        Key=KEY,
        AttributeUpdates={"pk": {"Action": "PUT", "Value": {"S": "b"}}},
    )
    assert (code, message) == (
        "ValidationException",
        INVALID + "Cannot update attribute pk. This attribute is part of the key",
    )


def test_attribute_updates_with_expected(dynamodb: Any, with_item: str) -> None:
    code, _ = rejected(
        dynamodb.update_item,
        TableName=with_item,
        Key=KEY,
        AttributeUpdates={"s": {"Value": {"S": "changed"}}},
        Expected={"n": {"Value": {"N": "4"}}},
    )
    assert code == "ConditionalCheckFailedException"
    assert stored(dynamodb, with_item) == ITEM


ATTRIBUTE_UPDATE_ERRORS = [
    (
        {"a": {"Action": "PUT"}},
        INVALID + "Only DELETE action is allowed when no attribute value is specified",
    ),
    (
        {"a": {"Action": "ADD"}},
        INVALID + "Only DELETE action is allowed when no attribute value is specified",
    ),
    (
        {"a": {"Action": "DELETE", "Value": {"S": "x"}}},
        INVALID + "DELETE action with value is not supported for the type S",
    ),
    ({"a": {"Action": "ADD", "Value": {"S": "x"}}}, INVALID + "ADD action is not supported for the type S"),
]


@pytest.mark.parametrize(("updates", "message"), ATTRIBUTE_UPDATE_ERRORS)
def test_bad_attribute_updates(dynamodb: Any, hash_table: str, updates: Any, message: str) -> None:
    code, got = rejected(dynamodb.update_item, TableName=hash_table, Key=KEY, AttributeUpdates=updates)
    assert (code, got) == ("ValidationException", message)
    assert stored(dynamodb, hash_table) is None


# --- AttributesToGet and mixing ---------------------------------------------------------------------


def test_attributes_to_get_ignores_missing_names(dynamodb: Any, with_item: str) -> None:
    response = dynamodb.get_item(TableName=with_item, Key=KEY, AttributesToGet=["n", "nope"])
    assert response["Item"] == {"n": {"N": "5"}}


MIXING_ERRORS = [
    (
        "update_item",
        {"AttributeUpdates": {"a": {"Action": "DELETE"}}, "ConditionExpression": "attribute_exists(pk)"},
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributeUpdates} Expression parameters: {ConditionExpression}",
    ),
    (
        "update_item",
        {"UpdateExpression": "REMOVE a", "Expected": {"a": {"Exists": False}}},
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {Expected} Expression parameters: {UpdateExpression}",
    ),
    (
        "delete_item",
        {"Expected": {"a": {"Exists": False}}, "ExpressionAttributeNames": {"#a": "a"}},
        "ExpressionAttributeNames can only be specified when using expressions",
    ),
    (
        "update_item",
        {"AttributeUpdates": {"a": {"Action": "DELETE"}}, "ExpressionAttributeValues": {":a": {"S": "x"}}},
        "ExpressionAttributeValues can only be specified when using expressions: "
        "UpdateExpression and ConditionExpression are null",
    ),
]


@pytest.mark.parametrize(("operation", "params", "message"), MIXING_ERRORS)
def test_mixing_styles_rejected(
    dynamodb: Any, with_item: str, operation: str, params: dict[str, Any], message: str
) -> None:
    code, got = rejected(getattr(dynamodb, operation), TableName=with_item, Key=KEY, **params)
    assert (code, got) == ("ValidationException", message)
    assert stored(dynamodb, with_item) == ITEM
