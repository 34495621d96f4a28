"""Read-only connections over WAL snapshots: one used inline on the event loop's thread, plus a small pool
of reader threads for callers that want to run off the loop.

Reads are point lookups or pages bounded at 1 MB, so running them inline costs less than a thread hop
(measured: the hop, not SQLite, dominated GetItem). In WAL mode a reader's transaction sees the last
commit made before its first SELECT, so every write already acknowledged by the writer thread is visible,
and the writer is never blocked by readers.

The inline connection keeps its read transaction open from one read to the next within one turn of the
event loop (the requests that arrived together), as long as the writer has committed nothing since it began
(the CommitCounter says so): its snapshot still holds every acknowledged write, and a lone SELECT inside an
open transaction costs half of BEGIN, SELECT and ROLLBACK. It never outlives the turn: a reader that always
holds a snapshot would stop checkpoints from completing, and the WAL from restarting (measured: it grew past
twice the data written through it).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from shardline.errors import StorageError
from shardline.storage.backend import ReadView
from shardline.storage.sqlite.catalog import TableCatalog
from shardline.storage.sqlite.connections import connect_reader
from shardline.storage.sqlite.views import SqliteReadView

T = TypeVar("T")

DEFAULT_READERS = 4


class CommitCounter:
    """How many write transactions the writer has committed; bumped after each COMMIT, before any of its
    works is acknowledged."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class ReaderPool:
    def __init__(
        self, path: Path, catalog: TableCatalog, size: int = DEFAULT_READERS, commits: CommitCounter | None = None
    ) -> None:
        self._catalog = catalog
        self._path = path
        self._inline: sqlite3.Connection | None = None
        self._commits = commits
        # the commit count seen when the inline connection's open transaction began; None: no transaction
        self._snapshot_of: int | None = None
        self._snapshot_number = 0
        self._last_reader: asyncio.Task[Any] | None = None
        self._closed = False
        self._connections: list[sqlite3.Connection] = [connect_reader(path) for _ in range(size)]
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        for connection in self._connections:
            self._idle.put(connection)
        # as many threads as connections, so a thread never waits for a connection
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="shardline-reader")

    async def read(self, work: Callable[[ReadView], T]) -> T:
        """Runs work inline: the work is synchronous, so nothing else uses the connection meanwhile.
        A task that reads again with no other task's read in between first yields to the loop once, so a
        caller that polls in a loop cannot starve other tasks. (A request's single read skips the yield: its
        task was just started by the loop, and the yield was a tenth of a GetItem's time.)"""
        task = asyncio.current_task()
        if task is self._last_reader:
            await asyncio.sleep(0)
        self._last_reader = task
        if self._closed:
            raise StorageError("the store is closed")
        if self._inline is None:
            self._inline = connect_reader(self._path)
            self._connections.append(self._inline)
        if self._commits is None:
            return self._run_on(self._inline, work)
        return self._run_on_snapshot(self._inline, self._commits, work)

    def _run_on_snapshot(
        self, connection: sqlite3.Connection, commits: CommitCounter, work: Callable[[ReadView], T]
    ) -> T:
        if self._closed:
            raise StorageError("the store is closed")
        snapshot_of = self._snapshot_of
        if snapshot_of is not None and snapshot_of != commits.value:
            self._end_snapshot()
            snapshot_of = None
        if snapshot_of is None:
            # read before BEGIN: a commit that lands in between makes the next read start afresh
            seen = commits.value
            try:
                connection.execute("BEGIN")
            except sqlite3.Error as error:
                raise StorageError(f"sqlite: {error}") from error
            self._snapshot_of = seen
            self._snapshot_number += 1
            asyncio.get_running_loop().call_soon(self._end_snapshot, self._snapshot_number)
        view = SqliteReadView(connection, self._catalog)
        try:
            return work(view)
        except BaseException:
            # the statement that failed may have ended or spoiled the transaction: begin afresh next time
            self._end_snapshot()
            raise
        finally:
            view.close()

    def _end_snapshot(self, number: int | None = None) -> None:
        if self._snapshot_of is None or (number is not None and number != self._snapshot_number):
            return
        self._snapshot_of = None
        # sqlite3.Error also covers a connection already closed by close()
        with contextlib.suppress(sqlite3.Error):
            if self._inline is not None and self._inline.in_transaction:
                self._inline.execute("ROLLBACK")

    async def read_in_thread(self, work: Callable[[ReadView], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, self._run, work)
        except RuntimeError as error:
            if "shutdown" in str(error):
                raise StorageError("the store is closed") from error
            raise

    def _run(self, work: Callable[[ReadView], T]) -> T:
        connection = self._idle.get()
        try:
            return self._run_on(connection, work)
        finally:
            self._idle.put(connection)

    def _run_on(self, connection: sqlite3.Connection, work: Callable[[ReadView], T]) -> T:
        if self._closed:
            raise StorageError("the store is closed")
        # try/except rather than storage_errors(): a context manager per statement showed in GetItem profiles.
        try:
            connection.execute("BEGIN")
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error
        view = SqliteReadView(connection, self._catalog)
        try:
            return work(view)
        finally:
            view.close()
            try:
                connection.execute("ROLLBACK")
            except sqlite3.Error as error:
                raise StorageError(f"sqlite: {error}") from error

    def close_inline(self) -> None:
        """Ends the inline connection's snapshot and closes it. Called on the event loop's thread, the only
        one that uses that connection (a snapshot's end is a callback on the loop): closing it from another
        thread while that callback runs would use one sqlite3 connection from two threads at once."""
        self._closed = True
        self._end_snapshot()
        inline, self._inline = self._inline, None
        if inline is not None:
            self._connections.remove(inline)
            with contextlib.suppress(sqlite3.Error):
                inline.close()

    def close(self) -> None:
        """Waits for the reads in progress, then closes the connections (after close_inline, on the loop)."""
        self._closed = True
        self._executor.shutdown(wait=True)
        for connection in self._connections:
            with contextlib.suppress(sqlite3.Error):
                connection.close()
