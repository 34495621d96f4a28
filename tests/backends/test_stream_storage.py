"""Contract tests for the streams part of the storage port: every backend must pass them."""

from __future__ import annotations

from pathlib import Path

import pytest

from shardline.errors import StorageError
from shardline.storage.backend import NewShard, StorageBackend, StoredShard, StoredStream, WriteView
from tests.backends.conftest import BackendFactory

TABLE_ID = "table-1"
FULL = (-(2**63), 2**63 - 1)


def _stream(label: str = "2024-01-01T00:00:00.000", table: str = "orders") -> StoredStream:
    return StoredStream(0, table, TABLE_ID, label, "NEW_AND_OLD_IMAGES", (("id", "HASH"),), 100.0)


def _open(view: WriteView, ranges: list[tuple[int, int]] | None = None) -> tuple[StoredStream, list[StoredShard]]:
    stream = view.create_stream(_stream())
    first = view.sequence_floor()
    shards = [
        view.create_shard(
            NewShard(stream.stream_id, f"shardId-{index:020d}-0000000{index}", None, lo, hi, 100.0), first
        )
        for index, (lo, hi) in enumerate(ranges or [FULL])
    ]
    return stream, shards


def test_create_stream_assigns_id_and_reads_back(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        stream, shards = await backend.write(_open)
        assert stream.stream_id > 0
        found = await backend.read(lambda view: view.get_stream("orders", stream.label))
        assert found == stream
        assert found.key_elements == (("id", "HASH"),)
        assert await backend.read(lambda view: view.get_stream("orders", "2024-01-01T00:00:00.001")) is None
        listed = await backend.read(lambda view: view.list_streams("orders"))
        assert [s.stream_id for s in listed] == [stream.stream_id]
        assert await backend.read(lambda view: view.list_streams("other")) == []
        assert shards[0].is_open
        assert shards[0].last_sequence == shards[0].starting_sequence - 1

    factory.run(tmp_path, scenario)


def test_same_stream_label_twice_is_refused(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        await backend.write(lambda view: view.create_stream(_stream()))
        with pytest.raises(StorageError):
            await backend.write(lambda view: view.create_stream(_stream()))

    factory.run(tmp_path, scenario)


def test_append_allocates_increasing_sequence_numbers_in_the_covering_shard(
    factory: BackendFactory, tmp_path: Path
) -> None:
    async def scenario(backend: StorageBackend) -> None:
        _, shards = await backend.write(lambda view: _open(view, [(-(2**63), -1), (0, 2**63 - 1)]))
        low, high = shards

        def append(view: WriteView) -> list[tuple[int, int]]:
            appended = []
            for hashed in (-5, 7, -9, 2**62):
                record = view.append_stream_record(TABLE_ID, hashed, 101.0, 10, b"{}")
                assert record is not None
                appended.append((record.shard_no, record.sequence))
            return appended

        appended = await backend.write(append)
        assert [shard for shard, _ in appended] == [low.shard_no, high.shard_no, low.shard_no, high.shard_no]
        low_numbers = [seq for shard, seq in appended if shard == low.shard_no]
        assert low_numbers == sorted(low_numbers) and len(set(low_numbers)) == 2
        records = await backend.read(lambda view: view.read_stream_records(low.shard_no, 0, 10, 1 << 20))
        assert [r.sequence for r in records] == low_numbers
        assert records[0].body == b"{}" and records[0].size_bytes == 10
        assert await backend.write(
            lambda view: view.append_stream_record("no-such-table", 1, 1.0, 1, b"{}")
        ) is None

    factory.run(tmp_path, scenario)


def test_read_records_respects_position_limit_and_byte_budget(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        _, (shard,) = await backend.write(_open)

        def append(view: WriteView) -> list[int]:
            numbers = []
            for size in (100, 200, 300, 400):
                record = view.append_stream_record(TABLE_ID, 0, 101.0, size, b"x")
                assert record is not None
                numbers.append(record.sequence)
            return numbers

        numbers = await backend.write(append)
        after_first = await backend.read(lambda view: view.read_stream_records(shard.shard_no, numbers[0], 10, 10**6))
        assert [r.sequence for r in after_first] == numbers[1:]
        limited = await backend.read(lambda view: view.read_stream_records(shard.shard_no, 0, 2, 10**6))
        assert [r.sequence for r in limited] == numbers[:2]
        total = await backend.read(lambda view: view.shard_record_bytes(shard.shard_no))
        assert total == (1000, numbers[-1])
        later = await backend.read(lambda view: view.shard_record_bytes(shard.shard_no, numbers[1]))
        assert later == (700, numbers[-1])
        none = await backend.read(lambda view: view.shard_record_bytes(shard.shard_no, numbers[-1]))
        assert none == (0, numbers[-1])
        budget = await backend.read(lambda view: view.read_stream_records(shard.shard_no, 0, 10, 350))
        assert [r.sequence for r in budget] == numbers[:2]  # 100 + 200 fits, + 300 would not
        one = await backend.read(lambda view: view.read_stream_records(shard.shard_no, 0, 10, 1))
        assert [r.sequence for r in one] == numbers[:1]  # the first record comes even over the budget

    factory.run(tmp_path, scenario)


def test_close_shard_sets_ending_and_stops_appends(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        _, (shard,) = await backend.write(_open)

        def append_then_close(view: WriteView) -> StoredShard:
            for _ in range(3):
                view.append_stream_record(TABLE_ID, 0, 101.0, 1, b"x")
            return view.close_shard(shard.shard_no, 102.0)

        closed = await backend.write(append_then_close)
        assert not closed.is_open
        assert closed.ending_sequence == closed.last_sequence == shard.starting_sequence + 2
        assert closed.closed_at == 102.0
        assert await backend.write(lambda view: view.append_stream_record(TABLE_ID, 0, 103.0, 1, b"x")) is None
        assert await backend.read(lambda view: view.list_open_shards(TABLE_ID)) == []
        with pytest.raises(StorageError):
            await backend.write(lambda view: view.close_shard(shard.shard_no, 104.0))

    factory.run(tmp_path, scenario)


def test_empty_closed_shard_ends_at_its_start(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        _, (shard,) = await backend.write(_open)
        closed = await backend.write(lambda view: view.close_shard(shard.shard_no, 102.0))
        assert closed.ending_sequence == closed.starting_sequence

    factory.run(tmp_path, scenario)


def test_trim_removes_old_records_and_moves_trimmed_through(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        _, (shard,) = await backend.write(_open)

        def append(view: WriteView) -> list[int]:
            numbers = []
            for created in (10.0, 20.0, 30.0):
                record = view.append_stream_record(TABLE_ID, 0, created, 1, b"x")
                assert record is not None
                numbers.append(record.sequence)
            return numbers

        numbers = await backend.write(append)
        removed = await backend.write(lambda view: view.trim_stream_records(shard.shard_no, 25.0))
        assert removed == 2
        after = await backend.read(lambda view: view.get_shard(shard.stream_id, shard.shard_id))
        assert after is not None and after.trimmed_through == numbers[1]
        left = await backend.read(lambda view: view.read_stream_records(shard.shard_no, 0, 10, 10**6))
        assert [r.sequence for r in left] == numbers[2:]
        assert await backend.write(lambda view: view.trim_stream_records(shard.shard_no, 25.0)) == 0
        assert await backend.write(lambda view: view.trim_stream_records(shard.shard_no, 99.0)) == 1
        emptied = await backend.read(lambda view: view.get_shard(shard.stream_id, shard.shard_id))
        assert emptied is not None and emptied.trimmed_through == numbers[2]

    factory.run(tmp_path, scenario)


def test_position_at_time(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        _, (shard,) = await backend.write(_open)

        def append(view: WriteView) -> list[int]:
            return [
                record.sequence
                for created in (10.0, 20.0)
                if (record := view.append_stream_record(TABLE_ID, 0, created, 1, b"x")) is not None
            ]

        numbers = await backend.write(append)
        assert await backend.read(lambda view: view.stream_position_at(shard.shard_no, 15.0)) == numbers[1] - 1
        assert await backend.read(lambda view: view.stream_position_at(shard.shard_no, 5.0)) == numbers[0] - 1
        assert await backend.read(lambda view: view.stream_position_at(shard.shard_no, 50.0)) == numbers[1]

    factory.run(tmp_path, scenario)


def test_disable_and_delete_stream(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        stream, (shard,) = await backend.write(_open)
        await backend.write(lambda view: view.append_stream_record(TABLE_ID, 0, 101.0, 1, b"x"))
        await backend.write(lambda view: view.disable_stream(stream.stream_id, 200.0))
        disabled = await backend.read(lambda view: view.get_stream("orders", stream.label))
        assert disabled is not None and not disabled.enabled and disabled.disabled_at == 200.0
        floor_before = await backend.read(lambda view: view.sequence_floor())
        await backend.write(lambda view: view.delete_stream(stream.stream_id))
        assert await backend.read(lambda view: view.get_stream("orders", stream.label)) is None
        assert await backend.read(lambda view: view.list_shards(stream.stream_id)) == []
        assert await backend.read(lambda view: view.read_stream_records(shard.shard_no, 0, 10, 10**6)) == []
        # numbers never go back, even once the shards that held them are gone
        assert await backend.read(lambda view: view.sequence_floor()) == floor_before

    factory.run(tmp_path, scenario)


def test_delete_shard_keeps_the_sequence_floor(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        stream, (shard,) = await backend.write(_open)
        for _ in range(3):
            await backend.write(lambda view: view.append_stream_record(TABLE_ID, 0, 101.0, 1, b"x"))
        floor = await backend.read(lambda view: view.sequence_floor())
        assert floor == shard.starting_sequence + 3
        await backend.write(lambda view: view.close_shard(shard.shard_no, 102.0))
        await backend.write(lambda view: view.delete_shard(shard.shard_no))
        assert await backend.read(lambda view: view.list_shards(stream.stream_id)) == []
        assert await backend.read(lambda view: view.sequence_floor()) == floor

    factory.run(tmp_path, scenario)


def test_shards_list_in_shard_id_order(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        def create(view: WriteView) -> int:
            stream = view.create_stream(_stream())
            for name in ("shardId-00000000000000000002-bbbbbbbb", "shardId-00000000000000000001-aaaaaaaa"):
                view.create_shard(NewShard(stream.stream_id, name, None, 0, 0, 1.0), 1)
            return stream.stream_id

        stream_id = await backend.write(create)
        shards = await backend.read(lambda view: view.list_shards(stream_id))
        assert [s.shard_id for s in shards] == sorted(s.shard_id for s in shards)

    factory.run(tmp_path, scenario)


def test_failed_work_leaves_no_record(factory: BackendFactory, tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        _, (shard,) = await backend.write(_open)

        def append_then_fail(view: WriteView) -> None:
            view.append_stream_record(TABLE_ID, 0, 101.0, 1, b"x")
            raise RuntimeError("the operation failed after capture")

        with pytest.raises(RuntimeError):
            await backend.write(append_then_fail)
        assert await backend.read(lambda view: view.read_stream_records(shard.shard_no, 0, 10, 10**6)) == []

    factory.run(tmp_path, scenario)


def test_iterator_key_is_stable_across_reopen(persistent_factory: BackendFactory, tmp_path: Path) -> None:
    keys: list[bytes] = []
    records: list[int] = []

    async def first(backend: StorageBackend) -> None:
        keys.append(await backend.read(lambda view: view.stream_iterator_key()))
        await backend.write(_open)
        appended = await backend.write(lambda view: view.append_stream_record(TABLE_ID, 0, 101.0, 1, b"x"))
        assert appended is not None
        records.append(appended.sequence)

    async def second(backend: StorageBackend) -> None:
        keys.append(await backend.read(lambda view: view.stream_iterator_key()))
        appended = await backend.write(lambda view: view.append_stream_record(TABLE_ID, 0, 102.0, 1, b"x"))
        assert appended is not None
        records.append(appended.sequence)

    persistent_factory.run(tmp_path, first)
    persistent_factory.run(tmp_path, second)
    assert keys[0] == keys[1] and len(keys[0]) == 32
    assert records[1] > records[0]


def test_trimming_goes_in_bounded_batches(
    factory: BackendFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shardline.storage.postgres import stream_views as postgres_stream_views
    from shardline.storage.sqlite import stream_views

    monkeypatch.setattr(stream_views, "TRIM_BATCH", 2)
    monkeypatch.setattr(postgres_stream_views, "TRIM_BATCH", 2)

    async def scenario(backend: StorageBackend) -> None:
        _, (shard,) = await backend.write(_open)
        for _ in range(5):
            await backend.write(lambda view: view.append_stream_record(TABLE_ID, 0, 10.0, 1, b"x"))
        removed = [await backend.write(lambda view: view.trim_stream_records(shard.shard_no, 99.0)) for _ in range(4)]
        assert removed == [2, 2, 1, 0]
        after = await backend.read(lambda view: view.get_shard(shard.stream_id, shard.shard_id))
        assert after is not None and after.trimmed_through == after.last_sequence == shard.starting_sequence + 4

    factory.run(tmp_path, scenario)
