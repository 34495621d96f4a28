"""The lease table over the wire: KCL's layout, and conditional writes that let only one worker own a shard."""

from __future__ import annotations

import random
from typing import Any

import pytest

from shardline.clock import FakeClock
from shardline.consumer import ConsumerConfig
from shardline.consumer.lease_taker import LeaseTaker
from shardline.consumer.leases import SHARD_END, TRIM_HORIZON, Lease, LeaseTable
from tests.wire.conftest import unique_name


@pytest.fixture
def table(dynamodb: Any) -> LeaseTable:
    leases = LeaseTable(dynamodb, unique_name("app"))
    leases.ensure_exists("PAY_PER_REQUEST", lambda seconds: False)
    return leases


def test_the_lease_table_is_created_once_with_kcl_key(dynamodb: Any, table: LeaseTable) -> None:
    table.ensure_exists("PAY_PER_REQUEST", lambda seconds: False)  # a second worker: no error
    description = dynamodb.describe_table(TableName=table.table_name)["Table"]
    assert description["KeySchema"] == [{"AttributeName": "leaseKey", "KeyType": "HASH"}]
    assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_a_lease_item_uses_kcl_attribute_names(dynamodb: Any, table: LeaseTable) -> None:
    assert table.create(Lease("shardId-1", None, 0, TRIM_HORIZON, ("shardId-0",)))
    taken = table.take(Lease("shardId-1", None, 0, TRIM_HORIZON, ("shardId-0",)), "worker-a")
    assert taken is not None
    item = dynamodb.get_item(TableName=table.table_name, Key={"leaseKey": {"S": "shardId-1"}})["Item"]
    assert item == {
        "leaseKey": {"S": "shardId-1"},
        "leaseOwner": {"S": "worker-a"},
        "leaseCounter": {"N": "1"},
        "checkpoint": {"S": "TRIM_HORIZON"},
        "checkpointSubSequenceNumber": {"N": "0"},
        "ownerSwitchesSinceCheckpoint": {"N": "0"},  # taking a lease nobody owned is no owner switch (KCL)
        "parentShardId": {"SS": ["shardId-0"]},  # KCL's name: singular, a string set
    }


def test_a_lease_written_with_the_earlier_parent_attribute_keeps_its_lineage(dynamodb: Any, table: LeaseTable) -> None:
    dynamodb.put_item(TableName=table.table_name, Item={
        "leaseKey": {"S": "shardId-2"}, "leaseCounter": {"N": "4"}, "checkpoint": {"S": "TRIM_HORIZON"},
        "parentShardIds": {"SS": ["shardId-1"]},
    })
    stored = table.get_lease("shardId-2")
    assert stored is not None and stored.parent_shard_ids == ("shardId-1",)


def test_a_lease_is_created_only_once(table: LeaseTable) -> None:
    assert table.create(Lease("s", None, 0, TRIM_HORIZON))
    assert not table.create(Lease("s", "intruder", 7, "123"))
    stored = table.get_lease("s")
    assert stored is not None and stored.owner is None and stored.counter == 0


def test_only_one_of_two_racing_workers_takes_a_lease(table: LeaseTable) -> None:
    table.create(Lease("s", None, 0, TRIM_HORIZON))
    seen = table.get_lease("s")
    assert seen is not None
    assert table.take(seen, "a") is not None
    assert table.take(seen, "b") is None
    stored = table.get_lease("s")
    assert stored is not None and stored.owner == "a" and stored.counter == 1


def test_renewal_fails_once_the_lease_was_taken(table: LeaseTable) -> None:
    table.create(Lease("s", None, 0, TRIM_HORIZON))
    mine = table.take(Lease("s", None, 0, TRIM_HORIZON), "a")
    assert mine is not None
    mine = table.renew(mine)
    assert mine is not None and mine.counter == 2
    assert mine.owner_switches_since_checkpoint == 0
    stolen = table.take(mine, "b")
    assert stolen is not None and stolen.owner_switches_since_checkpoint == 1
    stored = table.get_lease("s")
    assert stored is not None and stored.owner_switches_since_checkpoint == 1
    assert table.renew(mine) is None
    assert table.checkpoint(mine, "100") is None


def test_checkpoint_resets_owner_switches_and_release_drops_the_owner(table: LeaseTable) -> None:
    table.create(Lease("s", None, 0, TRIM_HORIZON))
    mine = table.take(Lease("s", None, 0, TRIM_HORIZON), "a")
    assert mine is not None
    mine = table.checkpoint(mine, SHARD_END)
    assert mine is not None
    released = table.release(mine)
    assert released is not None
    stored = table.get_lease("s")
    assert stored == Lease("s", None, 3, SHARD_END, (), 0)
    assert stored.ended


def test_delete_is_conditional_on_the_counter(table: LeaseTable) -> None:
    table.create(Lease("s", None, 0, SHARD_END))
    assert not table.delete(Lease("s", None, 5, SHARD_END))
    assert table.delete(Lease("s", None, 0, SHARD_END))
    assert table.get_lease("s") is None


def test_list_leases_reads_every_page(table: LeaseTable) -> None:
    for index in range(30):
        table.create(Lease(f"shard-{index:02}", None, 0, TRIM_HORIZON, (), 0))
    assert sorted(lease.lease_key for lease in table.list_leases()) == [f"shard-{i:02}" for i in range(30)]


def test_a_dead_workers_lease_is_taken_after_the_failover_time(table: LeaseTable) -> None:
    clock = FakeClock()
    config = ConsumerConfig(failover_seconds=10.0)
    table.create(Lease("s", None, 0, TRIM_HORIZON))
    ghost = table.take(Lease("s", None, 0, TRIM_HORIZON), "ghost")
    assert ghost is not None
    taker = LeaseTaker(table, "me", config, clock, random.Random(1))
    assert taker.take(set()) == []
    clock.advance(6)
    ghost = table.renew(ghost)  # still alive: the counter moved
    assert ghost is not None
    assert taker.take(set()) == []
    clock.advance(9)
    assert taker.take(set()) == []  # 9 s since the renewal was seen
    clock.advance(1.5)
    taken = taker.take(set())
    assert [(lease.lease_key, lease.owner) for lease in taken] == [("s", "me")]


def test_a_released_lease_is_taken_at_once(table: LeaseTable) -> None:
    clock = FakeClock()
    table.create(Lease("s", None, 0, TRIM_HORIZON))
    other = table.take(Lease("s", None, 0, TRIM_HORIZON), "other")
    assert other is not None
    taker = LeaseTaker(table, "me", ConsumerConfig(failover_seconds=10.0), clock, random.Random(1))
    assert taker.take(set()) == []
    assert table.release(other) is not None
    assert [lease.owner for lease in taker.take(set())] == ["me"]
