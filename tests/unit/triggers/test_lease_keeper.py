"""The lease keeper of a trigger mapping: a slow renewal while the lease still has time left keeps the shard
workers running; a failed renewal once the lease is about to run out stops them."""

from __future__ import annotations

import asyncio

from shardline.clock import FakeClock
from shardline.storage.sqlite.backend import SqliteBackend
from shardline.triggers.checkpoints import CheckpointStore
from shardline.triggers.runtime import RuntimeOptions, TriggerRuntime
from shardline.triggers.status import USER_ACTION
from tests.unit.triggers.runtime_fakes import FakeFunction, FakeShard, FakeSource, config

LEASE_SECONDS = 0.6  # renewed every 0.2 s, each renewal allowed 0.2 s


class SlowRenewals(CheckpointStore):
    """Grants the lease, but from the `slow_from`-th renewal on takes `delay` seconds to answer."""

    def __init__(self, store: SqliteBackend, clock: FakeClock, slow_from: int, delay: float) -> None:
        super().__init__(store, clock)
        self.calls = 0
        self.slow_from = slow_from
        self.delay = delay

    async def acquire_lease(self, uuid: str, holder: str, now: float, duration: float) -> bool:
        self.calls += 1
        if self.calls >= self.slow_from:
            await asyncio.sleep(self.delay)
        return await super().acquire_lease(uuid, holder, now, duration)


async def _run(clock: FakeClock, advance_after_grant: float) -> tuple[int, str]:
    store = SqliteBackend.open(None)
    checkpoints = SlowRenewals(store, clock, slow_from=2, delay=0.35)
    starts = 0

    def invoker(_: object) -> FakeFunction:
        nonlocal starts
        starts += 1
        return FakeFunction()

    runtime = TriggerRuntime(
        FakeSource(FakeShard("shardId-1")), checkpoints, clock,
        RuntimeOptions(discovery_interval=0.02, lease_seconds=LEASE_SECONDS), invoker_factory=invoker,
    )
    await runtime.start()
    try:
        await runtime.add_mapping(config(), persist=False)
        for _ in range(100):  # the first renewal is quick: the workers start
            if starts:
                break
            await asyncio.sleep(0.01)
        clock.advance(advance_after_grant)
        await asyncio.sleep(0.9)  # several slow renewals, each timing out
        status = runtime.get("m-1")
        assert status is not None
        return starts, status.state_transition_reason
    finally:
        await runtime.stop()
        await store.close()


def test_a_slow_renewal_while_the_lease_lasts_keeps_the_workers() -> None:
    starts, reason = asyncio.run(_run(FakeClock(), advance_after_grant=0.0))
    assert starts == 1  # never stopped and restarted
    assert reason == USER_ACTION


def test_a_failed_renewal_near_the_lease_end_stops_the_workers() -> None:
    # Past the lease's last third: a renewal that does not answer in time means the lease may be gone.
    starts, reason = asyncio.run(_run(FakeClock(), advance_after_grant=LEASE_SECONDS))
    assert starts == 1
    assert reason == "Running in another shardline process"
