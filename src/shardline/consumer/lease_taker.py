"""Lease taking and balancing, KCL's rules: (1) a lease whose counter has not moved for the failover time, or
that has no owner, is free; (2) a worker takes free leases up to its fair share, ceil(workable leases / workers);
(3) with nothing free, it steals from the most loaded worker, a few at a time, only while that one has more than
its share. Expiry is judged by this worker's own clock (when it saw a counter last change), never by comparing
clocks of different machines."""

from __future__ import annotations

import logging
import math
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from shardline.clock import Clock
from shardline.consumer.config import ConsumerConfig
from shardline.consumer.leases import Lease, LeaseTable

log = logging.getLogger("shardline.consumer")


class LeaseObserver:
    """Remembers, per lease, the counter last seen and when it was first seen with that value."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._seen: dict[str, tuple[int, float]] = {}

    def observe(self, leases: Iterable[Lease]) -> None:
        now = self._clock.now()
        current: dict[str, tuple[int, float]] = {}
        for lease in leases:
            previous = self._seen.get(lease.lease_key)
            if previous is not None and previous[0] == lease.counter:
                current[lease.lease_key] = previous
            else:
                current[lease.lease_key] = (lease.counter, now)
        self._seen = current

    def expired(self, lease: Lease, failover_seconds: float) -> bool:
        if lease.owner is None:
            return True
        seen = self._seen.get(lease.lease_key)
        if seen is None or seen[0] != lease.counter:
            return False
        return self._clock.now() - seen[1] > failover_seconds


@dataclass(frozen=True)
class TakingPlan:
    take: list[Lease]  # free leases (expired or unowned), best first; more than `wanted` when there are
    steal: list[Lease]  # leases of a live but overloaded worker
    wanted: int = 0  # how many of `take` to get: a take that loses a race moves on to the next candidate


def plan_taking(
    leases: list[Lease], worker_id: str, expired: set[str], config: ConsumerConfig, rng: random.Random
) -> TakingPlan:
    """Decides which leases `worker_id` should try to take; `expired` holds the keys of free leases.

    Only workable leases count and are taken: those whose parent shards are finished (or have no lease). A child
    taken early would only sit waiting while its lease counts against its owner's share and its owner polls;
    instead it becomes workable the moment its parent reaches SHARD_END, and the worker that finished the
    parent looks for it at once."""
    done = {lease.lease_key for lease in leases if lease.ended}
    keys = {lease.lease_key for lease in leases}
    active = [
        lease for lease in leases
        if not lease.ended and all(parent in done or parent not in keys for parent in lease.parent_shard_ids)
    ]
    if not active:
        return TakingPlan([], [])
    live_counts: Counter[str] = Counter(
        lease.owner for lease in active if lease.owner is not None and lease.lease_key not in expired
    )
    workers = len(set(live_counts) | {worker_id})
    target = math.ceil(len(active) / workers)
    if config.max_leases_per_worker is not None:
        target = min(target, config.max_leases_per_worker)
    mine = live_counts.get(worker_id, 0)
    needed = target - mine
    if needed <= 0:
        return TakingPlan([], [])
    free = [lease for lease in active if lease.lease_key in expired]
    if free:
        # Shuffled so that workers racing for the same free leases mostly try different ones.
        rng.shuffle(free)
        return TakingPlan(free, [], wanted=needed)
    if config.max_leases_to_steal == 0 or not live_counts:
        return TakingPlan([], [])
    victim, victim_count = max(
        ((owner, count) for owner, count in live_counts.items() if owner != worker_id),
        key=lambda pair: (pair[1], pair[0]), default=(None, 0),
    )
    if victim is None:
        return TakingPlan([], [])
    # KCL's rule: steal only from a worker above the target, or at it while this one needs more than one lease;
    # otherwise two workers one lease apart would trade a lease back and forth forever.
    if victim_count > target or (victim_count == target and needed > 1):
        count = min(needed, config.max_leases_to_steal, max(victim_count - target, 1))
        candidates = sorted(
            (lease for lease in active if lease.owner == victim and lease.lease_key not in expired),
            key=lambda lease: lease.lease_key,
        )
        return TakingPlan([], rng.sample(candidates, min(count, len(candidates))))
    return TakingPlan([], [])


class LeaseTaker:
    """Reads the lease table, judges expiry, and takes what the plan says with conditional writes."""

    def __init__(
        self, table: LeaseTable, worker_id: str, config: ConsumerConfig, clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self._table = table
        self._worker_id = worker_id
        self._config = config
        self._observer = LeaseObserver(clock)
        self._rng = rng or random.Random()
        self.last_listing: list[Lease] = []

    def take(self, held: set[str]) -> list[Lease]:
        """One taking round; returns the leases this worker now holds in addition to `held`."""
        leases = self._table.list_leases()
        self.last_listing = leases
        self._observer.observe(leases)
        expired = {lease.lease_key for lease in leases if self._observer.expired(lease, self._config.failover_seconds)}
        # A lease this worker thinks it holds counts as its own, whatever the listing raced with; one that names
        # this worker but is not held (a restart under the same worker id) is free for it to take back at once.
        expired -= held
        expired |= {lease.lease_key for lease in leases if lease.owner == self._worker_id} - held
        plan = plan_taking(leases, self._worker_id, expired, self._config, self._rng)
        taken: list[Lease] = []
        for lease in plan.take:
            if len(taken) >= plan.wanted:
                break
            if lease.lease_key in held:
                continue
            result = self._table.take(lease, self._worker_id)
            if result is None:
                continue  # another worker was quicker, or the owner renewed after all: try the next one
            if lease.owner is not None:
                log.info("worker %s took expired lease %s of %s", self._worker_id, lease.lease_key, lease.owner)
            taken.append(result)
        for lease in plan.steal:
            if lease.lease_key in held:
                continue
            result = self._table.take(lease, self._worker_id)
            if result is not None:
                log.info("worker %s stole lease %s from %s", self._worker_id, lease.lease_key, lease.owner)
                taken.append(result)
        return taken
