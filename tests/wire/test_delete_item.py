"""DeleteItem over the wire: deletes, conditions, ReturnValues, capacity and key validation."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name

ITEM = {"pk": {"S": "a"}, "v": {"N": "1"}, "tags": {"SS": ["x", "y"]}}
KEY = {"pk": {"S": "a"}}


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


def test_delete_removes_the_item(dynamodb: Any, with_item: str) -> None:
    response = dynamodb.delete_item(TableName=with_item, Key=KEY)
    assert "Attributes" not in response
    assert stored(dynamodb, with_item) is None


def test_delete_of_missing_item_succeeds(dynamodb: Any, hash_table: str) -> None:
    response = dynamodb.delete_item(TableName=hash_table, Key=KEY, ReturnValues="ALL_OLD")
    assert "Attributes" not in response


def test_return_values_all_old(dynamodb: Any, with_item: str) -> None:
    response = dynamodb.delete_item(TableName=with_item, Key=KEY, ReturnValues="ALL_OLD")
    assert response["Attributes"] == ITEM


@pytest.mark.parametrize("mode", ["ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"])
def test_other_return_values_rejected(dynamodb: Any, with_item: str, mode: str) -> None:
    code, message = rejected(dynamodb.delete_item, TableName=with_item, Key=KEY, ReturnValues=mode)
    assert (code, message) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE")
    assert stored(dynamodb, with_item) == ITEM


def test_condition_holds(dynamodb: Any, with_item: str) -> None:
    dynamodb.delete_item(
        TableName=with_item,
        Key=KEY,
        ConditionExpression="contains(tags, :t) AND v = :one",
        ExpressionAttributeValues={":t": {"S": "x"}, ":one": {"N": "1.0"}},
    )
    assert stored(dynamodb, with_item) is None


def test_condition_fails_and_keeps_the_item(dynamodb: Any, with_item: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        dynamodb.delete_item(
            TableName=with_item,
            Key=KEY,
            ConditionExpression="v > :n",
            ExpressionAttributeValues={":n": {"N": "1"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert error_of(excinfo) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert excinfo.value.response["Item"] == ITEM
    assert stored(dynamodb, with_item) == ITEM


def test_condition_on_missing_item(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(
        dynamodb.delete_item, TableName=hash_table, Key=KEY, ConditionExpression="attribute_exists(pk)"
    )
    assert (code, message) == ("ConditionalCheckFailedException", "The conditional request failed")


def test_capacity_of_missing_item_is_one_unit(dynamodb: Any, hash_table: str) -> None:
    response = dynamodb.delete_item(TableName=hash_table, Key=KEY, ReturnConsumedCapacity="TOTAL")
    assert response["ConsumedCapacity"] == {"TableName": hash_table, "CapacityUnits": 1.0}


def test_capacity_follows_deleted_item_size(dynamodb: Any, hash_table: str) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}, "blob": {"S": "x" * 2100}})
    response = dynamodb.delete_item(TableName=hash_table, Key=KEY, ReturnConsumedCapacity="INDEXES")
    assert response["ConsumedCapacity"] == {
        "TableName": hash_table,
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 3.0},
    }


def test_missing_table(dynamodb: Any) -> None:
    code, message = rejected(dynamodb.delete_item, TableName=unique_name("missing"), Key=KEY)
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


@pytest.mark.parametrize("key", [{"pk": {"B": "YQ=="}}, {"pk": {"S": "a"}, "sk": {"N": "1"}}, {}])
def test_key_not_matching_schema(dynamodb: Any, hash_table: str, key: dict[str, Any]) -> None:
    code, message = rejected(dynamodb.delete_item, TableName=hash_table, Key=key)
    assert (code, message) == ("ValidationException", "The provided key element does not match the schema")


EXPRESSION_ERRORS = [
    (
        {"ConditionExpression": "v = :v"},
        "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
        "attribute value: :v",
    ),
    (
        {"Expected": {"v": {"Exists": False}}, "ConditionExpression": "attribute_exists(v)"},
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
    ),
    (
        {"ConditionExpression": "v = :v", "ExpressionAttributeValues": {":v": {"SS": ["a", "a"]}}},
        "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
        "Input collection [a, a] contains duplicates. for key :v",
    ),
]


@pytest.mark.parametrize(("params", "message"), EXPRESSION_ERRORS)
def test_expression_errors(dynamodb: Any, with_item: str, params: dict[str, Any], message: str) -> None:
    code, got = rejected(dynamodb.delete_item, TableName=with_item, Key=KEY, **params)
    assert (code, got) == ("ValidationException", message)
    assert stored(dynamodb, with_item) == ITEM
