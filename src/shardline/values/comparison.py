"""Ordering and equality of validated AttributeValues, as DynamoDB compares them.

Numbers compare by value, strings by their UTF-8 bytes (the same order as code points), binaries by
their bytes. Only S, N and B are ordered; equality is deep and ignores the order of set members.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shardline.values.binary import decode_binary
from shardline.values.numbers import to_decimal
from shardline.values.types import KEY_TYPES, AttributeValue, type_of


def compare_values(a: AttributeValue, b: AttributeValue) -> int | None:
    """-1, 0 or 1 for two S, two N or two B values; None when they are not comparable."""
    a_type, b_type = type_of(a), type_of(b)
    if a_type != b_type or a_type not in KEY_TYPES:
        return None
    left: Any
    right: Any
    if a_type == "N":
        left, right = to_decimal(a["N"]), to_decimal(b["N"])
    elif a_type == "B":
        left, right = decode_binary(a["B"]), decode_binary(b["B"])
    else:
        # UTF-8 preserves code point order, so comparing str is comparing the bytes.
        left, right = a["S"], b["S"]
    return int(left > right) - int(left < right)


def values_equal(a: AttributeValue, b: AttributeValue) -> bool:
    """Deep equality: numbers by value, sets regardless of order, lists in order, maps by key."""
    a_type, b_type = type_of(a), type_of(b)
    if a_type != b_type:
        return False
    left, right = a[a_type], b[b_type]
    if a_type == "N":
        return to_decimal(left) == to_decimal(right)
    if a_type == "B":
        return decode_binary(left) == decode_binary(right)
    if a_type == "NS":
        return _number_set(left) == _number_set(right)
    if a_type == "BS":
        return {decode_binary(member) for member in left} == {decode_binary(member) for member in right}
    if a_type == "SS":
        return set(left) == set(right)
    if a_type == "L":
        return len(left) == len(right) and all(values_equal(x, y) for x, y in zip(left, right))
    if a_type == "M":
        return left.keys() == right.keys() and all(values_equal(left[k], right[k]) for k in left)
    return bool(left == right)  # S, BOOL, NULL


def _number_set(members: list[str]) -> set[Decimal]:
    return {to_decimal(member) for member in members}
