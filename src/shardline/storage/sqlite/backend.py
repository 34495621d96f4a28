"""SqliteBackend: the StorageBackend port over SQLite (one writer thread with group commit, WAL readers)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

from shardline.errors import StorageError
from shardline.storage.backend import ReadView, WriteView
from shardline.storage.sqlite.catalog import TableCatalog
from shardline.storage.sqlite.connections import (
    connect_memory,
    connect_writer,
    database_path,
    load_tables,
)
from shardline.storage.sqlite.migrations import migrate
from shardline.storage.sqlite.readers import DEFAULT_READERS, CommitCounter, ReaderPool
from shardline.storage.sqlite.writer import GroupCommitWriter

T = TypeVar("T")


class SqliteBackend:
    def __init__(self, writer: GroupCommitWriter, readers: ReaderPool | None) -> None:
        self._writer = writer
        self._readers = readers
        self._closing = False

    @classmethod
    def open(
        cls, path: Path | None, *, durable: bool = True, readers: int = DEFAULT_READERS
    ) -> SqliteBackend:
        """Opens (creating or upgrading) the store at `path`: a database file, or a directory to hold one.
        None makes a throwaway in-memory store, whose reads run on the writer thread between groups
        (an in-memory database cannot be shared by connections that read while another writes)."""
        try:
            if path is None:
                connection = connect_memory()
            else:
                file = database_path(path)
                connection = connect_writer(file, durable=durable)
        except (OSError, sqlite3.Error) as error:
            raise StorageError(f"cannot open the store at {path}: {error}") from error
        try:
            migrate(connection)
            catalog = TableCatalog(load_tables(connection))
            commits = CommitCounter()
            pool = None if path is None else ReaderPool(file, catalog, readers, commits)
        except sqlite3.Error as error:
            connection.close()
            raise StorageError(f"cannot open the store at {path}: {error}") from error
        except BaseException:
            connection.close()
            raise
        writer = GroupCommitWriter(connection, catalog, checkpoint_on_close=path is not None, commits=commits)
        return cls(writer, pool)

    async def read(self, work: Callable[[ReadView], T]) -> T:
        if self._closing:
            raise StorageError("the store is closed")
        if self._readers is None:
            return cast(T, await self._writer.submit(work, is_read=True))
        return await self._readers.read(work)

    async def write(self, work: Callable[[WriteView], T]) -> T:
        return cast(T, await self._writer.submit(work))

    async def close(self) -> None:
        """Stops accepting reads and writes, lets the accepted ones finish (writes commit), checkpoints the
        WAL and closes every connection. Calling it again waits for the same shutdown."""
        self._closing = True
        self._writer.stop()
        if self._readers is not None:
            # readers go first so that no read transaction holds back the final checkpoint
            self._readers.close_inline()
            await asyncio.to_thread(self._readers.close)
        await asyncio.to_thread(self._writer.join)
        await asyncio.to_thread(self._writer.release)

    async def __aenter__(self) -> SqliteBackend:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        with contextlib.suppress(StorageError):
            await self.close()
