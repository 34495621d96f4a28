"""Which leases shard discovery creates: lineage order, the initial position, and cleanup."""

from __future__ import annotations

from shardline.consumer import InitialPosition
from shardline.consumer.leases import LATEST, SHARD_END, TRIM_HORIZON, Lease
from shardline.consumer.shard_sync import Shard, lineage_order, plan_cleanup, plan_new_leases

# Ids deliberately sort against lineage: AWS promises no order.
ROOT = Shard("shard-9", None, closed=True)
LEFT = Shard("shard-1", "shard-9", closed=True)
RIGHT = Shard("shard-2", "shard-9", closed=False)
GRANDCHILD = Shard("shard-0", "shard-1", closed=False)
SHARDS = [GRANDCHILD, LEFT, RIGHT, ROOT]


def test_parents_come_before_their_children() -> None:
    ordered = [shard.shard_id for shard in lineage_order(SHARDS)]
    assert ordered.index("shard-9") < ordered.index("shard-1") < ordered.index("shard-0")
    assert ordered.index("shard-9") < ordered.index("shard-2")
    assert sorted(ordered) == sorted(shard.shard_id for shard in SHARDS)


def test_first_sync_from_trim_horizon_leases_every_shard_parents_first() -> None:
    planned = plan_new_leases(SHARDS, [], InitialPosition.TRIM_HORIZON)
    keys = [lease.lease_key for lease in planned]
    assert keys.index("shard-9") < keys.index("shard-1") < keys.index("shard-0")
    assert all(lease.checkpoint == TRIM_HORIZON and lease.owner is None for lease in planned)
    by_key = {lease.lease_key: lease for lease in planned}
    assert by_key["shard-0"].parent_shard_ids == ("shard-1",)
    assert by_key["shard-9"].parent_shard_ids == ()


def test_first_sync_from_latest_leases_only_open_shards_at_latest() -> None:
    planned = plan_new_leases(SHARDS, [], InitialPosition.LATEST)
    assert {lease.lease_key: lease.checkpoint for lease in planned} == {"shard-2": LATEST, "shard-0": LATEST}


def test_later_shards_start_at_trim_horizon_even_for_a_latest_application() -> None:
    existing = [Lease("shard-2", "w", 3, LATEST, ("shard-9",)), Lease("shard-0", "w", 3, "700", ("shard-1",))]
    child = Shard("shard-5", "shard-2", closed=False)
    planned = plan_new_leases([*SHARDS, child], existing, InitialPosition.LATEST)
    # shard-9 and shard-1 were skipped on purpose (their descendants have leases): never leased later.
    assert [(lease.lease_key, lease.checkpoint) for lease in planned] == [("shard-5", TRIM_HORIZON)]


def test_existing_leases_are_not_planned_again() -> None:
    existing = [Lease(shard.shard_id, None, 0, TRIM_HORIZON) for shard in SHARDS]
    assert plan_new_leases(SHARDS, existing, InitialPosition.TRIM_HORIZON) == []


def test_only_finished_leases_of_vanished_shards_are_cleaned_up() -> None:
    leases = [
        Lease("gone-finished", None, 4, SHARD_END),
        Lease("gone-unfinished", "w", 4, "123"),  # its consumer must see the loss and report it
        Lease("shard-9", None, 4, SHARD_END),
    ]
    assert [lease.lease_key for lease in plan_cleanup(SHARDS, leases)] == ["gone-finished"]
