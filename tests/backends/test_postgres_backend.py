"""What only the PostgreSQL adapter promises: several backends (processes) on one database stay isolated,
deadlocks between them are retried, sequence numbers stay strictly increasing across them, trigger leases
pass from one holder to another, the schema is versioned, and key order is bytewise whatever the collation."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest

from shardline.errors import StorageError
from shardline.storage.backend import ItemKey, KeyRange, NewShard, StoredStream, StoredTable, WriteView
from shardline.storage.postgres import PostgresBackend
from shardline.storage.postgres.migrations import LATEST_VERSION
from tests.postgres_cluster import PostgresCluster

DEFINITION = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}


@pytest.fixture
def url(postgres_cluster: PostgresCluster) -> str:
    return postgres_cluster.url(schema=postgres_cluster.create_schema("pgtest"))


def run_with_backends(url: str, count: int, scenario: Callable[..., Awaitable[None]]) -> None:
    """Runs the scenario with `count` backends on one database, as `count` processes would hold them."""

    async def main() -> None:
        backends = [PostgresBackend.open(url, readers=2) for _ in range(count)]
        try:
            await scenario(*backends)
        finally:
            for backend in backends:
                await backend.close()

    asyncio.run(main())


def item(name: str, value: int = 0) -> dict[str, Any]:
    return {"pk": {"S": name}, "n": {"N": str(value)}}


def test_a_table_created_through_one_backend_is_seen_by_another_at_once(url: str) -> None:
    async def scenario(first: PostgresBackend, second: PostgresBackend) -> None:
        await first.write(lambda view: view.create_table(StoredTable("t", "id-t", DEFINITION)))
        await second.write(lambda view: view.put_item("id-t", ItemKey(b"a"), item("a"), 5))
        assert await first.read(lambda view: view.get_table("t")) == StoredTable("t", "id-t", DEFINITION, 1, 5)
        await first.write(lambda view: view.update_table_definition("t", {"changed": True}))
        found = await second.read(lambda view: view.get_table("t"))
        assert found is not None and found.definition == {"changed": True}
        await second.write(lambda view: view.delete_table("t"))
        with pytest.raises(StorageError):
            await first.write(lambda view: view.put_item("id-t", ItemKey(b"b"), item("b"), 5))

    run_with_backends(url, 2, scenario)


def test_read_modify_writes_of_one_key_through_two_backends_lose_nothing(url: str) -> None:
    def increment(view: WriteView) -> None:
        current = view.get_item("id-t", ItemKey(b"counter"))
        assert current is not None
        value = int(current["n"]["N"]) + 1
        view.put_item("id-t", ItemKey(b"counter"), item("counter", value), 5)

    async def scenario(first: PostgresBackend, second: PostgresBackend) -> None:
        await first.write(lambda view: view.create_table(StoredTable("t", "id-t", DEFINITION)))
        await first.write(lambda view: view.put_item("id-t", ItemKey(b"counter"), item("counter"), 5))
        await asyncio.gather(*(backend.write(increment) for _ in range(100) for backend in (first, second)))
        final = await second.read(lambda view: view.get_item("id-t", ItemKey(b"counter")))
        assert final == item("counter", 200)

    run_with_backends(url, 2, scenario)


def test_a_deadlock_between_backends_is_retried_until_both_works_succeed(url: str) -> None:
    """Each work locks one key, waits until the other has locked its key, then wants the other's: PostgreSQL
    breaks the cycle by failing one statement, and that work runs again after the other commits."""
    first_locked = threading.Event()
    second_locked = threading.Event()
    attempts = {"first": 0, "second": 0}

    def crossing(name: str, mine: bytes, theirs: bytes, locked: threading.Event, other: threading.Event) -> Any:
        def work(view: WriteView) -> str:
            attempts[name] += 1
            view.get_item("id-t", ItemKey(mine))
            locked.set()
            other.wait(timeout=10)
            view.put_item("id-t", ItemKey(theirs), item(name), 5)
            return name

        return work

    async def scenario(first: PostgresBackend, second: PostgresBackend) -> None:
        await first.write(lambda view: view.create_table(StoredTable("t", "id-t", DEFINITION)))
        results = await asyncio.gather(
            first.write(crossing("first", b"a", b"b", first_locked, second_locked)),
            second.write(crossing("second", b"b", b"a", second_locked, first_locked)),
        )
        assert results == ["first", "second"]
        assert sorted(attempts.values()) == [1, 2]  # exactly one of them lost the deadlock and ran again
        table = await first.read(lambda view: view.get_table("t"))
        assert table is not None and table.item_count == 2

    run_with_backends(url, 2, scenario)


def test_sequence_numbers_increase_strictly_across_backends(url: str) -> None:
    full = (-(2**63), 2**63 - 1)

    def open_stream(view: WriteView) -> int:
        stream = view.create_stream(StoredStream(0, "t", "id-t", "label", "KEYS_ONLY", (("pk", "HASH"),), 1.0))
        shard = view.create_shard(NewShard(stream.stream_id, "shardId-1", None, *full, 1.0), view.sequence_floor())
        return shard.shard_no

    async def scenario(first: PostgresBackend, second: PostgresBackend) -> None:
        shard_no = await first.write(open_stream)
        appended = await asyncio.gather(*(
            backend.write(lambda view: view.append_stream_record("id-t", 0, 2.0, 1, b"r"))
            for _ in range(150) for backend in (first, second)
        ))
        numbers = [record.sequence for record in appended if record is not None]
        assert len(numbers) == 300 and len(set(numbers)) == 300
        stored = await second.read(lambda view: view.read_stream_records(shard_no, 0, 1000, 10**9))
        assert [record.sequence for record in stored] == sorted(numbers)
        assert [record.sequence for record in stored] == list(range(stored[0].sequence, stored[0].sequence + 300))

    run_with_backends(url, 2, scenario)


def test_a_trigger_lease_has_one_holder_until_it_expires(url: str) -> None:
    async def scenario(first: PostgresBackend, second: PostgresBackend) -> None:
        mapping = str(uuid.uuid4())
        assert await first.write(lambda view: view.acquire_trigger_lease(mapping, "p1", 100.0, 30.0)) is True
        assert await second.write(lambda view: view.acquire_trigger_lease(mapping, "p2", 110.0, 30.0)) is False
        assert await first.write(lambda view: view.acquire_trigger_lease(mapping, "p1", 125.0, 30.0)) is True
        assert await second.read(lambda view: view.trigger_lease_holder(mapping, 150.0)) == "p1"
        # p1 stops renewing (its process died): once the lease has run out, p2 takes over
        assert await second.write(lambda view: view.acquire_trigger_lease(mapping, "p2", 154.0, 30.0)) is False
        assert await second.write(lambda view: view.acquire_trigger_lease(mapping, "p2", 155.0, 30.0)) is True
        assert await first.read(lambda view: view.trigger_lease_holder(mapping, 160.0)) == "p2"
        await second.write(lambda view: view.release_trigger_lease(mapping, "p2"))
        assert await first.read(lambda view: view.trigger_lease_holder(mapping, 160.0)) is None

    run_with_backends(url, 2, scenario)


def test_schema_version_is_recorded_and_a_newer_schema_is_refused(url: str) -> None:
    async def scenario(backend: PostgresBackend) -> None:
        await backend.write(lambda view: view.list_table_names(None, 1))

    run_with_backends(url, 1, scenario)
    run_with_backends(url, 1, scenario)  # reopening migrates nothing twice
    with psycopg.connect(url, autocommit=True) as connection:
        versions = [row[0] for row in connection.execute("SELECT version FROM schema_version ORDER BY version")]
        assert versions == list(range(1, LATEST_VERSION + 1))
        connection.execute("INSERT INTO schema_version (version) VALUES (%s)", (LATEST_VERSION + 1,))
    with pytest.raises(StorageError, match="newer"):
        PostgresBackend.open(url)


def test_order_is_bytewise_whatever_the_database_collation(postgres_cluster: PostgresCluster) -> None:
    """A database whose default collation is a linguistic one (en_US sorts "b" before "C") still lists
    tables and sort keys in byte order."""
    name = f"collated_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_cluster.url(), autocommit=True) as connection:
        try:
            connection.execute(
                f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'"
            )
        except psycopg.Error as error:
            pytest.skip(f"this PostgreSQL has no ICU collations: {error}")
    keys = [b"C", b"a", b"b", b"\x00", b"\xff", b"\x7f\x80"]

    async def scenario(backend: PostgresBackend) -> None:
        for table in ("b-table", "C-table", "a-table"):
            await backend.write(lambda view, table=table: view.create_table(StoredTable(table, table, DEFINITION)))
        assert await backend.read(lambda view: view.list_table_names(None, 10)) == ["C-table", "a-table", "b-table"]
        for key in keys:
            await backend.write(lambda view, key=key: view.put_item("a-table", ItemKey(b"p", key), item("x"), 1))
        found = await backend.read(
            lambda view: [k.sort for k, _ in view.query_items("a-table", b"p", KeyRange(), True, None, 10)]
        )
        assert found == sorted(keys)

    run_with_backends(postgres_cluster.url(name), 1, scenario)

