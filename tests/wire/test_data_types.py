"""The ten DynamoDB data types over the wire: round trips, number normalisation, empty values, set rules,
key types, nesting depth and the size limits, with AWS's messages."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, unique_name

INVALID = "One or more parameter values were invalid: "


def rejected(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        call(**params)
    return error_of(excinfo)


def round_trip(dynamodb: Any, table: str, value: dict[str, Any]) -> dict[str, Any]:
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "v"}, "value": value})
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "v"}}, ConsistentRead=True)["Item"]
    stored: dict[str, Any] = item["value"]
    return stored


def as_sets(value: dict[str, Any]) -> dict[str, Any]:
    """Sets come back in no particular order; compare them as sets."""
    return {kind: set(members) if kind in ("SS", "NS", "BS") else members for kind, members in value.items()}


ALL_TEN = [
    {"S": "héllo wörld"},
    {"N": "-12.5"},
    {"B": b"\x00\x01binary\xff"},
    {"BOOL": True},
    {"BOOL": False},
    {"NULL": True},
    {"SS": ["a", "b", "c"]},
    {"NS": ["1", "-2.5", "3E+2"]},
    {"BS": [b"x", b"y\x00"]},
    {"L": [{"S": "a"}, {"N": "1"}, {"L": []}, {"M": {}}, {"NULL": True}]},
    {"M": {"inner": {"M": {"deep": {"SS": ["z"]}}}, "n": {"N": "0"}}},
]


@pytest.mark.parametrize("value", ALL_TEN, ids=lambda value: next(iter(value)))
def test_every_type_round_trips(dynamodb: Any, hash_table: str, value: dict[str, Any]) -> None:
    got = round_trip(dynamodb, hash_table, value)
    expected = dict(value)
    if "NS" in value:
        expected = {"NS": ["1", "-2.5", "300"]}
    assert as_sets(got) == as_sets(expected)


NUMBERS = [
    ("1.50", "1.5"),
    ("0001", "1"),
    ("-0.0", "0"),
    ("1e3", "1000"),
    ("1.23E-2", "0.0123"),
    ("+7", "7"),
    ("100", "100"),
    ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ("1E+125", "1" + "0" * 125),
    ("-1E-130", "-0." + "0" * 129 + "1"),
]


@pytest.mark.parametrize(("given", "normalised"), NUMBERS)
def test_numbers_are_normalised(dynamodb: Any, hash_table: str, given: str, normalised: str) -> None:
    assert round_trip(dynamodb, hash_table, {"N": given}) == {"N": normalised}


NUMBER_ERRORS = [
    ("abc", "The parameter cannot be converted to a numeric value: abc"),
    ("1E+126", "Number overflow. Attempting to store a number with magnitude larger than supported range"),
    ("1E-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range"),
    ("1" * 39, "Attempting to store more than 38 significant digits in a Number"),
]


@pytest.mark.parametrize(("given", "message"), NUMBER_ERRORS)
def test_bad_numbers(dynamodb: Any, hash_table: str, given: str, message: str) -> None:
    code, got = rejected(dynamodb.put_item, TableName=hash_table, Item={"pk": {"S": "n"}, "x": {"N": given}})
    assert (code, got) == ("ValidationException", message)


def test_empty_string_and_binary_allowed_outside_keys(dynamodb: Any, hash_table: str) -> None:
    value = {"M": {"s": {"S": ""}, "b": {"B": b""}, "l": {"L": [{"S": ""}]}}}
    assert round_trip(dynamodb, hash_table, {"S": ""}) == {"S": ""}
    assert round_trip(dynamodb, hash_table, {"B": b""}) == {"B": b""}
    assert round_trip(dynamodb, hash_table, value) == value


SET_ERRORS = [
    ({"SS": []}, INVALID + "An string set  may not be empty"),
    ({"NS": []}, INVALID + "An number set  may not be empty"),
    ({"BS": []}, INVALID + "Binary sets should not be empty"),
    ({"SS": ["a", "a"]}, INVALID + "Input collection [a, a] contains duplicates."),
    ({"M": {"inner": {"SS": []}}}, INVALID + "An string set  may not be empty"),
    ({"NULL": False}, INVALID + "Null attribute value types must have the value of true"),
]


@pytest.mark.parametrize(("value", "message"), SET_ERRORS)
def test_bad_values(dynamodb: Any, hash_table: str, value: dict[str, Any], message: str) -> None:
    code, got = rejected(dynamodb.put_item, TableName=hash_table, Item={"pk": {"S": "x"}, "bad": value})
    assert (code, got) == ("ValidationException", message)


def test_value_with_no_type(dynamodb: Any, hash_table: str) -> None:
    code, got = rejected(dynamodb.put_item, TableName=hash_table, Item={"pk": {"S": "x"}, "bad": {}})
    assert (code, got) == (
        "ValidationException",
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
    )


def test_value_with_two_types(dynamodb: Any, hash_table: str) -> None:
    code, got = rejected(
        dynamodb.put_item, TableName=hash_table, Item={"pk": {"S": "x"}, "bad": {"S": "a", "N": "1"}}
    )
    assert (code, got) == (
        "ValidationException",
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported "
        "datatypes",
    )


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(depth):
        value = {"L": [value]}
    return value


def test_deep_nesting_within_the_limit(dynamodb: Any, hash_table: str) -> None:
    value = nested(20)
    assert round_trip(dynamodb, hash_table, value) == value


def test_nesting_beyond_32_levels_rejected(dynamodb: Any, hash_table: str) -> None:
    code, got = rejected(dynamodb.put_item, TableName=hash_table, Item={"pk": {"S": "x"}, "deep": nested(40)})
    assert (code, got) == (
        "ValidationException",
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond "
        "supported limit",
    )


def test_expression_value_nested_too_deep_gets_the_bare_nesting_message(dynamodb: Any, hash_table: str) -> None:
    # Unlike its other checks of ExpressionAttributeValues, AWS does not name the placeholder here
    # (recorded: 31 wrappers are accepted, 32 refused, with the item's message).
    dynamodb.update_item(
        TableName=hash_table,
        Key={"pk": {"S": "x"}},
        UpdateExpression="SET deep = :v",
        ExpressionAttributeValues={":v": nested(31)},
    )
    code, got = rejected(
        dynamodb.update_item,
        TableName=hash_table,
        Key={"pk": {"S": "x"}},
        UpdateExpression="SET deep = :v",
        ExpressionAttributeValues={":v": nested(32)},
    )
    assert (code, got) == (
        "ValidationException",
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond "
        "supported limit",
    )


@pytest.mark.parametrize(
    ("key_type", "value", "lookup"),
    [
        ("S", {"S": "key"}, {"S": "key"}),
        ("N", {"N": "1.50"}, {"N": "1.5"}),
        ("B", {"B": b"\x00key"}, {"B": b"\x00key"}),
    ],
)
def test_key_types(dynamodb: Any, key_type: str, value: dict[str, Any], lookup: dict[str, Any]) -> None:
    name = unique_name(f"key{key_type.lower()}")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": key_type}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName=name, Item={"k": value, "v": {"S": "found"}})
    item = dynamodb.get_item(TableName=name, Key={"k": lookup})["Item"]
    assert item["v"] == {"S": "found"}


def test_binary_key_size_limit_counts_bytes(dynamodb: Any) -> None:
    name = unique_name("keyb")
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "B"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName=name, Item={"k": {"B": b"\xff" * 2048}})
    code, got = rejected(dynamodb.put_item, TableName=name, Item={"k": {"B": b"\xff" * 2049}})
    assert (code, got) == (
        "ValidationException",
        INVALID + "Size of hashkey has exceeded the maximum size limit of2048 bytes",
    )


def test_item_size_counts_utf8_bytes(dynamodb: Any, hash_table: str) -> None:
    # "é" is two bytes in UTF-8: 204,799 of them plus "pk", "a" and "v" is 409,601 bytes.
    code, got = rejected(
        dynamodb.put_item, TableName=hash_table, Item={"pk": {"S": "a"}, "v": {"S": "é" * 204_799}}
    )
    assert (code, got) == ("ValidationException", "Item size has exceeded the maximum allowed size")


def test_binary_values_travel_as_base64(dynamodb: Any, hash_table: str) -> None:
    raw = bytes(range(256))
    assert round_trip(dynamodb, hash_table, {"B": raw}) == {"B": raw}
    assert base64.b64decode(base64.b64encode(raw)) == raw
