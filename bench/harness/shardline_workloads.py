"""Workloads only shardline runs: (e) triggers, (f) the consumer library, (h) the PostgreSQL backend with one and
two server processes. Peers get the reason in their cells (for triggers, the poll interval they document)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from array import array
from collections.abc import Callable
from pathlib import Path

from bench import consumer_throughput, trigger_latency
from bench.harness import peers
from bench.harness.load import LoadResult, run_for
from bench.harness.machine import CoreSplit, pin_self
from bench.harness.results import POSTGRES_PROCESSES, Figure, Measurement, Missing
from bench.harness.wire import Api, ApiError, Endpoint
from bench.harness.workloads import GrowingTable, Plan, create_table, measured, put_requests, read_requests

TRIGGER_KEYS = ("trigger.p50", "trigger.p99", "trigger.rate")
CONSUMER_WORKERS = (1, 3)
CONSUMER_KEYS = tuple(f"consumer.rate.{workers}" for workers in CONSUMER_WORKERS)
POSTGRES_KEYS = tuple(f"pg.{what}.{n}" for n in POSTGRES_PROCESSES for what in ("put_stream.rate",
                                                                               "put_stream.p99", "get.rate"))
# Peers have no triggers; the nearest thing, a Lambda event source mapping in LocalStack or MiniStack, polls the
# stream about once a second, so a write reaches its handler after up to ~1 s (issue #5).
PEER_TRIGGER_REASON = ("n/a: no triggers; LocalStack/MiniStack Lambda event source mappings poll the stream about "
                       "every 1 s, so commit-to-handler is up to ~1 s")
PEER_CONSUMER_REASON = "n/a: shardline's consumer library, measured against shardline only"
PEER_POSTGRES_REASON = "n/a: shardline's PostgreSQL backend"
_FAILURES = (ApiError, OSError, KeyError, TypeError, ValueError, RuntimeError, peers.PeerFailed)


def peer_reasons(name: str) -> dict[str, Figure]:
    """The cells of (e), (f) and (h) for a row other than shardline."""
    if name.startswith("shardline"):
        same = Missing("not run: the same code as the shardline row")
        return {key: same for key in (*TRIGGER_KEYS, *CONSUMER_KEYS, *POSTGRES_KEYS)}
    return {**{key: Missing(PEER_TRIGGER_REASON) for key in TRIGGER_KEYS},
            **{key: Missing(PEER_CONSUMER_REASON) for key in CONSUMER_KEYS},
            **{key: Missing(PEER_POSTGRES_REASON) for key in POSTGRES_KEYS}}


def _failed(keys: tuple[str, ...], error: BaseException) -> dict[str, Figure]:
    reason = Missing(f"failed: {type(error).__name__}: {error}")
    return {key: reason for key in keys}


def trigger_figures(runs: list[dict[str, float]], writes: int, records: int) -> dict[str, Figure]:
    """(e) figures from the repeats of bench.trigger_latency.measure."""
    note = f"{writes} single writes and {records:,} records per repeat; a fresh server per repeat"
    return {
        "trigger.p50": Measurement([run["latency_p50_ms"] for run in runs], "ms", note),
        "trigger.p99": Measurement([run["latency_p99_ms"] for run in runs], "ms", note),
        "trigger.rate": Measurement([run["records_per_second"] for run in runs], "records/s", note),
    }


async def trigger_workload(plan: Plan, cores: CoreSplit) -> dict[str, Figure]:
    """(e): each repeat starts its own `shardline serve --triggers` on the server core (its handler workers too)."""
    runs = []
    try:
        for _ in range(plan.feature_repeats):
            runs.append(await asyncio.to_thread(trigger_latency.measure, plan.trigger_writes, plan.trigger_records,
                                                cores.server))
    except _FAILURES as error:
        return _failed(TRIGGER_KEYS, error)
    return trigger_figures(runs, plan.trigger_writes, plan.trigger_records)


async def consumer_workload(plan: Plan, endpoint: Endpoint) -> dict[str, Figure]:
    """(f): against the shardline row's server; worker counts alternate within each repeat."""
    rates: dict[int, list[float]] = {workers: [] for workers in CONSUMER_WORKERS}
    try:
        for repeat in range(plan.feature_repeats):
            order = CONSUMER_WORKERS if repeat % 2 == 0 else CONSUMER_WORKERS[::-1]
            for workers in order:
                rates[workers].append(await asyncio.to_thread(
                    consumer_throughput.measure, endpoint.url, plan.consumer_records, workers))
    except _FAILURES as error:
        return _failed(CONSUMER_KEYS, error)
    note = (f"{plan.consumer_records:,} records per repeat on a fresh 4-shard stream, timed from the first record "
            "processed (worker start-up left out); workers run on the load generator's core")
    return {f"consumer.rate.{workers}": Measurement(values, "records/s", note) for workers, values in rates.items()}


