"""Storage contract for parallel-scan segments: scan_items with a HashSegment reads only its hash range."""

from __future__ import annotations

from pathlib import Path

from shardline.storage.backend import HashSegment, ItemKey, ReadView, StorageBackend, StoredTable, WriteView
from shardline.values.key_codec import partition_hash
from shardline.values.types import Item
from tests.backends.conftest import BackendFactory

DEFINITION = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}
MIN_HASH = -(2**63)
MAX_HASH = 2**63 - 1


def quarter_segments() -> list[HashSegment]:
    """Four contiguous segments covering the signed 64-bit space exactly."""
    span = 2**64 // 4
    return [HashSegment(MIN_HASH + span * index, MIN_HASH + span * (index + 1) - 1) for index in range(4)]


KEYS = [ItemKey(f"user-{index}".encode(), f"{order}".encode()) for index in range(80) for order in range(2)]


def fill(view: WriteView) -> None:
    for key in KEYS:
        item: Item = {"pk": {"S": key.partition.decode()}, "sk": {"S": key.sort.decode()}}
        view.put_item("id-t", key, item, 1)


async def scan_keys(
    backend: StorageBackend, start: ItemKey | None, limit: int, segment: HashSegment | None = None
) -> list[ItemKey]:
    def work(view: ReadView) -> list[ItemKey]:
        return [key for key, _ in view.scan_items("id-t", start, limit, segment)]

    return await backend.read(work)


async def prepare(backend: StorageBackend) -> None:
    await backend.write(lambda view: view.create_table(StoredTable("t", "id-t", DEFINITION)))
    await backend.write(fill)


def test_segments_partition_the_table_exactly(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        await prepare(backend)
        seen: list[ItemKey] = []
        for segment in quarter_segments():
            found = await scan_keys(backend, None, 10_000, segment)
            assert all(segment.lower <= partition_hash(key.partition) <= segment.upper for key in found)
            seen.extend(found)
        assert sorted(seen) == sorted(KEYS)
        assert len(seen) == len(KEYS)

    factory.run(tmp_path, scenario)


def test_a_segment_pages_within_its_range(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        await prepare(backend)
        segment = quarter_segments()[2]
        whole = await scan_keys(backend, None, 10_000, segment)
        assert whole, "the fixture should put some partitions in every quarter"
        paged: list[ItemKey] = []
        start: ItemKey | None = None
        while True:
            page = await scan_keys(backend, start, 3, segment)
            paged.extend(page)
            if len(page) < 3:
                break
            start = page[-1]
        assert paged == whole

    factory.run(tmp_path, scenario)


def test_a_single_hash_segment_and_the_full_range(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        await prepare(backend)
        target = partition_hash(b"user-7")
        only = await scan_keys(backend, None, 100, HashSegment(target, target))
        assert only == [ItemKey(b"user-7", b"0"), ItemKey(b"user-7", b"1")]
        everything = await scan_keys(backend, None, 10_000, HashSegment(MIN_HASH, MAX_HASH))
        unsegmented = await scan_keys(backend, None, 10_000)
        assert everything == unsegmented
        assert len(everything) == len(KEYS)

    factory.run(tmp_path, scenario)
