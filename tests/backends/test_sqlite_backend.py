"""SQLite-specific behaviour: group commit, commit failures, durability settings and schema versions."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

import pytest

from shardline.errors import StorageError
from shardline.storage.backend import ItemKey, StoredTable, WriteView
from shardline.storage.sqlite import SqliteBackend
from shardline.storage.sqlite.catalog import TableCatalog
from shardline.storage.sqlite.connections import DATABASE_FILE_NAME, connect_writer
from shardline.storage.sqlite.migrations import LATEST_VERSION, migrate
from shardline.storage.sqlite.writer import GroupCommitWriter

TABLE = StoredTable("t", "id-t", {"KeySchema": []})


def put_work(name: str, size: int = 10) -> Callable[[WriteView], str]:
    def work(view: WriteView) -> str:
        view.put_item("id-t", ItemKey(name.encode()), {"pk": {"S": name}}, size)
        return name

    return work


def rows_on_disk(path: Path) -> list[str]:
    """What a separate connection sees in the file: only committed data."""
    connection = sqlite3.connect(path)
    try:
        return sorted(row[0].decode() for row in connection.execute("SELECT pk FROM items"))
    finally:
        connection.close()


class BlockingFirstWork:
    """A work that holds the writer thread until the test has queued the works that follow it."""

    def __init__(self, inner: Callable[[WriteView], Any]) -> None:
        self.inner = inner
        self.running = threading.Event()
        self.release = threading.Event()

    def __call__(self, view: WriteView) -> Any:
        result = self.inner(view)
        self.running.set()
        self.release.wait(timeout=10)
        return result


async def run_as_one_group(submit: Callable[[Callable[[WriteView], Any]], Any],
                           works: list[Callable[[WriteView], Any]]) -> list[asyncio.Future[Any]]:
    blocker = BlockingFirstWork(works[0])
    futures = [asyncio.ensure_future(submit(blocker))]
    await asyncio.to_thread(blocker.running.wait, 10)
    futures.extend(asyncio.ensure_future(submit(work)) for work in works[1:])
    await asyncio.sleep(0.05)
    blocker.release.set()
    await asyncio.wait(futures)
    return futures


def test_a_result_is_delivered_only_after_its_commit(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    seen_when_answered: list[list[str]] = []

    async def main() -> None:
        backend = SqliteBackend.open(path)
        try:
            await backend.write(lambda view: view.create_table(TABLE))
            for name in ("a", "b"):
                answer = asyncio.ensure_future(backend.write(put_work(name)))
                answer.add_done_callback(lambda _: seen_when_answered.append(rows_on_disk(path)))
                await answer
        finally:
            await backend.close()

    asyncio.run(main())
    assert seen_when_answered == [["a"], ["a", "b"]]


def test_grouped_works_are_visible_together_when_the_first_is_answered(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    observed: list[list[str]] = []

    async def main() -> None:
        backend = SqliteBackend.open(path)
        try:
            await backend.write(lambda view: view.create_table(TABLE))
            blocker = BlockingFirstWork(put_work("a"))
            first = asyncio.ensure_future(backend.write(blocker))
            first.add_done_callback(lambda _: observed.append(rows_on_disk(path)))
            await asyncio.to_thread(blocker.running.wait, 10)
            others = [asyncio.ensure_future(backend.write(put_work(name))) for name in ("b", "c")]
            await asyncio.sleep(0.05)
            assert rows_on_disk(path) == []  # nothing of the open group is committed yet
            blocker.release.set()
            assert await first == "a"
            assert await asyncio.gather(*others) == ["b", "c"]
        finally:
            await backend.close()

    asyncio.run(main())
    # "a" was answered only after the commit that also holds "b" and "c", which queued behind it
    assert observed == [["a", "b", "c"]]


class ScriptedConnection:
    """Wraps a real connection; lets a test fail chosen statements, the way disk-full or I/O errors do."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real = real
        self.commits = 0
        self.fail_commit = False
        self.lose_transaction_on: bytes | None = None

    @property
    def in_transaction(self) -> bool:
        return self.real.in_transaction

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> sqlite3.Cursor:
        parameters = tuple(parameters)
        if sql == "COMMIT":
            if self.fail_commit:
                raise sqlite3.OperationalError("disk I/O error")
            self.commits += 1
        if self.lose_transaction_on is not None and self.lose_transaction_on in parameters:
            # SQLite itself rolls the whole transaction back on some errors (SQLITE_FULL, SQLITE_IOERR)
            self.real.execute("ROLLBACK")
            raise sqlite3.OperationalError("database or disk is full")
        return self.real.execute(sql, parameters)

    def executemany(self, sql: str, rows: Iterable[Any]) -> sqlite3.Cursor:
        return self.real.executemany(sql, rows)

    def close(self) -> None:
        self.real.close()


