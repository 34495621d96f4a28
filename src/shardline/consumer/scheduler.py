"""The worker's coordinator: on one thread it renews held leases, discovers shards, takes leases, and starts and
reaps one ShardConsumer thread per held lease; stopping hands every lease over at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from shardline.clock import Clock
from shardline.consumer.lease_taker import LeaseTaker
from shardline.consumer.leases import HeldLease
from shardline.consumer.shard_consumer import ConsumerContext, ShardConsumer, ShardState
from shardline.consumer.shard_sync import ShardSyncer

log = logging.getLogger("shardline.consumer")

# The scheduler never sleeps longer than this, so that stop() and finished shards are noticed promptly.
MAX_TICK_SECONDS = 0.5


class Scheduler:
    def __init__(
        self, worker_id: str, context: ConsumerContext, syncer: ShardSyncer, taker: LeaseTaker, clock: Clock
    ) -> None:
        self.worker_id = worker_id
        self._context = context
        self._config = context.config
        self._syncer = syncer
        self._taker = taker
        self._clock = clock
        self._consumers: dict[str, ShardConsumer] = {}
        self._next_renewal = 0.0
        self._next_sync = 0.0
        self._next_taking = 0.0

    @property
    def consumers(self) -> dict[str, ShardConsumer]:
        return dict(self._consumers)

    def held_shards(self) -> list[str]:
        consumers = dict(self._consumers)  # called from other threads: copy before iterating
        return sorted(key for key, consumer in consumers.items() if not consumer.held.lost.is_set())

    # --- one round -----------------------------------------------------------------------------------------

    def run_once(self) -> None:
        """Does whatever is due now; run() calls it in a loop, tests call it directly under a FakeClock."""
        now = self._clock.now()
        self._reap()
        if now >= self._next_renewal:
            self._next_renewal = now + self._config.renewal_seconds
            self.renew_leases()
        if now >= self._next_sync:
            self._next_sync = now + self._config.shard_sync_seconds
            self._guarded("shard sync", self._syncer.sync)
        if now >= self._next_taking:
            self._next_taking = now + self._config.taking_seconds
            self._guarded("lease taking", self._take)

    def seconds_until_due(self) -> float:
        due = min(self._next_renewal, self._next_sync, self._next_taking) - self._clock.now()
        return max(0.01, min(due, MAX_TICK_SECONDS))

    def renew_leases(self) -> None:
        now = self._clock.now()
        for consumer in list(self._consumers.values()):
            held = consumer.held
            with held.lock:
                if held.lost.is_set():
                    continue
                try:
                    renewed = self._context.table.renew(held.lease)
                except (BotoCoreError, ClientError) as error:
                    # Unable to renew for the failover time: another worker may own the shard by now, so stop
                    # processing it before two workers do.
                    if now - held.renewed_at > self._config.failover_seconds:
                        log.warning("shard %s: lease not renewed for the failover time (%s)", held.shard_id, error)
                        consumer.notify_lease_lost()
                    continue
                if renewed is None:
                    log.info("shard %s: lease taken by another worker", held.shard_id)
                    consumer.notify_lease_lost()
                    continue
                held.lease = renewed
                held.renewed_at = now

    def _take(self) -> None:
        for lease in self._taker.take(set(self._consumers)):
            if lease.lease_key in self._consumers:
                continue
            held = HeldLease(lease, renewed_at=self._clock.now())
            consumer = ShardConsumer(held, self._context)
            self._consumers[lease.lease_key] = consumer
            consumer.start()

    def _reap(self) -> None:
        for key, consumer in list(self._consumers.items()):
            if consumer.finished:
                del self._consumers[key]
                if consumer.state is ShardState.SHARD_ENDED:
                    # Its children can start now: look for them and take them without waiting a full round.
                    self._next_sync = self._next_taking = self._clock.now()

    def _guarded(self, what: str, step: Callable[[], object]) -> None:
        try:
            step()
        except (BotoCoreError, ClientError) as error:
            log.warning("%s failed: %s", what, error)

    # --- stopping ------------------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Asks every shard consumer to stop (shutdown_requested, then release), renewing leases meanwhile so that
        none expires under a slow processor; gives up after the shutdown timeout."""
        for consumer in self._consumers.values():
            consumer.request_shutdown()
        pause = threading.Event()  # never set: a plain pause that is not time.sleep in logic
        deadline = self._clock.now() + self._config.shutdown_timeout_seconds
        while self._consumers and self._clock.now() < deadline:
            if self._clock.now() >= self._next_renewal:
                self._next_renewal = self._clock.now() + self._config.renewal_seconds
                self.renew_leases()
            self._reap()
            pause.wait(0.05)
        if self._consumers:
            log.warning("shards %s did not stop within %.0fs", sorted(self._consumers),
                        self._config.shutdown_timeout_seconds)
