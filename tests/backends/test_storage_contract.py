"""The storage contract: behaviour every StorageBackend must show, run against each backend factory."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from shardline.errors import StorageError
from shardline.storage.backend import (
    ItemKey,
    KeyRange,
    ReadView,
    StorageBackend,
    StoredTable,
    WriteView,
)
from shardline.values.key_codec import encode_key_value, partition_hash
from shardline.values.types import Item
from tests.backends.conftest import BackendFactory

DEFINITION = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "CreationDateTime": 1.5}


def item_of(partition: str, sort: str = "", **extra: str) -> Item:
    item: Item = {"pk": {"S": partition}}
    if sort:
        item["sk"] = {"S": sort}
    item.update({name: {"S": value} for name, value in extra.items()})
    return item


def key_of(partition: str, sort: bytes = b"") -> ItemKey:
    return ItemKey(partition.encode(), sort)


async def create(backend: StorageBackend, name: str, table_id: str | None = None) -> StoredTable:
    table = StoredTable(name, table_id or f"id-{name}", DEFINITION)
    await backend.write(lambda view: view.create_table(table))
    return table


async def put(backend: StorageBackend, table_id: str, key: ItemKey, item: Item, size: int = 10) -> None:
    await backend.write(lambda view: view.put_item(table_id, key, item, size))


async def get_table(backend: StorageBackend, name: str) -> StoredTable | None:
    return await backend.read(lambda view: view.get_table(name))


async def get(backend: StorageBackend, table_id: str, key: ItemKey) -> Item | None:
    return await backend.read(lambda view: view.get_item(table_id, key))


# --- tables ------------------------------------------------------------------------------------------


def test_create_and_get_table(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        assert await get_table(backend, "orders") is None
        await create(backend, "orders", "id-1")
        found = await get_table(backend, "orders")
        assert found == StoredTable("orders", "id-1", DEFINITION, 0, 0)
        assert await get_table(backend, "Orders") is None  # names are case-sensitive

    factory.run(tmp_path, scenario)


def test_creating_an_existing_table_is_a_storage_error(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        await create(backend, "orders", "id-1")
        with pytest.raises(StorageError):
            await create(backend, "orders", "id-2")
        found = await get_table(backend, "orders")
        assert found is not None and found.table_id == "id-1"

    factory.run(tmp_path, scenario)


def test_the_stored_definition_is_a_copy(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        definition: dict[str, Any] = {"Tags": ["a"]}
        await backend.write(lambda view: view.create_table(StoredTable("t", "id-t", definition)))
        definition["Tags"].append("changed later by the caller")
        found = await get_table(backend, "t")
        assert found is not None and found.definition == {"Tags": ["a"]}

    factory.run(tmp_path, scenario)


def test_update_table_definition_keeps_counters(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend, "t")
        await put(backend, table.table_id, key_of("a"), item_of("a"), 7)
        new_definition = {**DEFINITION, "TableStatus": "UPDATING"}
        await backend.write(lambda view: view.update_table_definition("t", new_definition))
        assert await get_table(backend, "t") == StoredTable("t", table.table_id, new_definition, 1, 7)
        with pytest.raises(StorageError):
            await backend.write(lambda view: view.update_table_definition("missing", new_definition))

    factory.run(tmp_path, scenario)


def test_delete_table_removes_its_items_only(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        doomed = await create(backend, "doomed", "id-old")
        kept = await create(backend, "kept")
        for name in ("a", "b", "c"):
            await put(backend, doomed.table_id, key_of(name), item_of(name))
            await put(backend, kept.table_id, key_of(name), item_of(name))
        await backend.write(lambda view: view.delete_table("doomed"))
        assert await get_table(backend, "doomed") is None
        assert await get(backend, "id-old", key_of("a")) is None
        assert await backend.read(lambda view: list(view.scan_items("id-old", None, 100))) == []
        assert len(await backend.read(lambda view: list(view.scan_items(kept.table_id, None, 100)))) == 3
        # the name can be reused by a new table, which starts empty
        await create(backend, "doomed", "id-new")
        assert await get_table(backend, "doomed") == StoredTable("doomed", "id-new", DEFINITION, 0, 0)
        assert await backend.read(lambda view: list(view.scan_items("id-new", None, 100))) == []
        with pytest.raises(StorageError):
            await backend.write(lambda view: view.delete_table("never-existed"))

    factory.run(tmp_path, scenario)


def test_list_table_names_pages_in_ascending_order(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        for name in ("delta", "Alpha", "charlie", "bravo", "alpha-2", "echo"):
            await create(backend, name)

        def list_names(start: str | None, limit: int) -> Any:
            return backend.read(lambda view: view.list_table_names(start, limit))

        assert await list_names(None, 100) == ["Alpha", "alpha-2", "bravo", "charlie", "delta", "echo"]
        assert await list_names(None, 2) == ["Alpha", "alpha-2"]
        assert await list_names("alpha-2", 2) == ["bravo", "charlie"]
        assert await list_names("charlie", 2) == ["delta", "echo"]
        assert await list_names("echo", 2) == []
        # the start name need not exist
        assert await list_names("c", 100) == ["charlie", "delta", "echo"]
        await backend.write(lambda view: view.delete_table("charlie"))
        assert await list_names("bravo", 100) == ["delta", "echo"]

    factory.run(tmp_path, scenario)


def test_a_write_sees_tables_created_earlier_in_the_same_work(
    factory: BackendFactory, tmp_path: Path
) -> None:
    def work(view: WriteView) -> tuple[StoredTable | None, list[str]]:
        view.create_table(StoredTable("fresh", "id-fresh", DEFINITION))
        view.put_item("id-fresh", key_of("a"), item_of("a"), 5)
        return view.get_table("fresh"), view.list_table_names(None, 10)

    async def scenario(backend: StorageBackend) -> None:
        table, names = await backend.write(work)
        assert table == StoredTable("fresh", "id-fresh", DEFINITION, 1, 5)
        assert names == ["fresh"]

    factory.run(tmp_path, scenario)


# --- items -------------------------------------------------------------------------------------------


def test_put_get_replace_delete_item(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend, "t")
        key = key_of("user#1", b"profile")
        assert await get(backend, table.table_id, key) is None
        stored: Item = {
            "pk": {"S": "user#1"}, "n": {"N": "1.5"}, "b": {"B": "AAE="}, "m": {"M": {"l": {"L": []}}},
        }
        await put(backend, table.table_id, key, stored)
        assert await get(backend, table.table_id, key) == stored
        assert await get(backend, table.table_id, key_of("user#1", b"other")) is None
        assert await get(backend, table.table_id, key_of("user#2", b"profile")) is None
        await put(backend, table.table_id, key, item_of("user#1", version="2"))
        assert await get(backend, table.table_id, key) == item_of("user#1", version="2")
        await backend.write(lambda view: view.delete_item(table.table_id, key))
        assert await get(backend, table.table_id, key) is None
        await backend.write(lambda view: view.delete_item(table.table_id, key))  # deleting nothing is fine

    factory.run(tmp_path, scenario)


def test_items_of_tables_are_separate(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        first, second = await create(backend, "first"), await create(backend, "second")
        await put(backend, first.table_id, key_of("a"), item_of("a", owner="first"))
        await put(backend, second.table_id, key_of("a"), item_of("a", owner="second"))
        assert await get(backend, first.table_id, key_of("a")) == item_of("a", owner="first")
        assert await get(backend, second.table_id, key_of("a")) == item_of("a", owner="second")

    factory.run(tmp_path, scenario)


def test_writing_items_of_an_unknown_table_is_a_storage_error(
    factory: BackendFactory, tmp_path: Path
) -> None:
    async def scenario(backend: StorageBackend) -> None:
        with pytest.raises(StorageError):
            await put(backend, "no-such-id", key_of("a"), item_of("a"))
        with pytest.raises(StorageError):
            await backend.write(lambda view: view.delete_item("no-such-id", key_of("a")))

    factory.run(tmp_path, scenario)


def test_counters_follow_puts_replacements_and_deletes(factory: BackendFactory, tmp_path: Path) -> None:
    async def counters(backend: StorageBackend) -> tuple[int, int]:
        table = await get_table(backend, "t")
        assert table is not None
        return table.item_count, table.size_bytes

    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend, "t")
        await put(backend, table.table_id, key_of("a"), item_of("a"), 100)
        await put(backend, table.table_id, key_of("b"), item_of("b"), 30)
        assert await counters(backend) == (2, 130)
        await put(backend, table.table_id, key_of("a"), item_of("a"), 40)  # replacement: count unchanged
        assert await counters(backend) == (2, 70)
        await backend.write(lambda view: view.delete_item(table.table_id, key_of("b")))
        assert await counters(backend) == (1, 40)
        await backend.write(lambda view: view.delete_item(table.table_id, key_of("b")))
        assert await counters(backend) == (1, 40)

    factory.run(tmp_path, scenario)


# --- query_items ---------------------------------------------------------------------------------------

NUMBERS = ["-100", "-7.5", "-1", "0", "0.25", "1", "3", "10", "1e3", "12345.678"]


def sort_key(number: str) -> bytes:
    return encode_key_value({"N": number})


async def fill_partition(backend: StorageBackend, table_id: str) -> None:
    def work(view: WriteView) -> None:
        for number in NUMBERS:
            item: Item = {"pk": {"S": "p"}, "sk": {"N": number}}
            view.put_item(table_id, ItemKey(b"p", sort_key(number)), item, 20)
        # neighbours whose partition bytes extend or precede "p" must never show up in its queries
        view.put_item(table_id, ItemKey(b"p\x00", sort_key("1")), {"pk": {"S": "p\x00"}}, 20)
        view.put_item(table_id, ItemKey(b"o", sort_key("1")), {"pk": {"S": "o"}}, 20)
        view.put_item(table_id, ItemKey(b"pp", sort_key("1")), {"pk": {"S": "pp"}}, 20)

    await backend.write(work)


# (range as (lower, lower_inclusive, upper, upper_inclusive), forward, exclusive start, limit) -> numbers
QUERY_CASES: list[tuple[tuple[str | None, bool, str | None, bool], bool, str | None, int, list[str]]] = [
    ((None, True, None, True), True, None, 100, NUMBERS),
    ((None, True, None, True), False, None, 100, NUMBERS[::-1]),
    ((None, True, None, True), True, None, 3, ["-100", "-7.5", "-1"]),
    ((None, True, None, True), False, None, 2, ["12345.678", "1e3"]),
    (("-1", True, "3", True), True, None, 100, ["-1", "0", "0.25", "1", "3"]),
    (("-1", False, "3", True), True, None, 100, ["0", "0.25", "1", "3"]),
    (("-1", True, "3", False), True, None, 100, ["-1", "0", "0.25", "1"]),
    (("-1", False, "3", False), False, None, 100, ["1", "0.25", "0"]),
    (("-2", True, "2", True), True, None, 100, ["-1", "0", "0.25", "1"]),
    (("5", True, None, True), True, None, 100, ["10", "1e3", "12345.678"]),
    ((None, True, "0", False), False, None, 100, ["-1", "-7.5", "-100"]),
    (("3", True, "3", True), True, None, 100, ["3"]),
    (("3", False, "3", True), True, None, 100, []),
    (("4", True, "9", True), True, None, 100, []),
    ((None, True, None, True), True, "0.25", 3, ["1", "3", "10"]),
    ((None, True, None, True), False, "0.25", 3, ["0", "-1", "-7.5"]),
    (("-1", True, "10", True), True, "3", 100, ["10"]),
    (("-1", True, "10", True), False, "-1", 100, []),
    ((None, True, None, True), True, "12345.678", 100, []),
    ((None, True, None, True), True, None, 0, []),
]


@pytest.mark.parametrize(("bounds", "forward", "start", "limit", "expected"), QUERY_CASES)
def test_query_items(
    factory: BackendFactory, tmp_path: Path,
    bounds: tuple[str | None, bool, str | None, bool], forward: bool, start: str | None, limit: int,
    expected: list[str],
) -> None:
    lower, lower_inclusive, upper, upper_inclusive = bounds
    key_range = KeyRange(
        None if lower is None else sort_key(lower), lower_inclusive,
        None if upper is None else sort_key(upper), upper_inclusive,
    )
    exclusive_start = None if start is None else ItemKey(b"p", sort_key(start))

    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend, "t")
        await fill_partition(backend, table.table_id)
        found = await backend.read(
            lambda view: list(
                view.query_items(table.table_id, b"p", key_range, forward, exclusive_start, limit)
            )
        )
        assert [item["sk"]["N"] for _, item in found] == expected
        assert [key for key, _ in found] == [ItemKey(b"p", sort_key(number)) for number in expected]

    factory.run(tmp_path, scenario)


def test_query_reads_a_large_partition_in_order_and_can_stop_early(
    factory: BackendFactory, tmp_path: Path
) -> None:
    sorts = [f"{index:05d}".encode() for index in range(700)]

    def fill(view: WriteView) -> None:
        for sort in sorts:
            view.put_item("id-t", ItemKey(b"big", sort), {"pk": {"S": "big"}, "s": {"S": sort.decode()}}, 1)

    def first_and_total(view: ReadView) -> tuple[list[bytes], list[bytes], list[bytes]]:
        everything = [key.sort for key, _ in view.query_items("id-t", b"big", KeyRange(), True, None, 10_000)]
        backwards = [key.sort for key, _ in view.query_items("id-t", b"big", KeyRange(), False, None, 600)]
        stream = view.query_items("id-t", b"big", KeyRange(), True, None, 10_000)
        early = [next(stream)[0].sort for _ in range(3)]
        return everything, backwards, early

    async def scenario(backend: StorageBackend) -> None:
        await create(backend, "t", "id-t")
        await backend.write(fill)
        everything, backwards, early = await backend.read(first_and_total)
        assert everything == sorts
        assert backwards == sorts[::-1][:600]
        assert early == sorts[:3]

    factory.run(tmp_path, scenario)


# --- scan_items ----------------------------------------------------------------------------------------


def test_scan_pages_through_every_item_once_in_hash_order(factory: BackendFactory, tmp_path: Path) -> None:
    keys = [
        ItemKey(f"user-{index}".encode(), f"{order}".encode()) for index in range(120) for order in range(3)
    ]

    def fill(view: WriteView) -> None:
        for key in keys:
            item: Item = {"pk": {"S": key.partition.decode()}, "sk": {"S": key.sort.decode()}}
            view.put_item("id-t", key, item, 1)
        view.put_item("id-other", ItemKey(b"user-0", b"0"), {"pk": {"S": "not this table"}}, 1)

    async def scenario(backend: StorageBackend) -> None:
        await create(backend, "t", "id-t")
        await create(backend, "other", "id-other")
        await backend.write(fill)
        full = await backend.read(lambda view: list(view.scan_items("id-t", None, 10_000)))
        expected_order = sorted(
            keys, key=lambda key: (partition_hash(key.partition), key.partition, key.sort)
        )
        assert [key for key, _ in full] == expected_order
        assert all(item["pk"]["S"] == key.partition.decode() for key, item in full)

        paged: list[ItemKey] = []
        start: ItemKey | None = None

        def page_after(start: ItemKey | None) -> Any:
            return backend.read(lambda view: [key for key, _ in view.scan_items("id-t", start, 7)])

        while True:
            page = await page_after(start)
            assert len(page) <= 7
            paged.extend(page)
            if len(page) < 7:
                break
            start = page[-1]
        assert paged == expected_order

    factory.run(tmp_path, scenario)


def test_scan_of_an_empty_or_unknown_table_is_empty(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        await create(backend, "t", "id-t")
        assert await backend.read(lambda view: list(view.scan_items("id-t", None, 10))) == []
        assert await backend.read(lambda view: list(view.scan_items("nope", None, 10))) == []

    factory.run(tmp_path, scenario)


# --- atomicity, grouping and durability --------------------------------------------------------------


class Refused(Exception):
    pass


def test_a_raising_work_is_rolled_back_alone(factory: BackendFactory, tmp_path: Path) -> None:
    """The first work holds the writer until the others are queued, so a grouping backend runs all
    three in one transaction; only the raising one may lose its effects."""
    first_running = threading.Event()
    others_queued = threading.Event()

    def first(view: WriteView) -> str:
        view.put_item("id-t", key_of("a"), item_of("a"), 10)
        first_running.set()
        others_queued.wait(timeout=10)
        return "first done"

    def failing(view: WriteView) -> None:
        view.put_item("id-t", key_of("b"), item_of("b"), 10)
        view.delete_item("id-t", key_of("a"))
        view.create_table(StoredTable("ghost", "id-ghost", DEFINITION))
        raise Refused("no")

    def last(view: WriteView) -> str:
        view.put_item("id-t", key_of("c"), item_of("c"), 10)
        return "last done"

    async def scenario(backend: StorageBackend) -> None:
        await create(backend, "t", "id-t")
        first_task = asyncio.ensure_future(backend.write(first))
        await asyncio.to_thread(first_running.wait, 10)
        failing_task = asyncio.ensure_future(backend.write(failing))
        last_task = asyncio.ensure_future(backend.write(last))
        await asyncio.sleep(0.05)  # let both submissions reach the queue
        others_queued.set()
        assert await first_task == "first done"
        with pytest.raises(Refused, match="no"):
            await failing_task
        assert await last_task == "last done"
        assert await get(backend, "id-t", key_of("a")) == item_of("a")
        assert await get(backend, "id-t", key_of("b")) is None
        assert await get(backend, "id-t", key_of("c")) == item_of("c")
        assert await get_table(backend, "ghost") is None
        assert await get_table(backend, "t") == StoredTable("t", "id-t", DEFINITION, 2, 20)

    factory.run(tmp_path, scenario)


def test_every_acknowledged_write_is_visible_to_the_next_read(
    factory: BackendFactory, tmp_path: Path
) -> None:
    async def write_then_read(backend: StorageBackend, index: int) -> None:
        key = key_of(f"k{index}")
        await put(backend, "id-t", key, item_of(f"k{index}"))
        assert await get(backend, "id-t", key) == item_of(f"k{index}")

    async def scenario(backend: StorageBackend) -> None:
        await create(backend, "t", "id-t")
        await asyncio.gather(*(write_then_read(backend, index) for index in range(100)))

    factory.run(tmp_path, scenario)


def test_hundreds_of_concurrent_writers_all_land(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        await create(backend, "t", "id-t")
        await asyncio.gather(*(put(backend, "id-t", key_of(f"k{index}"), item_of(f"k{index}"), 3)
                               for index in range(600)))
        found = await backend.read(lambda view: list(view.scan_items("id-t", None, 10_000)))
        assert sorted(item["pk"]["S"] for _, item in found) == sorted(f"k{index}" for index in range(600))
        assert await get_table(backend, "t") == StoredTable("t", "id-t", DEFINITION, 600, 1800)

    factory.run(tmp_path, scenario)


def test_a_table_stays_visible_while_writes_change_its_counters(
    factory: BackendFactory, tmp_path: Path
) -> None:
    async def scenario(backend: StorageBackend) -> None:
        await create(backend, "t", "id-t")
        writes = asyncio.gather(
            *(put(backend, "id-t", key_of(f"k{i}"), item_of(f"k{i}")) for i in range(300))
        )
        missing = 0
        while not writes.done():
            found = await get_table(backend, "t")
            missing += found is None
        await writes
        assert missing == 0

    factory.run(tmp_path, scenario)


def test_dropping_and_recreating_a_table_in_one_work(factory: BackendFactory, tmp_path: Path) -> None:
    def recreate(view: WriteView) -> StoredTable | None:
        view.delete_table("t")
        view.create_table(StoredTable("t", "id-t2", {"generation": 2}))
        view.put_item("id-t2", key_of("b"), item_of("b"), 4)
        return view.get_table("t")

    async def scenario(backend: StorageBackend) -> None:
        await create(backend, "t", "id-t1")
        await put(backend, "id-t1", key_of("a"), item_of("a"), 9)
        expected = StoredTable("t", "id-t2", {"generation": 2}, 1, 4)
        assert await backend.write(recreate) == expected
        assert await get_table(backend, "t") == expected
        assert await get(backend, "id-t1", key_of("a")) is None
        with pytest.raises(StorageError):
            await put(backend, "id-t1", key_of("c"), item_of("c"))

    factory.run(tmp_path, scenario)


def test_a_view_cannot_be_used_after_its_work(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        await create(backend, "t", "id-t")
        await put(backend, "id-t", key_of("a"), item_of("a"))
        kept_read = await backend.read(lambda view: view)
        kept_write = await backend.write(lambda view: view)
        with pytest.raises(StorageError):
            kept_read.get_item("id-t", key_of("a"))
        with pytest.raises(StorageError):
            kept_write.put_item("id-t", key_of("b"), item_of("b"), 1)
        lazy = await backend.read(lambda view: view.scan_items("id-t", None, 10))
        with pytest.raises(StorageError):
            list(lazy)

    factory.run(tmp_path, scenario)


def test_exceptions_of_read_works_reach_the_caller(factory: BackendFactory, tmp_path: Path) -> None:
    def failing(view: ReadView) -> None:
        raise Refused("read refused")

    async def scenario(backend: StorageBackend) -> None:
        with pytest.raises(Refused, match="read refused"):
            await backend.read(failing)
        assert await backend.read(lambda view: view.list_table_names(None, 10)) == []

    factory.run(tmp_path, scenario)


def test_close_finishes_accepted_writes_then_refuses_more(factory: BackendFactory, tmp_path: Path) -> None:
    async def main() -> None:
        backend = factory.make(tmp_path)
        await create(backend, "t", "id-t")
        pending = [
            asyncio.ensure_future(put(backend, "id-t", key_of(f"k{i}"), item_of(f"k{i}"))) for i in range(50)
        ]
        await asyncio.sleep(0)  # the writes are submitted before close begins
        await backend.close()
        await asyncio.gather(*pending)
        with pytest.raises(StorageError):
            await put(backend, "id-t", key_of("late"), item_of("late"))
        with pytest.raises(StorageError):
            await get(backend, "id-t", key_of("k1"))
        await backend.close()  # a second close is harmless

    asyncio.run(main())


def test_concurrent_closes_all_return(factory: BackendFactory, tmp_path: Path) -> None:
    async def main() -> None:
        backend = factory.make(tmp_path)
        await create(backend, "t", "id-t")
        writes = asyncio.gather(*(put(backend, "id-t", key_of(f"k{i}"), item_of(f"k{i}")) for i in range(20)))
        await asyncio.sleep(0)
        await asyncio.gather(backend.close(), backend.close(), backend.close())
        await writes

    asyncio.run(main())


def test_data_survives_close_and_reopen(persistent_factory: BackendFactory, tmp_path: Path) -> None:
    async def first_life(backend: StorageBackend) -> None:
        table = await create(backend, "t", "id-t")
        await create(backend, "dropped", "id-dropped")
        await asyncio.gather(*(put(backend, table.table_id, key_of(f"k{i}"), item_of(f"k{i}"), 5)
                               for i in range(40)))
        await backend.write(lambda view: view.delete_item("id-t", key_of("k0")))
        await backend.write(lambda view: view.delete_table("dropped"))
        await backend.write(lambda view: view.update_table_definition("t", {"version": 2}))

    async def second_life(backend: StorageBackend) -> None:
        assert await get_table(backend, "t") == StoredTable("t", "id-t", {"version": 2}, 39, 195)
        assert await get_table(backend, "dropped") is None
        assert await get(backend, "id-t", key_of("k0")) is None
        assert await get(backend, "id-t", key_of("k39")) == item_of("k39")
        assert len(await backend.read(lambda view: list(view.scan_items("id-t", None, 100)))) == 39

    persistent_factory.run(tmp_path, first_life)
    persistent_factory.run(tmp_path, second_life)
