"""The expression/legacy parameter mixing rules of expressions/parameters.py."""

from __future__ import annotations

from typing import Any

import pytest

from shardline.errors import ValidationException
from shardline.expressions.parameters import check_parameter_styles

V = {":v": {"S": "x"}}


@pytest.mark.parametrize(
    ("operation", "body", "message"),
    [
        (
            "PutItem",
            {"ConditionExpression": "a = :v", "Expected": {"a": {"Exists": False}}},
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
        ),
        (
            "UpdateItem",
            {
                "UpdateExpression": "SET a = :v",
                "ConditionExpression": "a = :v",
                "AttributeUpdates": {},
                "Expected": {},
            },
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {AttributeUpdates, Expected} "
            "Expression parameters: {UpdateExpression, ConditionExpression}",
        ),
        (
            "Scan",
            {"FilterExpression": "a = :v", "ScanFilter": {}, "ConditionalOperator": "OR"},
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {ScanFilter, ConditionalOperator} "
            "Expression parameters: {FilterExpression}",
        ),
        (
            "PutItem",
            {"ExpressionAttributeValues": V},
            "ExpressionAttributeValues can only be specified when using expressions: "
            "ConditionExpression is null",
        ),
        (
            "UpdateItem",
            {"ExpressionAttributeValues": V, "AttributeUpdates": {}},
            "ExpressionAttributeValues can only be specified when using expressions: "
            "UpdateExpression and ConditionExpression are null",
        ),
        (
            "Query",
            {"ExpressionAttributeValues": V, "ProjectionExpression": "a", "KeyConditions": {}},
            "ExpressionAttributeValues can only be specified when using expressions: "
            "FilterExpression and KeyConditionExpression are null",
        ),
        (
            "GetItem",
            {"ExpressionAttributeNames": {"#a": "a"}},
            "ExpressionAttributeNames can only be specified when using expressions",
        ),
    ],
)
def test_rejected_combinations(operation: str, body: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationException) as raised:
        check_parameter_styles(body, operation)
    assert raised.value.message == message


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("PutItem", {"ConditionExpression": "a = :v", "ExpressionAttributeValues": V}),
        ("PutItem", {"Expected": {"a": {"Exists": False}}}),
        ("GetItem", {"ProjectionExpression": "#a", "ExpressionAttributeNames": {"#a": "a"}}),
        # KeyConditions may go with FilterExpression when there is no KeyConditionExpression.
        ("Query", {"KeyConditions": {}, "FilterExpression": "a = :v", "ExpressionAttributeValues": V}),
        ("UpdateItem", {"UpdateExpression": "SET a = :v", "ExpressionAttributeValues": V}),
    ],
)
def test_accepted_combinations(operation: str, body: dict[str, Any]) -> None:
    check_parameter_styles(body, operation)


def test_operation_is_inferred_from_the_body() -> None:
    with pytest.raises(ValidationException) as raised:
        check_parameter_styles({"UpdateExpression": "SET a = :v", "Expected": {}})
    assert raised.value.message == (
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {Expected} Expression parameters: {UpdateExpression}"
    )
