"""The PostgreSQL adapter's batched statements: in the writer's group commit, works sharing one transaction keep
their own outcomes (a failing work, a deferred statement that fails, a lock held by another process), stream
numbers stay contiguous; reads keep one snapshot; literals written by shardline read back as their values."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from shardline.errors import StorageError
from shardline.storage.backend import ItemKey, NewShard, StoredStream, StoredTable, WriteView
from shardline.storage.postgres import PostgresBackend
from shardline.storage.postgres.prepared import literal
from tests.backends.test_postgres_backend import run_with_backends
from tests.postgres_cluster import PostgresCluster

FULL = (-(2**63), 2**63 - 1)


@pytest.fixture
def url(postgres_cluster: PostgresCluster) -> str:
    return postgres_cluster.url(schema=postgres_cluster.create_schema("pgwriter"))


async def in_one_group(backend: PostgresBackend, works: list[Callable[[WriteView], Any]]) -> list[Any]:
    """Runs the works in one group: a first work holds the writer until all of them are queued behind it.
    Returns each work's result or exception, the holding work's first."""
    release, entered = threading.Event(), threading.Event()

    def hold(view: WriteView) -> str:
        entered.set()
        release.wait(10)
        return "held"

    first = asyncio.ensure_future(backend.write(hold))
    await asyncio.to_thread(entered.wait, 10)
    rest = [asyncio.ensure_future(backend.write(work)) for work in works]
    await asyncio.sleep(0.1)  # every work has been submitted and waits behind the first
    release.set()
    return list(await asyncio.gather(first, *rest, return_exceptions=True))


def item(name: str, value: int = 0) -> dict[str, Any]:
    return {"pk": {"S": name}, "n": {"N": str(value)}}


def open_stream(view: WriteView) -> tuple[int, int]:
    view.create_table(StoredTable("t", "id-t", {}))
    stream = view.create_stream(StoredStream(0, "t", "id-t", "label", "KEYS_ONLY", (("pk", "HASH"),), 1.0))
    shard = view.create_shard(NewShard(stream.stream_id, "shardId-1", None, *FULL, 1.0), view.sequence_floor())
    return shard.shard_no, shard.stream_id


def appending(times: int, then_fail: bool = False) -> Callable[[WriteView], list[int]]:
    def work(view: WriteView) -> list[int]:
        numbers = []
        for _ in range(times):
            record = view.append_stream_record("id-t", 0, 2.0, 1, b"r")
            assert record is not None
            numbers.append(record.sequence)
        if then_fail:
            raise RuntimeError("the work fails after appending")
        return numbers

    return work


def test_a_failed_work_between_appends_leaves_the_numbers_of_its_group_contiguous(url: str) -> None:
    async def scenario(backend: PostgresBackend) -> None:
        shard_no, _ = await backend.write(open_stream)
        _, first, failed, last = await in_one_group(
            backend, [appending(2), appending(3, then_fail=True), appending(1)]
        )
        assert isinstance(failed, RuntimeError)
        assert last == [first[-1] + 1] and first == [first[0], first[0] + 1]
        stored = await backend.read(lambda view: view.read_stream_records(shard_no, 0, 100, 10**6))
        assert [record.sequence for record in stored] == [*first, *last]

    run_with_backends(url, 1, scenario)


def test_closing_a_shard_counts_the_appends_of_earlier_works_in_the_group(url: str) -> None:
    async def scenario(backend: PostgresBackend) -> None:
        shard_no, stream_id = await backend.write(open_stream)

        def close(view: WriteView) -> tuple[int | None, list[int]]:
            closed = view.close_shard(shard_no, 3.0)
            records = view.read_stream_records(shard_no, 0, 100, 10**6)
            return closed.ending_sequence, [record.sequence for record in records]

        _, appended, (ending, seen) = await in_one_group(backend, [appending(3), close])
        assert ending == appended[-1] and seen == appended
        shard = await backend.read(lambda view: view.get_shard(stream_id, "shardId-1"))
        assert shard is not None and shard.last_sequence == shard.ending_sequence == appended[-1]
        assert await backend.write(lambda view: view.append_stream_record("id-t", 0, 4.0, 1, b"r")) is None

    run_with_backends(url, 1, scenario)


def test_a_deferred_statement_that_fails_fails_its_own_work_only(url: str) -> None:
    """The upsert of an item read under its lock travels with the next work's round trip; when PostgreSQL
    refuses it (a size beyond `integer`), the writer cannot tell whose statement failed from that round trip,
    so it runs the group's works again one statement at a time: only the work that wrote it fails."""

    def oversized(view: WriteView) -> None:
        view.get_item("id-t", ItemKey(b"bad"))
        view.put_item("id-t", ItemKey(b"bad"), item("bad"), 2**40)

    def fine(view: WriteView) -> str:
        view.get_item("id-t", ItemKey(b"good"))
        view.put_item("id-t", ItemKey(b"good"), item("good"), 5)
        return "written"

    async def scenario(backend: PostgresBackend) -> None:
        await backend.write(lambda view: view.create_table(StoredTable("t", "id-t", {})))
        held, bad, good = await in_one_group(backend, [oversized, fine])
        assert held == "held" and good == "written"
        assert isinstance(bad, StorageError) and "out of range" in str(bad)
        assert await backend.read(lambda view: view.get_item("id-t", ItemKey(b"bad"))) is None
        assert await backend.read(lambda view: view.get_item("id-t", ItemKey(b"good"))) == item("good")
        assert await backend.read(lambda view: view.get_table("t")) == StoredTable("t", "id-t", {}, 1, 5)

    run_with_backends(url, 1, scenario)