def scripted_writer(**limits: int) -> tuple[GroupCommitWriter, ScriptedConnection, TableCatalog]:
    real = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    migrate(real)
    real.execute(
        "INSERT INTO tables (name, table_id, definition) VALUES (?, ?, ?)",
        (TABLE.name, TABLE.table_id, b"{}"),
    )
    scripted = ScriptedConnection(real)
    catalog = TableCatalog([StoredTable(TABLE.name, TABLE.table_id, {})])
    writer = GroupCommitWriter(
        cast(sqlite3.Connection, scripted), catalog, checkpoint_on_close=False, **limits
    )
    return writer, scripted, catalog


def stop(writer: GroupCommitWriter) -> None:
    """Stops the writer thread but keeps the in-memory database open for the test's checks."""
    writer.stop()
    writer.join()


def stored_names(scripted: ScriptedConnection) -> list[str]:
    return sorted(row[0].decode() for row in scripted.real.execute("SELECT pk FROM items"))


def test_when_commit_fails_every_work_of_the_group_gets_a_storage_error() -> None:
    writer, scripted, catalog = scripted_writer()

    def refusing(view: WriteView) -> None:
        view.put_item("id-t", ItemKey(b"x"), {"pk": {"S": "x"}}, 1)
        raise KeyError("refused by its own logic")

    async def main() -> None:
        scripted.fail_commit = True
        futures = await run_as_one_group(writer.submit, [put_work("a"), refusing, put_work("b")])
        first, refused, last = (future.exception() for future in futures)
        assert isinstance(first, StorageError) and "commit failed" in str(first)
        assert isinstance(refused, KeyError)  # a work that raised keeps its own error
        assert isinstance(last, StorageError)
        assert catalog.get("t") == StoredTable("t", "id-t", {}, 0, 0)
        scripted.fail_commit = False
        assert await writer.submit(put_work("c", 4)) == "c"

    try:
        asyncio.run(main())
    finally:
        stop(writer)
    assert stored_names(scripted) == ["c"]
    assert catalog.get("t") == StoredTable("t", "id-t", {}, 1, 4)


def test_a_lost_transaction_fails_the_works_before_it_and_spares_the_works_after() -> None:
    writer, scripted, catalog = scripted_writer()

    async def main() -> None:
        scripted.lose_transaction_on = b"full"
        futures = await run_as_one_group(writer.submit, [put_work("a"), put_work("full"), put_work("c", 3)])
        first, failing, last = futures
        assert isinstance(first.exception(), StorageError)
        assert isinstance(failing.exception(), StorageError)
        assert last.result() == "c"

    try:
        asyncio.run(main())
    finally:
        stop(writer)
    assert stored_names(scripted) == ["c"]
    assert catalog.get("t") == StoredTable("t", "id-t", {}, 1, 3)
    stored_counts = scripted.real.execute("SELECT item_count, size_bytes FROM tables").fetchall()
    assert stored_counts == [(1, 3)]


def test_groups_are_bounded_in_number_of_works() -> None:
    writer, scripted, _ = scripted_writer(max_group_works=4)

    async def main() -> None:
        futures = await run_as_one_group(writer.submit, [put_work(f"k{index}") for index in range(10)])
        assert [future.result() for future in futures] == [f"k{index}" for index in range(10)]

    try:
        asyncio.run(main())
    finally:
        stop(writer)
    assert scripted.commits == 3  # 4 + 4 + 2
    assert len(stored_names(scripted)) == 10


def test_groups_are_bounded_in_bytes_written() -> None:
    writer, scripted, _ = scripted_writer(max_group_bytes=1)

    async def main() -> None:
        await run_as_one_group(writer.submit, [put_work(f"k{index}") for index in range(5)])

    try:
        asyncio.run(main())
    finally:
        stop(writer)
    assert scripted.commits == 5


