"""Parallel-scan segments: parameter rules, and slices that cover the 64-bit hash space exactly."""

from __future__ import annotations

from typing import Any

import pytest

from shardline.errors import ValidationException
from shardline.operations.reads.segments import SegmentRequest, segment_request
from shardline.values.key_codec import partition_hash

LOWEST = -(2**63)
HIGHEST = 2**63 - 1


@pytest.mark.parametrize("total", [1, 2, 3, 7, 10, 999_983, 1_000_000])
def test_segments_are_contiguous_and_cover_everything(total: int) -> None:
    probes = sorted({0, 1, 2, total // 2, total - 2, total - 1} & set(range(total)))
    for segment in probes:
        bounds = SegmentRequest(segment, total).hash_segment()
        assert bounds.lower <= bounds.upper
        if segment == 0:
            assert bounds.lower == LOWEST
        else:
            assert SegmentRequest(segment - 1, total).hash_segment().upper == bounds.lower - 1
        if segment == total - 1:
            assert bounds.upper == HIGHEST


def test_every_partition_falls_in_exactly_one_segment() -> None:
    total = 5
    slices = [SegmentRequest(segment, total).hash_segment() for segment in range(total)]
    for index in range(500):
        hashed = partition_hash(f"partition-{index}".encode())
        assert sum(1 for bounds in slices if bounds.lower <= hashed <= bounds.upper) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"Segment": 0},
            "The TotalSegments parameter is required but was not present in the request when Segment parameter "
            "is present",
        ),
        (
            {"TotalSegments": 4},
            "The Segment parameter is required but was not present in the request when parameter TotalSegments "
            "is present",
        ),
        (
            {"Segment": 4, "TotalSegments": 4},
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not "
            "less than TotalSegments: 4",
        ),
    ],
)
def test_parameter_errors(body: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationException) as raised:
        segment_request(body)
    assert raised.value.message == message


def test_valid_parameters() -> None:
    assert segment_request({}) is None
    assert segment_request({"Segment": 2, "TotalSegments": 3}) == SegmentRequest(2, 3)


def test_a_start_key_outside_the_segment_is_refused() -> None:
    partition = b"some-partition"
    hashed = partition_hash(partition)
    total = 2
    owner = 0 if hashed < 0 else 1
    SegmentRequest(owner, total).check_start(partition)
    with pytest.raises(ValidationException) as raised:
        SegmentRequest(1 - owner, total).check_start(partition)
    assert raised.value.message == (
        "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with "
        f"correct Segment. TotalSegments: 2 Segment: {1 - owner}"
    )
