"""ParallelizationFactor: lanes by partition key, and the checkpoint that only passes records done in order."""

from __future__ import annotations

from shardline.triggers.parallelization import CompletionTracker, lane_of


def test_a_partition_key_always_maps_to_the_same_lane() -> None:
    keys = [f"key-{n}" for n in range(200)]
    lanes = [lane_of(key, 4) for key in keys]
    assert lanes == [lane_of(key, 4) for key in keys]
    assert set(lanes) == {0, 1, 2, 3}
    assert all(lane_of(key, 1) == 0 for key in keys)


def test_the_checkpoint_waits_for_the_oldest_record() -> None:
    tracker = CompletionTracker()
    for sequence, created in ((11, 1.0), (12, 2.0), (13, 3.0), (14, 4.0)):
        tracker.add(sequence, created)
    tracker.finish(12)
    tracker.finish(14)
    assert tracker.done_through is None
    assert tracker.oldest_created_at == 1.0
    tracker.finish(11)
    assert tracker.done_through == 12
    assert tracker.oldest_created_at == 3.0
    tracker.finish(13)
    assert tracker.done_through == 14
    assert tracker.outstanding == 0
    assert tracker.oldest_created_at is None
