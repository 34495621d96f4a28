"""The index part of the storage contract: entries, their order, range reads, scans, segments, counters."""

from __future__ import annotations

from pathlib import Path

import pytest

from shardline.storage.backend import (
    HashSegment,
    IndexKey,
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

DEFINITION = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}
MIN_HASH = -(2**63)
MAX_HASH = 2**63 - 1
WHOLE_PARTITION = KeyRange()


def number(text: str) -> bytes:
    return encode_key_value({"N": text})


def entry_key(partition: str, sort: bytes, base: str) -> IndexKey:
    return IndexKey(partition.encode(), sort, ItemKey(base.encode()))


def entry_item(partition: str, base: str, marker: str = "") -> Item:
    item: Item = {"g": {"S": partition}, "pk": {"S": base}}
    if marker:
        item["marker"] = {"S": marker}
    return item


async def create(backend: StorageBackend, name: str = "t") -> StoredTable:
    table = StoredTable(name, f"id-{name}", DEFINITION)
    await backend.write(lambda view: view.create_table(table))
    return table


async def put_entries(
    backend: StorageBackend, table_id: str, index: str, entries: list[tuple[IndexKey, Item, int]]
) -> None:
    def work(view: WriteView) -> None:
        for key, item, size in entries:
            view.put_index_entry(table_id, index, key, item, size)

    await backend.write(work)


async def query(
    backend: StorageBackend, table_id: str, index: str, partition: str, key_range: KeyRange = WHOLE_PARTITION,
    forward: bool = True, start: IndexKey | None = None, limit: int = 1000,
) -> list[IndexKey]:
    return await backend.read(
        lambda view: [
            key for key, _ in view.query_index(table_id, index, partition.encode(), key_range, forward, start, limit)
        ]
    )


async def statistics(backend: StorageBackend, table_id: str, index: str) -> tuple[int, int]:
    return await backend.read(lambda view: view.index_statistics(table_id, index))


def test_entries_order_by_index_sort_key_then_base_key(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend)
        # sort values -10, 2, 2, 2, 10 (number order, not text order); equal ones order by base key
        layout = [("-10", "e"), ("2", "c"), ("10", "a"), ("2", "a"), ("2", "b")]
        await put_entries(
            backend, table.table_id, "by-g",
            [(entry_key("p", number(s), base), entry_item("p", base), 5) for s, base in layout],
        )
        await put_entries(backend, table.table_id, "by-g", [(entry_key("other", number("1"), "z"), {}, 1)])
        keys = await query(backend, table.table_id, "by-g", "p")
        assert [(k.sort, k.base.partition) for k in keys] == [
            (number("-10"), b"e"), (number("2"), b"a"), (number("2"), b"b"), (number("2"), b"c"),
            (number("10"), b"a"),
        ]
        backwards = await query(backend, table.table_id, "by-g", "p", forward=False)
        assert backwards == list(reversed(keys))
        items = await backend.read(
            lambda view: [item for _, item in view.query_index(
                table.table_id, "by-g", b"p", KeyRange(), True, None, 1
            )]
        )
        assert items == [entry_item("p", "e")]

    factory.run(tmp_path, scenario)


@pytest.mark.parametrize(
    ("key_range", "expected"),
    [
        (KeyRange(lower=number("2")), ["2a", "2b", "3a", "4a"]),
        (KeyRange(lower=number("2"), lower_inclusive=False), ["3a", "4a"]),
        (KeyRange(upper=number("2")), ["1a", "2a", "2b"]),
        (KeyRange(upper=number("2"), upper_inclusive=False), ["1a"]),
        (KeyRange(lower=number("2"), upper=number("3")), ["2a", "2b", "3a"]),
        (KeyRange(lower=number("5")), []),
    ],
)
def test_query_index_key_ranges(
    factory: BackendFactory, tmp_path: Path, key_range: KeyRange, expected: list[str]
) -> None:
    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend)
        names = ["1a", "2a", "2b", "3a", "4a"]
        await put_entries(
            backend, table.table_id, "i",
            [(entry_key("p", number(name[0]), name[1]), {}, 1) for name in names],
        )
        keys = await query(backend, table.table_id, "i", "p", key_range)
        assert [f"{k.sort[-1:].decode()}{k.base.partition.decode()}" for k in keys] == expected

    factory.run(tmp_path, scenario)


