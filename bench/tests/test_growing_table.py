"""The (b) table's load against a real shardline server: it loads in chunks and stops once the server's memory
passes the budget, leaving the reason and how far it got."""

from __future__ import annotations

import asyncio

import pytest

from bench.harness import workloads
from bench.harness.wire import Api, Endpoint
from bench.harness.workloads import GrowingTable, create_table


def test_a_load_stops_at_the_first_chunk_past_the_memory_budget(
    endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workloads, "LOAD_CHUNK", 100)
    readings = iter([50.0, 80.0, 900.0, 950.0])  # before the step, after each chunk
    table = GrowingTable(endpoint, "bench-items", True, lambda: next(readings))

    async def scenario() -> tuple[str, int]:
        await create_table(Api(endpoint), "bench-items", sort_key=True, stream=False)
        reason = await table.grow_to(1_000, 600.0, 500.0)
        count = await Api(endpoint).call("Scan", {"TableName": "bench-items", "Select": "COUNT"})
        return reason, int(count["Count"])

    reason, stored = asyncio.run(scenario())
    assert reason == "not loaded: stopped at 200 of 1,000 items, the server held 900 MB (budget 500 MB)"
    assert table.loaded == 200
    assert stored == 200


def test_a_load_inside_the_budget_measures_the_growth_per_item(
    endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workloads, "LOAD_CHUNK", 250)
    readings = iter([40.0, 45.0, 50.0, 55.0, 60.0, 60.0])
    table = GrowingTable(endpoint, "bench-items", True, lambda: next(readings))

    async def scenario() -> str:
        await create_table(Api(endpoint), "bench-items", sort_key=True, stream=False)
        return await table.grow_to(1_000, 600.0, 500.0)

    assert asyncio.run(scenario()) == ""
    assert table.loaded == 1_000
    assert table.mb_per_item == pytest.approx(20.0 / 1_000)
    assert table.load_rate > 0
