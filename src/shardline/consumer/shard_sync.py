"""Shard discovery: reads the stream's shards (DescribeStream, all pages), creates a lease for each new one,
parents before children, and deletes the leases of finished shards once the stream no longer lists them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from shardline.consumer.config import InitialPosition
from shardline.consumer.leases import LATEST, TRIM_HORIZON, Lease, LeaseTable

log = logging.getLogger("shardline.consumer")


@dataclass(frozen=True)
class Shard:
    shard_id: str
    parent_id: str | None
    closed: bool


def list_shards(streams: Any, stream_arn: str) -> list[Shard]:
    shards: list[Shard] = []
    arguments: dict[str, Any] = {"StreamArn": stream_arn}
    while True:
        description = streams.describe_stream(**arguments)["StreamDescription"]
        for shard in description.get("Shards", []):
            shards.append(Shard(
                shard_id=shard["ShardId"], parent_id=shard.get("ParentShardId"),
                closed="EndingSequenceNumber" in shard.get("SequenceNumberRange", {}),
            ))
        last = description.get("LastEvaluatedShardId")
        if not last:
            return shards
        arguments["ExclusiveStartShardId"] = last


def lineage_order(shards: list[Shard]) -> list[Shard]:
    """Parents before their children, whatever order the listing had (AWS promises none)."""
    by_id = {shard.shard_id: shard for shard in shards}
    ordered: list[Shard] = []
    placed: set[str] = set()
    for shard in sorted(shards, key=lambda shard: shard.shard_id):
        chain: list[Shard] = []
        current: Shard | None = shard
        while current is not None and current.shard_id not in placed:
            chain.append(current)
            placed.add(current.shard_id)
            current = by_id.get(current.parent_id) if current.parent_id else None
        ordered.extend(reversed(chain))
    return ordered


def plan_new_leases(shards: list[Shard], leases: list[Lease], initial_position: InitialPosition) -> list[Lease]:
    """Leases to create, parents first. The very first sync of an application (no leases yet) applies the
    initial position: with LATEST only the open shards get leases, starting at LATEST, and the closed ones are
    never read. Shards found later are descendants of known ones and start at TRIM_HORIZON, so nothing written
    after the start is skipped. A shard whose descendant already has a lease is never given one: it was left out
    on purpose by a LATEST start (or its lease was cleaned up)."""
    leased = {lease.lease_key for lease in leases}
    children: dict[str, list[str]] = {}
    for shard in shards:
        if shard.parent_id is not None:
            children.setdefault(shard.parent_id, []).append(shard.shard_id)

    def has_leased_descendant(shard_id: str) -> bool:
        pending = list(children.get(shard_id, []))
        while pending:
            child = pending.pop()
            if child in leased:
                return True
            pending.extend(children.get(child, []))
        return False

    first_sync = not leases
    planned: list[Lease] = []
    for shard in lineage_order(shards):
        if shard.shard_id in leased or has_leased_descendant(shard.shard_id):
            continue
        checkpoint = TRIM_HORIZON
        if first_sync and initial_position is InitialPosition.LATEST:
            if shard.closed:
                continue
            checkpoint = LATEST
        parents = (shard.parent_id,) if shard.parent_id else ()
        planned.append(Lease(shard.shard_id, None, 0, checkpoint, parents))
    return planned


def plan_cleanup(shards: list[Shard], leases: list[Lease]) -> list[Lease]:
    """Finished leases whose shard the stream no longer lists (its records have all expired)."""
    listed = {shard.shard_id for shard in shards}
    return [lease for lease in leases if lease.ended and lease.lease_key not in listed]


class ShardSyncer:
    def __init__(self, streams: Any, stream_arn: str, table: LeaseTable, initial_position: InitialPosition) -> None:
        self._streams = streams
        self._stream_arn = stream_arn
        self._table = table
        self._initial_position = initial_position

    def sync(self) -> int:
        """One discovery round; returns how many leases it created."""
        shards = list_shards(self._streams, self._stream_arn)
        leases = self._table.list_leases()
        created = 0
        for lease in plan_new_leases(shards, leases, self._initial_position):
            if self._table.create(lease):
                created += 1
                log.debug("created lease %s at %s", lease.lease_key, lease.checkpoint)
        for lease in plan_cleanup(shards, leases):
            if self._table.delete(lease):
                log.debug("deleted the lease of expired shard %s", lease.lease_key)
        return created
