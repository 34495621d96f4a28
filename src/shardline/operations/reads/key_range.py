"""A Query's sort-key predicate as a range of encoded sort keys, and the same predicate tested on one value
(for ExclusiveStartKey). Encoded order is DynamoDB's order, so every predicate is one contiguous range."""

from __future__ import annotations

from shardline.expressions.functions import begins_with
from shardline.expressions.key_condition import KeyPredicate
from shardline.storage.backend import KeyRange
from shardline.values.comparison import compare_values
from shardline.values.key_codec import encode_key_value
from shardline.values.types import AttributeValue

EVERYTHING = KeyRange()


def prefix_successor(prefix: bytes) -> bytes | None:
    """The smallest byte string above every string that starts with prefix: drop trailing 0xFF bytes,
    then add one to the last byte. None when no such string exists (prefix empty or all 0xFF)."""
    trimmed = prefix.rstrip(b"\xff")
    if not trimmed:
        return None
    return trimmed[:-1] + bytes([trimmed[-1] + 1])


def sort_key_range(predicate: KeyPredicate | None) -> KeyRange:
    """The encoded sort-key bounds of predicate (everything when there is none)."""
    if predicate is None:
        return EVERYTHING
    encoded = [encode_key_value(value) for value in predicate.values]
    operator = predicate.operator
    if operator == "=":
        return KeyRange(encoded[0], True, encoded[0], True)
    if operator == "<":
        return KeyRange(upper=encoded[0], upper_inclusive=False)
    if operator == "<=":
        return KeyRange(upper=encoded[0], upper_inclusive=True)
    if operator == ">":
        return KeyRange(lower=encoded[0], lower_inclusive=False)
    if operator == ">=":
        return KeyRange(lower=encoded[0], lower_inclusive=True)
    if operator == "BETWEEN":
        return KeyRange(encoded[0], True, encoded[1], True)
    # BEGINS_WITH on S or B: S encodes as UTF-8 and B as its bytes, so a prefix is a byte prefix.
    return KeyRange(lower=encoded[0], lower_inclusive=True, upper=prefix_successor(encoded[0]), upper_inclusive=False)


def matches_predicate(predicate: KeyPredicate, value: AttributeValue) -> bool:
    """Whether a sort-key value satisfies predicate (values of other types never do)."""
    if predicate.operator == "BEGINS_WITH":
        return begins_with(value, predicate.values[0])
    orders: list[int] = []
    for bound in predicate.values:
        order = compare_values(value, bound)
        if order is None:
            return False
        orders.append(order)
    first = orders[0]
    tests = {
        "=": first == 0,
        "<": first < 0,
        "<=": first <= 0,
        ">": first > 0,
        ">=": first >= 0,
    }
    if predicate.operator in tests:
        return tests[predicate.operator]
    return first >= 0 and orders[-1] <= 0  # BETWEEN
