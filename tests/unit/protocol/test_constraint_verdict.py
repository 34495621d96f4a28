"""The constraint stage first decides, from the members present, whether a request has any violation at all,
and only then walks the shape in AWS's order to word the message. The quick verdict must never miss a
violation the ordered walk finds: checked here over valid bodies of many operations and their mutations."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from shardline.errors import SerializationException, ValidationException
from shardline.protocol.service_model import ServiceModel, Shape
from shardline.protocol.shapes import check_types

DYNAMODB = "DynamoDB_20120810"
STREAMS = "DynamoDBStreams_20120810"
ITEM = {"pk": {"S": "a"}, "n": {"N": "1"}}

VALID: list[tuple[str, str, dict[str, Any]]] = [
    (DYNAMODB, "GetItem", {"TableName": "orders", "Key": {"pk": {"S": "a"}}, "ProjectionExpression": "#a",
                           "ExpressionAttributeNames": {"#a": "a"}, "ReturnConsumedCapacity": "TOTAL"}),
    (DYNAMODB, "PutItem", {"TableName": "orders", "Item": ITEM, "ReturnValues": "ALL_OLD",
                           "ConditionExpression": "attribute_not_exists(pk)",
                           "ExpressionAttributeValues": {":v": {"S": "x"}}}),
    (DYNAMODB, "Query", {"TableName": "orders", "KeyConditionExpression": "pk = :v", "Limit": 5,
                         "ExpressionAttributeValues": {":v": {"S": "x"}}, "Select": "COUNT",
                         "ExclusiveStartKey": {"pk": {"S": "a"}}}),
    (DYNAMODB, "BatchWriteItem", {"RequestItems": {"orders": [{"PutRequest": {"Item": ITEM}},
                                                             {"DeleteRequest": {"Key": {"pk": {"S": "b"}}}}]}}),
    (DYNAMODB, "BatchGetItem", {"RequestItems": {"orders": {"Keys": [{"pk": {"S": "a"}}],
                                                            "AttributesToGet": ["pk"]}}}),
    (DYNAMODB, "CreateTable", {
        "TableName": "orders", "BillingMode": "PROVISIONED",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        "GlobalSecondaryIndexes": [{"IndexName": "byN", "KeySchema": [{"AttributeName": "n", "KeyType": "HASH"}],
                                    "Projection": {"ProjectionType": "ALL"}}],
    }),
    (DYNAMODB, "TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "orders", "Item": ITEM}}],
                                      "ClientRequestToken": "t"}),
    (STREAMS, "GetRecords", {"ShardIterator": "x" * 30, "Limit": 100}),
    (STREAMS, "DescribeStream", {"StreamArn": "a" * 40, "Limit": 10, "ExclusiveStartShardId": "s" * 30}),
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, element in value.items():
            found += _paths(element, (*path, key))
    elif isinstance(value, list):
        for index, element in enumerate(value):
            found += _paths(element, (*path, index))
    return found


def _set(body: dict[str, Any], path: tuple[Any, ...], change: Callable[[Any], Any]) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    if not path:
        return changed
    parent: Any = changed
    for step in path[:-1]:
        parent = parent[step]
    if change is _DROP:
        del parent[path[-1]]
    else:
        parent[path[-1]] = change(parent[path[-1]])
    return changed


def _DROP(value: Any) -> Any:
    return value


MUTATIONS: list[Callable[[Any], Any]] = [
    _DROP,
    lambda value: None,
    lambda value: "",
    lambda value: "x" * 300_000,
    lambda value: "not-an-enum-value",
    lambda value: -5,
    lambda value: 10**9,
    lambda value: [] if isinstance(value, list) else value,
    lambda value: [*value, None] if isinstance(value, list) else value,
    lambda value: [*value] * 120 if isinstance(value, list) else value,
    lambda value: {} if isinstance(value, dict) else value,
    lambda value: {**value, "": value} if isinstance(value, dict) else value,
    lambda value: {**value, "k" * 300: None} if isinstance(value, dict) else value,
]


def _ordered_walk_fails(shape: Shape, body: dict[str, Any]) -> bool:
    from shardline.protocol.constraints import _TOP, _structure, _Violations

    violations = _Violations()
    _structure(shape, body, _TOP, violations)
    return bool(violations.found)


@pytest.fixture(scope="module")
def model() -> ServiceModel:
    return ServiceModel.load()


@pytest.mark.parametrize(("prefix", "operation", "body"), VALID, ids=[operation for _, operation, _ in VALID])
def test_the_quick_verdict_agrees_with_the_ordered_walk(
    model: ServiceModel, prefix: str, operation: str, body: dict[str, Any]
) -> None:
    from shardline.protocol.constraints import check_constraints

    shape = model.input_shape(prefix, operation)
    assert shape is not None
    paths = _paths(body)
    bodies = [body] + [_set(body, path, change) for path, change in itertools.product(paths, MUTATIONS)]
    failing = 0
    for candidate in bodies:
        try:
            checked = check_types(shape, copy.deepcopy(candidate))
        except SerializationException:  # a JSON-type error ends the request before the constraint stage
            continue
        expected = _ordered_walk_fails(shape, checked)
        failing += expected
        try:
            check_constraints(shape, checked)
            raised = False
        except ValidationException:
            raised = True
        assert raised == expected, candidate
    assert failing > 0  # the mutations do reach the constraint stage
