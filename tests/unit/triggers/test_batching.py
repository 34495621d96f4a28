"""Batching: BatchSize, the 6 MB payload limit and MaximumBatchingWindowInSeconds."""

from __future__ import annotations

import pytest

from shardline.triggers.batching import MAX_PAYLOAD_BYTES, batch_length, wait_before_batch


@pytest.mark.parametrize(
    ("sizes", "batch_size", "expected"),
    [
        ([10] * 5, 100, 5),
        ([10] * 500, 100, 100),
        ([10] * 5, 1, 1),
        ([], 100, 0),
        # 6 MB: records of 1 MB each, six of them do not fit with the envelope
        ([1024 * 1024] * 10, 100, 5),
        # one record larger than the limit still goes alone
        ([MAX_PAYLOAD_BYTES + 1, 10], 100, 1),
    ],
)
def test_batch_length(sizes: list[int], batch_size: int, expected: int) -> None:
    assert batch_length(sizes, batch_size) == expected


def wait(**overrides: object) -> float | None:
    arguments: dict[str, object] = {
        "pending": 3, "pending_bytes": 300, "first_arrival": 100.0, "now": 100.5, "batch_size": 10,
        "window_seconds": 2.0, "source_done": False,
    }
    arguments.update(overrides)
    return wait_before_batch(**arguments)  # type: ignore[arg-type]


def test_no_records_means_nothing_to_send() -> None:
    assert wait(pending=0, first_arrival=None) is None


def test_a_window_of_zero_sends_at_once() -> None:
    assert wait(window_seconds=0) == 0.0


def test_the_window_holds_a_partial_batch_until_it_ends() -> None:
    assert wait() == pytest.approx(1.5)
    assert wait(now=102.0) == 0.0


def test_a_full_batch_or_payload_goes_before_the_window_ends() -> None:
    assert wait(pending=10) == 0.0
    assert wait(pending_bytes=MAX_PAYLOAD_BYTES) == 0.0


def test_a_drained_closed_shard_does_not_wait() -> None:
    assert wait(source_done=True) == 0.0
