"""CapacityTally: units summed per table and rendered as AWS's ConsumedCapacity list."""

from __future__ import annotations

from shardline.operations.batches.capacity_tally import READ_UNITS, WRITE_UNITS, CapacityTally
from shardline.operations.capacity import IndexUnits


def test_units_are_summed_per_table_in_first_charge_order() -> None:
    tally = CapacityTally()
    tally.add("b", 1.0)
    tally.add("a", 0.5)
    tally.add("b", 2.0)
    assert tally.render("TOTAL") == [
        {"TableName": "b", "CapacityUnits": 3.0},
        {"TableName": "a", "CapacityUnits": 0.5},
    ]


def test_indexes_mode_repeats_the_table_figures() -> None:
    tally = CapacityTally(READ_UNITS)
    tally.add("t", 4.0)
    assert tally.render("INDEXES") == [
        {
            "TableName": "t",
            "CapacityUnits": 4.0,
            "ReadCapacityUnits": 4.0,
            "Table": {"CapacityUnits": 4.0, "ReadCapacityUnits": 4.0},
        },
    ]


def test_nothing_unless_asked() -> None:
    tally = CapacityTally(WRITE_UNITS)
    tally.add("t", 1.0)
    assert tally.render(None) is None
    assert tally.render("NONE") is None
    assert tally.add_to({}, "NONE") == {}
    assert tally.add_to({}, "TOTAL") == {
        "ConsumedCapacity": [{"TableName": "t", "CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}]
    }


def test_index_units_join_their_table() -> None:
    tally = CapacityTally(WRITE_UNITS)
    tally.add("t", 2.0, [IndexUnits("by-g", True, 2.0)])
    tally.add("u", 1.0)
    tally.add("t", 2.0, [IndexUnits("by-g", True, 4.0), IndexUnits("by-l", False, 2.0)])
    assert tally.units("t") == 4.0
    assert tally.render("TOTAL") == [
        {"TableName": "t", "CapacityUnits": 12.0, "WriteCapacityUnits": 12.0},
        {"TableName": "u", "CapacityUnits": 1.0, "WriteCapacityUnits": 1.0},
    ]
    assert tally.render("INDEXES") == [
        {
            "TableName": "t",
            "CapacityUnits": 12.0,
            "WriteCapacityUnits": 12.0,
            "Table": {"CapacityUnits": 4.0, "WriteCapacityUnits": 4.0},
            "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 6.0, "WriteCapacityUnits": 6.0}},
            "LocalSecondaryIndexes": {"by-l": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}},
        },
        {
            "TableName": "u",
            "CapacityUnits": 1.0,
            "WriteCapacityUnits": 1.0,
            "Table": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0},
        },
    ]
