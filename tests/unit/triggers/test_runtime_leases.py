"""Trigger leases in the runtime: two TriggerRuntimes on one store act as two processes; only the lease
holder runs a mapping, a stopped holder hands over at once, and an expired or stolen lease moves the mapping."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from shardline.clock import FakeClock
from shardline.storage.sqlite.backend import SqliteBackend
from shardline.triggers.checkpoints import CheckpointStore
from shardline.triggers.runtime import RuntimeOptions, TriggerRuntime
from tests.unit.triggers.runtime_fakes import FakeFunction, FakeShard, FakeSource, config, flatten, stream_record

LEASE = 0.3  # seconds of the FakeClock; renewals come every LEASE / 3 seconds of real time
UUID = "m-1"


def _shard(*values: str) -> FakeShard:
    return FakeShard("shardId-1", records=[stream_record(n + 1, f"k{n}", v=v) for n, v in enumerate(values)])


def _append(source: FakeSource, value: str) -> None:
    records = source.shards["shardId-1"].records
    records.append(stream_record(len(records) + 1, f"k{len(records)}", v=value))


def _runtime(store: SqliteBackend, clock: FakeClock, source: FakeSource, function: FakeFunction, holder: str
             ) -> TriggerRuntime:
    options = RuntimeOptions(discovery_interval=0.02, retry_base_seconds=0.001, retry_cap_seconds=0.01,
                             lease_seconds=LEASE, process_id=holder)
    return TriggerRuntime(source, CheckpointStore(store, clock), clock, options, invoker_factory=lambda _: function)


async def _until(done: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.01)


def _reason(runtime: TriggerRuntime) -> str:
    status = runtime.get(UUID)
    assert status is not None
    return status.state_transition_reason


async def _holder(store: SqliteBackend, clock: FakeClock) -> str | None:
    now = clock.now()
    return await store.read(lambda view: view.trigger_lease_holder(UUID, now))


def test_only_the_lease_holder_runs_the_mapping_and_stopping_hands_it_over() -> None:
    source = FakeSource(_shard("a", "b"))
    first, second = FakeFunction(), FakeFunction()

    async def scenario() -> None:
        store = SqliteBackend.open(None)
        clock = FakeClock()
        one = _runtime(store, clock, source, first, "p1")
        two = _runtime(store, clock, source, second, "p2")
        try:
            await one.start()
            await one.add_mapping(config(batch_size=1), persist=False)
            await _until(lambda: len(first.events) == 2)
            await two.start()
            await two.add_mapping(config(batch_size=1), persist=False)
            await _until(lambda: _reason(two) == "Running in another shardline process")
            _append(source, "c")
            await _until(lambda: len(first.events) == 3)
            await asyncio.sleep(3 * LEASE)
            assert second.events == []
            assert await _holder(store, clock) == "p1"
            await one.stop()  # releases the lease: no waiting for it to expire (the clock stands still)
            _append(source, "d")
            await _until(lambda: len(second.events) == 1)
            assert await _holder(store, clock) == "p2"
            assert _reason(two) == "User action"
        finally:
            await one.stop()
            await two.stop()
            await store.close()

    asyncio.run(scenario())
    assert flatten(first.values("v")) == ["a", "b", "c"]
    assert flatten(second.values("v")) == ["d"]


def test_a_dead_holders_lease_expires_and_no_record_is_skipped() -> None:
    source = FakeSource(_shard("a", "b", "c"))
    function = FakeFunction()

    async def scenario() -> None:
        store = SqliteBackend.open(None)
        clock = FakeClock()
        # A process that took the lease and then died: it never renews nor releases.
        assert await store.write(lambda view: view.acquire_trigger_lease(UUID, "dead", clock.now(), LEASE))
        runtime = _runtime(store, clock, source, function, "p2")
        try:
            await runtime.start()
            await runtime.add_mapping(config(batch_size=1), persist=False)
            await _until(lambda: _reason(runtime) == "Running in another shardline process")
            await asyncio.sleep(2 * LEASE)
            assert function.events == []
            clock.advance(LEASE)
            await _until(lambda: len(function.events) == 3)
            assert await _holder(store, clock) == "p2"
        finally:
            await runtime.stop()
            await store.close()

    asyncio.run(scenario())
    assert flatten(function.values("v")) == ["a", "b", "c"]


def test_a_holder_that_loses_its_lease_stops_processing_at_once() -> None:
    source = FakeSource(_shard("a"))
    function = FakeFunction()

    async def scenario() -> None:
        store = SqliteBackend.open(None)
        clock = FakeClock()
        runtime = _runtime(store, clock, source, function, "p1")
        try:
            await runtime.start()
            await runtime.add_mapping(config(batch_size=1), persist=False)
            await _until(lambda: len(function.events) == 1)
            # The holder stalled past its lease and another process took the mapping over.
            clock.advance(LEASE)
            assert await store.write(lambda view: view.acquire_trigger_lease(UUID, "other", clock.now(), 60.0))
            await _until(lambda: _reason(runtime) == "Running in another shardline process", timeout=2.0)
            _append(source, "b")
            await asyncio.sleep(3 * LEASE)
            assert len(function.events) == 1
            status = runtime.get(UUID)
            assert status is not None and status.state == "Enabled" and status.shards == ()
        finally:
            await runtime.stop()
            # A process never releases a lease that is not its own.
            assert await _holder(store, clock) == "other"
            await store.close()

    asyncio.run(scenario())
