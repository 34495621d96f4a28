"""DeleteTable of a large table: the table is detached at once (gone for readers, its name free), and its
items and index entries are purged in bounded batches afterwards; first the storage methods on every
adapter, then the operation and its background purge."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shardline.clock import FakeClock
from shardline.errors import StorageError
from shardline.operations.context import OperationContext
from shardline.operations.items import put_item
from shardline.operations.reads import scan
from shardline.operations.tables import create_table, delete_table, describe_table, table_purge
from shardline.settings import Settings
from shardline.storage.backend import IndexKey, ItemKey, StorageBackend, StoredTable
from shardline.storage.sqlite.backend import SqliteBackend
from shardline.values.key_codec import partition_hash
from tests.backends.conftest import POSTGRES_STORES
from tests.unit.operations.tables.conftest import ControlPlane

DEFINITION = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "CreationDateTime": 1.5}
ITEMS = 7
ENTRIES = 5


def sqlite_file(directory: Path) -> StorageBackend:
    return SqliteBackend.open(directory / "store.db")


def sqlite_memory(directory: Path) -> StorageBackend:
    return SqliteBackend.open(None)


@pytest.fixture(params=["sqlite-memory", "sqlite-file", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "postgres":
        POSTGRES_STORES.cluster = request.getfixturevalue("postgres_cluster")
        return lambda: POSTGRES_STORES.open(tmp_path)
    opener = sqlite_file if request.param == "sqlite-file" else sqlite_memory
    return lambda: opener(tmp_path)


def run(open_store: Any, scenario: Any) -> None:
    async def main() -> None:
        backend = open_store()
        try:
            await scenario(backend)
        finally:
            await backend.close()

    asyncio.run(main())


async def filled(backend: StorageBackend, name: str, table_id: str) -> None:
    """A table with ITEMS items and ENTRIES entries in one index."""

    def fill(view: Any) -> None:
        view.create_table(StoredTable(name, table_id, DEFINITION))
        for n in range(ITEMS):
            view.put_item(table_id, ItemKey(f"k{n}".encode()), {"pk": {"S": f"k{n}"}}, 10)
        for n in range(ENTRIES):
            key = IndexKey(b"g", f"{n}".encode(), ItemKey(f"k{n}".encode()))
            view.put_index_entry(table_id, "by_g", key, {"pk": {"S": f"k{n}"}}, 10)

    await backend.write(fill)


def test_detached_table_is_gone_at_once_and_its_rows_go_in_batches(open_store: Any) -> None:
    async def scenario(backend: StorageBackend) -> None:
        await filled(backend, "doomed", "id-old")
        await filled(backend, "kept", "id-kept")
        await backend.write(lambda view: view.detach_table("doomed"))
        assert await backend.read(lambda view: view.get_table("doomed")) is None
        assert await backend.read(lambda view: view.list_table_names(None, 10)) == ["kept"]
        # The name is free again, for a table that starts empty.
        await backend.write(lambda view: view.create_table(StoredTable("doomed", "id-new", DEFINITION)))
        assert await backend.read(lambda view: list(view.scan_items("id-new", None, 100))) == []
        assert await backend.write(lambda view: view.detached_table_ids()) == ["id-old"]
        # 7 items then 5 index entries, 3 rows a batch: 3, 3, 3 (1 item and 2 entries), 3, then 0.
        removed = [await backend.write(lambda view: view.purge_detached_rows("id-old", 3)) for _ in range(5)]
        assert removed == [3, 3, 3, 3, 0]
        assert await backend.write(lambda view: view.detached_table_ids()) == []
        assert await backend.read(lambda view: list(view.scan_items("id-old", None, 100))) == []
        # The other table's rows are untouched.
        assert len(await backend.read(lambda view: list(view.scan_items("id-kept", None, 100)))) == ITEMS
        kept_index = await backend.read(lambda view: list(view.scan_index("id-kept", "by_g", None, 100)))
        assert len(kept_index) == ENTRIES

    run(open_store, scenario)


def test_a_batch_takes_the_rows_in_key_order(open_store: Any) -> None:
    async def scenario(backend: StorageBackend) -> None:
        await filled(backend, "doomed", "id-old")
        await backend.write(lambda view: view.detach_table("doomed"))
        await backend.write(lambda view: view.purge_detached_rows("id-old", 4))
        left = await backend.read(lambda view: [key for key, _ in view.scan_items("id-old", None, 100)])
        assert len(left) == ITEMS - 4
        # Storage order is partition hash, then key: the batch took the first four in that order.
        everything = sorted(
            (ItemKey(f"k{n}".encode()) for n in range(ITEMS)), key=lambda key: (partition_hash(key.partition), key)
        )
        assert left == everything[4:]

    run(open_store, scenario)


def test_an_attached_table_is_never_purged(open_store: Any) -> None:
    async def scenario(backend: StorageBackend) -> None:
        await filled(backend, "live", "id-live")
        with pytest.raises(StorageError):
            await backend.write(lambda view: view.purge_detached_rows("id-live", 100))
        assert await backend.write(lambda view: view.detached_table_ids()) == []
        assert len(await backend.read(lambda view: list(view.scan_items("id-live", None, 100)))) == ITEMS

    run(open_store, scenario)


# --- through DeleteTable ------------------------------------------------------------------------------


def table_body(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[ControlPlane]:
    monkeypatch.setattr(table_purge, "PURGE_BATCH_ROWS", 4)
    loop = asyncio.new_event_loop()
    backend = SqliteBackend.open(None)
    clock = FakeClock(1_700_000_000.0)
    context = OperationContext(backend, clock, Settings(region="us-east-1", account_id="123456789012"), "r")
    try:
        yield ControlPlane(loop, context, clock)
    finally:
        loop.run_until_complete(table_purge.wait_for_table_purges())
        loop.run_until_complete(backend.close())
        loop.close()


def fill_through_the_api(plane: ControlPlane, name: str, count: int) -> str:
    plane.call(create_table, table_body(name))
    for n in range(count):
        plane.call(put_item, {"TableName": name, "Item": {"pk": {"S": f"k{n}"}, "g": {"S": "x"}}})
    table_id: str = plane.call(describe_table, {"TableName": name})["Table"]["TableId"]
    return table_id


def detached(plane: ControlPlane) -> list[str]:
    found: list[str] = plane.loop.run_until_complete(
        plane.context.storage.write(lambda view: view.detached_table_ids())
    )
    return found


def test_large_table_answers_deleting_and_is_purged_after_the_answer(small_batches: ControlPlane) -> None:
    plane = small_batches
    old_id = fill_through_the_api(plane, "big", 10)  # 10 items + 10 GSI entries: more than one batch
    answer = plane.call(delete_table, {"TableName": "big"})["TableDescription"]
    assert answer["TableStatus"] == "DELETING"
    assert answer["ItemCount"] == 10
    assert detached(plane) == [old_id]  # only the first batch went with DeleteTable's own work
    new_id = fill_through_the_api(plane, "big", 1)
    assert new_id != old_id
    assert plane.call(scan, {"TableName": "big"})["Count"] == 1
    plane.loop.run_until_complete(table_purge.wait_for_table_purges())
    assert detached(plane) == []
    assert plane.call(scan, {"TableName": "big"})["Count"] == 1


def test_small_table_is_purged_inside_delete_table(small_batches: ControlPlane) -> None:
    plane = small_batches
    fill_through_the_api(plane, "small", 1)  # 1 item + 1 GSI entry: under one batch
    plane.call(delete_table, {"TableName": "small"})
    assert detached(plane) == []


def test_purge_takes_bounded_batches(small_batches: ControlPlane) -> None:
    plane = small_batches
    table_id = fill_through_the_api(plane, "big", 10)
    storage = plane.context.storage
    plane.loop.run_until_complete(storage.write(lambda view: view.detach_table("big")))
    batches = plane.loop.run_until_complete(table_purge.run_table_purge(storage, table_id, 3))
    assert batches == 7  # 20 rows, 3 a batch: six full batches and a last one of 2
    assert detached(plane) == []


def test_purge_left_by_a_stopped_process_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table_purge, "PURGE_BATCH_ROWS", 4)
    clock = FakeClock(1_700_000_000.0)
    settings = Settings(region="us-east-1", account_id="123456789012")

    async def first_life() -> str:
        backend = SqliteBackend.open(tmp_path / "store.db")
        plane = ControlPlane(asyncio.get_running_loop(), OperationContext(backend, clock, settings, "r"), clock)
        try:
            await create_table.run(plane.context, table_body("big"))
            for n in range(10):
                await put_item.run(plane.context, {"TableName": "big", "Item": {"pk": {"S": f"k{n}"}}})
            table_id: str = (await describe_table.run(plane.context, {"TableName": "big"}))["Table"]["TableId"]
            await backend.write(lambda view: view.detach_table("big"))
            return table_id
        finally:
            await backend.close()

    async def second_life(table_id: str) -> None:
        backend = SqliteBackend.open(tmp_path / "store.db")
        try:
            assert await backend.write(lambda view: view.detached_table_ids()) == [table_id]
            assert await table_purge.resume_table_purges(backend) == 1
            await table_purge.wait_for_table_purges()
            assert await backend.write(lambda view: view.detached_table_ids()) == []
            assert await table_purge.resume_table_purges(backend) == 0
        finally:
            await backend.close()

    table_id = asyncio.run(first_life())
    asyncio.run(second_life(table_id))
