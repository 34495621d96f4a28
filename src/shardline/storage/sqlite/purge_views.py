"""DeleteTable of a large table for the SQLite adapter: detach the table at once, purge its rows in batches.

Each batch deletes a key range of the primary key (up to the batch's last key), so it costs O(batch) however
large the table was, and the writer is never held for longer than one batch.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from shardline.errors import StorageError
from shardline.storage.backend import StoredTable

if TYPE_CHECKING:
    from shardline.storage.sqlite.catalog import PendingCatalog

# Each table with rows keyed by table_id, and the rest of its primary key (the purge order).
_PURGED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("items", ("partition_hash", "pk", "sk")),
    ("index_entries", ("index_name", "partition_hash", "pk", "sk", "base_pk", "base_sk")),
)


class PurgeWriteMixin:
    if TYPE_CHECKING:
        _pending: PendingCatalog

        def _sql(self) -> sqlite3.Connection: ...

        def _table_by_name(self, name: str) -> StoredTable: ...

    def detach_table(self, name: str) -> None:
        table = self._table_by_name(name)
        connection = self._sql()
        try:
            connection.execute("DELETE FROM index_counters WHERE table_id = ?", (table.table_id,))
            connection.execute("DELETE FROM tables WHERE name = ?", (name,))
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error
        self._pending.changes.remove(name)

    def purge_detached_rows(self, table_id: str, limit: int) -> int:
        connection = self._sql()
        try:
            if connection.execute("SELECT 1 FROM tables WHERE table_id = ?", (table_id,)).fetchall():
                raise StorageError(f"table {table_id!r} is not detached")
            removed = 0
            for source, columns in _PURGED:
                if removed >= limit:
                    break
                removed += _purge_from(connection, source, columns, table_id, limit - removed)
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error
        return removed

    def detached_table_ids(self) -> list[str]:
        connection = self._sql()
        found: list[str] = []
        try:
            for source, _ in _PURGED:
                # A loose index scan: one primary-key seek per distinct table id, never a read of the rows.
                after = ""
                while rows := connection.execute(
                    f"SELECT table_id FROM {source} WHERE table_id > ? ORDER BY table_id LIMIT 1", (after,)
                ).fetchall():
                    after = str(rows[0][0])
                    attached = connection.execute("SELECT 1 FROM tables WHERE table_id = ?", (after,)).fetchall()
                    if not attached and after not in found:
                        found.append(after)
        except sqlite3.Error as error:
            raise StorageError(f"sqlite: {error}") from error
        return found


def _purge_from(
    connection: sqlite3.Connection, source: str, columns: tuple[str, ...], table_id: str, limit: int
) -> int:
    listed = ", ".join(columns)
    last = connection.execute(
        f"SELECT {listed} FROM {source} WHERE table_id = ? ORDER BY {listed} LIMIT 1 OFFSET ?", (table_id, limit - 1)
    ).fetchall()
    if not last:  # fewer than `limit` rows are left: all of them go
        return connection.execute(f"DELETE FROM {source} WHERE table_id = ?", (table_id,)).rowcount
    marks = ", ".join("?" for _ in columns)
    return connection.execute(
        f"DELETE FROM {source} WHERE table_id = ? AND ({listed}) <= ({marks})", (table_id, *last[0])
    ).rowcount
