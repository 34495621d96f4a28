"""Read works on pooled connections, each in its own REPEATABLE READ read-only transaction, on reader threads
(the port's works are synchronous and psycopg's sync connections block). Statements go through a batching
SqlSession (sql_access.py), so BEGIN costs no round trip of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from shardline.errors import StorageError
from shardline.storage.backend import ReadView
from shardline.storage.postgres.connections import open_reader_pool
from shardline.storage.postgres.sql_access import SqlSession
from shardline.storage.postgres.views import DefinitionCache, PostgresReadView

T = TypeVar("T")

DEFAULT_READERS = 4
BEGIN_READ = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
CONNECTION_WAIT_SECONDS = 30.0


class ReaderPool:
    def __init__(self, url: str, definitions: DefinitionCache, size: int = DEFAULT_READERS) -> None:
        self._definitions = definitions
        self._pool: ConnectionPool[psycopg.Connection[tuple[Any, ...]]] = open_reader_pool(url, size)
        # as many threads as connections, so a thread never waits for a connection of its own pool
        self._executor = ThreadPoolExecutor(max_workers=max(size, 1), thread_name_prefix="shardline-pg-reader")
        self._closed = False

    async def read(self, work: Callable[[ReadView], T]) -> T:
        if self._closed:
            raise StorageError("the store is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, self._run, work)
        except RuntimeError as error:
            if "shutdown" in str(error):
                raise StorageError("the store is closed") from error
            raise

    def _run(self, work: Callable[[ReadView], T]) -> T:
        if self._closed:
            raise StorageError("the store is closed")
        try:
            with self._pool.connection(timeout=CONNECTION_WAIT_SECONDS) as connection:
                # One REPEATABLE READ transaction per read work: every statement of the work sees the same
                # snapshot, taken at its first statement, so it includes every write acknowledged before the
                # read started. BEGIN travels with that first statement.
                session = SqlSession(connection, batched=True)
                session.send(BEGIN_READ)
                view = PostgresReadView(session.cursor, self._definitions, session)
                try:
                    return work(view)
                finally:
                    view.close()
                    if session.round_trips:
                        session.execute("ROLLBACK")  # read-only: nothing to keep; ends the snapshot
        except (psycopg.Error, PoolTimeout) as error:
            raise StorageError(f"postgres: {error}") from error

    def close(self) -> None:
        """Waits for the reads in progress, then closes the connections."""
        self._closed = True
        self._executor.shutdown(wait=True)
        self._pool.close()