# --- (h) PostgreSQL ----------------------------------------------------------------------------------------------


def merge(results: list[LoadResult]) -> LoadResult:
    """One load spread over several servers at once: completions and latencies add up over the same window."""
    latencies: array[int] = array("q")
    for result in results:
        latencies.extend(result.latencies_us)
    first_failure = next((result.first_failure for result in results if result.first_failure), "")
    return LoadResult(sum(r.completed for r in results), sum(r.failed for r in results),
                      max((r.elapsed for r in results), default=0.0), latencies, first_failure)


async def spread_load(endpoints: list[Endpoint], requests: Callable[[Endpoint], list[bytes]], plan: Plan,
                      repeat: int) -> LoadResult:
    """The plan's connections split evenly over the endpoints, each replaying its own requests."""
    per_server = max(1, plan.connections // len(endpoints))

    async def one(endpoint: Endpoint) -> LoadResult:
        pool = requests(endpoint)
        offset = (repeat * len(pool)) // max(plan.feature_repeats, 1)
        return await run_for(endpoint, pool[offset:] + pool[:offset], connections=per_server, seconds=plan.seconds,
                             warmup=plan.warmup, min_completions=3 * per_server, cap_seconds=plan.cap_seconds)

    return merge(list(await asyncio.gather(*(one(endpoint) for endpoint in endpoints))))


def postgres_unavailable() -> str:
    try:
        import psycopg  # noqa: F401
        from tests.postgres_cluster import binaries_missing
    except ImportError as error:
        return f"not run: {error}"
    return binaries_missing() or ""


async def _postgres_step(url: str, processes: int, plan: Plan, cores: CoreSplit, work_dir: Path
                         ) -> dict[str, Figure]:
    spec = peers.PeerSpec(f"shardline postgres {processes}", "shardline", "", True, ("--postgres", url))
    running: list[peers.RunningPeer] = []
    try:
        for _ in range(processes):  # one after the other: the first creates the schema
            running.append(await peers.start(spec, cores.server, work_dir))
        endpoints = [peer.endpoint for peer in running]
        api = Api(endpoints[0])
        try:
            await create_table(api, "bench-pg-put", sort_key=False, stream=True)
            await create_table(api, "bench-pg-items", sort_key=True, stream=False)
        finally:
            api.close()
        puts = [await spread_load(endpoints, lambda e: put_requests(e, plan, "bench-pg-put"), plan, repeat)
                for repeat in range(plan.feature_repeats)]
        table = GrowingTable(endpoints[0], "bench-pg-items", True)
        if failed := await table.grow_to(plan.postgres_items, plan.load_budget_seconds * 3):
            raise RuntimeError(failed)
        gets = [await spread_load(endpoints, lambda e: read_requests(dataclasses.replace(table, endpoint=e))[0],
                                  plan, repeat) for repeat in range(plan.feature_repeats)]
    finally:
        for peer in running:
            peer.stop()
    return {
        f"pg.put_stream.rate.{processes}": measured(puts, lambda r: r.rate, "ops/s"),
        f"pg.put_stream.p99.{processes}": measured(puts, lambda r: r.latency_ms(0.99), "ms"),
        f"pg.get.rate.{processes}": measured(gets, lambda r: r.rate, "ops/s"),
    }


async def postgres_workload(plan: Plan, cores: CoreSplit, work_dir: Path) -> dict[str, Figure]:
    """(h): a throwaway PostgreSQL cluster (as the tests start one) on the server core, a fresh database per step;
    PutItem with a stream and GetItem at 10k items, the load split evenly over the server processes."""
    if why := postgres_unavailable():
        return {key: Missing(why) for key in POSTGRES_KEYS}
    from tests.postgres_cluster import running_cluster

    figures: dict[str, Figure] = {}
    with contextlib.ExitStack() as stack:
        pin_self(cores.server)  # the postmaster and its backends inherit this: they share the servers' core
        try:
            cluster = stack.enter_context(running_cluster())
        except (RuntimeError, OSError) as error:
            return _failed(POSTGRES_KEYS, error)
        finally:
            pin_self(cores.load)
        for processes in POSTGRES_PROCESSES:
            keys = tuple(key for key in POSTGRES_KEYS if key.endswith(f".{processes}"))
            try:
                url = cluster.url(cluster.create_database("bench"))
                figures.update(await _postgres_step(url, processes, plan, cores, work_dir))
            except _FAILURES as error:
                figures.update(_failed(keys, error))
    return figures
