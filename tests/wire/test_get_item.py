"""GetItem over the wire: found and missing items, projections, capacity and key validation."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name

NESTED = {
    "pk": {"S": "a"},
    "name": {"S": "Ada"},
    "tags": {"L": [{"S": "x"}, {"S": "y"}, {"S": "z"}]},
    "address": {"M": {"city": {"S": "London"}, "zip": {"S": "N1"}, "geo": {"M": {"lat": {"N": "51.5"}}}}},
}


def rejected(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)


@pytest.fixture
def nested_item(dynamodb: Any, hash_table: str) -> str:
    dynamodb.put_item(TableName=hash_table, Item=NESTED)
    return hash_table


def test_get_existing_item(dynamodb: Any, nested_item: str) -> None:
    response = dynamodb.get_item(TableName=nested_item, Key={"pk": {"S": "a"}})
    assert response["Item"] == NESTED


def test_missing_item_has_no_item_member(dynamodb: Any, hash_table: str) -> None:
    response = dynamodb.get_item(TableName=hash_table, Key={"pk": {"S": "nothing"}})
    assert "Item" not in response
    assert "ConsumedCapacity" not in response


def test_get_with_sort_key(dynamodb: Any, range_table: str) -> None:
    dynamodb.put_item(TableName=range_table, Item={"pk": {"S": "p"}, "sk": {"N": "10"}, "v": {"S": "ten"}})
    found = dynamodb.get_item(TableName=range_table, Key={"pk": {"S": "p"}, "sk": {"N": "1E1"}})
    assert found["Item"]["v"] == {"S": "ten"}
    assert "Item" not in dynamodb.get_item(TableName=range_table, Key={"pk": {"S": "p"}, "sk": {"N": "11"}})


def test_projection_expression_top_level_and_nested(dynamodb: Any, nested_item: str) -> None:
    response = dynamodb.get_item(
        TableName=nested_item,
        Key={"pk": {"S": "a"}},
        ProjectionExpression="#n, address.geo.lat, tags[2]",
        ExpressionAttributeNames={"#n": "name"},
    )
    assert response["Item"] == {
        "name": {"S": "Ada"},
        "address": {"M": {"geo": {"M": {"lat": {"N": "51.5"}}}}},
        "tags": {"L": [{"S": "z"}]},
    }


def test_projection_of_absent_attributes_gives_empty_item(dynamodb: Any, nested_item: str) -> None:
    response = dynamodb.get_item(TableName=nested_item, Key={"pk": {"S": "a"}}, ProjectionExpression="nope")
    assert response["Item"] == {}


def test_attributes_to_get(dynamodb: Any, nested_item: str) -> None:
    response = dynamodb.get_item(
        TableName=nested_item, Key={"pk": {"S": "a"}}, AttributesToGet=["name", "pk"]
    )
    assert response["Item"] == {"pk": {"S": "a"}, "name": {"S": "Ada"}}


@pytest.mark.parametrize(("consistent", "units"), [(True, 1.0), (False, 0.5)])
def test_capacity_of_missing_item(dynamodb: Any, hash_table: str, consistent: bool, units: float) -> None:
    response = dynamodb.get_item(
        TableName=hash_table,
        Key={"pk": {"S": "none"}},
        ConsistentRead=consistent,
        ReturnConsumedCapacity="TOTAL",
    )
    assert response["ConsumedCapacity"] == {"TableName": hash_table, "CapacityUnits": units}


@pytest.mark.parametrize(("consistent", "units"), [(True, 2.0), (False, 1.0)])
def test_capacity_rounds_up_to_4kb_of_whole_item(
    dynamodb: Any, hash_table: str, consistent: bool, units: float
) -> None:
    dynamodb.put_item(TableName=hash_table, Item={"pk": {"S": "a"}, "blob": {"S": "x" * 5000}})
    response = dynamodb.get_item(
        TableName=hash_table,
        Key={"pk": {"S": "a"}},
        ConsistentRead=consistent,
        ProjectionExpression="pk",  # the projection does not reduce what is charged
        ReturnConsumedCapacity="INDEXES",
    )
    assert response["ConsumedCapacity"] == {
        "TableName": hash_table,
        "CapacityUnits": units,
        "Table": {"CapacityUnits": units},
    }


def test_missing_table(dynamodb: Any) -> None:
    code, message = rejected(dynamodb.get_item, TableName=unique_name("missing"), Key={"pk": {"S": "a"}})
    assert (code, message) == ("ResourceNotFoundException", "Requested resource not found")


SCHEMA_MISMATCH = "The provided key element does not match the schema"


@pytest.mark.parametrize(
    "key",
    [
        {"pk": {"N": "1"}},
        {"other": {"S": "a"}},
        {"pk": {"S": "a"}, "extra": {"S": "b"}},
    ],
)
def test_key_not_matching_schema(dynamodb: Any, hash_table: str, key: dict[str, Any]) -> None:
    assert rejected(dynamodb.get_item, TableName=hash_table, Key=key) == (
        "ValidationException",
        SCHEMA_MISMATCH,
    )


def test_key_missing_sort_key(dynamodb: Any, range_table: str) -> None:
    code, message = rejected(dynamodb.get_item, TableName=range_table, Key={"pk": {"S": "p"}})
    assert (code, message) == ("ValidationException", SCHEMA_MISMATCH)


def test_empty_string_key(dynamodb: Any, hash_table: str) -> None:
    code, message = rejected(dynamodb.get_item, TableName=hash_table, Key={"pk": {"S": ""}})
    assert (code, message) == (
        "ValidationException",
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain "
        "an empty string value. Key: pk",
    )


EXPRESSION_ERRORS = [
    (
        {"ProjectionExpression": "pk", "AttributesToGet": ["pk"]},
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
    ),
    (
        {"ProjectionExpression": "pk", "ExpressionAttributeNames": {"#unused": "x"}},
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}",
    ),
    (
        {"ProjectionExpression": "#missing"},
        "Invalid ProjectionExpression: An expression attribute name used in the document path is not "
        "defined; attribute name: #missing",
    ),
    (
        {"ProjectionExpression": "name"},
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name",
    ),
    (
        {"ExpressionAttributeNames": {"#n": "name"}},
        "ExpressionAttributeNames can only be specified when using expressions",
    ),
    (
        {"AttributesToGet": ["a", "a"]},
        "One or more parameter values were invalid: Duplicate value in attribute name: a",
    ),
]


@pytest.mark.parametrize(("params", "message"), EXPRESSION_ERRORS)
def test_expression_errors(dynamodb: Any, hash_table: str, params: dict[str, Any], message: str) -> None:
    code, got = rejected(dynamodb.get_item, TableName=hash_table, Key={"pk": {"S": "a"}}, **params)
    assert (code, got) == ("ValidationException", message)
