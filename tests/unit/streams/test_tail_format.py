"""How `shardline tail` prints a record in a terminal."""

from __future__ import annotations

from datetime import UTC, datetime

from shardline.cli.tail import _plain, format_record


def test_modify_shows_keys_and_both_images() -> None:
    record = {
        "eventName": "MODIFY",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2024, 1, 1, 12, 0, 5, tzinfo=UTC),
            "Keys": {"id": {"S": "o1"}},
            "OldImage": {"id": {"S": "o1"}, "status": {"S": "pending"}},
            "NewImage": {"id": {"S": "o1"}, "status": {"S": "shipped"}, "tags": {"SS": ["a"]}},
        },
    }
    lines = format_record(record, colour=False).splitlines()
    assert lines[0].endswith("MODIFY id=o1")
    assert lines[1] == "    old: id=o1 status=pending"
    assert lines[2] == '    new: id=o1 status=shipped tags=["a"]'
    assert "\\x1b[" in repr(format_record(record, colour=True))


def test_plain_turns_timestamps_into_epoch_seconds() -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    assert _plain({"a": [moment]}) == {"a": [1704067200.0]}
