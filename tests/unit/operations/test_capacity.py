"""Capacity units as the developer guide defines them (read-write-operations: 4 KB reads, 1 KB writes)."""

from __future__ import annotations

import pytest

from shardline.operations.capacity import (
    IndexUnits,
    add_consumed_capacity,
    consumed_capacity,
    index_write_units,
    read_units,
    write_units,
)

READ_CASES = [
    # (item size in bytes or None for a missing item, consistent, expected units)
    (None, True, 1.0),
    (None, False, 0.5),
    (1, True, 1.0),
    (3500, False, 0.5),
    (4096, True, 1.0),
    (4097, True, 2.0),
    (4097, False, 1.0),
    (10 * 1024, True, 3.0),
    (10 * 1024, False, 1.5),
    (409_600, True, 100.0),
]


@pytest.mark.parametrize(("size", "consistent", "expected"), READ_CASES)
def test_read_units_round_up_to_4kb(size: int | None, consistent: bool, expected: float) -> None:
    assert read_units(size, consistent=consistent) == expected


WRITE_CASES = [
    # (sizes before/after, expected units)
    ((None,), 1.0),
    ((None, None), 1.0),
    ((10,), 1.0),
    ((1024,), 1.0),
    ((1025,), 2.0),
    ((500, 2049), 3.0),
    ((3000, None), 3.0),
    ((409_600, 1), 400.0),
]


@pytest.mark.parametrize(("sizes", "expected"), WRITE_CASES)
def test_write_units_charge_the_larger_item(sizes: tuple[int | None, ...], expected: float) -> None:
    assert write_units(*sizes) == expected


def test_total_reports_table_name_and_units() -> None:
    assert consumed_capacity("things", 2.5, "TOTAL") == {"TableName": "things", "CapacityUnits": 2.5}


def test_indexes_adds_the_table_breakdown() -> None:
    assert consumed_capacity("things", 1.0, "INDEXES") == {
        "TableName": "things",
        "CapacityUnits": 1.0,
        "Table": {"CapacityUnits": 1.0},
    }


@pytest.mark.parametrize("mode", [None, "NONE"])
def test_no_capacity_unless_asked(mode: str | None) -> None:
    response: dict[str, object] = {"Item": {}}
    assert consumed_capacity("things", 1.0, mode) is None
    assert add_consumed_capacity(response, "things", 1.0, mode) == {"Item": {}}


INDEX_WRITE_CASES = [
    # (projected entry size before/after, None: not in the index; whether the index key changed; units)
    (None, None, False, 0.0),
    (None, 10, False, 1.0),  # an entry put into the index: one write
    (None, 1025, False, 2.0),
    (2048, None, True, 2.0),  # an entry taken out: one write of its size
    (10, 10, True, 2.0),  # a key that moves: delete the old entry, put the new one
    (1500, 10, True, 3.0),
    (10, 1500, False, 2.0),  # a changed entry under the same key: one write of the larger
]


@pytest.mark.parametrize(("old", "new", "moved", "expected"), INDEX_WRITE_CASES)
def test_index_write_units(old: int | None, new: int | None, moved: bool, expected: float) -> None:
    assert index_write_units(old, new, key_moved=moved) == expected


def test_index_units_count_in_the_total_and_are_itemised_under_indexes() -> None:
    spent = [IndexUnits("by-g", True, 2.0), IndexUnits("by-l", False, 1.0), IndexUnits("by-g", True, 1.0)]
    assert consumed_capacity("things", 1.0, "TOTAL", spent) == {"TableName": "things", "CapacityUnits": 5.0}
    assert consumed_capacity("things", 1.0, "INDEXES", spent) == {
        "TableName": "things",
        "CapacityUnits": 5.0,
        "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 3.0}},
        "LocalSecondaryIndexes": {"by-l": {"CapacityUnits": 1.0}},
    }
