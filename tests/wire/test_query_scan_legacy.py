"""Query and Scan with the pre-expression parameters: KeyConditions, QueryFilter, ScanFilter,
ConditionalOperator and AttributesToGet, and AWS's errors for them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of

INVALID = "One or more parameter values were invalid: "


def rejected(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)


def eq(value: dict[str, Any]) -> dict[str, Any]:
    return {"ComparisonOperator": "EQ", "AttributeValueList": [value]}


@pytest.fixture
def table(dynamodb: Any, range_table: str) -> str:
    for order in range(8):
        item: dict[str, Any] = {
            "pk": {"S": "p"},
            "sk": {"N": str(order)},
            "colour": {"S": "red" if order % 2 else "blue"},
        }
        if order % 3 == 0:
            item["tag"] = {"SS": ["a", f"t{order}"]}
        dynamodb.put_item(TableName=range_table, Item=item)
    dynamodb.put_item(TableName=range_table, Item={"pk": {"S": "q"}, "sk": {"N": "1"}})
    return range_table


def orders(response: dict[str, Any]) -> list[str]:
    return [item["sk"]["N"] for item in response["Items"]]


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        ("EQ", [{"N": "3"}], ["3"]),
        ("LT", [{"N": "2"}], ["0", "1"]),
        ("LE", [{"N": "2"}], ["0", "1", "2"]),
        ("GT", [{"N": "5"}], ["6", "7"]),
        ("GE", [{"N": "5"}], ["5", "6", "7"]),
        ("BETWEEN", [{"N": "2"}, {"N": "4"}], ["2", "3", "4"]),
    ],
)
def test_key_conditions(dynamodb: Any, table: str, operator: str, values: list[Any], expected: list[str]) -> None:
    response = dynamodb.query(
        TableName=table,
        KeyConditions={"pk": eq({"S": "p"}), "sk": {"ComparisonOperator": operator, "AttributeValueList": values}},
    )
    assert orders(response) == expected


def test_query_filter_and_conditional_operator(dynamodb: Any, table: str) -> None:
    both = dynamodb.query(
        TableName=table,
        KeyConditions={"pk": eq({"S": "p"})},
        QueryFilter={"colour": eq({"S": "red"}), "tag": {"ComparisonOperator": "NOT_NULL"}},
    )
    assert orders(both) == ["3"]
    assert both["ScannedCount"] == 8
    either = dynamodb.query(
        TableName=table,
        KeyConditions={"pk": eq({"S": "p"})},
        ConditionalOperator="OR",
        QueryFilter={
            "colour": eq({"S": "red"}),
            "tag": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "t6"}]},
        },
    )
    assert orders(either) == ["1", "3", "5", "6", "7"]


def test_key_conditions_with_expression_filter(dynamodb: Any, table: str) -> None:
    # KeyConditions may be combined with FilterExpression when KeyConditionExpression is absent.
    response = dynamodb.query(
        TableName=table,
        KeyConditions={"pk": eq({"S": "p"})},
        FilterExpression="colour = :c",
        ExpressionAttributeValues={":c": {"S": "blue"}},
    )
    assert orders(response) == ["0", "2", "4", "6"]


def test_scan_filter(dynamodb: Any, table: str) -> None:
    response = dynamodb.scan(
        TableName=table,
        ScanFilter={"sk": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"N": "7"}]}},
        AttributesToGet=["pk", "sk"],
    )
    assert sorted((item["pk"]["S"], item["sk"]["N"]) for item in response["Items"]) == [
        ("p", "1"),
        ("p", "7"),
        ("q", "1"),
    ]
    assert all(set(item) == {"pk", "sk"} for item in response["Items"])
    assert response["ScannedCount"] == 9


def test_scan_filter_may_name_key_attributes_but_query_filter_may_not(dynamodb: Any, table: str) -> None:
    assert rejected(
        dynamodb.query, TableName=table, KeyConditions={"pk": eq({"S": "p"})}, QueryFilter={"sk": eq({"N": "1"})}
    ) == ("ValidationException", "QueryFilter can only contain non-primary key attributes: Primary key attribute: sk")


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({}, "Conditions can be of length 1 or 2 only"),
        (
            {"pk": eq({"S": "p"}), "sk": eq({"N": "1"}), "colour": eq({"S": "red"})},
            "Conditions can be of length 1 or 2 only",
        ),
        ({"pk": {"ComparisonOperator": "EQ"}}, INVALID + "Invalid number of argument(s) for the EQ ComparisonOperator"),
        (
            {"pk": eq({"S": "p"}), "sk": {"ComparisonOperator": "NOT_NULL"}},
            "Attempted conditional constraint is not an indexable operation",
        ),
        ({"sk": eq({"N": "1"})}, "Query condition missed key schema element: pk"),
        ({"pk": eq({"S": "p"}), "colour": eq({"S": "red"})}, "Query condition missed key schema element: sk"),
        (
            {"pk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "p"}]}},
            "Query key condition not supported",
        ),
        (
            {
                "pk": eq({"S": "p"}),
                "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "5"}, {"N": "1"}]},
            },
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
        ),
    ],
)
def test_key_condition_errors(dynamodb: Any, table: str, conditions: dict[str, Any], message: str) -> None:
    assert rejected(dynamodb.query, TableName=table, KeyConditions=conditions) == ("ValidationException", message)


def test_query_filter_is_checked_before_key_conditions(dynamodb: Any, table: str) -> None:
    assert rejected(
        dynamodb.query,
        TableName=table,
        KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{}]}},
        QueryFilter={"colour": {"ComparisonOperator": "EQ"}},
    ) == ("ValidationException", INVALID + "Invalid number of argument(s) for the EQ ComparisonOperator")


@pytest.mark.parametrize("operation", ["query", "scan"])
def test_mixing_styles_and_duplicate_attributes(dynamodb: Any, table: str, operation: str) -> None:
    base: dict[str, Any] = {"TableName": table}
    if operation == "query":
        base["KeyConditions"] = {"pk": eq({"S": "p"})}
    call = getattr(dynamodb, operation)
    assert rejected(call, **base, AttributesToGet=["colour", "colour"]) == (
        "ValidationException",
        INVALID + "Duplicate value in attribute name: colour",
    )
    assert rejected(call, **base, AttributesToGet=["colour"], ProjectionExpression="colour") == (
        "ValidationException",
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
    )


def test_scan_filter_type_rules(dynamodb: Any, table: str) -> None:
    assert rejected(
        dynamodb.scan,
        TableName=table,
        ScanFilter={"tag": {"ComparisonOperator": "LT", "AttributeValueList": [{"SS": ["a"]}]}},
    ) == ("ValidationException", INVALID + "ComparisonOperator LT is not valid for SS AttributeValue type")
