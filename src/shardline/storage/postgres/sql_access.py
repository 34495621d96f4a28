"""Statement execution shared by the PostgreSQL views: psycopg errors become StorageError, and are
remembered, because after a failed statement PostgreSQL refuses everything until the work is rolled back."""

from __future__ import annotations

from typing import Any

import psycopg

from shardline.errors import StorageError

Rows = list[tuple[Any, ...]]


class SqlAccess:
    def __init__(self, cursor: psycopg.Cursor[tuple[Any, ...]]) -> None:
        self._cursor = cursor
        self._open = True
        self.failure: psycopg.Error | None = None

    def close(self) -> None:
        self._open = False

    def _sql(self) -> psycopg.Cursor[tuple[Any, ...]]:
        if not self._open:
            raise StorageError("storage view used after its work finished")
        return self._cursor

    def _rows(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> Rows:
        cursor = self._sql()
        try:
            cursor.execute(statement, parameters)
            return cursor.fetchall() if cursor.description is not None else []
        except psycopg.Error as error:
            self.failure = error
            raise StorageError(f"postgres: {error}") from error

    def _execute(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> int:
        """Runs a statement that returns no rows; the number of rows it changed."""
        cursor = self._sql()
        try:
            cursor.execute(statement, parameters)
        except psycopg.Error as error:
            self.failure = error
            raise StorageError(f"postgres: {error}") from error
        return max(cursor.rowcount, 0)
