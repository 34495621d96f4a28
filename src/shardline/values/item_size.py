"""Item size as DynamoDB counts it for the 400 KB limit and capacity units.

Names and strings count their UTF-8 bytes, binaries their raw bytes, BOOL and NULL one byte. A number
is stored as base-100 digits plus an exponent byte (and a terminator byte when negative), which is the
guide's "1 byte per two significant digits, plus 1". Lists and maps cost 3 bytes plus 1 per element;
sets cost the sum of their members.
"""

from __future__ import annotations

from shardline.errors import InternalServerError
from shardline.values.binary import binary_length
from shardline.values.numbers import parse_number
from shardline.values.types import AttributeValue, Item, type_of

MAX_ITEM_BYTES = 409_600
DOCUMENT_OVERHEAD_BYTES = 3


def utf8_length(text: str) -> int:
    if text.isascii():
        return len(text)  # one byte per character, without encoding a copy (most names and strings)
    # surrogatepass: a lone surrogate from JSON must be measured, not crash the request.
    return len(text.encode("utf-8", "surrogatepass"))


def number_size(text: str) -> int:
    number = parse_number(text)
    if number.is_zero:
        return 1
    # Count half-bytes: the digits, plus a padding digit when the first digit starts a base-100 pair
    # on its low side (even leading exponent) or the last one ends a pair on its high side.
    half_bytes = len(number.digits)
    half_bytes += 1 if number.leading_exponent % 2 == 0 else 0
    half_bytes += 1 if number.last_exponent % 2 == 1 else 0
    return half_bytes // 2 + 1 + (1 if number.negative else 0)


def attribute_value_size(value: AttributeValue) -> int:
    type_name = type_of(value)
    content = value[type_name]
    if type_name == "S":
        return utf8_length(content)
    if type_name == "N":
        return number_size(content)
    if type_name == "B":
        return binary_length(content)
    if type_name in ("BOOL", "NULL"):
        return 1
    if type_name == "SS":
        return sum(utf8_length(member) for member in content)
    if type_name == "NS":
        return sum(number_size(member) for member in content)
    if type_name == "BS":
        return sum(binary_length(member) for member in content)
    if type_name == "L":
        return DOCUMENT_OVERHEAD_BYTES + sum(1 + attribute_value_size(element) for element in content)
    if type_name == "M":
        return DOCUMENT_OVERHEAD_BYTES + sum(
            1 + utf8_length(name) + attribute_value_size(element) for name, element in content.items()
        )
    raise InternalServerError(f"not a validated AttributeValue type: {type_name}")


def item_size(item: Item) -> int:
    return sum(utf8_length(name) + attribute_value_size(value) for name, value in item.items())
