"""Stream workloads: (c) write-to-readable latency through GetRecords and (d) GetRecords drain rate of a backlog."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from operator import attrgetter
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


VISIBILITY_KEYS = ["stream.visible.p50", "stream.visible.p99", "stream.visible_ack.p50", "stream.visible_ack.p99"]


@dataclass(frozen=True)
class Visibility:
    """One write's trip to readable, in ms: from sending the PutItem, and from its acknowledgement (what #4's
    target counts: the write's own round trip is not part of it)."""

    from_send: float
    from_ack: float


async def visible_latencies(
    endpoint: Endpoint, table: str, stream_arn: str, samples: int, first: int
) -> tuple[list[Visibility], int]:
    """A writer puts one item at a time; a consumer polls GetRecords back to back on its own connection.
    Each write's time runs to receiving the GetRecords answer that holds its record.
    Returns the times and how many writes did not become readable within 5 s."""
    writer, reader = Api(endpoint), Api(endpoint)
    sent: dict[str, float] = {}
    acknowledged: dict[str, float] = {}
    latencies: list[Visibility] = []
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
                        key = _record_key(record)
                        started = sent.pop(key, None)
                        if started is not None:
                            # read before its PutItem answer arrived: readable no later than acknowledged
                            acked = acknowledged.pop(key, now)
                            latencies.append(Visibility((now - started) * 1000, (now - acked) * 1000))
                            seen.set()
                    if answer.get("NextShardIterator"):
                        following.append(answer["NextShardIterator"])
                open_iterators = following

        consumer = asyncio.create_task(consume())
        for index in range(first, first + samples):
            key = f"visible{index:07d}"
            seen.clear()
            sent[key] = time.perf_counter()
            await writer.call("PutItem", put_body(table, key, index))
            if key in sent:
                acknowledged[key] = time.perf_counter()
            try:
                await asyncio.wait_for(seen.wait(), timeout=5.0)
            except TimeoutError:
                sent.pop(key, None)
                acknowledged.pop(key, None)
                lost += 1
            if consumer.done():
                break
        stop = True
        await consumer
    finally:
        writer.close()
        reader.close()
    return latencies, lost


def visibility_figures(runs: list[tuple[list[Visibility], int]]) -> dict[str, Figure]:
    measured = [latencies for latencies, _ in runs if latencies]
    if not measured:
        nothing = Missing("no record became readable within 5 s")
        return dict.fromkeys(VISIBILITY_KEYS, nothing)
    writes, lost = sum(len(latencies) for latencies, _ in runs), sum(lost for _, lost in runs)
    note = f"{writes} writes over {len(runs)} repeats" + (f", {lost} not readable within 5 s" if lost else "")
    figures: dict[str, Figure] = {}
    for prefix, pick in (("stream.visible", attrgetter("from_send")), ("stream.visible_ack", attrgetter("from_ack"))):
        for label, fraction in (("p50", 0.5), ("p99", 0.99)):
            figures[f"{prefix}.{label}"] = Measurement(
                [percentile([pick(one) for one in part], fraction) for part in measured], "ms", note)
    return figures


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
