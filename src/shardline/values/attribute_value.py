"""Validation and normalisation of wire AttributeValues and items, with AWS's messages and order.

Each type member is checked in the order given, then "more than one datatype"; numbers come back in
DynamoDB's canonical text. Values nested deeper than 32 levels are rejected.
"""

from __future__ import annotations

from typing import Any

from shardline.errors import ValidationException
from shardline.values.numbers import NOT_NUMERIC, normalize_number
from shardline.values.types import AttributeValue, Item
from shardline.values.wire_types import read_attribute_value, read_item

INVALID = "One or more parameter values were invalid: "
EMPTY_VALUE = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
SEVERAL_TYPES = (
    "Supplied AttributeValue has more than one datatypes set, "
    "must contain exactly one of the supported datatypes"
)
NULL_NOT_TRUE = INVALID + "Null attribute value types must have the value of true"
# AWS's own wording, double space included.
EMPTY_SET = {
    "SS": INVALID + "An string set  may not be empty",
    "NS": INVALID + "An number set  may not be empty",
    "BS": INVALID + "Binary sets should not be empty",
}
NUMBER_SET_DUPLICATES = "Input collection contains duplicates"
TOO_DEEP = (
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond "
    "supported limit"
)
MAX_NESTING_LEVELS = 32


def validate_attribute_value(raw: object) -> AttributeValue:
    """Checks and normalises one wire AttributeValue; raises SerializationException for wrong JSON
    types and ValidationException (AWS's message) for invalid content."""
    return _validate(read_attribute_value(raw), level=1)


def validate_item(raw: object) -> Item:
    """Checks and normalises an item (or key map): attribute name -> AttributeValue."""
    if type(raw) is dict:
        fast = _plain_item(raw)
        if fast is not None:
            return fast
    members = read_item(raw)
    return {name: _validate(value, level=1) for name, value in members.items()}


def _plain_item(raw: dict[str, Any]) -> Item | None:
    """Items of plain strings and numbers (most keys and many items) in one pass, with the same outcome
    as the general path; None as soon as an attribute needs the general path."""
    result: Item = {}
    for name, value in raw.items():
        if type(value) is not dict or len(value) != 1:
            return None
        content = value.get("S")
        if type(content) is str:
            result[name] = {"S": content}
            continue
        content = value.get("N")
        if type(content) is not str:
            return None
        try:
            result[name] = {"N": normalize_number(content)}
        except ValidationException:
            return None  # the general path reports it, after any JSON-type error of a later attribute
    return result


def validate_expression_attribute_values(raw: object) -> dict[str, AttributeValue]:
    """Checks ExpressionAttributeValues' values; AWS wraps each value's error with the key it was
    given under. (Empty maps and malformed ":keys" are the expressions package's checks.)"""
    members = read_item(raw)
    result: dict[str, AttributeValue] = {}
    for name, value in members.items():
        try:
            result[name] = _validate(value, level=1)
        except ValidationException as problem:
            raise expression_value_error(problem, name) from None
    return result


def expression_value_error(problem: ValidationException, placeholder: str) -> ValidationException:
    """AWS names the placeholder of an invalid ExpressionAttributeValues value, except for a value nested
    too deep, which it refuses with the bare message it gives an over-deep item."""
    if problem.message == TOO_DEEP:
        return problem
    return ValidationException(
        f"ExpressionAttributeValues contains invalid value: {problem.message} for key {placeholder}"
    )


def _validate(value: dict[str, Any], level: int) -> AttributeValue:
    if not value:
        raise ValidationException(EMPTY_VALUE)
    if level > MAX_NESTING_LEVELS:
        raise ValidationException(TOO_DEEP)
    result: AttributeValue = {}
    for type_name, member in value.items():
        result[type_name] = _validate_member(type_name, member, level)
    if len(result) > 1:
        raise ValidationException(SEVERAL_TYPES)
    return result


def _validate_member(type_name: str, member: Any, level: int) -> Any:
    if type_name == "N":
        return normalize_number(member)
    if type_name == "NULL":
        if member is not True:
            raise ValidationException(NULL_NOT_TRUE)
        return True
    if type_name in EMPTY_SET:
        return _validate_set(type_name, member)
    if type_name == "L":
        return [_validate(element, level + 1) for element in member]
    if type_name == "M":
        return {name: _validate(element, level + 1) for name, element in member.items()}
    return member  # S, B (already canonical base64) and BOOL


def _validate_set(type_name: str, members: list[Any]) -> list[str]:
    if not members:
        raise ValidationException(EMPTY_SET[type_name])
    if type_name == "NS":
        numbers = [_set_number(member) for member in members]
        if len(set(numbers)) != len(numbers):
            raise ValidationException(NUMBER_SET_DUPLICATES)
        return numbers
    if any(member is None for member in members):
        raise ValidationException(INVALID + f"Input collection {_render(members)} contains a null value.")
    if len(set(members)) != len(members):
        # Binaries are canonical base64, so equal bytes mean equal text. AWS's BS wording lacks a space.
        suffix = "of type BS contains duplicates." if type_name == "BS" else " contains duplicates."
        raise ValidationException(f"{INVALID}Input collection {_render(members)}{suffix}")
    return list(members)


def _set_number(member: str | None) -> str:
    if member is None:
        raise ValidationException(NOT_NUMERIC)
    return normalize_number(member)


def _render(members: list[Any]) -> str:
    return "[" + ", ".join("null" if member is None else str(member) for member in members) + "]"
