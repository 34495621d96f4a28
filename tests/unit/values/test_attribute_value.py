"""AttributeValue and item validation: normalised output and AWS's exact errors."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from shardline import errors
from shardline.values.attribute_value import (
    validate_attribute_value,
    validate_expression_attribute_values,
    validate_item,
)

from .case_files import load_cases

CASES = load_cases("attribute_values.json")
TOO_DEEP = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)


@pytest.mark.parametrize("case", CASES["valid"], ids=lambda case: case["name"])
def test_valid_values_are_normalised(case: dict[str, Any]) -> None:
    raw = copy.deepcopy(case["input"])
    assert validate_attribute_value(raw) == case["output"]
    assert raw == case["input"], "the raw request value must not be modified"


@pytest.mark.parametrize("case", CASES["invalid"], ids=lambda case: case["name"])
def test_invalid_values_raise_aws_errors(case: dict[str, Any]) -> None:
    expected_type = getattr(errors, case["type"])
    with pytest.raises(errors.ServiceError) as raised:
        validate_attribute_value(case["input"])
    assert type(raised.value) is expected_type
    assert raised.value.message == case["message"]


@pytest.mark.parametrize("case", CASES["invalid"], ids=lambda case: case["name"])
def test_item_reports_the_same_errors(case: dict[str, Any]) -> None:
    with pytest.raises(errors.ServiceError) as raised:
        validate_item({"ok": {"S": "fine"}, "bad": case["input"]})
    assert raised.value.message == case["message"]


def nested_maps(levels: int) -> dict[str, Any]:
    """A value `levels` deep: levels-1 maps around a string."""
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(levels - 1):
        value = {"M": {"a": value}}
    return value


def nested_lists(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"N": "1"}
    for _ in range(levels - 1):
        value = {"L": [value]}
    return value


@pytest.mark.parametrize("build", [nested_maps, nested_lists])
def test_thirty_two_levels_are_allowed(build: Any) -> None:
    value = build(32)
    assert validate_attribute_value(value) == value


@pytest.mark.parametrize("build", [nested_maps, nested_lists])
def test_thirty_three_levels_are_rejected(build: Any) -> None:
    with pytest.raises(errors.ValidationException) as raised:
        validate_item({"deep": build(33)})
    assert raised.value.message == TOO_DEEP


def test_item_is_validated_and_normalised() -> None:
    item = validate_item({"pk": {"S": "a"}, "n": {"N": "01.10"}, "m": {"M": {"x": {"NS": ["2", "1e0"]}}}})
    assert item == {"pk": {"S": "a"}, "n": {"N": "1.1"}, "m": {"M": {"x": {"NS": ["2", "1"]}}}}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            [{"S": "a"}],
            "Unrecognized collection type java.util.Map<java.lang.String, "
            "com.amazonaws.dynamodb.v20120810.AttributeValue>",
        ),
        ("item", "Unexpected field type"),
        ({"a": "23"}, "Unexpected value type in payload"),
    ],
)
def test_item_must_be_a_map(raw: object, message: str) -> None:
    with pytest.raises(errors.SerializationException) as raised:
        validate_item(raw)
    assert raised.value.message == message


def test_null_attribute_in_item_is_an_empty_value() -> None:
    with pytest.raises(errors.ValidationException) as raised:
        validate_item({"a": None})
    assert raised.value.message == (
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"NULL": False},
            "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
            "Null attribute value types must have the value of true for key :b",
        ),
        (
            {"SS": ["a", "a"]},
            "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
            "Input collection [a, a] contains duplicates. for key :b",
        ),
        (
            {"S": "a", "N": "b"},
            "ExpressionAttributeValues contains invalid value: "
            "The parameter cannot be converted to a numeric value: b for key :b",
        ),
        (
            {"NS": ["1", "1"]},
            "ExpressionAttributeValues contains invalid value: "
            "Input collection contains duplicates for key :b",
        ),
        (
            {"S": "a", "N": "1"},
            "ExpressionAttributeValues contains invalid value: Supplied AttributeValue has more than one "
            "datatypes set, must contain exactly one of the supported datatypes for key :b",
        ),
    ],
)
def test_expression_attribute_values_name_the_key(value: dict[str, Any], message: str) -> None:
    with pytest.raises(errors.ValidationException) as raised:
        validate_expression_attribute_values({":a": {"S": "fine"}, ":b": value})
    assert raised.value.message == message


def test_expression_attribute_values_are_normalised() -> None:
    values = validate_expression_attribute_values({":n": {"N": "1.50"}, ":s": {"S": ""}})
    assert values == {":n": {"N": "1.5"}, ":s": {"S": ""}}


def test_expression_attribute_values_serialization_errors_are_not_wrapped() -> None:
    with pytest.raises(errors.SerializationException) as raised:
        validate_expression_attribute_values({":a": {"S": 1}})
    assert raised.value.message == "NUMBER_VALUE cannot be converted to String"
