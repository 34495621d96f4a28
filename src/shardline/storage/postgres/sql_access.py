"""Statement execution shared by the PostgreSQL views: psycopg errors become StorageError, and are
remembered, because after a failed statement PostgreSQL refuses everything until the work is rolled back.

Views run over a SqlSession: `_defer` queues a statement whose result nobody needs and returns
at once; `_rows` and `_execute` send theirs with everything queued before it, in one round trip.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import pq

from shardline.errors import StorageError
from shardline.storage.postgres.prepared import Prepared, literal

Rows = list[tuple[Any, ...]]
Cursor = psycopg.Cursor[tuple[Any, ...]]

MAX_CACHED_STATEMENTS = 512
_PIECES: dict[str, list[str] | None] = {}  # a statement's text split at its placeholders


class SqlSession:
    """The statements of one transaction: the writer's group, or one read work.

    Batched (the normal mode), statements whose answer nobody needs now are bound on the client and queued as
    text; the next statement that waits takes them along in one simple-protocol message, so a round trip
    costs one message and one wake-up of the server however many statements it carries. PostgreSQL runs them
    in order and stops at the first failure, which is reported by that round trip. Unbatched (careful
    mode), every statement runs at once and its failure is its own."""

    def __init__(self, connection: psycopg.Connection[tuple[Any, ...]], *, batched: bool) -> None:
        self.cursor: Cursor = connection.cursor()
        self._client = psycopg.ClientCursor(connection)
        self.batched = batched
        self._queued: list[str] = []
        self._sent_rows: Rows | None = None  # unbatched: the rows of the last statement sent
        self._before_last: Rows = []
        self._results = 0
        self.round_trips = 0

    def send(self, statement: str, parameters: tuple[object, ...] | list[object] | None = None) -> None:
        """Queues a statement (runs it at once when not batched); a failure shows at the next round trip."""
        if self.batched:
            self._queued.append(self._bind(statement, parameters))
            return
        self.cursor.execute(statement, parameters)
        self._sent_rows = _fetched(self.cursor)

    def send_prepared(self, statement: Prepared, parameters: tuple[object, ...]) -> None:
        if self.batched:
            self._queued.append(self._execution(statement, parameters))
        else:
            self.send(statement.text, parameters)

    def rows_prepared(self, statement: Prepared, parameters: tuple[object, ...]) -> Rows:
        if self.batched:
            rows, _ = self._round_trip(self._execution(statement, parameters))
            return rows
        return self.rows(statement.text, parameters)

    def _bind(self, statement: str, parameters: tuple[object, ...] | list[object] | None) -> str:
        """The statement with its parameters written in as literals."""
        if not parameters:
            return statement
        if statement in _PIECES:
            pieces = _PIECES[statement]
        else:
            # only plain %s placeholders are written here (no %% or named ones)
            pieces = None if "%" in statement.replace("%s", "") else statement.split("%s")
            if len(_PIECES) < MAX_CACHED_STATEMENTS:
                _PIECES[statement] = pieces
        if pieces is None or len(pieces) != len(parameters) + 1:
            return self._client.mogrify(statement, parameters)
        written = [pieces[0]]
        for value, piece in zip(parameters, pieces[1:], strict=True):
            text = literal(value)
            if text is None:
                return self._client.mogrify(statement, parameters)
            written.append(text)
            written.append(piece)
        return "".join(written)

    def _execution(self, statement: Prepared, parameters: tuple[object, ...]) -> str:
        arguments = []
        for value in parameters:
            written = literal(value)
            arguments.append(written if written is not None else self._client.mogrify("%s", (value,)))
        return f"EXECUTE {statement.name}({', '.join(arguments)})"

    def wait(self) -> None:
        """Runs everything queued (a no-op when not batched)."""
        if self._queued:
            self._round_trip(None)

    def rows(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> Rows:
        rows, _ = self._run(statement, parameters)
        return rows

    def execute(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> int:
        _, count = self._run(statement, parameters)
        return count

    def _run(self, statement: str, parameters: tuple[object, ...] | list[object]) -> tuple[Rows, int]:
        if self.batched:
            return self._round_trip(self._bind(statement, parameters))
        cursor = self.cursor
        cursor.execute(statement, parameters)
        self._before_last, self._sent_rows = self._sent_rows or [], None
        rows = _fetched(cursor)
        return rows, max(cursor.rowcount, 0)

    def _round_trip(self, last: str | None) -> tuple[Rows, int]:
        texts = self._queued
        if last is not None:
            texts.append(last)
        self._queued = []
        cursor = self._client
        self.round_trips += 1
        cursor.execute("; ".join(texts))
        # One result per statement; only the last one's rows are read (psycopg describes a result each time
        # it is visited, which costs more than the statements' own work here).
        self._results = len(texts)
        rows = _fetched(cursor.set_result(-1))
        return rows, max(cursor.rowcount, 0)

    def rows_before_last(self) -> Rows:
        """The rows of the statement sent just before the last one that waited (a lock attempt sent with a
        read); [] if there was none."""
        if not self.batched:
            return self._before_last
        if self._results < 2:
            return []
        return _fetched(self._client.set_result(-2))


def _fetched(cursor: Cursor) -> Rows:
    result = cursor.pgresult
    return cursor.fetchall() if result is not None and result.status == pq.ExecStatus.TUPLES_OK else []


class SqlAccess:
    """Statements of a view: over a plain cursor (readers) or the writer's session."""

    def __init__(self, cursor: Cursor, session: SqlSession | None = None) -> None:
        self._cursor = cursor
        self._session = session
        self._open = True
        self.failure: psycopg.Error | None = None

    def close(self) -> None:
        self._open = False

    def _sql(self) -> Cursor:
        if not self._open:
            raise StorageError("storage view used after its work finished")
        return self._cursor

    def _failed(self, error: psycopg.Error) -> StorageError:
        if self.failure is None:
            self.failure = error
        return StorageError(f"postgres: {error}")

    def _rows(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> Rows:
        cursor = self._sql()
        try:
            if self._session is not None:
                return self._session.rows(statement, parameters)
            cursor.execute(statement, parameters)
            return cursor.fetchall() if cursor.description is not None else []
        except psycopg.Error as error:
            raise self._failed(error) from error

    def _execute(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> int:
        """Runs a statement that returns no rows; the number of rows it changed."""
        cursor = self._sql()
        try:
            if self._session is not None:
                return self._session.execute(statement, parameters)
            cursor.execute(statement, parameters)
        except psycopg.Error as error:
            raise self._failed(error) from error
        return max(cursor.rowcount, 0)

    def _rows_prepared(self, statement: Prepared, parameters: tuple[object, ...]) -> Rows:
        """Writer views only: a hot statement, prepared on the writer's connection."""
        self._sql()
        if self._session is None:
            return self._rows(statement.text, parameters)
        try:
            return self._session.rows_prepared(statement, parameters)
        except psycopg.Error as error:
            raise self._failed(error) from error

    def _defer_prepared(self, statement: Prepared, parameters: tuple[object, ...]) -> None:
        self._sql()
        if self._session is None:
            self._defer(statement.text, parameters)
            return
        try:
            self._session.send_prepared(statement, parameters)
        except psycopg.Error as error:
            raise self._failed(error) from error

    def _defer(self, statement: str, parameters: tuple[object, ...] | list[object] | None = None) -> None:
        """Runs a statement whose result is not needed now: batched, it travels with the next
        round trip, and a failure is reported by whichever statement waits next (or at commit)."""
        self._sql()
        try:
            if self._session is not None:
                self._session.send(statement, parameters)
            else:
                self._cursor.execute(statement, parameters)
        except psycopg.Error as error:
            raise self._failed(error) from error
