"""Stream images to plain Python values."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pytest

from shardline.consumer import deserialize_record, python_value

CASES: list[tuple[dict[str, Any], Any]] = [
    ({"S": "text"}, "text"),
    ({"N": "12.50"}, Decimal("12.5")),
    ({"N": "-1E+3"}, Decimal("-1000")),
    ({"B": b"\x00\xff"}, b"\x00\xff"),
    ({"B": base64.b64encode(b"raw json").decode()}, b"raw json"),
    ({"BOOL": False}, False),
    ({"NULL": True}, None),
    ({"SS": ["a", "b"]}, {"a", "b"}),
    ({"NS": ["1", "2.0"]}, {Decimal(1), Decimal(2)}),
    ({"BS": [b"x", b"y"]}, {b"x", b"y"}),
    ({"L": [{"S": "a"}, {"N": "1"}, {"L": []}]}, ["a", Decimal(1), []]),
    ({"M": {"inner": {"M": {"n": {"NULL": True}}}}}, {"inner": {"n": None}}),
]


@pytest.mark.parametrize(("attribute", "expected"), CASES)
def test_attribute_values_become_python_values(attribute: dict[str, Any], expected: Any) -> None:
    assert python_value(attribute) == expected


@pytest.mark.parametrize("attribute", [{"X": "1"}, {}, {"S": "a", "N": "1"}])
def test_malformed_attribute_values_are_rejected(attribute: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        python_value(attribute)


def test_a_record_keeps_its_envelope_and_converts_its_images() -> None:
    record = {
        "eventName": "MODIFY",
        "dynamodb": {
            "Keys": {"pk": {"S": "a"}},
            "OldImage": {"pk": {"S": "a"}, "n": {"N": "1"}},
            "NewImage": {"pk": {"S": "a"}, "n": {"N": "2"}},
            "SequenceNumber": "100",
        },
    }
    converted = deserialize_record(record)
    assert converted["eventName"] == "MODIFY"
    assert converted["dynamodb"]["SequenceNumber"] == "100"
    assert converted["dynamodb"]["Keys"] == {"pk": "a"}
    assert converted["dynamodb"]["OldImage"] == {"pk": "a", "n": Decimal(1)}
    assert converted["dynamodb"]["NewImage"] == {"pk": "a", "n": Decimal(2)}
    assert record["dynamodb"]["Keys"] == {"pk": {"S": "a"}}  # the original is untouched
