"""Stream workloads: (c) write-to-readable latency through GetRecords and (d) GetRecords drain rate of a backlog."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.harness.results import Figure, Measurement, Missing
from bench.harness.stats import percentile
from bench.harness.wire import Api, Endpoint
from bench.harness.workloads import Plan, load_items, plain_item, put_body


async def shard_ids(api: Api, stream_arn: str) -> list[str]:
    shards: list[str] = []
    body: dict[str, Any] = {"StreamArn": stream_arn}
    while True:
        description = (await api.streams("DescribeStream", body))["StreamDescription"]
        shards += [shard["ShardId"] for shard in description.get("Shards", [])]
        last = description.get("LastEvaluatedShardId")
        if not last:
            return shards
        body = {"StreamArn": stream_arn, "ExclusiveStartShardId": last}


async def iterators(api: Api, stream_arn: str, kind: str) -> list[str]:
    found = []
    for shard in await shard_ids(api, stream_arn):
        answer = await api.streams("GetShardIterator", {"StreamArn": stream_arn, "ShardId": shard,
                                                       "ShardIteratorType": kind})
        found.append(answer["ShardIterator"])
    return found


def _record_key(record: dict[str, Any]) -> str:
    return str(record.get("dynamodb", {}).get("Keys", {}).get("pk", {}).get("S", ""))


async def visible_latencies(
    endpoint: Endpoint, table: str, stream_arn: str, samples: int, first: int
) -> tuple[list[float], int]:
    """A writer puts one item at a time; a consumer polls GetRecords back to back on its own connection.
    Latency (ms) runs from sending the PutItem to receiving the GetRecords answer that holds its record.
    Returns the latencies and how many writes did not become readable within 5 s."""
    writer, reader = Api(endpoint), Api(endpoint)
    pending: dict[str, float] = {}
    latencies: list[float] = []
    seen = asyncio.Event()
    stop = False
    lost = 0
    try:
        open_iterators = await iterators(reader, stream_arn, "LATEST")

        async def consume() -> None:
            nonlocal open_iterators
            while not stop and open_iterators:
                following = []
                for iterator in open_iterators:
                    answer = await reader.streams("GetRecords", {"ShardIterator": iterator, "Limit": 1000})
                    now = time.perf_counter()
                    for record in answer.get("Records", []):
                        sent = pending.pop(_record_key(record), None)
                        if sent is not None:
                            latencies.append((now - sent) * 1000)
                            seen.set()
                    if answer.get("NextShardIterator"):
                        following.append(answer["NextShardIterator"])
                open_iterators = following

        consumer = asyncio.create_task(consume())
        for index in range(first, first + samples):
            key = f"visible{index:07d}"
            seen.clear()
            pending[key] = time.perf_counter()
            await writer.call("PutItem", put_body(table, key, index))
            try:
                await asyncio.wait_for(seen.wait(), timeout=5.0)
            except TimeoutError:
                pending.pop(key, None)
                lost += 1
            if consumer.done():
                break
        stop = True
        await consumer
    finally:
        writer.close()
        reader.close()
    return latencies, lost


def visibility_figures(runs: list[tuple[list[float], int]]) -> dict[str, Figure]:
    measured = [latencies for latencies, _ in runs if latencies]
    if not measured:
        nothing = Missing("no record became readable within 5 s")
        return {"stream.visible.p50": nothing, "stream.visible.p99": nothing}
    writes, lost = sum(len(latencies) for latencies, _ in runs), sum(lost for _, lost in runs)
    note = f"{writes} writes over {len(runs)} repeats" + (f", {lost} not readable within 5 s" if lost else "")
    return {
        "stream.visible.p50": Measurement([percentile(part, 0.5) for part in measured], "ms", note),
        "stream.visible.p99": Measurement([percentile(part, 0.99) for part in measured], "ms", note),
    }


async def drain_once(api: Api, stream_arn: str, cap_seconds: float) -> tuple[int, float, bool]:
    """Reads every shard from TRIM_HORIZON until GetRecords answers no records, or until cap_seconds pass.
    Returns (records, seconds, whether the whole backlog was read)."""
    started = time.perf_counter()
    records = 0
    for iterator in await iterators(api, stream_arn, "TRIM_HORIZON"):
        current: str | None = iterator
        while current:
            if time.perf_counter() - started > cap_seconds:
                return records, time.perf_counter() - started, False
            answer = await api.streams("GetRecords", {"ShardIterator": current, "Limit": 1000})
            batch = answer.get("Records", [])
            if not batch:
                break
            records += len(batch)
            current = answer.get("NextShardIterator")
    return records, time.perf_counter() - started, True


async def top_up(endpoint: Endpoint, plan: Plan, table: str, stream_arn: str, batch: bool) -> int:
    """Writes more items until the stream's backlog reaches the plan's (within the load budget); returns it."""
    api = Api(endpoint)
    try:
        backlog, _, complete = await drain_once(api, stream_arn, plan.load_budget_seconds)
    finally:
        api.close()
    missing = plan.drain_backlog - backlog
    if not complete or missing <= 0:
        return backlog
    first = min(missing, 1000)
    probe = await load_items(endpoint, table, 0, first, batch, plain_item)
    affordable = max(first, min(missing, int(probe.rate * plan.load_budget_seconds)))
    rest = await load_items(endpoint, table, first, affordable, batch, plain_item)
    return backlog + probe.completed + rest.completed


def drain_figure(runs: list[tuple[int, float, bool]], backlog: int) -> Figure:
    if not runs or not runs[0][0]:
        return Missing("the stream held no records to drain")
    capped = sum(1 for _, _, complete in runs if not complete)
    note = f"backlog of about {backlog:,} records" + (
        f"; {capped} repeat(s) stopped at the time cap before the end" if capped else "")
    return Measurement([records / seconds for records, seconds, _ in runs], "records/s", note)