@pytest.mark.parametrize(("durable", "synchronous"), [(True, 2), (False, 1)])
def test_durability_setting_chooses_the_sync_mode(tmp_path: Path, durable: bool, synchronous: int) -> None:
    connection = connect_writer(tmp_path / "store.db", durable=durable)
    try:
        assert connection.execute("PRAGMA synchronous").fetchone()[0] == synchronous
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        connection.close()


def test_a_directory_holds_the_store_in_a_named_file(tmp_path: Path) -> None:
    async def main() -> None:
        backend = SqliteBackend.open(tmp_path)
        await backend.write(lambda view: view.create_table(TABLE))
        await backend.close()

    asyncio.run(main())
    assert (tmp_path / DATABASE_FILE_NAME).is_file()


def test_close_checkpoints_the_write_ahead_log(tmp_path: Path) -> None:
    path = tmp_path / "store.db"

    async def main() -> None:
        backend = SqliteBackend.open(path)
        await backend.write(lambda view: view.create_table(TABLE))
        await asyncio.gather(*(backend.write(put_work(f"k{index}")) for index in range(50)))
        await backend.close()

    asyncio.run(main())
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert len(rows_on_disk(path)) == 50


def test_schema_version_is_recorded_once_per_migration(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    for _ in range(2):
        asyncio.run(SqliteBackend.open(path).close())
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        versions = [row[0] for row in rows]
    finally:
        connection.close()
    assert versions == list(range(1, LATEST_VERSION + 1))


def test_a_store_from_a_newer_shardline_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    asyncio.run(SqliteBackend.open(path).close())
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("INSERT INTO schema_version (version) VALUES (?)", (LATEST_VERSION + 1,))
    connection.close()
    with pytest.raises(StorageError, match="newer"):
        SqliteBackend.open(path)


def test_file_reads_do_not_wait_for_an_open_write_group(tmp_path: Path) -> None:
    async def main() -> None:
        backend = SqliteBackend.open(tmp_path / "store.db")
        try:
            await backend.write(lambda view: view.create_table(TABLE))
            await backend.write(put_work("committed"))
            blocker = BlockingFirstWork(put_work("uncommitted"))
            pending = asyncio.ensure_future(backend.write(blocker))
            await asyncio.to_thread(blocker.running.wait, 10)
            try:
                scan = backend.read(lambda view: [key for key, _ in view.scan_items("id-t", None, 9)])
                seen = await asyncio.wait_for(scan, timeout=5)
            finally:
                blocker.release.set()
            assert seen == [ItemKey(b"committed")]
            assert await pending == "uncommitted"
        finally:
            await backend.close()

    asyncio.run(main())


CRASHING_WRITER = """
import asyncio, os, sys
from pathlib import Path
from shardline.storage.backend import ItemKey, StoredTable
from shardline.storage.sqlite import SqliteBackend

async def main():
    backend = SqliteBackend.open(Path(sys.argv[1]), durable=sys.argv[2] == "durable")
    await backend.write(lambda view: view.create_table(StoredTable("t", "id-t", {})))
    def put(index):
        return lambda view: view.put_item("id-t", ItemKey(b"k%d" % index), {"pk": {"S": "k%d" % index}}, 1)
    await asyncio.gather(*(backend.write(put(index)) for index in range(200)))
    print("acknowledged", flush=True)
    os._exit(0)  # no close(): no checkpoint, the acknowledged writes are only in the WAL

asyncio.run(main())
"""


@pytest.mark.parametrize("mode", ["durable", "relaxed"])
def test_acknowledged_writes_survive_the_process_dying_without_close(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "store.db"
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(path), mode], capture_output=True, text=True, timeout=60,
    )
    assert done.stdout.strip() == "acknowledged", done.stderr

    async def main() -> None:
        backend = SqliteBackend.open(path)
        try:
            table = await backend.read(lambda view: view.get_table("t"))
            assert table == StoredTable("t", "id-t", {}, 200, 200)
            found = await backend.read(lambda view: list(view.scan_items("id-t", None, 1000)))
            assert len(found) == 200
        finally:
            await backend.close()

    asyncio.run(main())
