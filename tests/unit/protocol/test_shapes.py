"""protocol/shapes.py against botocore's DynamoDB model: JSON type errors and constraint violations,
table-driven from cases/*.json (AWS's recorded texts)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from shardline.errors import SerializationException, ValidationException
from shardline.protocol.shapes import RequestShapes

CASES = Path(__file__).parent / "cases"
DYNAMODB = "DynamoDB_20120810"
STREAMS = "DynamoDBStreams_20120810"


def _load(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((CASES / name).read_text())["cases"]
    return cases


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['operation']}:{json.dumps(case['body'], sort_keys=True)[:60]}"


@pytest.fixture(scope="module")
def shapes() -> RequestShapes:
    return RequestShapes.load()


@pytest.mark.parametrize("case", _load("serialization.json"), ids=_case_id)
def test_type_errors_are_serialization_exceptions(shapes: RequestShapes, case: dict[str, Any]) -> None:
    with pytest.raises(SerializationException) as raised:
        shapes.check(DYNAMODB, case["operation"], copy.deepcopy(case["body"]))
    assert raised.value.message == case["message"]


@pytest.mark.parametrize("case", _load("validation.json"), ids=_case_id)
def test_constraint_failures_are_aggregated(shapes: RequestShapes, case: dict[str, Any]) -> None:
    with pytest.raises(ValidationException) as raised:
        shapes.check(DYNAMODB, case["operation"], copy.deepcopy(case["body"]))
    expected: list[str] = case["violations"]
    count = len(expected)
    prefix = f"{count} validation error{'s' if count > 1 else ''} detected: "
    message = raised.value.message
    assert message.startswith(prefix), message
    assert sorted(message[len(prefix) :].split("; ")) == sorted(expected)


def test_valid_bodies_pass_unchanged(shapes: RequestShapes) -> None:
    body = {
        "TableName": "orders",
        "Item": {
            "pk": {"S": "a"},
            "n": {"N": "1.5"},
            "b": {"B": "AAEC"},
            "bs": {"BS": ["AA==", "AQ=="]},
            "l": {"L": [{"NULL": True}, {"M": {"x": {"BOOL": False}}}]},
            "ss": {"SS": ["x", "y"]},
        },
        "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValues": "ALL_OLD",
    }
    assert shapes.check(DYNAMODB, "PutItem", copy.deepcopy(body)) == body


def test_null_and_unknown_members_are_dropped(shapes: RequestShapes) -> None:
    checked = shapes.check(
        DYNAMODB, "Scan", {"TableName": "abc", "IndexName": None, "Limit": None, "Unknown": 5}
    )
    assert checked == {"TableName": "abc"}


def test_boolean_words_and_fractional_integers_are_converted(shapes: RequestShapes) -> None:
    checked = shapes.check(DYNAMODB, "Scan", {"TableName": "abc", "ConsistentRead": "TRUE", "Limit": 5.5})
    assert checked == {"TableName": "abc", "ConsistentRead": True, "Limit": 5}
    checked = shapes.check(DYNAMODB, "Scan", {"TableName": "abc", "ConsistentRead": "false"})
    assert checked["ConsistentRead"] is False


def test_table_arn_is_accepted_where_a_table_name_is(shapes: RequestShapes) -> None:
    arn = "arn:aws:dynamodb:us-east-1:000000000000:table/orders"
    assert shapes.check(DYNAMODB, "DescribeTable", {"TableName": arn}) == {"TableName": arn}


def test_long_table_name_reports_the_maximum(shapes: RequestShapes) -> None:
    name = "a" * 256
    with pytest.raises(ValidationException) as raised:
        shapes.check(DYNAMODB, "DescribeTable", {"TableName": name})
    assert raised.value.message == (
        f"1 validation error detected: Value '{name}' at 'tableName' failed to satisfy constraint: "
        "Member must have length less than or equal to 255"
    )


def test_batch_write_over_25_in_one_table_is_a_map_value_violation(shapes: RequestShapes) -> None:
    requests = [{"PutRequest": {"Item": {"pk": {"S": str(i)}}}} for i in range(26)]
    with pytest.raises(ValidationException) as raised:
        shapes.check(DYNAMODB, "BatchWriteItem", {"RequestItems": {"orders": requests}})
    message = raised.value.message
    assert message.startswith("1 validation error detected: Value '{orders=[")
    assert message.endswith(
        "at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
        "[Member must have length less than or equal to 25, "
        "Member must have length greater than or equal to 1]"
    )


def test_batch_get_over_100_keys_in_one_table_names_the_wire_path(shapes: RequestShapes) -> None:
    keys = [{"username": {"S": f"user{i}"}} for i in range(101)]
    with pytest.raises(ValidationException) as raised:
        shapes.check(DYNAMODB, "BatchGetItem", {"RequestItems": {"users": {"Keys": keys}}})
    assert raised.value.message == (
        "1 validation error detected: Value at 'RequestItems.users.member.Keys' failed to satisfy constraint: "
        "Member must have length less than or equal to 100"
    )


@pytest.mark.parametrize(
    "body", [{"RequestItems": {}}, {"ReturnConsumedCapacity": "hi", "ReturnItemCollectionMetrics": "hi"}]
)
def test_batch_get_without_request_items_has_awss_own_sentence(
    shapes: RequestShapes, body: dict[str, Any]
) -> None:
    with pytest.raises(ValidationException) as raised:
        shapes.check(DYNAMODB, "BatchGetItem", body)
    assert raised.value.message == "The requestItems parameter is required for BatchGetItem"


def test_at_most_ten_violations_are_counted(shapes: RequestShapes) -> None:
    elements = [{"AttributeName": f"a{i}", "KeyType": "X"} for i in range(12)]
    with pytest.raises(ValidationException) as raised:
        shapes.check(DYNAMODB, "CreateTable", {"TableName": "abc", "KeySchema": elements})
    message = raised.value.message
    assert message.startswith("10 validation errors detected: ")
    assert message.count("failed to satisfy constraint") == 10


def test_string_lengths_count_utf16_units(shapes: RequestShapes) -> None:
    # 128 characters outside the BMP are 256 UTF-16 units: one over IndexName's 255.
    name = "\U0001f600" * 128
    with pytest.raises(ValidationException) as raised:
        shapes.check(DYNAMODB, "Scan", {"TableName": "abc", "IndexName": name})
    assert "Member must have length less than or equal to 255" in raised.value.message


def test_top_level_body_must_be_an_object(shapes: RequestShapes) -> None:
    with pytest.raises(SerializationException) as raised:
        shapes.check(DYNAMODB, "ListTables", "tables")
    assert raised.value.message == "Unexpected field type"


def test_json_null_body_is_an_empty_request(shapes: RequestShapes) -> None:
    assert shapes.check(DYNAMODB, "ListTables", None) == {}


def test_streams_operations_are_checked_too(shapes: RequestShapes) -> None:
    with pytest.raises(ValidationException) as raised:
        shapes.check(STREAMS, "DescribeStream", {})
    assert raised.value.message == (
        "1 validation error detected: Value null at 'streamArn' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_deeply_nested_documents_do_not_exhaust_the_stack(shapes: RequestShapes) -> None:
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(900):
        value = {"L": [value]}
    checked = shapes.check(DYNAMODB, "PutItem", {"TableName": "abc", "Item": {"a": value}})
    assert checked["TableName"] == "abc"
