"""Request bodies checked against botocore's input shapes, in AWS's two stages: JSON types first
(SerializationException, first bad member in body order), then constraints (constraints.py).

The type stage also normalises what AWS's deserializer converts: JSON null members are dropped (null is
"absent"), members the model does not know are dropped (AWS ignores them), "true"/"false" strings become
booleans and fractional numbers given for Integer/Long members are truncated.
"""

from __future__ import annotations

import binascii
import re
from typing import Any

from shardline.errors import SerializationException, ValidationException
from shardline.protocol.constraints import check_constraints
from shardline.protocol.service_model import ServiceModel, Shape

OBJECT_NOT_EXPECTED = "Start of structure or map found where not expected"
UNEXPECTED_FIELD = "Unexpected field type"
UNEXPECTED_VALUE = "Unexpected value type in payload"
# What AWS answers when a JSON array sits where its deserializer expected a non-list.
UNKNOWN_ERROR = "UnknownError"

# Past this JSON depth the rest is left to the value checks (AttributeValue nesting stops at 32 levels),
# so a hostile document cannot exhaust the interpreter's stack here.
MAX_CHECKED_DEPTH = 256

_BATCH_OPERATIONS = frozenset({"BatchGetItem", "BatchWriteItem"})
_ATTRIBUTE_VALUE_MEMBERS = frozenset({"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"})
_NUMBER_TARGETS = {"integer": "Integer", "long": "Long", "double": "Double", "timestamp": "Date"}
_BASE64_ALPHABET = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_BASE64_FOREIGN_CHARACTER = re.compile(r"[^A-Za-z0-9+/=]")


def _token(value: object) -> str:
    """The name AWS's JSON parser gives the token it found."""
    if value is True:
        return "TRUE_VALUE"
    if value is False:
        return "FALSE_VALUE"
    if isinstance(value, int):
        return "NUMBER_VALUE"
    if isinstance(value, float):
        return "DECIMAL_VALUE"
    return "STRING_VALUE"


def _fail(message: str) -> SerializationException:
    return SerializationException(message)


class RequestShapes:
    """Checks (and normalises) request bodies for every operation of the loaded service models."""

    def __init__(self, model: ServiceModel) -> None:
        self._model = model

    @classmethod
    def load(cls) -> RequestShapes:
        return cls(ServiceModel.load())

    def check(self, prefix: str, operation: str, body: object) -> dict[str, Any]:
        """The normalised body, or SerializationException / ValidationException with AWS's text."""
        shape = self._model.input_shape(prefix, operation)
        if shape is None:
            return body if isinstance(body, dict) else {}
        if body is None:
            body = {}
        checked = check_types(shape, body)
        assert isinstance(checked, dict)
        if operation in _BATCH_OPERATIONS and not checked.get("RequestItems"):
            # AWS's own sentence, ahead of the generic constraint list (dynalite's AWS-validated
            # BatchGetItem tests: it wins even over other violations in the same request).
            raise ValidationException(f"The requestItems parameter is required for {operation}")
        check_constraints(shape, checked)
        return checked


def check_types(shape: Shape, value: Any, in_field: bool = True, depth: int = 0) -> Any:
    """Raises SerializationException for a JSON type AWS's deserializer refuses; returns the value,
    normalised (containers are normalised in place). `value` is never None here."""
    kind = shape.kind
    if kind == "structure":
        if isinstance(value, dict):
            if shape.is_attribute_value:
                return _check_attribute_value(value, depth)
            return _check_structure(shape, value, depth)
        if isinstance(value, list):
            raise _fail(UNKNOWN_ERROR)
        raise _fail(UNEXPECTED_FIELD if in_field else UNEXPECTED_VALUE)
    if kind == "list":
        if isinstance(value, list):
            return _check_list(shape, value, depth)
        if isinstance(value, dict):
            raise _fail(OBJECT_NOT_EXPECTED)
        raise _fail(UNEXPECTED_FIELD if in_field else UNKNOWN_ERROR)
    if kind == "map":
        if isinstance(value, dict):
            return _check_map(shape, value, depth)
        if isinstance(value, list):
            raise _fail(UNKNOWN_ERROR)
        raise _fail(UNEXPECTED_FIELD if in_field else UNKNOWN_ERROR)
    if isinstance(value, dict):
        raise _fail(OBJECT_NOT_EXPECTED)
    if isinstance(value, list):
        raise _fail(UNKNOWN_ERROR)
    return _check_scalar(kind, value)


def _check_structure(shape: Shape, value: dict[str, Any], depth: int) -> dict[str, Any]:
    members = shape.members
    for name in list(value):
        member_value = value[name]
        member = members.get(name)
        if member is None or member_value is None:
            del value[name]
            continue
        if depth >= MAX_CHECKED_DEPTH:
            continue
        checked = check_types(member.shape, member_value, True, depth + 1)
        if checked is not member_value:
            value[name] = checked
    return value


