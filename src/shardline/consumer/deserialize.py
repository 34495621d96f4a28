"""Stream record images to plain Python values: S→str, N→Decimal, B→bytes, sets→set, L→list, M→dict."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

IMAGE_KEYS = ("Keys", "NewImage", "OldImage")


def python_value(attribute: dict[str, Any]) -> Any:
    """One AttributeValue as a Python value. Binaries arrive as bytes from botocore and as base64 text from raw
    JSON; both are accepted."""
    if len(attribute) != 1:
        raise ValueError(f"an AttributeValue has exactly one type: {attribute!r}")
    kind, content = next(iter(attribute.items()))
    if kind == "S":
        return content
    if kind == "N":
        return Decimal(content)
    if kind == "B":
        return _binary(content)
    if kind == "BOOL":
        return bool(content)
    if kind == "NULL":
        return None
    if kind == "SS":
        return set(content)
    if kind == "NS":
        return {Decimal(number) for number in content}
    if kind == "BS":
        return {_binary(value) for value in content}
    if kind == "L":
        return [python_value(element) for element in content]
    if kind == "M":
        return python_item(content)
    raise ValueError(f"unknown AttributeValue type {kind!r}")


def _binary(content: bytes | bytearray | str) -> bytes:
    if isinstance(content, bytes | bytearray):
        return bytes(content)
    return base64.b64decode(content)


def python_item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: python_value(value) for name, value in item.items()}


def deserialize_record(record: dict[str, Any]) -> dict[str, Any]:
    """A copy of a stream record whose Keys, NewImage and OldImage hold Python values."""
    change = dict(record.get("dynamodb", {}))
    for key in IMAGE_KEYS:
        if key in change:
            change[key] = python_item(change[key])
    return {**record, "dynamodb": change}
