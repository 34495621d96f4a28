"""TriggerRuntime end to end over a scripted source and function: order, retries, bisect, partial failures,
the failure destination, record age, filters, parallelization, lineage, tumbling windows and checkpoints."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shardline.clock import FakeClock
from shardline.triggers.invocation import InvocationResult
from shardline.triggers.runtime import TriggerRuntime
from tests.unit.triggers.runtime_fakes import (
    ARN,
    BASE,
    FakeFunction,
    FakeShard,
    FakeSource,
    config,
    flatten,
    raising_on,
    run_until,
    stream_record,
)


def shard_with(*values: str, shard_id: str = "shardId-1", keys: list[str] | None = None, **kwargs: Any) -> FakeShard:
    records = [
        stream_record(n + 1, keys[n] if keys else f"k{n}", v=value) for n, value in enumerate(values)
    ]
    return FakeShard(shard_id, records=records, **kwargs)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_records_arrive_in_order_in_batches() -> None:
    source = FakeSource(shard_with(*[f"v{n}" for n in range(7)]))
    function = FakeFunction()
    asyncio.run(run_until(source, function, config(batch_size=3), lambda: flatten(function.values("v")) == [
        f"v{n}" for n in range(7)]))
    assert all(len(event["Records"]) <= 3 for event in function.events)
    first = function.events[0]["Records"][0]
    assert first["eventSourceARN"] == ARN
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], float)


def test_exhausted_retries_go_to_the_failure_destination_and_processing_moves_on(tmp_path: Path) -> None:
    failures = tmp_path / "failures.jsonl"
    source = FakeSource(shard_with("ok", "bad", "after"))
    function = FakeFunction(raising_on("bad"))
    mapping = config(batch_size=1, maximum_retry_attempts=2, on_failure_destination=failures.as_uri())
    asyncio.run(run_until(source, function, mapping, lambda: ["after"] in function.values("v")))
    assert function.values("v") == [["ok"], ["bad"], ["bad"], ["bad"], ["after"]]
    (record,) = lines(failures)
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:handlers-f"
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    info = record["DDBStreamBatchInfo"]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == str(BASE + 2)
    assert info["batchSize"] == 1 and info["shardId"] == "shardId-1" and info["streamArn"] == ARN
    assert [r["dynamodb"]["NewImage"]["v"]["S"] for r in record["payload"]["Records"]] == ["bad"]


def test_bisect_isolates_the_failing_record(tmp_path: Path) -> None:
    failures = tmp_path / "failures.jsonl"
    source = FakeSource(shard_with("a", "b", "bad", "d", closed=True))
    function = FakeFunction(raising_on("bad"))
    mapping = config(batch_size=10, maximum_retry_attempts=0, bisect_batch_on_function_error=True,
                     on_failure_destination=failures.as_uri())
    asyncio.run(run_until(source, function, mapping, lambda: lines(failures) != [] and ["d"] in function.values("v")))
    assert function.values("v") == [["a", "b", "bad", "d"], ["a", "b"], ["bad", "d"], ["bad"], ["d"]]
    (record,) = lines(failures)
    assert record["DDBStreamBatchInfo"]["startSequenceNumber"] == str(BASE + 3)
    assert record["DDBStreamBatchInfo"]["batchSize"] == 1


def partial_failure_on(value: str) -> Any:
    def behaviour(event: Mapping[str, Any]) -> InvocationResult:
        failed = [
            r["dynamodb"]["SequenceNumber"] for r in event["Records"] if r["dynamodb"]["NewImage"]["v"]["S"] == value
        ]
        return InvocationResult(200, {"batchItemFailures": [{"itemIdentifier": number} for number in failed]})

    return behaviour


def test_partial_failures_resume_from_the_lowest_failed_record(tmp_path: Path) -> None:
    failures = tmp_path / "failures.jsonl"
    source = FakeSource(shard_with("a", "b", "bad", "d", closed=True))
    function = FakeFunction(partial_failure_on("bad"))
    mapping = config(batch_size=10, maximum_retry_attempts=1, report_batch_item_failures=True,
                     on_failure_destination=failures.as_uri())
    asyncio.run(run_until(source, function, mapping, lambda: lines(failures) != []))
    assert function.values("v") == [["a", "b", "bad", "d"], ["bad", "d"]]
    (record,) = lines(failures)
    # only the records from the failed one on are discarded; no function error, as the function returned
    assert record["responseContext"]["functionError"] is None
    assert record["DDBStreamBatchInfo"]["startSequenceNumber"] == str(BASE + 3)
    assert record["DDBStreamBatchInfo"]["endSequenceNumber"] == str(BASE + 4)
    assert record["DDBStreamBatchInfo"]["batchSize"] == 2


def test_records_older_than_the_maximum_age_are_discarded_unprocessed(tmp_path: Path) -> None:
    failures = tmp_path / "failures.jsonl"
    source = FakeSource(shard_with("old1", "old2"))
    function = FakeFunction()
    clock = FakeClock(1_700_000_000.0 + 120)  # two minutes after the records were written
    mapping = config(maximum_record_age_seconds=60, on_failure_destination=failures.as_uri())
    asyncio.run(run_until(source, function, mapping, lambda: lines(failures) != [], clock=clock))
    assert function.events == []
    (record,) = lines(failures)
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert "responseContext" not in record
    assert record["DDBStreamBatchInfo"]["batchSize"] == 2


def test_filtered_records_are_consumed_without_an_invocation(tmp_path: Path) -> None:
    source = FakeSource(shard_with("skip", "keep", "skip", "skip"))
    function = FakeFunction()
    pattern = json.dumps({"dynamodb": {"NewImage": {"v": {"S": ["keep"]}}}})
    status: dict[str, Any] = {}

    async def inspect(runtime: TriggerRuntime) -> None:
        found = runtime.get("m-1")
        assert found is not None
        status["counters"] = found.counters
        status["shards"] = found.shards

    asyncio.run(run_until(source, function, config(filter_patterns=(pattern,)), lambda: function.events != [],
                          after=inspect, state=tmp_path / "state.db"))
    assert function.values("v") == [["keep"]]
    assert status["counters"].records_filtered == 3
    assert status["counters"].invocations == 1
    (shard,) = status["shards"]
    assert shard.position == str(BASE + 4)  # the checkpoint passed the trailing filtered records


def test_parallel_batches_keep_each_partition_key_in_order() -> None:
    keys = [f"key{n % 5}" for n in range(40)]
    source = FakeSource(shard_with(*[str(n) for n in range(40)], keys=keys))
    function = FakeFunction(delay=0.01)
    mapping = config(batch_size=2, parallelization_factor=4)
    asyncio.run(run_until(source, function, mapping, lambda: sum(len(e["Records"]) for e in function.events) >= 40))
    seen: dict[str, list[int]] = {}
    for event in function.events:
        for record in event["Records"]:
            key = record["dynamodb"]["Keys"]["pk"]["S"]
            seen.setdefault(key, []).append(int(record["dynamodb"]["NewImage"]["v"]["S"]))
    assert all(values == sorted(values) for values in seen.values())
    assert sorted(flatten(seen.values())) == list(range(40))
    assert function.most_active > 1


def test_a_child_shard_waits_for_its_parent() -> None:
    parent = FakeShard("shardId-1", closed=True, records=[stream_record(n, "k", v=f"p{n}") for n in range(1, 4)])
    child = FakeShard("shardId-2", parent="shardId-1", records=[stream_record(n, "k", v=f"c{n}") for n in range(4, 6)])
    source = FakeSource(child, parent)
    function = FakeFunction(delay=0.01)
    asyncio.run(run_until(source, function, config(batch_size=1), lambda: len(function.events) >= 5))
    assert flatten(function.values("v")) == ["p1", "p2", "p3", "c4", "c5"]


def test_a_restart_resumes_after_the_checkpoint(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    source = FakeSource(shard_with("a", "b", "c"))
    first = FakeFunction()
    asyncio.run(run_until(source, first, config(batch_size=1), lambda: len(first.events) >= 3, state=state))
    source.shards["shardId-1"].records.append(stream_record(4, "k9", v="d"))
    second = FakeFunction()
    asyncio.run(run_until(source, second, config(batch_size=1), lambda: len(second.events) >= 1, state=state))
    assert second.values("v") == [["d"]]


def test_latest_skips_what_the_stream_already_holds(tmp_path: Path) -> None:
    source = FakeSource(shard_with("old"))
    function = FakeFunction()

    async def scenario() -> None:
        async def add_later() -> None:
            await asyncio.sleep(0.2)
            source.shards["shardId-1"].records.append(stream_record(2, "k", v="new"))

        task = asyncio.create_task(add_later())
        await run_until(source, function, config(starting_position="LATEST"), lambda: function.events != [],
                        state=tmp_path / "s.db")
        await task

    asyncio.run(scenario())
    assert function.values("v") == [["new"]]


def test_tumbling_windows_carry_state_and_mark_the_final_invoke() -> None:
    start = 1_700_000_100.0  # a multiple of 10
    records = [stream_record(n + 1, "k", created_at=start + offset, v=str(n))
               for n, offset in enumerate([0, 1, 2, 11, 12])]
    source = FakeSource(FakeShard("shardId-1", records=records))

    def count(event: Mapping[str, Any]) -> InvocationResult:
        return InvocationResult(200, {"state": {"count": event["state"].get("count", 0) + len(event["Records"])}})

    function = FakeFunction(count)
    clock = FakeClock(start + 25)  # both windows are over
    mapping = config(batch_size=2, tumbling_window_seconds=10)
    asyncio.run(run_until(source, function, mapping,
                          lambda: sum(1 for e in function.events if e["isFinalInvokeForWindow"]) >= 2, clock=clock))
    summary = [(e["window"]["start"], len(e["Records"]), e["state"], e["isFinalInvokeForWindow"])
               for e in function.events]
    assert summary == [
        ("2023-11-14T22:15:00Z", 2, {}, False),
        ("2023-11-14T22:15:00Z", 1, {"count": 2}, True),
        ("2023-11-14T22:15:10Z", 2, {}, True),
    ]
    assert all(e["shardId"] == "shardId-1" and e["eventSourceARN"] == ARN and not e["isWindowTerminatedEarly"]
               for e in function.events)
