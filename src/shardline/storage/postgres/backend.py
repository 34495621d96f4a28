"""PostgresBackend: the StorageBackend port over PostgreSQL (a group-commit writer thread, pooled readers).

Several shardline processes may open the same database: everything they share lives in it, isolation
between them comes from row and advisory locks (see views.py), and nothing is cached that another process
could change unseen (table definitions are cached only by their version number).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TypeVar, cast

import psycopg

from shardline.errors import StorageError
from shardline.storage.backend import ReadView, WriteView
from shardline.storage.postgres.connections import connect_writer
from shardline.storage.postgres.migrations import migrate
from shardline.storage.postgres.readers import DEFAULT_READERS, ReaderPool
from shardline.storage.postgres.views import DefinitionCache
from shardline.storage.postgres.writer import PostgresWriter

T = TypeVar("T")


class PostgresBackend:
    def __init__(self, writer: PostgresWriter, readers: ReaderPool) -> None:
        self._writer = writer
        self._readers = readers
        self._closing = False

    @classmethod
    def open(cls, url: str, *, durable: bool = True, readers: int = DEFAULT_READERS) -> PostgresBackend:
        """Connects to the database at `url` (a libpq URL or key=value string; its search_path chooses the
        schema), creating or upgrading shardline's schema first."""
        connection = connect_writer(url, durable=durable)
        try:
            migrate(connection)
        finally:
            with contextlib.suppress(psycopg.Error):
                connection.close()
        definitions = DefinitionCache()
        pool = ReaderPool(url, definitions, readers)
        try:
            writer = PostgresWriter(url, durable=durable, definitions=definitions)
        except BaseException:
            pool.close()
            raise
        return cls(writer, pool)

    async def read(self, work: Callable[[ReadView], T]) -> T:
        if self._closing:
            raise StorageError("the store is closed")
        return await self._readers.read(work)

    async def write(self, work: Callable[[WriteView], T]) -> T:
        return cast(T, await self._writer.submit(work))

    async def close(self) -> None:
        """Stops accepting reads and writes, lets the accepted ones finish (writes commit) and closes every
        connection. Calling it again waits for the same shutdown."""
        self._closing = True
        self._writer.stop()
        await asyncio.to_thread(self._readers.close)
        await asyncio.to_thread(self._writer.join)
        self._writer.release()

    async def __aenter__(self) -> PostgresBackend:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        with contextlib.suppress(StorageError):
            await self.close()
