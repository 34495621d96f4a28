"""Item size accounting against the rules in AWS's "Item sizes and formats"."""

from __future__ import annotations

from typing import Any

import pytest

from shardline.values.item_size import MAX_ITEM_BYTES, attribute_value_size, item_size

from .case_files import load_cases

CASES = load_cases("item_sizes.json")["cases"]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["name"])
def test_item_size(case: dict[str, Any]) -> None:
    assert item_size(case["item"]) == case["size"]


def test_limit_is_400_kilobytes() -> None:
    assert MAX_ITEM_BYTES == 400 * 1024


def test_item_exactly_at_the_limit() -> None:
    name = "a"
    item = {name: {"S": "x" * (409_600 - 1)}}
    assert item_size(item) == 409_600
    item[name]["S"] += "x"
    assert item_size(item) == 409_601


def test_value_size_excludes_the_name() -> None:
    assert attribute_value_size({"S": "abc"}) == 3
    assert attribute_value_size({"M": {"k": {"NULL": True}}}) == 3 + 1 + 1 + 1


@pytest.mark.parametrize(
    ("small", "large"),
    [("1", "12"), ("12", "123"), ("-1", "-12"), ("1", "-1")],
)
def test_more_digits_never_cost_less(small: str, large: str) -> None:
    assert attribute_value_size({"N": large}) >= attribute_value_size({"N": small})
