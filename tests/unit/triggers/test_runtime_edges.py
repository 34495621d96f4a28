"""TriggerRuntime edge cases over a scripted source: bisect combined with partial batch failures, and tumbling
windows with ParallelizationFactor above 1 (window state per shard and parallel slot)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from shardline.clock import FakeClock
from shardline.triggers.invocation import InvocationResult
from tests.unit.triggers.runtime_fakes import (
    BASE,
    FakeFunction,
    FakeShard,
    FakeSource,
    config,
    run_until,
    stream_record,
)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def value_of(record: Mapping[str, Any]) -> str:
    return str(record["dynamodb"]["NewImage"]["v"]["S"])


def reporting_failure_of(poison: str) -> Any:
    """A handler with ReportBatchItemFailures that fails on one record and reports it."""

    def behaviour(event: Mapping[str, Any]) -> InvocationResult:
        failed = [r["dynamodb"]["SequenceNumber"] for r in event["Records"] if value_of(r) == poison]
        return InvocationResult(200, {"batchItemFailures": [{"itemIdentifier": number} for number in failed]})

    return behaviour


def succeeded(events: list[dict[str, Any]], poison: str) -> list[str]:
    """The records each invocation finished: those before the failed one (all of them when none failed)."""
    done: list[str] = []
    for event in events:
        names = [value_of(record) for record in event["Records"]]
        done.extend(names[: names.index(poison)] if poison in names else names)
    return done


def test_bisect_with_partial_failures_isolates_the_poisoned_record(tmp_path: Path) -> None:
    failures = tmp_path / "failures.jsonl"
    names = [f"r{n:02d}" for n in range(20)]
    source = FakeSource(FakeShard("shardId-1", records=[stream_record(n + 1, f"k{n}", v=name)
                                                        for n, name in enumerate(names)]))
    function = FakeFunction(reporting_failure_of("r07"))
    mapping = config(batch_size=10, maximum_retry_attempts=2, bisect_batch_on_function_error=True,
                     report_batch_item_failures=True, on_failure_destination=failures.as_uri())
    asyncio.run(run_until(source, function, mapping,
                          lambda: lines(failures) != [] and "r19" in succeeded(function.events, "r07")))
    batches = [[value_of(record) for record in event["Records"]] for event in function.events]
    assert batches == [
        names[:10],  # fails at r07: r00..r06 are done, the batch is split there
        ["r07", "r08", "r09"],  # the rest on its own fails at its first record: halved
        ["r07", "r08"],
        ["r07"], ["r07"], ["r07"],  # alone: MaximumRetryAttempts 2 means three invocations, then given up
        ["r08"], ["r09"],
        names[10:],  # processing goes on past the poisoned record
    ]
    # every other record succeeded exactly once, in shard order
    assert succeeded(function.events, "r07") == [name for name in names if name != "r07"]
    (record,) = lines(failures)
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responseContext"]["functionError"] is None  # the function answered; it reported the failure
    info = record["DDBStreamBatchInfo"]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == str(BASE + 8)
    assert info["batchSize"] == 1


def test_without_bisect_a_partial_failure_gives_up_the_whole_rest(tmp_path: Path) -> None:
    failures = tmp_path / "failures.jsonl"
    names = [f"r{n}" for n in range(5)]
    source = FakeSource(FakeShard("shardId-1", records=[stream_record(n + 1, f"k{n}", v=name)
                                                        for n, name in enumerate(names)]))
    function = FakeFunction(reporting_failure_of("r2"))
    mapping = config(batch_size=10, maximum_retry_attempts=1, report_batch_item_failures=True,
                     on_failure_destination=failures.as_uri())
    asyncio.run(run_until(source, function, mapping, lambda: lines(failures) != []))
    assert [[value_of(r) for r in event["Records"]] for event in function.events] == [names, names[2:]]
    (record,) = lines(failures)
    assert record["DDBStreamBatchInfo"]["batchSize"] == 3


def test_bisect_with_a_raising_handler_still_halves(tmp_path: Path) -> None:
    failures = tmp_path / "failures.jsonl"
    names = ["a", "b", "bad", "d"]
    source = FakeSource(FakeShard("shardId-1", records=[stream_record(n + 1, f"k{n}", v=name)
                                                        for n, name in enumerate(names)]))

    def raising(event: Mapping[str, Any]) -> InvocationResult:
        if any(value_of(r) == "bad" for r in event["Records"]):
            return InvocationResult(200, {"errorType": "ValueError", "errorMessage": "bad"}, "Unhandled")
        return InvocationResult(200, {"batchItemFailures": []})

    function = FakeFunction(raising)
    mapping = config(batch_size=10, maximum_retry_attempts=0, bisect_batch_on_function_error=True,
                     report_batch_item_failures=True, on_failure_destination=failures.as_uri())
    asyncio.run(run_until(source, function, mapping, lambda: lines(failures) != [] and len(function.events) >= 5))
    assert [[value_of(r) for r in event["Records"]] for event in function.events] == [
        names, ["a", "b"], ["bad", "d"], ["bad"], ["d"]]
    (record,) = lines(failures)
    assert record["responseContext"]["functionError"] == "Unhandled"


# --- tumbling windows with ParallelizationFactor ----------------------------------------------------------

WINDOW_START = 1_700_000_100.0  # a multiple of 10


def counting_per_key(event: Mapping[str, Any]) -> InvocationResult:
    """Aggregates records per partition key in the window state, as a tumbling-window function does."""
    state = dict(event["state"])
    for record in event["Records"]:
        key = record["dynamodb"]["Keys"]["pk"]["S"]
        state[key] = state.get(key, 0) + 1
    return InvocationResult(200, {"state": state})


class UnevenFunction(FakeFunction):
    """Takes longer on some invocations than on others, so the slots' invocations interleave."""

    async def invoke(self, event: Mapping[str, Any], request_id: str) -> InvocationResult:
        self.delay = (0.02, 0.001, 0.005)[len(self.events) % 3]
        return await super().invoke(event, request_id)


