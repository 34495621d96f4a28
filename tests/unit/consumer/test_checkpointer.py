"""Checkpointer rules: what checkpoint() stores, which sequence numbers it refuses, and lease loss."""

from __future__ import annotations

from typing import Any

import pytest

from shardline.consumer import InvalidCheckpointError, LeaseLostError, ShutdownCheckpointError
from shardline.consumer.checkpointer import Checkpointer
from shardline.consumer.leases import SHARD_END, TRIM_HORIZON, HeldLease, Lease, LeaseTable
from tests.wire.conftest import unique_name


@pytest.fixture
def table(dynamodb: Any) -> LeaseTable:
    leases = LeaseTable(dynamodb, unique_name("app"))
    leases.ensure_exists("PAY_PER_REQUEST", lambda seconds: False)
    return leases


def held_lease(table: LeaseTable, checkpoint: str = TRIM_HORIZON) -> HeldLease:
    table.create(Lease("shard", None, 0, checkpoint))
    taken = table.take(Lease("shard", None, 0, checkpoint), "me")
    assert taken is not None
    return HeldLease(taken, renewed_at=0.0)


def stored_checkpoint(table: LeaseTable) -> str:
    lease = table.get_lease("shard")
    assert lease is not None
    return lease.checkpoint


def test_checkpoint_stores_the_last_record_handed_over(table: LeaseTable) -> None:
    checkpointer = Checkpointer(table, held_lease(table))
    checkpointer.handed_over("120")
    checkpointer.checkpoint()
    assert stored_checkpoint(table) == "120"
    assert checkpointer.last_checkpoint == "120"


def test_checkpoint_before_any_record_keeps_the_stored_position(table: LeaseTable) -> None:
    checkpointer = Checkpointer(table, held_lease(table))
    checkpointer.checkpoint()
    assert stored_checkpoint(table) == TRIM_HORIZON


def test_a_given_sequence_number_is_stored(table: LeaseTable) -> None:
    checkpointer = Checkpointer(table, held_lease(table))
    checkpointer.handed_over("300")
    checkpointer.checkpoint("250")
    assert stored_checkpoint(table) == "250"


@pytest.mark.parametrize("bad", ["301", "abc", "", "-5", "1e3"])
def test_sequence_numbers_beyond_the_batch_or_malformed_are_refused(table: LeaseTable, bad: str) -> None:
    checkpointer = Checkpointer(table, held_lease(table))
    checkpointer.handed_over("300")
    with pytest.raises(InvalidCheckpointError):
        checkpointer.checkpoint(bad)
    assert stored_checkpoint(table) == TRIM_HORIZON


def test_a_checkpoint_cannot_move_backwards(table: LeaseTable) -> None:
    checkpointer = Checkpointer(table, held_lease(table, checkpoint="200"))
    checkpointer.handed_over("300")
    with pytest.raises(InvalidCheckpointError):
        checkpointer.checkpoint("150")
    assert stored_checkpoint(table) == "200"


def test_at_shard_end_checkpoint_stores_shard_end(table: LeaseTable) -> None:
    checkpointer = Checkpointer(table, held_lease(table))
    checkpointer.handed_over("300")
    checkpointer.reached_shard_end()
    checkpointer.checkpoint()
    assert stored_checkpoint(table) == SHARD_END


def test_a_checkpoint_after_the_lease_was_taken_raises_and_stores_nothing(table: LeaseTable) -> None:
    held = held_lease(table)
    checkpointer = Checkpointer(table, held)
    checkpointer.handed_over("300")
    assert table.take(held.lease, "thief") is not None
    with pytest.raises(LeaseLostError):
        checkpointer.checkpoint()
    assert held.lost.is_set()
    assert stored_checkpoint(table) == TRIM_HORIZON
    with pytest.raises(LeaseLostError):  # and it stays lost
        checkpointer.checkpoint()


def test_checkpoints_keep_working_across_renewals(table: LeaseTable) -> None:
    held = held_lease(table)
    checkpointer = Checkpointer(table, held)
    renewed = table.renew(held.lease)  # what the scheduler's renewer does between batches
    assert renewed is not None
    held.lease = renewed
    checkpointer.handed_over("10")
    checkpointer.checkpoint()
    assert stored_checkpoint(table) == "10"


def test_a_closed_checkpointer_refuses(table: LeaseTable) -> None:
    checkpointer = Checkpointer(table, held_lease(table))
    checkpointer.handed_over("10")
    checkpointer.close()
    with pytest.raises(ShutdownCheckpointError):
        checkpointer.checkpoint()


def test_after_a_failed_batch_checkpoint_stores_the_batch_before_it(table: LeaseTable) -> None:
    checkpointer = Checkpointer(table, held_lease(table))
    checkpointer.handed_over("100")
    checkpointer.accepted()
    checkpointer.handed_over("200")
    checkpointer.rejected()  # process_records raised: the batch up to 200 comes again
    checkpointer.checkpoint()
    assert stored_checkpoint(table) == "100"
    with pytest.raises(InvalidCheckpointError):
        checkpointer.checkpoint("150")


def test_a_failed_batch_never_moves_a_checkpoint_it_stored_backwards(table: LeaseTable) -> None:
    checkpointer = Checkpointer(table, held_lease(table))
    checkpointer.handed_over("100")
    checkpointer.accepted()
    checkpointer.handed_over("300")
    checkpointer.checkpoint("250")  # part of the batch was done before process_records raised
    checkpointer.rejected()
    checkpointer.checkpoint()
    assert stored_checkpoint(table) == "250"


def test_a_failed_first_batch_leaves_the_stored_position(table: LeaseTable) -> None:
    checkpointer = Checkpointer(table, held_lease(table))
    checkpointer.handed_over("100")
    checkpointer.rejected()
    checkpointer.checkpoint()
    assert stored_checkpoint(table) == TRIM_HORIZON
