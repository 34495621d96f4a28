"""Runs the workloads against every peer in one run, interleaved: all servers are up at once (idle while another is
measured) and each repeat visits the peers in a rotated order, so drift in the machine's load spreads over all
peers instead of favouring whichever ran first."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from bench.harness import peers
from bench.harness.load import LoadResult
from bench.harness.machine import CoreSplit
from bench.harness.profile import profile_under_load, render
from bench.harness.results import Figure, Measurement, Missing, metric_catalog, size_tag
from bench.harness.shardline_workloads import consumer_workload, peer_reasons, postgres_workload, trigger_workload
from bench.harness.stream_workloads import (
    VISIBILITY_KEYS,
    drain_figure,
    drain_once,
    top_up,
    visibility_figures,
    visible_latencies,
)
from bench.harness.wire import Api, ApiError, encode_call
from bench.harness.workloads import (
    NOT_YET,
    Capabilities,
    GrowingTable,
    Plan,
    boto3_rate,
    create_table,
    load_once,
    measured,
    probe,
    put_body,
    put_requests,
    rate_and_latency,
    read_connections,
    read_requests,
)

MEMORY_SIZE = 100_000
_FAILURES = (ApiError, OSError, KeyError, TypeError, ValueError, RuntimeError)
T = TypeVar("T")


@dataclass
class Row:
    """One peer for the whole run."""

    spec: peers.PeerSpec
    peer: peers.RunningPeer
    caps: Capabilities
    api: Api
    full_set: bool
    figures: dict[str, Figure] = field(default_factory=dict)
    streams: dict[str, str] = field(default_factory=dict)
    growing: GrowingTable | None = None
    profile: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name


async def rounds(
    rows: list[Row], repeats: int, keys: list[str], job: Callable[[Row, int], Awaitable[T]]
) -> dict[str, list[T]]:
    """Runs `job` repeats times per row, rotating the order of rows each round; a row whose job fails gets its
    `keys` marked with the failure and leaves the remaining rounds."""
    done: dict[str, list[T]] = {row.name: [] for row in rows}
    active = list(rows)
    for repeat in range(repeats):
        shift = repeat % max(len(active), 1)
        for row in active[shift:] + active[:shift]:
            try:
                done[row.name].append(await job(row, repeat))
            except _FAILURES as error:
                for key in keys:
                    row.figures[key] = Missing(f"failed: {type(error).__name__}: {error}")
                done.pop(row.name, None)
            await row.peer.settle()  # its leftover work must not land on the next peer's measurement
        active = [row for row in active if row.name in done]
    return done


async def cold_starts(spec: peers.PeerSpec, plan: Plan, cores: CoreSplit, work_dir: Path) -> dict[str, Figure]:
    times, memories = [], []
    for _ in range(plan.startup_repeats):
        peer = await peers.start(spec, cores.server, work_dir)
        try:
            await asyncio.sleep(0.3)  # let the process settle before its idle memory is read
            memories.append(peer.rss_mb())
            times.append(peer.startup_seconds)
        finally:
            peer.stop()
    return {"startup.seconds": Measurement(times, "s"), "memory.idle": Measurement(memories, "MB")}


async def open_row(spec: peers.PeerSpec, plan: Plan, cores: CoreSplit, work_dir: Path, full_set: bool) -> Row:
    figures: dict[str, Figure] = {}
    if full_set:
        try:
            figures.update(await cold_starts(spec, plan, cores, work_dir))
        except (peers.PeerFailed, OSError) as error:
            figures.update({"startup.seconds": Missing(str(error)), "memory.idle": Missing(str(error))})
    peer = await peers.start(spec, cores.server, work_dir)
    api = Api(peer.endpoint)
    row = Row(spec, peer, await probe(api, spec.streams_documented), api, full_set, figures)
    await create_table(api, "bench-put", sort_key=False, stream=False)
    if row.caps.streams:
        for table in ("bench-put-stream", "bench-visible"):
            row.streams[table] = (await create_table(api, table, sort_key=False, stream=True))["LatestStreamArn"]
    else:
        keys = ["put_stream.rate", "put_stream.p50", "put_stream.p99", *VISIBILITY_KEYS,
                "stream.drain.rate"]
        row.figures.update({key: Missing(row.caps.streams_reason) for key in keys})
    return row


async def _load_phase(rows: list[Row], plan: Plan, prefix: str, table: str) -> None:
    requests = {row.name: put_requests(row.peer.endpoint, plan, table) for row in rows}
    keys = [f"{prefix}.rate", f"{prefix}.p50", f"{prefix}.p99"]
    runs = await rounds(rows, plan.repeats, keys,
                        lambda row, repeat: load_once(row.peer.endpoint, requests[row.name], plan, repeat))
    for row in rows:
        if row.name in runs:
            row.figures.update(rate_and_latency(prefix, runs[row.name]))


async def item_workloads(rows: list[Row], plan: Plan) -> None:
    await _load_phase(rows, plan, "put", "bench-put")
    await _load_phase([row for row in rows if row.caps.streams], plan, "put_stream", "bench-put-stream")
    # The relaxed row takes part here too: one sequential client cannot share a commit, so this shows the fsync.
    rates = await rounds(rows, plan.repeats, ["boto3.put.rate"], lambda row, _: asyncio.to_thread(
        boto3_rate, row.peer.endpoint, "bench-put", plan.boto3_seconds))
    full = [row for row in rows if row.full_set]
    for row in rows:
        if row.name in rates:
            row.figures["boto3.put.rate"] = Measurement(rates[row.name], "calls/s")
    for row in full:
        row.growing = GrowingTable(row.peer.endpoint, "bench-items", row.caps.batch_write, row.peer.rss_mb)
        await create_table(row.api, "bench-items", sort_key=True, stream=False)
    for size in plan.table_sizes:
        await _size_step(full, plan, size)
    for row in full:
        _load_rate_figure(row, plan)


async def _size_step(rows: list[Row], plan: Plan, size: int) -> None:
    tag = size_tag(size)
    keys = [f"get.rate.{tag}", f"get.p50.{tag}", f"query.rate.{tag}", f"query.p50.{tag}"]
    ready = []
    for row in rows:
        assert row.growing is not None
        budget = plan.reference_budget_seconds if row.spec is peers.SHARDLINE else plan.load_budget_seconds
        skipped = row.growing.skipped or await row.growing.grow_to(size, budget, plan.memory_budget_mb)
        if skipped:
            row.growing.skipped = skipped
            row.figures.update({key: Missing(skipped) for key in keys})
            if size == MEMORY_SIZE:
                row.figures["memory.100k"] = Missing(skipped)
            continue
        if size == MEMORY_SIZE:
            row.figures["memory.100k"] = Measurement([row.peer.rss_mb()], "MB")
        ready.append(row)
    requests = {row.name: read_requests(row.growing) for row in ready if row.growing is not None}
    querying = [row for row in ready if row.caps.query]
    await _read_phase(ready, plan, tag, "get", {name: pair[0] for name, pair in requests.items()})
    await _read_phase(querying, plan, tag, "query", {name: pair[1] for name, pair in requests.items()})
    for row in ready:
        if not row.caps.query:
            row.figures[f"query.rate.{tag}"] = row.figures[f"query.p50.{tag}"] = Missing(
                f"{NOT_YET}: the server does not serve Query")


async def _read_phase(rows: list[Row], plan: Plan, tag: str, operation: str, requests: dict[str, list[bytes]]) -> None:
    connections = {row.name: await read_connections(row.peer.endpoint, requests[row.name][0], plan) for row in rows}
    runs = await rounds(rows, plan.repeats, [f"{operation}.rate.{tag}", f"{operation}.p50.{tag}"], lambda row, repeat:
                        load_once(row.peer.endpoint, requests[row.name], plan, repeat, connections[row.name].count))
    for row in rows:
        _read_figures(row, tag, runs.get(row.name), operation, connections[row.name].note)


def _read_figures(row: Row, tag: str, runs: list[LoadResult] | None, operation: str, note: str = "") -> None:
    if runs:
        for key, figure in ((f"{operation}.rate.{tag}", measured(runs, lambda r: r.rate, "ops/s")),
                            (f"{operation}.p50.{tag}", measured(runs, lambda r: r.latency_ms(0.5), "ms"))):
            if note and isinstance(figure, Measurement):
                figure = dataclasses.replace(figure, note="; ".join(filter(None, [note, figure.note])))
            row.figures[key] = figure


def _load_rate_figure(row: Row, plan: Plan) -> None:
    table = row.growing
    if table is None or not table.load_rate:
        row.figures["load.rate"] = Missing("nothing loaded")
        return
    how = "BatchWriteItem, 25 items per call" if table.batch else "PutItem (BatchWriteItem not served)"
    failures = f"; {table.load_failures}" if table.load_failures else ""
    row.figures["load.rate"] = Measurement([table.load_rate], "items/s", f"{how}, 16 connections{failures}")
    if MEMORY_SIZE not in plan.table_sizes:
        row.figures["memory.100k"] = Missing("the plan has no 100k-item step")


async def stream_workloads(rows: list[Row], plan: Plan) -> None:
    streaming = [row for row in rows if row.caps.streams]
    per_repeat = max(1, plan.latency_samples // plan.repeats)
    visible = await rounds(streaming, plan.repeats, VISIBILITY_KEYS, lambda row, r:
                           visible_latencies(row.peer.endpoint, "bench-visible", row.streams["bench-visible"],
                                             per_repeat, r * per_repeat))
    for row in streaming:
        if row.name in visible:
            row.figures.update(visibility_figures(visible[row.name]))
    backlogs: dict[str, int] = {}
    for row in streaming:
        try:
            backlogs[row.name] = await top_up(row.peer.endpoint, plan, "bench-put-stream",
                                              row.streams["bench-put-stream"], row.caps.batch_write)
        except _FAILURES as error:
            row.figures["stream.drain.rate"] = Missing(f"failed: {type(error).__name__}: {error}")
    draining = [row for row in streaming if row.name in backlogs]
    drains = await rounds(draining, plan.repeats, ["stream.drain.rate"], lambda row, _: drain_once(
        row.api, row.streams["bench-put-stream"], plan.drain_cap_seconds))
    for row in draining:
        if row.name in drains:
            row.figures["stream.drain.rate"] = drain_figure(drains[row.name], backlogs[row.name])


async def profiles(row: Row, plan: Plan) -> list[str]:
    """py-spy profiles of the server under PutItem and GetItem load (GetItem reads the (b) table)."""
    endpoint = row.peer.endpoint
    puts = [encode_call(endpoint, "PutItem", put_body("bench-put", f"prof{i:08d}", i)) for i in range(100_000)]
    gets = [encode_call(endpoint, "GetItem", {"TableName": "bench-items", "Key": {
        "pk": {"S": f"p{(i * 7919) % 1000:08d}"}, "sk": {"N": str(i % 10)}}}) for i in range(20_000)]
    lines: list[str] = []
    for label, requests in (("PutItem", puts), ("GetItem", gets)):
        output = row.peer.log_path.parent / f"profile-{label}.txt"
        try:
            summary, rate = await profile_under_load(peers.py_spy(), row.peer.process.pid, endpoint, requests,
                                                     plan.profile_seconds, plan.connections, output)
        except (RuntimeError, OSError) as error:
            lines += [f"**{label}**: profile failed: {error}", ""]
            continue
        lines += [*render(summary, f"{row.name} {label} under load ({rate:,.0f}/s while sampled)"), ""]
    return lines


async def run_campaign(
    specs: list[peers.PeerSpec], plan: Plan, cores: CoreSplit, work_dir: Path, *, profile: bool,
    log: Callable[[str], None],
) -> dict[str, tuple[dict[str, Figure], list[str]]]:
    """Every workload against every peer; returns per peer its figures and profile lines."""
    outcome: dict[str, tuple[dict[str, Figure], list[str]]] = {}
    rows: list[Row] = []
    try:
        for spec in specs:
            log(f"starting {spec.name}")
            try:
                rows.append(await open_row(spec, plan, cores, work_dir, spec is not peers.SHARDLINE_RELAXED))
            except (peers.PeerFailed, *_FAILURES) as error:
                reason = f"did not start: {error}"
                outcome[spec.name] = ({m.key: Missing(reason) for m in metric_catalog(plan.table_sizes)}, [])
        log("(a)/(b) item workloads, interleaved")
        await item_workloads(rows, plan)
        log("(c)/(d) stream workloads, interleaved")
        await stream_workloads(rows, plan)
        for row in rows:
            if row.spec is not peers.SHARDLINE:
                row.figures.update(peer_reasons(row.name))
                continue
            log("(e) triggers: commit-to-handler latency and no-op handler throughput")
            row.figures.update(await trigger_workload(plan, cores))
            log("(f) consumer library with 1 and 3 workers")
            row.figures.update(await consumer_workload(plan, row.peer.endpoint))
            log("(h) PostgreSQL backend with 1 and 2 server processes")
            row.figures.update(await postgres_workload(plan, cores, work_dir))
        for row in rows:
            if profile and row.spec is peers.SHARDLINE:
                log("profiling shardline with py-spy")
                row.profile = await profiles(row, plan)
    finally:
        for row in rows:
            row.api.close()
            row.peer.stop()
    for row in rows:
        outcome[row.name] = (row.figures, row.profile)
    return {spec.name: outcome[spec.name] for spec in specs if spec.name in outcome}
