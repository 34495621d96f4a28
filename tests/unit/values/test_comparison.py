"""Ordering and equality of AttributeValues against Decimal and bytes ordering."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shardline.values.comparison import compare_values, values_equal
from shardline.values.numbers import normalize_number

numbers = st.decimals(
    min_value=Decimal("-1E+20"), max_value=Decimal("1E+20"), allow_nan=False, allow_infinity=False, places=8
)


def number(value: Decimal) -> dict[str, str]:
    return {"N": normalize_number(f"{value:E}")}


def binary(data: bytes) -> dict[str, str]:
    return {"B": base64.b64encode(data).decode()}


def expected_order(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


@given(numbers, numbers)
def test_numbers_compare_like_decimals(a: Decimal, b: Decimal) -> None:
    assert compare_values(number(a), number(b)) == expected_order(a, b)


@given(st.text(), st.text())
def test_strings_compare_like_their_utf8_bytes(a: str, b: str) -> None:
    a_bytes, b_bytes = a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    assert compare_values({"S": a}, {"S": b}) == expected_order(a_bytes, b_bytes)


@given(st.binary(), st.binary())
def test_binaries_compare_like_bytes(a: bytes, b: bytes) -> None:
    assert compare_values(binary(a), binary(b)) == expected_order(a, b)


def test_utf8_order_is_not_utf16_order() -> None:
    # U+FF61 sorts before U+1F600 in UTF-8 (and code points) but after it in UTF-16 code units.
    assert compare_values({"S": "\uff61"}, {"S": "\U0001f600"}) == -1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"S": "1"}, {"N": "1"}),
        ({"N": "1"}, {"B": "AQ=="}),
        ({"BOOL": True}, {"BOOL": False}),
        ({"NULL": True}, {"NULL": True}),
        ({"SS": ["a"]}, {"SS": ["a"]}),
        ({"L": []}, {"L": []}),
        ({"M": {}}, {"M": {}}),
    ],
)
def test_other_pairs_are_not_comparable(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert compare_values(a, b) is None


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ({"N": "1"}, {"N": "1.0"}, True),
        ({"N": "1"}, {"N": "2"}, False),
        ({"S": "a"}, {"S": "a"}, True),
        ({"S": "1"}, {"N": "1"}, False),
        ({"B": "AQ=="}, {"B": "AQ=="}, True),
        ({"B": "AQ=="}, {"B": "Ag=="}, False),
        ({"BOOL": True}, {"BOOL": True}, True),
        ({"BOOL": True}, {"BOOL": False}, False),
        ({"NULL": True}, {"NULL": True}, True),
        ({"SS": ["a", "b"]}, {"SS": ["b", "a"]}, True),
        ({"SS": ["a", "b"]}, {"SS": ["a"]}, False),
        ({"NS": ["1", "2"]}, {"NS": ["2.0", "1"]}, True),
        ({"NS": ["1", "2"]}, {"NS": ["1", "3"]}, False),
        ({"BS": ["AQ==", "Ag=="]}, {"BS": ["Ag==", "AQ=="]}, True),
        ({"L": [{"N": "1"}, {"S": "x"}]}, {"L": [{"N": "1.0"}, {"S": "x"}]}, True),
        ({"L": [{"N": "1"}, {"S": "x"}]}, {"L": [{"S": "x"}, {"N": "1"}]}, False),
        ({"L": [{"N": "1"}]}, {"L": [{"N": "1"}, {"N": "1"}]}, False),
        (
            {"M": {"a": {"NS": ["1"]}, "b": {"NULL": True}}},
            {"M": {"b": {"NULL": True}, "a": {"NS": ["1.00"]}}},
            True,
        ),
        ({"M": {"a": {"S": "x"}}}, {"M": {"a": {"S": "y"}}}, False),
        ({"M": {"a": {"S": "x"}}}, {"M": {"b": {"S": "x"}}}, False),
    ],
)
def test_values_equal(a: dict[str, Any], b: dict[str, Any], equal: bool) -> None:
    assert values_equal(a, b) is equal
    assert values_equal(b, a) is equal


@given(numbers, numbers)
def test_number_equality_agrees_with_comparison(a: Decimal, b: Decimal) -> None:
    assert values_equal(number(a), number(b)) is (compare_values(number(a), number(b)) == 0)
