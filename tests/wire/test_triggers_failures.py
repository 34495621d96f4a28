"""Triggers over a real server (`serve --triggers FILE`) with handlers in a temporary package: the event, every
failure path (raise, timeout, crash, bisect, partial failures and both at once, exhausted retries, the OnFailure
file), tumbling windows, parallelization order and lineage after `shardline shards split`."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.wire.conftest import ServerProcess, stop_server
from tests.wire.trigger_harness import (
    client,
    create_stream_table,
    flatten,
    lines_of,
    log_of,
    put,
    serve_triggers,
    values,
    wait_for,
    write_project,
)

HANDLER = "wire_handlers.handlers:"


@dataclass
class Env:
    root: Path
    server: ServerProcess
    dynamodb: Any

    def failures(self, table: str) -> list[dict[str, Any]]:
        return lines_of(self.root / f"{table}-failures.jsonl")

    def log(self, table: str) -> list[dict[str, Any]]:
        return log_of(self.root, table)


def mapping(table: str, function: str, root: Path, **settings: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"FunctionName": function, "TableName": table, "StartingPosition": "TRIM_HORIZON"}
    if settings.pop("destination", False):
        entry["DestinationConfig"] = {"OnFailure": {"Destination": (root / f"{table}-failures.jsonl").as_uri()}}
    entry.update(settings)
    return entry


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    root = tmp_path_factory.mktemp("triggers")
    mappings = [
        mapping("Orders", HANDLER + "record", root),
        mapping("Raising", HANDLER + "raises", root, BatchSize=1, MaximumRetryAttempts=2, destination=True),
        mapping("Hanging", "Hanger", root, BatchSize=1, MaximumRetryAttempts=0, destination=True),
        mapping("Crashing", HANDLER + "crashes", root, BatchSize=1, MaximumRetryAttempts=1, destination=True),
        mapping("Bisecting", HANDLER + "bisects", root, BatchSize=10, MaximumBatchingWindowInSeconds=1,
                BisectBatchOnFunctionError=True, MaximumRetryAttempts=0, destination=True),
        mapping("Partial", HANDLER + "partial", root, BatchSize=10, MaximumBatchingWindowInSeconds=1,
                FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=1, destination=True),
        mapping("PartialBisect", HANDLER + "partial", root, BatchSize=10, MaximumBatchingWindowInSeconds=1,
                FunctionResponseTypes=["ReportBatchItemFailures"], BisectBatchOnFunctionError=True,
                MaximumRetryAttempts=1, destination=True),
        mapping("Windowed", HANDLER + "windowed", root, TumblingWindowInSeconds=2),
        mapping("Parallel", HANDLER + "parallel", root, BatchSize=1, ParallelizationFactor=4),
        mapping("WindowedParallel", HANDLER + "windowed_keys", root, BatchSize=2, TumblingWindowInSeconds=2,
                ParallelizationFactor=3),
        mapping("Lineage", HANDLER + "record", root, BatchSize=5),
        mapping("Late", HANDLER + "record", root),
    ]
    triggers = write_project(root, mappings, {"Hanger": {"Handler": HANDLER + "hangs", "Timeout": 1}})
    server = serve_triggers(root, triggers)
    try:
        yield Env(root, server, client(server))
    finally:
        stop_server(server)


def test_the_handler_gets_lambdas_event_soon_after_the_write(env: Env) -> None:
    create_stream_table(env.dynamodb, "Orders")
    time.sleep(1.2)  # the mapping finds the new table's stream (it waited for the table)
    written = time.time()
    put(env.dynamodb, "Orders", "order-1", status="NEW")
    wait_for(lambda: len(env.log("Orders")) >= 1, what="the first invocation")
    (entry,) = env.log("Orders")
    assert entry["started"] - written < 0.5
    (record,) = entry["event"]["Records"]
    assert list(record) == ["eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
                            "eventSourceARN"]
    assert record["eventName"] == "INSERT" and record["eventVersion"] == "1.1"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"].startswith("arn:aws:dynamodb:us-east-1:000000000000:table/Orders/stream/")
    assert record["dynamodb"]["NewImage"] == {"pk": {"S": "order-1"}, "status": {"S": "NEW"}}
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)
    assert entry["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:wire_handlers-handlers-record"
    assert 0 < entry["remaining"] <= 3000  # Lambda's default Timeout of 3 s


def test_a_raising_handler_is_retried_then_its_batch_goes_to_the_failure_file(env: Env) -> None:
    create_stream_table(env.dynamodb, "Raising")
    put(env.dynamodb, "Raising", "a", action="ok")
    put(env.dynamodb, "Raising", "b", action="raise")
    put(env.dynamodb, "Raising", "c", action="ok")
    wait_for(lambda: ["c"] in values(env.log("Raising")), what="the record after the failing one")
    assert values(env.log("Raising")) == [["a"], ["b"], ["b"], ["b"], ["c"]]
    (failure,) = env.failures("Raising")
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert failure["version"] == "1.0"
    info = failure["DDBStreamBatchInfo"]
    failed_record = env.log("Raising")[1]["event"]["Records"][0]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == failed_record["dynamodb"]["SequenceNumber"]
    assert info["batchSize"] == 1
    assert info["streamArn"] == failed_record["eventSourceARN"]
    assert info["shardId"].startswith("shardId-")
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")


def test_a_handler_past_its_timeout_fails_and_the_server_keeps_serving(env: Env) -> None:
    create_stream_table(env.dynamodb, "Hanging")
    put(env.dynamodb, "Hanging", "slow", action="hang")
    put(env.dynamodb, "Hanging", "next", action="ok")
    wait_for(lambda: ["next"] in values(env.log("Hanging")), timeout=20, what="the record after the timeout")
    assert env.dynamodb.describe_table(TableName="Hanging")["Table"]["TableStatus"] == "ACTIVE"
    (failure,) = env.failures("Hanging")
    assert failure["requestContext"]["approximateInvokeCount"] == 1
    assert failure["responseContext"]["functionError"] == "Unhandled"
    # A function of the Functions section goes by its name there, as a Lambda function by its own.
    assert env.log("Hanging")[0]["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:Hanger"
    assert failure["requestContext"]["functionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:Hanger"


def test_a_mapping_waits_for_its_table_and_says_so(env: Env) -> None:
    lambda_client = client(env.server, "lambda")

    def late_mapping() -> dict[str, Any]:
        (found,) = [entry for entry in lambda_client.list_event_source_mappings()["EventSourceMappings"]
                    if "Late" in entry["EventSourceArn"]]
        return found

    # Once the runtime has looked for the table (right after the server starts), the mapping says it waits.
    wait_for(lambda: late_mapping()["StateTransitionReason"] == "Waiting for table Late", timeout=10,
             what="the waiting state")
    assert late_mapping()["State"] == "Enabled"
    create_stream_table(env.dynamodb, "Late")
    put(env.dynamodb, "Late", "first")
    wait_for(lambda: values(env.log("Late")) == [["first"]], what="the first record of the late table")
    started = late_mapping()
    assert started["StateTransitionReason"] == "User action"
    assert started["EventSourceArn"].startswith("arn:aws:dynamodb:us-east-1:000000000000:table/Late/stream/")


def test_a_crashing_handler_process_is_an_invocation_error(env: Env) -> None:
    create_stream_table(env.dynamodb, "Crashing")
    put(env.dynamodb, "Crashing", "boom", action="crash")
    put(env.dynamodb, "Crashing", "fine", action="ok")
    wait_for(lambda: ["fine"] in values(env.log("Crashing")), what="the record after the crash")
    assert values(env.log("Crashing")) == [["boom"], ["boom"], ["fine"]]
    (failure,) = env.failures("Crashing")
    assert failure["requestContext"]["approximateInvokeCount"] == 2


def test_bisect_splits_the_batch_until_the_poison_record_is_alone(env: Env) -> None:
    create_stream_table(env.dynamodb, "Bisecting")
    for key, action in (("a", "ok"), ("b", "ok"), ("c", "raise"), ("d", "ok")):
        put(env.dynamodb, "Bisecting", key, action=action)
    wait_for(lambda: len(env.failures("Bisecting")) == 1 and ["d"] in values(env.log("Bisecting")),
             what="the bisected batch")
    assert values(env.log("Bisecting")) == [["a", "b", "c", "d"], ["a", "b"], ["c", "d"], ["c"], ["d"]]
    (failure,) = env.failures("Bisecting")
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
    poison = env.log("Bisecting")[3]["event"]["Records"][0]["dynamodb"]["SequenceNumber"]
    assert failure["DDBStreamBatchInfo"]["startSequenceNumber"] == poison


def test_partial_failures_retry_from_the_failed_record(env: Env) -> None:
    create_stream_table(env.dynamodb, "Partial")
    for key, action in (("a", "ok"), ("b", "fail"), ("c", "ok")):
        put(env.dynamodb, "Partial", key, action=action)
    wait_for(lambda: len(env.failures("Partial")) == 1, what="the partial-failure record")
    assert values(env.log("Partial")) == [["a", "b", "c"], ["b", "c"]]
    (failure,) = env.failures("Partial")
    assert failure["responseContext"]["functionError"] is None
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 2
    records = env.log("Partial")[0]["event"]["Records"]
    assert failure["DDBStreamBatchInfo"]["startSequenceNumber"] == records[1]["dynamodb"]["SequenceNumber"]
    assert failure["DDBStreamBatchInfo"]["endSequenceNumber"] == records[2]["dynamodb"]["SequenceNumber"]


def test_bisect_with_partial_failures_gives_up_only_the_poisoned_record(env: Env) -> None:
    create_stream_table(env.dynamodb, "PartialBisect")
    keys = [f"r{n}" for n in range(8)]
    for key in keys:
        put(env.dynamodb, "PartialBisect", key, action="fail" if key == "r3" else "ok")
    wait_for(lambda: len(env.failures("PartialBisect")) == 1, what="the poisoned record's failure record")
    put(env.dynamodb, "PartialBisect", "after", action="ok")
    wait_for(lambda: ["after"] in values(env.log("PartialBisect")), what="the record after the poisoned one")
    batches = values(env.log("PartialBisect"))
    # what each invocation finished: its records before the failed one
    finished = flatten(batch[: batch.index("r3")] if "r3" in batch else batch for batch in batches)
    assert finished == [key for key in keys if key != "r3"] + ["after"]  # each once, in order
    assert batches.count(["r3"]) == 2  # alone, then MaximumRetryAttempts 1 more
    (failure,) = env.failures("PartialBisect")
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 2
    assert failure["responseContext"]["functionError"] is None
    poison = next(r for e in env.log("PartialBisect") for r in e["event"]["Records"]
                  if r["dynamodb"]["NewImage"]["pk"]["S"] == "r3")
    info = failure["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == poison["dynamodb"]["SequenceNumber"]


def test_tumbling_windows_pass_state_and_end_with_a_final_invoke(env: Env) -> None:
    create_stream_table(env.dynamodb, "Windowed")
    for n in range(3):
        put(env.dynamodb, "Windowed", f"w{n}")
    wait_for(lambda: any(e["event"]["isFinalInvokeForWindow"] for e in env.log("Windowed")), timeout=15,
             what="the final invoke of the window")
    entries = env.log("Windowed")
    final = next(e["event"] for e in entries if e["event"]["isFinalInvokeForWindow"])
    delivered_before_final = sum(len(e["event"]["Records"]) for e in entries[: entries.index(
        next(e for e in entries if e["event"]["isFinalInvokeForWindow"]))])
    # the state the final invoke gets counts every record of its window delivered before it
    first_window = final["window"]
    same_window = [e for e in entries if e["event"]["window"] == first_window]
    in_window = sum(len(e["event"]["Records"]) for e in same_window)
    assert final["state"].get("count", 0) + len(final["Records"]) == in_window
    assert delivered_before_final >= final["state"].get("count", 0)
    assert final["shardId"].startswith("shardId-") and not final["isWindowTerminatedEarly"]
    assert final["window"]["start"].endswith("Z") and final["window"]["end"].endswith("Z")


def test_tumbling_windows_keep_state_per_parallel_slot(env: Env) -> None:
    create_stream_table(env.dynamodb, "WindowedParallel")
    keys = [f"key{n}" for n in range(6)]
    for n in range(24):
        put(env.dynamodb, "WindowedParallel", keys[n % len(keys)], n=str(n))  # each put changes the item

    def windows() -> dict[str, dict[str, int]]:
        """Per window, how many records of each key were delivered."""
        counts: dict[str, dict[str, int]] = {}
        for entry in env.log("WindowedParallel"):
            for record in entry["event"]["Records"]:
                per_key = counts.setdefault(entry["event"]["window"]["start"], {})
                key = record["dynamodb"]["Keys"]["pk"]["S"]
                per_key[key] = per_key.get(key, 0) + 1
        return counts

    def finals() -> list[dict[str, Any]]:
        return [e["event"] for e in env.log("WindowedParallel") if e["event"]["isFinalInvokeForWindow"]]

    def slots_closed() -> bool:
        """Every record delivered, and every key of every window in the state of a final invoke."""
        closed = {(e["window"]["start"], key) for e in finals() for key in e["state"]} | {
            (e["window"]["start"], r["dynamodb"]["Keys"]["pk"]["S"]) for e in finals() for r in e["Records"]}
        counts = windows()
        return sum(sum(per_key.values()) for per_key in counts.values()) >= 24 and all(
            (window, key) in closed for window, per_key in counts.items() for key in per_key)

    wait_for(slots_closed, timeout=20, what="the final invoke of every slot's window")
    totals: dict[str, dict[str, int]] = {}
    for event in finals():
        per_key = totals.setdefault(event["window"]["start"], {})
        aggregate = dict(event["state"])
        for record in event["Records"]:
            key = record["dynamodb"]["Keys"]["pk"]["S"]
            aggregate[key] = aggregate.get(key, 0) + 1
        for key, count in aggregate.items():
            assert key not in per_key  # no key is aggregated by two slots
            per_key[key] = count
    assert totals == windows()
    assert sum(sum(per_key.values()) for per_key in totals.values()) == 24
    assert all(len([e for e in finals() if e["window"]["start"] == window]) <= 3 for window in totals)


def test_parallel_batches_overlap_and_keep_each_key_in_order(env: Env) -> None:
    create_stream_table(env.dynamodb, "Parallel")
    keys = [f"key{n % 4}" for n in range(24)]
    for n, key in enumerate(keys):
        env.dynamodb.put_item(TableName="Parallel", Item={"pk": {"S": key}, "n": {"N": str(n)}})
    wait_for(lambda: len(env.log("Parallel")) >= 24, what="every record")
    seen: dict[str, list[int]] = {}
    for entry in sorted(env.log("Parallel"), key=lambda e: e["started"]):
        for record in entry["event"]["Records"]:
            key = record["dynamodb"]["Keys"]["pk"]["S"]
            seen.setdefault(key, []).append(int(record["dynamodb"]["NewImage"]["n"]["N"]))
    assert all(numbers == sorted(numbers) for numbers in seen.values())
    assert sorted(flatten(seen.values())) == list(range(24))
    assert len({entry["pid"] for entry in env.log("Parallel")}) > 1  # more than one worker process ran at once


def test_child_shards_are_processed_after_their_parent(env: Env) -> None:
    create_stream_table(env.dynamodb, "Lineage")
    for n in range(5):
        put(env.dynamodb, "Lineage", f"k{n}", version="parent")
    split = subprocess.run(
        [sys.executable, "-m", "shardline", "shards", "split", "Lineage", "--endpoint-url", env.server.endpoint],
        capture_output=True, text=True, timeout=30,
    )
    assert split.returncode == 0, split.stderr
    for n in range(5):
        put(env.dynamodb, "Lineage", f"k{n}", version="child")
    wait_for(lambda: sum(len(e["event"]["Records"]) for e in env.log("Lineage")) >= 10, what="both generations")
    order = [r["dynamodb"]["NewImage"]["version"]["S"] for e in env.log("Lineage") for r in e["event"]["Records"]]
    assert order == ["parent"] * 5 + ["child"] * 5
