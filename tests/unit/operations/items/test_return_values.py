"""ReturnValues selection: which attributes each mode hands back, and which modes Put/Delete accept."""

from __future__ import annotations

from typing import Any

import pytest

from shardline.errors import ValidationException
from shardline.operations.items.return_values import (
    add_attributes,
    check_put_or_delete_mode,
    returned_attributes,
)

OLD = {"pk": {"S": "a"}, "n": {"N": "1"}, "m": {"M": {"x": {"S": "old"}, "y": {"S": "keep"}}}}
NEW = {
    "pk": {"S": "a"},
    "n": {"N": "2"},
    "m": {"M": {"x": {"S": "new"}, "y": {"S": "keep"}}},
    "z": {"BOOL": True},
}
PATHS = (("m", "x"), ("z",))

CASES: list[tuple[str, Any]] = [
    ("NONE", None),
    ("ALL_OLD", OLD),
    ("ALL_NEW", NEW),
    ("UPDATED_OLD", {"m": {"M": {"x": {"S": "old"}}}}),
    ("UPDATED_NEW", {"m": {"M": {"x": {"S": "new"}}}, "z": {"BOOL": True}}),
]


@pytest.mark.parametrize(("mode", "expected"), CASES)
def test_modes_select_attributes(mode: str, expected: Any) -> None:
    assert returned_attributes(mode, old=OLD, new=NEW, updated_paths=PATHS) == expected


@pytest.mark.parametrize("mode", ["ALL_OLD", "UPDATED_OLD"])
def test_nothing_old_returns_nothing(mode: str) -> None:
    assert returned_attributes(mode, old=None, new=NEW, updated_paths=PATHS) is None


def test_updated_paths_absent_from_item_leave_nothing() -> None:
    assert returned_attributes("UPDATED_OLD", old=OLD, new=NEW, updated_paths=(("gone",),)) is None


def test_empty_attributes_are_left_out_of_the_response() -> None:
    assert add_attributes({}, None) == {}
    assert add_attributes({}, {"a": {"S": "b"}}) == {"Attributes": {"a": {"S": "b"}}}


@pytest.mark.parametrize(("given", "expected"), [(None, "NONE"), ("NONE", "NONE"), ("ALL_OLD", "ALL_OLD")])
def test_put_and_delete_accept_none_and_all_old(given: str | None, expected: str) -> None:
    assert check_put_or_delete_mode(given) == expected


@pytest.mark.parametrize("mode", ["ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"])
def test_put_and_delete_refuse_other_modes(mode: str) -> None:
    with pytest.raises(ValidationException) as raised:
        check_put_or_delete_mode(mode)
    assert raised.value.message == "ReturnValues can only be ALL_OLD or NONE"
