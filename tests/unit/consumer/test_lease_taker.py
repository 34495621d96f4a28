"""Lease taking rules: expiry by this worker's clock, fair shares, and stealing only from an overloaded worker."""

from __future__ import annotations

import random

import pytest

from shardline.clock import FakeClock
from shardline.consumer import ConsumerConfig
from shardline.consumer.lease_taker import LeaseObserver, plan_taking
from shardline.consumer.leases import SHARD_END, TRIM_HORIZON, Lease

CONFIG = ConsumerConfig(failover_seconds=10.0)


def lease(key: str, owner: str | None, counter: int = 1, checkpoint: str = TRIM_HORIZON,
          parents: tuple[str, ...] = ()) -> Lease:
    return Lease(key, owner, counter, checkpoint, parents)


def test_a_lease_expires_only_after_its_counter_stood_still_for_the_failover_time() -> None:
    clock = FakeClock()
    observer = LeaseObserver(clock)
    held = lease("s1", "other", counter=5)
    observer.observe([held])
    clock.advance(9.9)
    observer.observe([held])
    assert not observer.expired(held, 10.0)
    clock.advance(0.2)
    observer.observe([held])
    assert observer.expired(held, 10.0)


def test_a_renewal_restarts_the_expiry_time() -> None:
    clock = FakeClock()
    observer = LeaseObserver(clock)
    observer.observe([lease("s1", "other", counter=5)])
    clock.advance(8)
    renewed = lease("s1", "other", counter=6)
    observer.observe([renewed])
    clock.advance(8)
    observer.observe([renewed])
    assert not observer.expired(renewed, 10.0)
    clock.advance(2.5)
    assert observer.expired(renewed, 10.0)


def test_a_lease_seen_for_the_first_time_is_not_expired_yet() -> None:
    """A worker that just started cannot know how long a lease has stood still: it waits the full time."""
    clock = FakeClock()
    observer = LeaseObserver(clock)
    unseen = lease("s1", "other", counter=5)
    assert not observer.expired(unseen, 10.0)
    observer.observe([unseen])
    assert not observer.expired(unseen, 10.0)


def test_an_unowned_lease_is_free_at_once() -> None:
    observer = LeaseObserver(FakeClock())
    assert observer.expired(lease("s1", None), 10.0)


def test_a_lone_worker_takes_every_free_lease() -> None:
    leases = [lease(f"s{i}", None) for i in range(5)]
    plan = plan_taking(leases, "me", {f"s{i}" for i in range(5)}, CONFIG, random.Random(1))
    assert plan.wanted == 5
    assert sorted(item.lease_key for item in plan.take) == [f"s{i}" for i in range(5)]
    assert plan.steal == []


def test_free_leases_are_taken_up_to_the_fair_share() -> None:
    leases = [lease("a1", "a"), lease("a2", "a"), lease("f1", None), lease("f2", None)]
    plan = plan_taking(leases, "me", {"f1", "f2"}, CONFIG, random.Random(1))
    # Two workers (a and me), four leases: two each.
    assert plan.wanted == 2
    assert {item.lease_key for item in plan.take} == {"f1", "f2"}


def test_finished_leases_do_not_count() -> None:
    leases = [lease("done", None, checkpoint=SHARD_END), lease("a1", "a"), lease("f1", None)]
    plan = plan_taking(leases, "me", {"done", "f1"}, CONFIG, random.Random(1))
    assert [item.lease_key for item in plan.take] == ["f1"]
    assert plan.wanted == 1


def test_leases_whose_parents_are_unfinished_are_neither_taken_nor_counted() -> None:
    leases = [
        lease("parent", "a", checkpoint="500"),
        lease("blocked", None, parents=("parent",)),
        lease("ready", None, parents=("finished",)),
        lease("finished", None, checkpoint=SHARD_END),
        lease("orphan", None, parents=("expired-from-the-stream",)),
    ]
    plan = plan_taking(leases, "me", {"blocked", "ready", "finished", "orphan"}, CONFIG, random.Random(3))
    # Workable: parent (a's), ready and orphan; two workers, so a share of two.
    assert {item.lease_key for item in plan.take} == {"ready", "orphan"}
    assert plan.wanted == 2


def test_a_child_becomes_workable_once_its_parent_is_finished() -> None:
    leases = [lease("parent", None, checkpoint=SHARD_END), lease("child", None, parents=("parent",))]
    plan = plan_taking(leases, "me", {"parent", "child"}, CONFIG, random.Random(1))
    assert [item.lease_key for item in plan.take] == ["child"]


def test_a_worker_at_its_share_takes_nothing() -> None:
    leases = [lease("m1", "me"), lease("m2", "me"), lease("a1", "a"), lease("a2", "a")]
    plan = plan_taking(leases, "me", set(), CONFIG, random.Random(1))
    assert plan.take == [] and plan.steal == []


def test_stealing_takes_one_lease_from_the_most_loaded_worker() -> None:
    leases = [lease(f"a{i}", "a") for i in range(4)] + [lease("b1", "b"), lease("b2", "b")]
    plan = plan_taking(leases, "me", set(), CONFIG, random.Random(1))
    # Three workers, six leases: a holds four (above the share of two), so one of a's leases is stolen.
    assert len(plan.steal) == 1
    assert plan.steal[0].owner == "a"


@pytest.mark.parametrize(
    ("counts", "expect_steal"),
    [
        ({"a": 2, "me": 1}, False),  # one apart: stealing would only move the imbalance around
        ({"a": 2, "b": 2}, True),  # at the share, and this worker needs two: take one
        ({"a": 3, "me": 0}, True),
    ],
)
def test_stealing_follows_kcl_thresholds(counts: dict[str, int], expect_steal: bool) -> None:
    leases = [lease(f"{owner}{i}", owner) for owner, count in counts.items() for i in range(count)]
    plan = plan_taking(leases, "me", set(), CONFIG, random.Random(1))
    assert bool(plan.steal) is expect_steal


def test_stealing_can_be_switched_off_and_shares_capped() -> None:
    leases = [lease(f"a{i}", "a") for i in range(4)]
    no_stealing = ConsumerConfig(failover_seconds=10.0, max_leases_to_steal=0)
    assert plan_taking(leases, "me", set(), no_stealing, random.Random(1)).steal == []
    capped = ConsumerConfig(failover_seconds=10.0, max_leases_per_worker=1)
    free = [lease(f"f{i}", None) for i in range(4)]
    assert plan_taking(free, "me", {f"f{i}" for i in range(4)}, capped, random.Random(1)).wanted == 1


def test_an_expired_owner_does_not_count_as_a_live_worker() -> None:
    leases = [lease("dead1", "dead"), lease("dead2", "dead"), lease("a1", "a"), lease("a2", "a")]
    plan = plan_taking(leases, "me", {"dead1", "dead2"}, CONFIG, random.Random(1))
    # Live workers: a and me, four leases: share two; both of the dead worker's leases are wanted.
    assert plan.wanted == 2
    assert {item.lease_key for item in plan.take} == {"dead1", "dead2"}
