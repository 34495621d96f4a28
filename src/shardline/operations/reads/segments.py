"""Parallel scan: Segment/TotalSegments checks, and segment i of N as a contiguous slice of the signed
64-bit partition-hash space, so that the N segments cover every partition exactly once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.operations.reads.read_target import INVALID_START_KEY
from shardline.storage.backend import HashSegment
from shardline.values.key_codec import partition_hash

MIN_HASH = -(2**63)
HASH_SPACE = 2**64


@dataclass(frozen=True)
class SegmentRequest:
    segment: int
    total_segments: int

    def hash_segment(self) -> HashSegment:
        lower = MIN_HASH + self.segment * HASH_SPACE // self.total_segments
        upper = MIN_HASH + (self.segment + 1) * HASH_SPACE // self.total_segments - 1
        return HashSegment(lower, upper)

    def check_start(self, encoded_partition: bytes) -> None:
        """A starting key must lie in this segment (its partition's hash in the segment's slice)."""
        bounds = self.hash_segment()
        if not bounds.lower <= partition_hash(encoded_partition) <= bounds.upper:
            raise ValidationException(
                f"{INVALID_START_KEY}: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct "
                f"Segment. TotalSegments: {self.total_segments} Segment: {self.segment}"
            )


def segment_request(body: Mapping[str, Any]) -> SegmentRequest | None:
    """Segment and TotalSegments go together, and Segment counts from zero (ranges are checked by the
    shape layer: Segment 0..999999, TotalSegments 1..1000000)."""
    segment = body.get("Segment")
    total = body.get("TotalSegments")
    if segment is not None and total is None:
        raise ValidationException(
            "The TotalSegments parameter is required but was not present in the request when Segment "
            "parameter is present"
        )
    if total is not None and segment is None:
        raise ValidationException(
            "The Segment parameter is required but was not present in the request when parameter "
            "TotalSegments is present"
        )
    if segment is None or total is None:
        return None
    if segment >= total:
        raise ValidationException(
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
            f"Segment: {segment} is not less than TotalSegments: {total}"
        )
    return SegmentRequest(int(segment), int(total))
