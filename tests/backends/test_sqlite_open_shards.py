"""The SQLite writer remembers open shards and their last sequence numbers between appends: rolled-back
appends, shard changes and restarts must never make it hand out a number twice or skip one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from shardline.storage.backend import NewShard, StorageBackend, StoredShard, WriteView
from shardline.storage.sqlite import SqliteBackend

TABLE_ID = "table-1"
FULL = (-(2**63), 2**63 - 1)


class Boom(Exception):
    pass


def _run(path: Path | None, scenario: Callable[[StorageBackend], Awaitable[None]]) -> None:
    async def main() -> None:
        backend = SqliteBackend.open(path)
        try:
            await scenario(backend)
        finally:
            await backend.close()

    asyncio.run(main())


def _open_stream(view: WriteView) -> StoredShard:
    from shardline.storage.backend import StoredStream

    stream = view.create_stream(
        StoredStream(0, "orders", TABLE_ID, "2024-01-01T00:00:00.000", "NEW_IMAGE", (("id", "HASH"),), 1.0)
    )
    return view.create_shard(NewShard(stream.stream_id, "shardId-1", None, *FULL, 1.0), view.sequence_floor())


def _append(view: WriteView, body: bytes = b"{}") -> int:
    appended = view.append_stream_record(TABLE_ID, 42, 2.0, len(body), body)
    assert appended is not None
    return appended.sequence


async def _stored(backend: StorageBackend, shard_no: int) -> list[tuple[int, bytes]]:
    records = await backend.read(lambda view: view.read_stream_records(shard_no, 0, 1000, 1 << 30))
    return [(record.sequence, record.body) for record in records]


@pytest.mark.parametrize("where", ["memory", "file"])
def test_a_rolled_back_append_gives_its_number_to_the_next_one(tmp_path: Path, where: str) -> None:
    async def scenario(backend: StorageBackend) -> None:
        shard = await backend.write(_open_stream)
        first = await backend.write(_append)

        def append_then_fail(view: WriteView) -> None:
            _append(view, b'{"lost":1}')
            raise Boom()

        with pytest.raises(Boom):
            await backend.write(append_then_fail)
        second = await backend.write(_append)
        assert second == first + 1
        assert await _stored(backend, shard.shard_no) == [(first, b"{}"), (second, b"{}")]

    _run(None if where == "memory" else tmp_path / "store.db", scenario)


def test_appends_of_one_group_and_a_failing_neighbour(tmp_path: Path) -> None:
    """Works submitted together share a commit; the failing one's append is undone alone."""

    async def scenario(backend: StorageBackend) -> None:
        shard = await backend.write(_open_stream)

        def failing(view: WriteView) -> None:
            _append(view, b'{"lost":1}')
            raise Boom()

        outcomes = await asyncio.gather(
            backend.write(_append), backend.write(failing), backend.write(_append), backend.write(_append),
            return_exceptions=True,
        )
        assert isinstance(outcomes[1], Boom)
        numbers = [outcome for outcome in outcomes if isinstance(outcome, int)]
        stored = await _stored(backend, shard.shard_no)
        assert [sequence for sequence, _ in stored] == sorted(numbers)
        assert sorted(numbers) == list(range(numbers[0], numbers[0] + 3))
        assert all(body == b"{}" for _, body in stored)

    _run(tmp_path / "store.db", scenario)


def test_appends_follow_a_shard_that_closed_and_was_continued(tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        parent = await backend.write(_open_stream)
        before = await backend.write(_append)

        def roll_over(view: WriteView) -> StoredShard:
            closed = view.close_shard(parent.shard_no, 3.0)
            return view.create_shard(
                NewShard(closed.stream_id, "shardId-2", closed.shard_id, *FULL, 3.0), view.sequence_floor()
            )

        child = await backend.write(roll_over)
        after = await backend.write(_append)
        assert after > before
        assert await _stored(backend, child.shard_no) == [(after, b"{}")]
        assert await _stored(backend, parent.shard_no) == [(before, b"{}")]

    _run(tmp_path / "store.db", scenario)


def test_a_rolled_back_shard_change_is_forgotten(tmp_path: Path) -> None:
    async def scenario(backend: StorageBackend) -> None:
        shard = await backend.write(_open_stream)

        def close_then_fail(view: WriteView) -> None:
            view.close_shard(shard.shard_no, 3.0)
            assert view.append_stream_record(TABLE_ID, 42, 3.0, 2, b"{}") is None
            raise Boom()

        with pytest.raises(Boom):
            await backend.write(close_then_fail)
        sequence = await backend.write(_append)
        assert await _stored(backend, shard.shard_no) == [(sequence, b"{}")]

    _run(tmp_path / "store.db", scenario)


def test_numbers_continue_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    numbers: list[int] = []
    shards: list[StoredShard] = []

    async def first_run(backend: StorageBackend) -> None:
        shards.append(await backend.write(_open_stream))
        numbers.append(await backend.write(_append))
        numbers.append(await backend.write(_append))

    async def second_run(backend: StorageBackend) -> None:
        numbers.append(await backend.write(_append))
        assert [sequence for sequence, _ in await _stored(backend, shards[0].shard_no)] == numbers

    _run(path, first_run)
    _run(path, second_run)
    assert numbers == list(range(numbers[0], numbers[0] + 3))