def _check_attribute_value(value: dict[str, Any], depth: int) -> dict[str, Any]:
    """The AttributeValue structure, by hand: it is most of every item-bearing request, and its
    members' rules are fixed (the same outcome as the generic walk, without its per-member lookups)."""
    for type_key in list(value):
        content = value[type_key]
        if content is None or type_key not in _ATTRIBUTE_VALUE_MEMBERS:
            del value[type_key]
            continue
        if type_key in ("S", "N"):
            if not isinstance(content, str):
                _refuse_string(content)
        elif type_key in ("SS", "NS", "BS"):
            if not isinstance(content, list):
                raise _fail(OBJECT_NOT_EXPECTED if isinstance(content, dict) else UNEXPECTED_FIELD)
            for element in content:
                if element is None:
                    continue
                if type_key == "BS":
                    _check_blob_element(element)
                elif not isinstance(element, str):
                    _refuse_string(element)
        elif type_key == "L":
            if not isinstance(content, list):
                raise _fail(OBJECT_NOT_EXPECTED if isinstance(content, dict) else UNEXPECTED_FIELD)
            if depth < MAX_CHECKED_DEPTH:
                for element in content:
                    _check_nested_attribute_value(element, depth)
        elif type_key == "M":
            if not isinstance(content, dict):
                raise _fail(UNKNOWN_ERROR if isinstance(content, list) else UNEXPECTED_FIELD)
            if depth < MAX_CHECKED_DEPTH:
                for element in content.values():
                    _check_nested_attribute_value(element, depth)
        elif type_key == "B":
            _check_blob_element(content)
        else:  # BOOL, NULL
            checked = _check_scalar("boolean", content) if not isinstance(content, bool) else content
            if checked is not content:
                value[type_key] = checked
    return value


def _check_nested_attribute_value(element: Any, depth: int) -> None:
    if element is None:
        return
    if isinstance(element, dict):
        _check_attribute_value(element, depth + 2)
    elif isinstance(element, list):
        raise _fail(UNKNOWN_ERROR)
    else:
        raise _fail(UNEXPECTED_VALUE)


def _refuse_string(content: Any) -> None:
    if isinstance(content, dict):
        raise _fail(OBJECT_NOT_EXPECTED)
    if isinstance(content, list):
        raise _fail(UNKNOWN_ERROR)
    raise _fail(f"{_token(content)} cannot be converted to String")


def _check_blob_element(content: Any) -> None:
    if isinstance(content, dict):
        raise _fail(OBJECT_NOT_EXPECTED)
    if isinstance(content, list):
        raise _fail(UNKNOWN_ERROR)
    _check_scalar("blob", content)


def _check_list(shape: Shape, value: list[Any], depth: int) -> list[Any]:
    item = shape.item
    assert item is not None
    if depth >= MAX_CHECKED_DEPTH:
        return value
    for index, element in enumerate(value):
        if element is None:
            continue  # reported as "Member must not be null" by the constraint stage
        checked = check_types(item, element, False, depth + 1)
        if checked is not element:
            value[index] = checked
    return value


def _check_map(shape: Shape, value: dict[str, Any], depth: int) -> dict[str, Any]:
    item = shape.item
    assert item is not None
    if depth >= MAX_CHECKED_DEPTH:
        return value
    for key, element in value.items():
        if element is None:
            continue
        checked = check_types(item, element, False, depth + 1)
        if checked is not element:
            value[key] = checked
    return value


def _check_scalar(kind: str, value: Any) -> Any:
    if kind == "string":
        if isinstance(value, str):
            return value
        raise _fail(f"{_token(value)} cannot be converted to String")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            # AWS's parser accepts the words themselves, in any case.
            lowered = value.lower()
            if lowered == "true":
                return True
            if lowered == "false":
                return False
            raise _fail("Unexpected token received from parser")
        raise _fail(f"{_token(value)} cannot be converted to Boolean")
    if kind in _NUMBER_TARGETS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(f"{_token(value)} cannot be converted to {_NUMBER_TARGETS[kind]}")
        if kind in ("integer", "long") and isinstance(value, float):
            # AWS reads numbers through a truncating big-number type: 5.5 given for a Limit is 5.
            if value != value or value in (float("inf"), float("-inf")):
                raise _fail(f"{_token(value)} cannot be converted to {_NUMBER_TARGETS[kind]}")
            return int(value)
        return value
    if kind == "blob":
        if not isinstance(value, str):
            raise _fail("only base-64-encoded strings are convertible to bytes")
        _check_base64(value)
        return value
    return value


def _check_base64(text: str) -> None:
    if len(text) % 4:
        raise _fail(f"Base64 encoded length is expected a multiple of 4 bytes but found: {len(text)}")
    if _BASE64_ALPHABET.fullmatch(text) is None:
        foreign = _BASE64_FOREIGN_CHARACTER.search(text)
        if foreign is not None:
            raise _fail(f"Invalid Base64 character: '{foreign.group(0)}'")
        # Only misplaced padding, such as "=+/=": AWS words it as below (dynalite's AWS-verified case).
        raise _fail("Invalid last non-pad Base64 character dectected")
    try:
        decoded = binascii.a2b_base64(text, strict_mode=True)
    except binascii.Error as broken:
        raise _fail("Invalid last non-pad Base64 character dectected") from broken
    # Non-zero bits after the last full byte: AWS refuses these (sic "dectected").
    if binascii.b2a_base64(decoded, newline=False).decode("ascii") != text:
        raise _fail("Invalid last non-pad Base64 character dectected")
