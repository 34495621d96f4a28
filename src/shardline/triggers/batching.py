"""Batching decisions: a batch holds up to BatchSize records and at most Lambda's 6 MB payload, and is sent
when it is full, when MaximumBatchingWindowInSeconds has passed since its first record, or at once with a
window of 0."""

from __future__ import annotations

from collections.abc import Sequence

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
# `{"Records": []}` plus room for the tumbling-window fields Lambda adds next to Records.
ENVELOPE_BYTES = 1024


def batch_length(sizes: Sequence[int], batch_size: int, max_bytes: int = MAX_PAYLOAD_BYTES) -> int:
    """How many of the leading records (by their JSON sizes) make one batch: at most batch_size, and no more
    than fit the payload limit (one comma between records), but always at least one when any exist."""
    total = ENVELOPE_BYTES
    count = 0
    for size in sizes[:batch_size]:
        total += size + 1
        if count and total > max_bytes:
            break
        count += 1
    return count


def wait_before_batch(
    *,
    pending: int,
    pending_bytes: int,
    first_arrival: float | None,
    now: float,
    batch_size: int,
    window_seconds: float,
    source_done: bool,
) -> float | None:
    """Seconds to wait before sending a batch (0: send now), or None when there is nothing to send.
    A source that will bring no more records (a closed shard drained) sends what it has at once."""
    if pending == 0 or first_arrival is None:
        return None
    if window_seconds <= 0 or source_done or pending >= batch_size:
        return 0.0
    if pending_bytes + ENVELOPE_BYTES >= MAX_PAYLOAD_BYTES:
        return 0.0
    return max(0.0, first_arrival + window_seconds - now)
