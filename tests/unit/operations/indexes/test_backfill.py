"""GSIs added and removed by UpdateTable, in-process: inline for small tables, background batches for large
ones (CREATING with Backfilling, then ACTIVE; DELETING, then gone), and jobs that stop or resume."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from shardline.clock import FakeClock
from shardline.errors import ServiceError
from shardline.operations.context import OperationContext
from shardline.operations.indexes import backfill
from shardline.operations.items import put_item
from shardline.operations.reads import query
from shardline.operations.tables import create_table, delete_table, describe_table, update_table
from shardline.settings import Settings
from shardline.storage.sqlite.backend import SqliteBackend
from tests.unit.operations.tables.conftest import ControlPlane

SMALL = 3  # tables above this many items are backfilled in the background, this many items a batch


@pytest.fixture
def plane(monkeypatch: pytest.MonkeyPatch) -> Iterator[ControlPlane]:
    monkeypatch.setattr(backfill, "INLINE_ITEMS", SMALL)
    monkeypatch.setattr(backfill, "BATCH_ITEMS", SMALL)
    loop = asyncio.new_event_loop()
    backend = SqliteBackend.open(None)
    clock = FakeClock(1_700_000_000.0)
    context = OperationContext(backend, clock, Settings(region="us-east-1", account_id="123456789012"), "r")
    try:
        yield ControlPlane(loop, context, clock)
    finally:
        loop.run_until_complete(backfill.wait_for_index_jobs())
        loop.run_until_complete(backend.close())
        loop.close()


def create_with_items(plane: ControlPlane, count: int) -> None:
    plane.call(
        create_table,
        {
            "TableName": "items",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    for n in range(count):
        item: dict[str, Any] = {"pk": {"S": f"k{n:03d}"}}
        if n % 4:  # every fourth item has no "g": a sparse index leaves it out
            item["g"] = {"S": f"g{n % 2}"}
        plane.call(put_item, {"TableName": "items", "Item": item})


def add_gsi(plane: ControlPlane) -> dict[str, Any]:
    answer: dict[str, Any] = plane.call(
        update_table,
        {
            "TableName": "items",
            "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [
                {
                    "Create": {
                        "IndexName": "by-g",
                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "KEYS_ONLY"},
                    }
                }
            ],
        },
    )["TableDescription"]["GlobalSecondaryIndexes"][0]
    return answer


def gsi_description(plane: ControlPlane) -> dict[str, Any] | None:
    table = plane.call(describe_table, {"TableName": "items"})["Table"]
    indexes: list[dict[str, Any]] = table.get("GlobalSecondaryIndexes", [])
    return indexes[0] if indexes else None


def query_g(plane: ControlPlane, value: str) -> list[str]:
    answer = plane.call(
        query,
        {
            "TableName": "items",
            "IndexName": "by-g",
            "KeyConditionExpression": "g = :g",
            "ExpressionAttributeValues": {":g": {"S": value}},
        },
    )
    return sorted(item["pk"]["S"] for item in answer["Items"])


def expected_keys(count: int, value: str) -> list[str]:
    return [f"k{n:03d}" for n in range(count) if n % 4 and f"g{n % 2}" == value]


def test_a_small_table_is_indexed_inside_update_table(plane: ControlPlane) -> None:
    create_with_items(plane, SMALL)
    answer = add_gsi(plane)
    assert (answer["IndexStatus"], answer["Backfilling"]) == ("CREATING", False)
    described = gsi_description(plane)
    assert described is not None
    assert described["IndexStatus"] == "ACTIVE" and "Backfilling" not in described
    assert query_g(plane, "g1") == expected_keys(SMALL, "g1")


def test_a_large_table_is_backfilled_in_the_background(plane: ControlPlane) -> None:
    count = 40
    create_with_items(plane, count)
    answer = add_gsi(plane)
    assert (answer["IndexStatus"], answer["Backfilling"]) == ("CREATING", False)
    with pytest.raises(ServiceError) as refused:
        query_g(plane, "g1")
    assert refused.value.message == "Cannot read from backfilling global secondary index: by-g"
    # a write during the build reaches the index whether or not the build has passed its key yet
    plane.call(put_item, {"TableName": "items", "Item": {"pk": {"S": "k000"}, "g": {"S": "g1"}}})
    plane.loop.run_until_complete(backfill.wait_for_index_jobs())
    described = gsi_description(plane)
    assert described is not None and described["IndexStatus"] == "ACTIVE"
    assert query_g(plane, "g1") == ["k000", *expected_keys(count, "g1")]
    assert described["ItemCount"] == 1 + len(expected_keys(count, "g0")) + len(expected_keys(count, "g1"))


def test_describe_during_the_build_shows_backfilling(plane: ControlPlane) -> None:
    create_with_items(plane, 200)
    add_gsi(plane)
    described = gsi_description(plane)
    assert described is not None
    assert (described["IndexStatus"], described["Backfilling"]) == ("CREATING", True)


def test_a_deleted_large_index_goes_away_in_batches(plane: ControlPlane) -> None:
    create_with_items(plane, SMALL)
    add_gsi(plane)  # inline, then ACTIVE
    for n in range(SMALL, 30):
        plane.call(put_item, {"TableName": "items", "Item": {"pk": {"S": f"k{n:03d}"}, "g": {"S": "g1"}}})
    answer = plane.call(
        update_table, {"TableName": "items", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by-g"}}]}
    )["TableDescription"]
    assert answer["GlobalSecondaryIndexes"][0]["IndexStatus"] == "DELETING"
    with pytest.raises(ServiceError) as refused:
        query_g(plane, "g1")
    assert refused.value.message == "The table does not have the specified index: by-g"
    plane.loop.run_until_complete(backfill.wait_for_index_jobs())
    table = plane.call(describe_table, {"TableName": "items"})["Table"]
    assert "GlobalSecondaryIndexes" not in table
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    table_id = _table_id(plane)
    statistics = plane.loop.run_until_complete(
        plane.context.storage.read(lambda view: view.index_statistics(table_id, "by-g"))
    )
    assert statistics == (0, 0)


def test_a_job_stops_when_its_table_is_deleted(plane: ControlPlane) -> None:
    create_with_items(plane, 60)
    add_gsi(plane)
    plane.call(delete_table, {"TableName": "items"})
    plane.loop.run_until_complete(backfill.wait_for_index_jobs())
    create_with_items(plane, 0)  # the name is free again and the new table has no index
    assert gsi_description(plane) is None


def test_an_interrupted_build_resumes_at_the_next_describe(plane: ControlPlane) -> None:
    count = 30
    create_with_items(plane, count)
    add_gsi(plane)
    # What a restart in the middle of a build leaves: a CREATING index with no job running.
    for task in list(backfill._RUNNING.values()):
        task.cancel()
    plane.loop.run_until_complete(asyncio.sleep(0))
    assert not backfill._RUNNING
    first = gsi_description(plane)  # starts the job again
    assert first is not None and first["IndexStatus"] == "CREATING"
    plane.loop.run_until_complete(backfill.wait_for_index_jobs())
    described = gsi_description(plane)
    assert described is not None and described["IndexStatus"] == "ACTIVE"
    assert query_g(plane, "g0") == expected_keys(count, "g0")


def _table_id(plane: ControlPlane) -> str:
    table = plane.loop.run_until_complete(plane.context.storage.read(lambda view: view.get_table("items")))
    assert table is not None
    return table.table_id


def test_resume_index_jobs_restarts_unfinished_builds_at_start(plane: ControlPlane) -> None:
    count = 30
    create_with_items(plane, count)
    add_gsi(plane)
    for task in list(backfill._RUNNING.values()):
        task.cancel()
    plane.loop.run_until_complete(asyncio.sleep(0))
    resumed = plane.loop.run_until_complete(backfill.resume_index_jobs(plane.context.storage))
    assert resumed == 1
    plane.loop.run_until_complete(backfill.wait_for_index_jobs())
    assert plane.loop.run_until_complete(backfill.resume_index_jobs(plane.context.storage)) == 0
    assert query_g(plane, "g1") == expected_keys(count, "g1")


ONE_AT_A_TIME = (
    "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
)


def create_update(name: str, attribute: str) -> dict[str, Any]:
    return {
        "Create": {
            "IndexName": name,
            "KeySchema": [{"AttributeName": attribute, "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    }


def test_one_index_is_built_or_removed_at_a_time(plane: ControlPlane) -> None:
    create_with_items(plane, 30)
    with pytest.raises(ServiceError) as two_at_once:
        plane.call(
            update_table,
            {
                "TableName": "items",
                "AttributeDefinitions": [
                    {"AttributeName": "g", "AttributeType": "S"},
                    {"AttributeName": "h", "AttributeType": "S"},
                ],
                "GlobalSecondaryIndexUpdates": [create_update("by-g", "g"), create_update("by-h", "h")],
            },
        )
    assert (two_at_once.value.code(), two_at_once.value.message) == ("LimitExceededException", ONE_AT_A_TIME)
    add_gsi(plane)  # large table: stays CREATING while the job runs
    with pytest.raises(ServiceError) as while_building:
        plane.call(
            update_table,
            {
                "TableName": "items",
                "AttributeDefinitions": [{"AttributeName": "h", "AttributeType": "S"}],
                "GlobalSecondaryIndexUpdates": [create_update("by-h", "h")],
            },
        )
    assert (while_building.value.code(), while_building.value.message) == ("LimitExceededException", ONE_AT_A_TIME)
    # the index being built may itself be deleted
    plane.call(update_table, {"TableName": "items", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by-g"}}]})
    plane.loop.run_until_complete(backfill.wait_for_index_jobs())
    assert gsi_description(plane) is None
    table_id = _table_id(plane)
    statistics = plane.loop.run_until_complete(
        plane.context.storage.read(lambda view: view.index_statistics(table_id, "by-g"))
    )
    assert statistics == (0, 0)
