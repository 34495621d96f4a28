"""A scripted stream source and function for driving TriggerRuntime without a server."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shardline.clock import Clock, FakeClock
from shardline.storage.sqlite.backend import SqliteBackend
from shardline.triggers.checkpoints import CheckpointStore
from shardline.triggers.invocation import InvocationResult, failed
from shardline.triggers.mappings import MappingConfig
from shardline.triggers.runtime import RuntimeOptions, TriggerRuntime
from shardline.triggers.sources import LATEST, TRIM_HORIZON, ShardInfo, SourcePage, StreamInfo, StreamSource

ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/Orders/stream/2026-01-01T00:00:00.000"
BASE = 100000000000000000000


def stream_record(sequence: int, key: str, *, created_at: float = 1_700_000_000.0, **values: str) -> dict[str, Any]:
    image = {"pk": {"S": key}, **{name: {"S": value} for name, value in values.items()}}
    return {
        "eventID": f"{sequence:032x}", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {"ApproximateCreationDateTime": created_at, "Keys": {"pk": {"S": key}}, "NewImage": image,
                     "SequenceNumber": str(BASE + sequence), "SizeBytes": 10, "StreamViewType": "NEW_IMAGE"},
    }


@dataclass
class FakeShard:
    shard_id: str
    parent: str | None = None
    closed: bool = False
    records: list[dict[str, Any]] = field(default_factory=list)


class FakeSource:
    poll_interval = 0.01

    def __init__(self, *shards: FakeShard) -> None:
        self.shards = {shard.shard_id: shard for shard in shards}

    def change_token(self) -> asyncio.Event | None:
        return None

    async def latest_stream_arn(self, table_name: str) -> str | None:
        return ARN

    async def describe(self, stream_arn: str) -> StreamInfo | None:
        infos = tuple(ShardInfo(s.shard_id, s.parent, s.closed) for s in self.shards.values())
        return StreamInfo(ARN, "pk", True, infos)

    async def latest_position(self, stream_arn: str, shard_id: str) -> str | None:
        records = self.shards[shard_id].records
        return records[-1]["dynamodb"]["SequenceNumber"] if records else str(BASE)

    async def iterator(self, stream_arn: str, shard_id: str, position: str) -> str:
        records = self.shards[shard_id].records
        if position == TRIM_HORIZON:
            index = 0
        elif position == LATEST:
            index = len(records)
        else:
            index = sum(1 for r in records if int(r["dynamodb"]["SequenceNumber"]) <= int(position))
        return f"{shard_id}|{index}"

    async def read(self, iterator: str, limit: int) -> SourcePage:
        shard_id, index = iterator.split("|")
        shard = self.shards[shard_id]
        page = shard.records[int(index): int(index) + limit]
        after = int(index) + len(page)
        if shard.closed and after >= len(shard.records):
            return SourcePage(list(page), None)
        return SourcePage(list(page), f"{shard_id}|{after}")


Behaviour = Callable[[Mapping[str, Any]], InvocationResult]


class FakeFunction:
    """Records every event; answers with `behaviour(event)`."""

    def __init__(self, behaviour: Behaviour | None = None, delay: float = 0.0) -> None:
        self.events: list[dict[str, Any]] = []
        self.behaviour = behaviour or (lambda event: InvocationResult(200, None))
        self.delay = delay
        self.active = 0
        self.most_active = 0

    async def invoke(self, event: Mapping[str, Any], request_id: str) -> InvocationResult:
        self.events.append(dict(event))
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self.behaviour(event)
        finally:
            self.active -= 1

    async def warm(self) -> None:
        return None

    async def close(self) -> None:
        return None

    def values(self, name: str = "pk") -> list[list[str]]:
        return [[r["dynamodb"]["NewImage"][name]["S"] for r in e["Records"]] for e in self.events]


def raising_on(value: str) -> Behaviour:
    def behaviour(event: Mapping[str, Any]) -> InvocationResult:
        if any(r["dynamodb"]["NewImage"].get("v", {}).get("S") == value for r in event["Records"]):
            return failed("ValueError", "bad record")
        return InvocationResult(200, None)

    return behaviour


def config(**overrides: Any) -> MappingConfig:
    settings: dict[str, Any] = {"uuid": "m-1", "function_name": "handlers:f", "event_source_arn": ARN,
                                "table_name": None, "starting_position": "TRIM_HORIZON"}
    settings.update(overrides)
    return MappingConfig(**settings)


async def run_until(
    source: StreamSource, function: FakeFunction, mapping: MappingConfig, done: Callable[[], bool], *,
    clock: Clock | None = None, state: Path | None = None, timeout: float = 10.0,
    after: Callable[[TriggerRuntime], Awaitable[None]] | None = None,
) -> TriggerRuntime:
    store = SqliteBackend.open(state)
    runtime = TriggerRuntime(
        source, CheckpointStore(store, clock or FakeClock()), clock or FakeClock(),
        RuntimeOptions(discovery_interval=0.02, retry_base_seconds=0.001, retry_cap_seconds=0.01),
        invoker_factory=lambda _: function,
    )
    await runtime.start()
    await runtime.add_mapping(mapping, persist=False)
    deadline = time.monotonic() + timeout
    try:
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; events so far: {function.events}")
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # let the last checkpoint land
        if after is not None:
            await after(runtime)
    finally:
        await runtime.stop()
        await store.close()
    return runtime


def flatten(lists: Iterable[list[Any]]) -> list[Any]:
    return list(itertools.chain.from_iterable(lists))
