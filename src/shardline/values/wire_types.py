"""The JSON-type pass over a raw AttributeValue, run before any validation, as AWS's deserializer does.

Wrong JSON types are SerializationException with the parser's wording (protocol/shapes.py runs the
same check for wire requests first); unknown members and nulls are dropped; "true"/"false" text is
read as a boolean.
"""

from __future__ import annotations

from typing import Any

from shardline.errors import SerializationException
from shardline.values.binary import decode_binary

OBJECT_NOT_EXPECTED = "Start of structure or map found where not expected"
UNEXPECTED_FIELD = "Unexpected field type"
UNEXPECTED_VALUE = "Unexpected value type in payload"
NOT_BASE64_TEXT = "only base-64-encoded strings are convertible to bytes"
_MODEL = "com.amazonaws.dynamodb.v20120810"
# A JSON array where the deserializer wanted something else names the Java type it wanted.
_ARRAY_FOR = {
    "String": "class java.lang.String",
    "Boolean": "class java.lang.Boolean",
    "Blob": "class java.nio.ByteBuffer",
    "AttributeValue": f"class {_MODEL}.AttributeValue",
    "Map": f"java.util.Map<java.lang.String, {_MODEL}.AttributeValue>",
}


def _token(raw: object) -> str:
    """The name AWS's JSON parser gives the scalar token it found."""
    if raw is True:
        return "TRUE_VALUE"
    if raw is False:
        return "FALSE_VALUE"
    if isinstance(raw, int):
        return "NUMBER_VALUE"
    if isinstance(raw, float):
        return "DECIMAL_VALUE"
    return "STRING_VALUE"


def _container_problem(raw: object, wanted: str) -> SerializationException | None:
    if isinstance(raw, dict):
        return SerializationException(OBJECT_NOT_EXPECTED)
    if isinstance(raw, list):
        return SerializationException(f"Unrecognized collection type {_ARRAY_FOR[wanted]}")
    return None


def read_string(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    raise _container_problem(raw, "String") or SerializationException(
        f"{_token(raw)} cannot be converted to String"
    )


def read_binary(raw: object) -> str:
    if isinstance(raw, str):
        decode_binary(raw)
        return raw
    raise _container_problem(raw, "Blob") or SerializationException(NOT_BASE64_TEXT)


def read_boolean(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        word = raw.lower()
        if word in ("true", "false"):
            return word == "true"
        raise SerializationException("Unexpected token received from parser")
    raise _container_problem(raw, "Boolean") or SerializationException(
        f"{_token(raw)} cannot be converted to Boolean"
    )


def _read_list(raw: object) -> list[Any]:
    if isinstance(raw, list):
        return raw
    if isinstance(raw, dict):
        raise SerializationException(OBJECT_NOT_EXPECTED)
    raise SerializationException(UNEXPECTED_FIELD)


def _read_map(raw: object) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, list):
        raise SerializationException(f"Unrecognized collection type {_ARRAY_FOR['Map']}")
    raise SerializationException(UNEXPECTED_FIELD)


def _read_member(raw: object, reader: Any) -> Any:
    # A JSON null inside a set stays None; validation reports it.
    return None if raw is None else reader(raw)


def read_attribute_value(raw: object) -> dict[str, Any]:
    """The raw value with its JSON types checked, unknown or null members dropped and booleans
    converted. Its content (numbers, set rules, one type only) is not validated here."""
    if not isinstance(raw, dict):
        if isinstance(raw, list):
            raise SerializationException(f"Unrecognized collection type {_ARRAY_FOR['AttributeValue']}")
        raise SerializationException(UNEXPECTED_VALUE)
    result: dict[str, Any] = {}
    for type_name, member in raw.items():
        if member is None:
            continue
        if type_name in ("S", "N"):
            result[type_name] = read_string(member)
        elif type_name == "B":
            result[type_name] = read_binary(member)
        elif type_name in ("BOOL", "NULL"):
            result[type_name] = read_boolean(member)
        elif type_name in ("SS", "NS"):
            result[type_name] = [_read_member(x, read_string) for x in _read_list(member)]
        elif type_name == "BS":
            result[type_name] = [_read_member(x, read_binary) for x in _read_list(member)]
        elif type_name == "L":
            result[type_name] = [_read_nested(x) for x in _read_list(member)]
        elif type_name == "M":
            result[type_name] = {name: _read_nested(x) for name, x in _read_map(member).items()}
    return result


def _read_nested(raw: object) -> dict[str, Any]:
    return {} if raw is None else read_attribute_value(raw)


def read_item(raw: object) -> dict[str, dict[str, Any]]:
    """An item or key map (attribute name -> AttributeValue) through the JSON-type pass."""
    return {name: _read_nested(value) for name, value in _read_map(raw).items()}
