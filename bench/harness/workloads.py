"""Item workloads: (a) PutItem throughput and latency, a single boto3 client; (b) GetItem and Query as the table
grows; plus table set-up and capability probes shared with the stream workloads."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from bench.harness.load import LoadResult, run_each, run_for
from bench.harness.results import Figure, Measurement, Missing
from bench.harness.wire import Api, ApiError, Endpoint, encode_call

PAYLOAD = "x" * 100
NOT_YET = "not available yet"


@dataclass(frozen=True)
class Plan:
    mode: str
    repeats: int
    seconds: float
    connections: int
    table_sizes: tuple[int, ...]
    boto3_seconds: float
    latency_samples: int
    drain_backlog: int
    load_budget_seconds: float
    startup_repeats: int
    profile_seconds: float
    put_pool: int
    warmup: float
    drain_cap_seconds: float
    cap_seconds: float  # a measured run of a slow peer stops here even without min_completions answers
    reference_budget_seconds: float  # shardline's own load budget: its targets need the 100k step
    trigger_writes: int  # (e) single writes timed to the handler, per repeat
    trigger_records: int  # (e) records through the no-op handler, per repeat
    consumer_records: int  # (f) records consumed per repeat and worker count
    feature_repeats: int  # (e), (f), (h): each repeat starts processes, so the quick plan does fewer
    postgres_items: int  # (h) the GetItem table's size
    # A (b) load step is skipped when the server would pass this: an in-memory peer at 1M items may not fit.
    memory_budget_mb: float = 3072.0


# Quick keeps `make bench-quick` near 3 minutes for five rows on a quiet machine; full is the figure of record.
QUICK = Plan("quick", 3, 0.6, 32, (10_000, 100_000), 0.5, 90, 5_000, 20.0, 2, 2.0, 40_000, 0.2, 2.0, 3.0, 90.0,
             trigger_writes=60, trigger_records=3_000, consumer_records=3_000, feature_repeats=2,
             postgres_items=2_000)
FULL = Plan("full", 5, 3.0, 64, (10_000, 100_000, 1_000_000), 3.0, 1000, 100_000, 600.0, 5, 10.0, 200_000, 0.5,
            20.0, 60.0, 1200.0, trigger_writes=300, trigger_records=20_000, consumer_records=20_000,
            feature_repeats=5, postgres_items=10_000)


# --- set-up and probes ---------------------------------------------------------------------------------------


async def create_table(api: Api, name: str, *, sort_key: bool, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    }
    if sort_key:
        body["KeySchema"].append({"AttributeName": "sk", "KeyType": "RANGE"})
        body["AttributeDefinitions"].append({"AttributeName": "sk", "AttributeType": "N"})
    if stream:
        body["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    await api.call("CreateTable", body)
    for _ in range(600):
        table: dict[str, Any] = (await api.call("DescribeTable", {"TableName": name}))["Table"]
        if table.get("TableStatus") == "ACTIVE":
            return table
        await asyncio.sleep(0.05)
    raise ApiError(0, "Timeout", f"table {name} never became ACTIVE")


async def serves(api: Api, operation: str, body: dict[str, Any], prefix: str = "DynamoDB_20120810") -> bool:
    """True when the server knows the operation (any answer but UnknownOperationException)."""
    try:
        await api.call(operation, body, prefix)
    except ApiError as error:
        return error.code != "UnknownOperationException" and error.status != 404
    return True


@dataclass(frozen=True)
class Capabilities:
    query: bool
    batch_write: bool
    streams: bool
    streams_reason: str


async def probe(api: Api, streams_documented: bool) -> Capabilities:
    missing_table = {"TableName": "bench-probe-missing"}
    query = await serves(api, "Query", {**missing_table, "KeyConditionExpression": "pk = :p",
                                        "ExpressionAttributeValues": {":p": {"S": "x"}}})
    batch = await serves(api, "BatchWriteItem", {"RequestItems": {"bench-probe-missing": [
        {"PutRequest": {"Item": {"pk": {"S": "x"}}}}]}})
    if not streams_documented:
        return Capabilities(query, batch, False, "n/a: this peer has no DynamoDB Streams")
    if not await serves(api, "ListStreams", {}, "DynamoDBStreams_20120810"):
        return Capabilities(query, batch, False, f"{NOT_YET}: the server does not serve ListStreams")
    try:
        table = await create_table(api, "bench-probe-stream", sort_key=False, stream=True)
    except ApiError as error:
        return Capabilities(query, batch, False, f"{NOT_YET}: CreateTable with a stream failed ({error})")
    if not table.get("LatestStreamArn"):
        return Capabilities(query, batch, False, f"{NOT_YET}: CreateTable returned no LatestStreamArn")
    return Capabilities(query, batch, True, "")


# --- bodies ----------------------------------------------------------------------------------------------------


def put_body(table: str, key: str, number: int) -> dict[str, Any]:
    return {"TableName": table, "Item": {"pk": {"S": key}, "n": {"N": str(number)}, "payload": {"S": PAYLOAD}}}


def plain_item(index: int) -> dict[str, Any]:
    return {"pk": {"S": f"d{index:09d}"}, "n": {"N": str(index)}, "payload": {"S": PAYLOAD}}


def ranged_item(index: int) -> dict[str, Any]:
    return {"pk": {"S": f"p{index // 10:08d}"}, "sk": {"N": str(index % 10)}, "payload": {"S": PAYLOAD}}


def measured(results: list[LoadResult], pick: Callable[[LoadResult], float], unit: str) -> Figure:
    """The figure over the repeats that got answers; repeats without any are named in the note."""
    answered = [result for result in results if result.completed]
    failure = next((result.first_failure for result in results if result.failed), "")
    if not answered:
        if failure:
            return Missing(f"every request failed: {failure}")
        return Missing(f"no answer within {results[0].elapsed:.0f}s of measuring: slower than the run's time cap")
    notes = []
    if len(answered) < len(results):
        notes.append(f"{len(results) - len(answered)} of {len(results)} repeats got no answer within the time cap")
    failed = sum(result.failed for result in results)
    if failed:
        total = failed + sum(result.completed for result in results)
        notes.append(f"{failed} of {total} requests failed, first: {failure}")
    return Measurement([pick(result) for result in answered], unit, "; ".join(notes))


async def load_once(
    endpoint: Endpoint, requests: list[bytes], plan: Plan, repeat: int, connections: int | None = None
) -> LoadResult:
    """One measured run; each repeat starts at a different point of the request pool (new keys for puts)."""
    offset = (repeat * len(requests)) // max(plan.repeats, 1)
    rotated = requests[offset:] + requests[:offset]
    connections = connections or plan.connections
    return await run_for(endpoint, rotated, connections=connections, seconds=plan.seconds, warmup=plan.warmup,
                         min_completions=3 * connections, cap_seconds=plan.cap_seconds)


# A measured run stops sending at its time cap, but the requests in flight then still run on the server. A peer
# that takes seconds per request would go on using the server core long after the run, through the next peer's
# measurement (moto's Query at 100k items: 64 in flight kept it busy for tens of minutes).
LEFTOVER_LIMIT_SECONDS = 30.0


@dataclass(frozen=True)
class ReadConnections:
    count: int
    note: str = ""


async def read_connections(endpoint: Endpoint, request: bytes, plan: Plan) -> ReadConnections:
    """How many connections a read run may use against this peer. One request is timed alone; if the requests
    in flight at the time cap would keep the server busy past LEFTOVER_LIMIT_SECONDS, the run uses one."""
    alone = await run_each(endpoint, [request], connections=1)
    leftover = alone.elapsed * plan.connections
    if leftover <= LEFTOVER_LIMIT_SECONDS:
        return ReadConnections(plan.connections)
    return ReadConnections(1, f"1 connection, not {plan.connections}: one request alone took {alone.elapsed:.1f} s, "
                              f"so {plan.connections} in flight at the time cap would have kept the server core "
                              f"busy for about {leftover:.0f} s after the run")


def rate_and_latency(prefix: str, runs: list[LoadResult], unit: str = "ops/s") -> dict[str, Figure]:
    return {
        f"{prefix}.rate": measured(runs, lambda r: r.rate, unit),
        f"{prefix}.p50": measured(runs, lambda r: r.latency_ms(0.50), "ms"),
        f"{prefix}.p99": measured(runs, lambda r: r.latency_ms(0.99), "ms"),
    }


# --- (a) PutItem ---------------------------------------------------------------------------------------------


def put_requests(endpoint: Endpoint, plan: Plan, table: str) -> list[bytes]:
    return [encode_call(endpoint, "PutItem", put_body(table, f"k{i:09d}", i)) for i in range(plan.put_pool)]


def boto3_rate(endpoint: Endpoint, table: str, seconds: float) -> float:
    """PutItem calls per second from one synchronous boto3 client (what a user's test suite looks like)."""
    import boto3  # type: ignore[import-untyped, unused-ignore]

    client = boto3.client(
        "dynamodb", endpoint_url=endpoint.url, region_name="us-east-1",
        aws_access_key_id="bench", aws_secret_access_key="bench",
    )
    for index in range(20):  # warm-up: connection, botocore's model loading
        client.put_item(**put_body(table, f"warm{index}", index))
    calls = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline or calls < 20:
        client.put_item(**put_body(table, f"b{calls:09d}", calls))
        calls += 1
    return calls / (time.perf_counter() - started)


# --- (b) GetItem and Query as the table grows ---------------------------------------------------------------


def _batch_complete(body: bytes) -> bool:
    answer = orjson.loads(body)
    return isinstance(answer, dict) and not answer.get("UnprocessedItems")


ItemMaker = Callable[[int], dict[str, Any]]


async def load_items(
    endpoint: Endpoint, table: str, first: int, last: int, batch: bool, make: ItemMaker = ranged_item
) -> LoadResult:
    """Writes items first..last-1, 25 per BatchWriteItem when the server serves it; rate is in items/s."""
    if batch:
        requests = [
            encode_call(endpoint, "BatchWriteItem", {"RequestItems": {table: [
                {"PutRequest": {"Item": make(i)}} for i in range(start, min(start + 25, last))]}})
            for start in range(first, last, 25)
        ]
        result = await run_each(endpoint, requests, connections=16, check=_batch_complete)
        result.completed = min(last - first, result.completed * 25)
        return result
    requests = [encode_call(endpoint, "PutItem", {"TableName": table, "Item": make(i)}) for i in range(first, last)]
    return await run_each(endpoint, requests, connections=32)



@dataclass
class GrowingTable:
    """The (b) table: pk = partition of 10 items, sk = 0..9; loaded step by step up to each size. A step is skipped
    when its projected load time exceeds the time budget or the server's projected memory exceeds the memory
    budget (an in-memory peer at 1M items can outgrow the machine: moto passed 7.6 GB on its way there)."""

    endpoint: Endpoint
    name: str
    batch: bool
    memory_mb: Callable[[], float] | None = None
    loaded: int = 0
    load_rate: float = 0.0
    load_failures: str = ""
    skipped: str = ""
    mb_per_item: float = 0.0

    async def grow_to(self, size: int, budget_seconds: float, memory_budget_mb: float = float("inf")) -> str:
        """Loads up to `size` items; returns why not when the estimated time or memory exceeds its budget. The
        load goes in chunks and stops once the server passes the memory budget: an in-memory peer's cost per
        item can grow with its size (moto's did), so a projection alone let it pass 5 GB."""
        before_mb = self.memory_mb() if self.memory_mb is not None else 0.0
        refusal = step_refusal(size, self.loaded, self.load_rate, budget_seconds,
                               before_mb, self.mb_per_item, memory_budget_mb)
        if refusal:
            return refusal
        started, seconds = self.loaded, 0.0
        while self.loaded < size:
            chunk_end = min(size, self.loaded + LOAD_CHUNK)
            result = await load_items(self.endpoint, self.name, self.loaded, chunk_end, self.batch)
            if result.failed and not self.load_failures:
                self.load_failures = f"{result.failed} load requests failed, first: {result.first_failure}"
            seconds += result.elapsed
            self.loaded = chunk_end
            self.load_rate = (self.loaded - started) / seconds if seconds else result.rate
            now_mb = self.memory_mb() if self.memory_mb is not None else 0.0
            if self.loaded < size and now_mb > memory_budget_mb:
                return (f"not loaded: stopped at {self.loaded:,} of {size:,} items, the server held "
                        f"{now_mb:,.0f} MB (budget {memory_budget_mb:,.0f} MB)")
        if self.memory_mb is not None:
            # The growth of this step alone: the server already held the earlier workloads' items.
            self.mb_per_item = max(0.0, self.memory_mb() - before_mb) / (size - started)
        return ""


LOAD_CHUNK = 100_000


def step_refusal(size: int, loaded: int, load_rate: float, budget_seconds: float,
                 now_mb: float, mb_per_item: float, memory_budget_mb: float) -> str:
    """Why a load step up to `size` items should not run, projected from the steps so far; "" when it may."""
    more = size - loaded
    if load_rate and more / load_rate > budget_seconds:
        return (f"not loaded: {more:,} more items would take about {more / load_rate:,.0f}s at "
                f"{load_rate:,.0f} items/s (budget {budget_seconds:.0f}s)")
    projected = now_mb + more * mb_per_item
    if mb_per_item and projected > memory_budget_mb:
        return (f"not loaded: the server would hold about {projected:,.0f} MB at {size:,} items "
                f"({mb_per_item * 1e6:,.0f} MB per million items so far; budget {memory_budget_mb:,.0f} MB)")
    return ""


def read_requests(table: GrowingTable) -> tuple[list[bytes], list[bytes]]:
    """GetItem and Query requests for random existing keys of the table at its current size."""
    endpoint, randomness = table.endpoint, random.Random(table.loaded)
    keys = [randomness.randrange(table.loaded) for _ in range(20_000)]
    gets = [encode_call(endpoint, "GetItem", {"TableName": table.name, "Key": {
        "pk": {"S": f"p{i // 10:08d}"}, "sk": {"N": str(i % 10)}}}) for i in keys]
    queries = [encode_call(endpoint, "Query", {
        "TableName": table.name, "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": f"p{i // 10:08d}"}}}) for i in keys]
    return gets, queries