@pytest.mark.parametrize("factor", [2, 3, 4])
def test_tumbling_window_state_is_kept_per_parallel_slot(factor: int) -> None:
    keys = [f"key{n}" for n in range(8)]
    records = []
    expected: dict[str, dict[str, int]] = {}
    for n in range(64):
        key = keys[(n * 5) % len(keys)]
        offset = 1 + n // 8 if n < 40 else 11 + n // 16  # two windows: [100, 110) and [110, 120)
        records.append(stream_record(n + 1, key, created_at=WINDOW_START + offset, v=str(n)))
        window = "2023-11-14T22:15:00Z" if offset < 10 else "2023-11-14T22:15:10Z"
        expected.setdefault(window, {}).setdefault(key, 0)
        expected[window][key] += 1
    source = FakeSource(FakeShard("shardId-1", records=records))
    function = UnevenFunction(counting_per_key)
    mapping = config(batch_size=3, tumbling_window_seconds=10, parallelization_factor=factor)

    def finals() -> list[dict[str, Any]]:
        return [event for event in function.events if event["isFinalInvokeForWindow"]]

    def all_final() -> bool:
        slots = {(e["window"]["start"], frozenset(counting_per_key(e).payload["state"])) for e in finals()}
        return sum(len(keys) for _, keys in slots) >= sum(len(per_key) for per_key in expected.values())

    asyncio.run(run_until(source, function, mapping, all_final, clock=FakeClock(WINDOW_START + 30)))
    totals: dict[str, dict[str, int]] = {}
    for event in finals():
        final_state = counting_per_key(event).payload["state"]
        per_key = totals.setdefault(event["window"]["start"], {})
        for key, count in final_state.items():
            assert key not in per_key, f"{key} was aggregated by two slots in window {event['window']['start']}"
            per_key[key] = count
    assert totals == expected
    # one final invoke per window and slot that saw records of that window: several, never more than slots
    per_window = [sum(1 for e in finals() if e["window"]["start"] == window) for window in expected]
    assert all(1 <= count <= factor for count in per_window) and max(per_window) > 1
    assert function.most_active > 1  # the slots ran at once
    # each slot's state only ever holds its own keys: a key's count never goes down between invocations
    last: dict[tuple[str, str], int] = {}
    for event in function.events:
        for key, count in event["state"].items():
            assert count >= last.get((event["window"]["start"], key), 0)
            last[(event["window"]["start"], key)] = count


def test_each_slots_window_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    keys = [f"key{n}" for n in range(6)]
    records = [stream_record(n + 1, keys[n % len(keys)], created_at=WINDOW_START + 1, v=str(n)) for n in range(30)]
    source = FakeSource(FakeShard("shardId-1", records=records))
    mapping = config(batch_size=4, tumbling_window_seconds=10, parallelization_factor=3)
    first = FakeFunction(counting_per_key)
    # the window is still open: every record is delivered, no final invoke yet
    asyncio.run(run_until(source, first, mapping, lambda: sum(len(e["Records"]) for e in first.events) >= 30,
                          clock=FakeClock(WINDOW_START + 5), state=state))
    assert not any(event["isFinalInvokeForWindow"] for event in first.events)
    second = FakeFunction(counting_per_key)

    def finals() -> list[dict[str, Any]]:
        return [event for event in second.events if event["isFinalInvokeForWindow"]]

    # after the restart the window is over: each slot's final invoke carries the state it had saved
    asyncio.run(run_until(source, second, mapping, lambda: {k for e in finals() for k in e["state"]} >= set(keys),
                          clock=FakeClock(WINDOW_START + 15), state=state))
    assert all(event["Records"] == [] for event in second.events)
    totals: dict[str, int] = {}
    for event in finals():
        for key, count in event["state"].items():
            assert key not in totals
            totals[key] = count
    assert totals == {key: 5 for key in keys}
    assert 1 < len(finals()) <= 3
