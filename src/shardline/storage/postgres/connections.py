"""Opening PostgreSQL connections with shardline's settings: the writer's own connection and the readers' pool."""

from __future__ import annotations

import psycopg
from psycopg_pool import ConnectionPool

from shardline.errors import StorageError
from shardline.storage.postgres import prepared

CONNECT_TIMEOUT_SECONDS = 10
APPLICATION_NAME = "shardline"


def connect_writer(url: str, *, durable: bool) -> psycopg.Connection[tuple[object, ...]]:
    """The writer's connection in autocommit mode: the writer issues BEGIN, SAVEPOINT and COMMIT itself, so
    it controls exactly which works share a transaction. READ COMMITTED (each statement sees every commit
    made before it) plus explicit locks is what keeps writes of several processes isolated; see writer.py."""
    try:
        connection = psycopg.connect(
            url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS, application_name=APPLICATION_NAME
        )
    except psycopg.Error as error:
        raise StorageError(f"cannot connect to PostgreSQL: {error}") from error
    try:
        connection.execute("SET default_transaction_isolation = 'read committed'")
        # synchronous_commit=off keeps a crash of PostgreSQL from corrupting anything but may lose the last
        # commits, the same trade as SQLite's synchronous=NORMAL under --relaxed-durability.
        connection.execute(f"SET synchronous_commit = {'on' if durable else 'off'}")
        # The writer writes some arguments as literals (see prepared.py), which assumes this setting.
        connection.execute("SET standard_conforming_strings = on")
    except psycopg.Error as error:
        connection.close()
        raise StorageError(f"cannot configure the PostgreSQL connection: {error}") from error
    return connection


def _configure_reader(connection: psycopg.Connection[tuple[object, ...]]) -> None:
    # Autocommit: a read work opens its own transaction (readers.py), in the same message as its first
    # statement, rather than in a round trip of its own as psycopg would.
    connection.autocommit = True
    connection.execute("SET standard_conforming_strings = on")
    connection.execute("; ".join(statement.preparation for statement in prepared.READER))


def open_reader_pool(url: str, size: int) -> ConnectionPool[psycopg.Connection[tuple[object, ...]]]:
    pool: ConnectionPool[psycopg.Connection[tuple[object, ...]]] = ConnectionPool(
        url,
        min_size=1,
        max_size=max(size, 1),
        kwargs={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": APPLICATION_NAME},
        configure=_configure_reader,
        open=False,
        name="shardline-readers",
    )
    try:
        pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS)
    except Exception as error:  # psycopg_pool raises PoolTimeout (not a psycopg.Error) when it cannot connect
        pool.close()
        raise StorageError(f"cannot connect to PostgreSQL: {error}") from error
    return pool