def test_query_index_continues_after_exclusive_start_in_both_directions(
    factory: BackendFactory, tmp_path: Path
) -> None:
    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend)
        # 600 entries span several internal chunks; three share each sort value
        entries: list[tuple[IndexKey, Item, int]] = [
            (entry_key("p", number(str(n // 3)), f"b{n:04d}"), {}, 1) for n in range(600)
        ]
        await put_entries(backend, table.table_id, "i", entries)
        everything = await query(backend, table.table_id, "i", "p")
        assert everything == sorted(key for key, _, _ in entries)
        pages: list[IndexKey] = []
        start: IndexKey | None = None
        while True:
            page = await query(backend, table.table_id, "i", "p", start=start, limit=7)
            pages.extend(page)
            if len(page) < 7:
                break
            start = page[-1]
        assert pages == everything
        middle = everything[301]
        after = await query(backend, table.table_id, "i", "p", forward=False, start=middle, limit=1000)
        assert after == list(reversed(everything[:301]))

    factory.run(tmp_path, scenario)


def test_scan_index_walks_partitions_in_hash_order_and_segments_split_it(
    factory: BackendFactory, tmp_path: Path
) -> None:
    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend)
        entries = [
            (entry_key(f"g{n % 40}", number(str(n)), f"b{n}"), entry_item(f"g{n % 40}", f"b{n}"), 3)
            for n in range(400)
        ]
        await put_entries(backend, table.table_id, "i", entries)
        await put_entries(backend, table.table_id, "other", entries[:5])
        scanned = await backend.read(lambda view: [k for k, _ in view.scan_index(table.table_id, "i", None, 10_000)])
        expected = sorted(
            (key for key, _, _ in entries),
            key=lambda k: (partition_hash(k.partition), k.partition, k.sort, k.base.partition),
        )
        assert scanned == expected
        paged: list[IndexKey] = []
        start: IndexKey | None = None
        while True:

            def scan_page(view: ReadView, after: IndexKey | None = start) -> list[IndexKey]:
                return [k for k, _ in view.scan_index(table.table_id, "i", after, 33)]

            page = await backend.read(scan_page)
            paged.extend(page)
            if len(page) < 33:
                break
            start = page[-1]
        assert paged == expected
        halves = [HashSegment(MIN_HASH, -1), HashSegment(0, MAX_HASH)]
        parts: list[list[IndexKey]] = []
        for segment in halves:

            def scan_segment(view: ReadView, chosen: HashSegment = segment) -> list[IndexKey]:
                return [k for k, _ in view.scan_index(table.table_id, "i", None, 10_000, chosen)]

            parts.append(await backend.read(scan_segment))
        assert all(partition_hash(k.partition) < 0 for k in parts[0])
        assert all(partition_hash(k.partition) >= 0 for k in parts[1])
        assert parts[0] + parts[1] == expected

    factory.run(tmp_path, scenario)


def test_replacing_and_deleting_entries_keeps_statistics(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend)
        assert await statistics(backend, table.table_id, "i") == (0, 0)
        first, second = entry_key("p", b"1", "a"), entry_key("p", b"1", "b")
        await put_entries(backend, table.table_id, "i", [(first, entry_item("p", "a"), 10), (second, {}, 4)])
        assert await statistics(backend, table.table_id, "i") == (2, 14)
        await put_entries(backend, table.table_id, "i", [(first, entry_item("p", "a", "new"), 25)])
        assert await statistics(backend, table.table_id, "i") == (2, 29)
        got = await backend.read(
            lambda view: list(view.query_index(table.table_id, "i", b"p", KeyRange(), True, None, 10))
        )
        assert got[0] == (first, entry_item("p", "a", "new"))
        await backend.write(lambda view: view.delete_index_entry(table.table_id, "i", second))
        await backend.write(lambda view: view.delete_index_entry(table.table_id, "i", second))  # already gone
        assert await statistics(backend, table.table_id, "i") == (1, 25)
        assert await query(backend, table.table_id, "i", "p") == [first]

    factory.run(tmp_path, scenario)


def test_delete_index_removes_one_index_only(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend)
        other = await create(backend, "u")
        entries: list[tuple[IndexKey, Item, int]] = [(entry_key("p", b"1", base), {}, 2) for base in "abc"]
        for table_id, index in ((table.table_id, "i"), (table.table_id, "j"), (other.table_id, "i")):
            await put_entries(backend, table_id, index, entries)
        await backend.write(lambda view: view.delete_index(table.table_id, "i"))
        assert await query(backend, table.table_id, "i", "p") == []
        assert await statistics(backend, table.table_id, "i") == (0, 0)
        assert len(await query(backend, table.table_id, "j", "p")) == 3
        assert await statistics(backend, other.table_id, "i") == (3, 6)

    factory.run(tmp_path, scenario)


def test_index_writes_of_a_failing_work_are_rolled_back(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend)

        def failing(view: WriteView) -> None:
            view.put_index_entry(table.table_id, "i", entry_key("p", b"", "a"), {}, 3)
            raise RuntimeError("abandon the work")

        with pytest.raises(RuntimeError):
            await backend.write(failing)
        assert await query(backend, table.table_id, "i", "p") == []
        assert await statistics(backend, table.table_id, "i") == (0, 0)

    factory.run(tmp_path, scenario)


def test_index_entries_survive_reopen(persistent_factory: BackendFactory, tmp_path: Path) -> None:
    key = entry_key("p", b"s", "a")

    async def write(backend: StorageBackend) -> None:
        table = await create(backend)
        await put_entries(backend, table.table_id, "i", [(key, entry_item("p", "a"), 9)])

    async def read(backend: StorageBackend) -> None:
        got = await backend.read(
            lambda view: list(view.query_index("id-t", "i", b"p", KeyRange(), True, None, 10))
        )
        assert got == [(key, entry_item("p", "a"))]
        assert await statistics(backend, "id-t", "i") == (1, 9)

    persistent_factory.run(tmp_path, write)
    persistent_factory.run(tmp_path, read)


@pytest.mark.parametrize("forward", [True, False], ids=["forward", "backward"])
@pytest.mark.parametrize("inclusive", [True, False], ids=["inclusive", "exclusive"])
def test_pages_of_a_bounded_range_continue_after_the_start_key(
    factory: BackendFactory, tmp_path: Path, forward: bool, inclusive: bool
) -> None:
    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend)
        entries: list[tuple[IndexKey, Item, int]] = [
            (entry_key("p", number(str(n // 2)), f"b{n:03d}"), {}, 1) for n in range(300)
        ]
        await put_entries(backend, table.table_id, "i", entries)
        key_range = KeyRange(number("20"), inclusive, number("120"), inclusive)
        whole = await query(backend, table.table_id, "i", "p", key_range, forward=forward)
        in_range = [
            key for key, _, _ in entries
            if (number("20") <= key.sort <= number("120"))
            and (inclusive or key.sort not in (number("20"), number("120")))
        ]
        assert whole == (sorted(in_range) if forward else sorted(in_range, reverse=True))
        paged: list[IndexKey] = []
        start: IndexKey | None = None
        while True:
            page = await query(backend, table.table_id, "i", "p", key_range, forward=forward, start=start, limit=9)
            paged.extend(page)
            if len(page) < 9:
                break
            start = page[-1]
        assert paged == whole

    factory.run(tmp_path, scenario)


def test_a_segment_pages_through_its_own_entries_only(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend)
        entries: list[tuple[IndexKey, Item, int]] = [
            (entry_key(f"g{n}", b"", f"b{n}"), {}, 1) for n in range(300)
        ]
        await put_entries(backend, table.table_id, "i", entries)
        segment = HashSegment(-(2**61), 2**62)
        expected = sorted(
            (key for key, _, _ in entries if segment.lower <= partition_hash(key.partition) <= segment.upper),
            key=lambda k: (partition_hash(k.partition), k.partition),
        )
        assert 0 < len(expected) < 300
        paged: list[IndexKey] = []
        start: IndexKey | None = None
        while True:

            def scan_page(view: ReadView, after: IndexKey | None = start) -> list[IndexKey]:
                return [k for k, _ in view.scan_index(table.table_id, "i", after, 11, segment)]

            page = await backend.read(scan_page)
            paged.extend(page)
            if len(page) < 11:
                break
            start = page[-1]
        assert paged == expected

    factory.run(tmp_path, scenario)


def test_range_reads_return_keys_as_bytes(factory: BackendFactory, tmp_path: Path) -> None:
    # The shared range reads hand the engine's key columns on as they come (no per-row conversion): every
    # adapter must return them as bytes, which compare and hash like the keys callers build.
    async def scenario(backend: StorageBackend) -> None:
        table = await create(backend)
        await put_entries(backend, table.table_id, "i", [(entry_key("g", b"s", "b"), entry_item("g", "b"), 1)])
        await backend.write(lambda view: view.put_item(table.table_id, ItemKey(b"p", b"q"), {"pk": {"S": "p"}}, 1))

        def read(view: ReadView) -> list[bytes]:
            index_keys = [
                *(key for key, _ in view.query_index(table.table_id, "i", b"g", WHOLE_PARTITION, True, None, 5)),
                *(key for key, _ in view.scan_index(table.table_id, "i", None, 5)),
            ]
            item_keys = [
                *(key for key, _ in view.query_items(table.table_id, b"p", WHOLE_PARTITION, True, None, 5)),
                *(key for key, _ in view.scan_items(table.table_id, None, 5)),
            ]
            return [
                *(part for key in index_keys for part in (key.partition, key.sort, key.base.partition, key.base.sort)),
                *(part for key in item_keys for part in (key.partition, key.sort)),
            ]

        parts = await backend.read(read)
        assert len(parts) == 2 * 4 + 2 * 2
        assert {type(part) for part in parts} == {bytes}
        assert parts[:4] == [b"g", b"s", b"b", b""]

    factory.run(tmp_path, scenario)