def test_works_queued_together_on_free_keys_commit_as_one_transaction(url: str) -> None:
    """Every work after the first only tries its key locks; when they are free, the group goes on."""

    def write(name: str) -> Callable[[WriteView], str]:
        def work(view: WriteView) -> str:
            view.get_item("id-t", ItemKey(name.encode()))
            view.put_item("id-t", ItemKey(name.encode()), item(name), 5)
            view.append_stream_record("id-t", 0, 2.0, 1, name.encode())
            return name

        return work

    async def scenario(backend: PostgresBackend) -> None:
        shard_no, _ = await backend.write(open_stream)
        before = backend._writer.committed_groups
        results = await in_one_group(backend, [write(name) for name in ("a", "b", "c", "d")])
        assert results == ["held", "a", "b", "c", "d"]
        assert backend._writer.committed_groups == before + 1
        stored = await backend.read(lambda view: view.read_stream_records(shard_no, 0, 100, 10**6))
        assert [record.body for record in stored] == [b"a", b"b", b"c", b"d"]

    run_with_backends(url, 1, scenario)


def test_a_work_never_waits_for_a_lock_while_its_group_holds_others(url: str) -> None:
    """Process B holds key `a`. In process A a group has written key `b` when its next work wants `a`: rather
    than wait with `b` locked, A commits what it has (so `b` is visible at once) and runs that work first in
    its next group, where it waits for B and then sees B's write."""
    holding, release = threading.Event(), threading.Event()

    def hold_a(view: WriteView) -> None:
        view.get_item("id-t", ItemKey(b"a"))
        holding.set()
        release.wait(10)
        view.put_item("id-t", ItemKey(b"a"), item("a", 1), 5)

    def write_b(view: WriteView) -> None:
        view.get_item("id-t", ItemKey(b"b"))
        view.put_item("id-t", ItemKey(b"b"), item("b"), 5)

    def increment_a(view: WriteView) -> int:
        current = view.get_item("id-t", ItemKey(b"a"))
        value = 0 if current is None else int(current["n"]["N"])
        view.put_item("id-t", ItemKey(b"a"), item("a", value + 1), 5)
        return value + 1

    async def scenario(first: PostgresBackend, second: PostgresBackend) -> None:
        await first.write(lambda view: view.create_table(StoredTable("t", "id-t", {})))
        holder = asyncio.ensure_future(second.write(hold_a))
        await asyncio.to_thread(holding.wait, 10)
        group = asyncio.ensure_future(in_one_group(first, [write_b, increment_a]))
        for _ in range(100):  # `b` commits while `a` is still held by the other process
            if await first.read(lambda view: view.get_item("id-t", ItemKey(b"b"))) is not None:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the group waited for the other process's lock instead of committing")
        assert not group.done()
        release.set()
        await holder
        assert await group == ["held", None, 2]

    run_with_backends(url, 2, scenario)


@pytest.mark.parametrize(
    ("value", "sql_type"),
    [
        ("it's", "text"),
        ("back\\slash \\x41 %s $1 ; -- '); DROP TABLE items; --", "text"),
        ("ünïcödé ✓", "text"),
        ("", "text"),
        (b"\x00\xff'\\x", "bytea"),
        (b"", "bytea"),
        (-(2**63), "bigint"),
        (2**63 - 1, "bigint"),
        (-7, "integer"),
        (-(2**31), "integer"),
        (2**31, "bigint"),
        (1.5, "float8"),
        (-1e300, "float8"),
        (True, "boolean"),
        (None, "text"),
    ],
)
def test_literals_written_by_the_writer_read_back_as_their_values(
    postgres_cluster: PostgresCluster, value: object, sql_type: str
) -> None:
    written = literal(value)
    assert written is not None
    with psycopg.connect(postgres_cluster.url(), autocommit=True) as connection:
        connection.execute("SET standard_conforming_strings = on")
        row = connection.execute(f"SELECT ({written})::{sql_type}").fetchone()
    assert row is not None and row[0] == value


@pytest.mark.parametrize(
    "value", ["nul \x00 inside", float("inf"), float("nan"), 2**63, bytearray(b"x"), [1, 2]]
)
def test_values_the_writer_does_not_write_itself_are_left_to_psycopg(value: object) -> None:
    assert literal(value) is None


def test_a_read_work_sees_one_snapshot_from_its_first_statement(url: str) -> None:
    """BEGIN travels with a read's first statement: the snapshot still covers the whole work, and includes
    every write acknowledged before the work started."""
    first_read, written = threading.Event(), threading.Event()

    def read_twice(view: Any) -> tuple[Any, Any, Any]:
        before = view.get_item("id-t", ItemKey(b"a"))
        first_read.set()
        written.wait(10)
        return before, view.get_item("id-t", ItemKey(b"a")), view.get_item("id-t", ItemKey(b"b"))

    async def scenario(backend: PostgresBackend) -> None:
        await backend.write(lambda view: view.create_table(StoredTable("t", "id-t", {})))
        await backend.write(lambda view: view.put_item("id-t", ItemKey(b"a"), item("a", 1), 5))
        reading = asyncio.ensure_future(backend.read(read_twice))
        await asyncio.to_thread(first_read.wait, 10)
        await backend.write(lambda view: view.put_item("id-t", ItemKey(b"a"), item("a", 2), 5))
        await backend.write(lambda view: view.put_item("id-t", ItemKey(b"b"), item("b"), 5))
        written.set()
        assert await reading == (item("a", 1), item("a", 1), None)
        assert await backend.read(lambda view: view.get_item("id-t", ItemKey(b"a"))) == item("a", 2)

    run_with_backends(url, 1, scenario)
