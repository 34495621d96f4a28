"""DeleteTable of a large table for the PostgreSQL adapter: detach the table at once, purge its rows in
batches, each one a primary-key range delete (up to the batch's last key) that costs O(batch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shardline.errors import StorageError
from shardline.storage.backend import StoredTable
from shardline.storage.postgres.sql_access import Rows

if TYPE_CHECKING:
    from shardline.storage.postgres.pending import Pending

# Each table with rows keyed by table_id, and the rest of its primary key (the purge order).
_PURGED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("items", ("partition_hash", "pk", "sk")),
    ("index_entries", ("index_name", "partition_hash", "pk", "sk", "base_pk", "base_sk")),
)


class PurgeWriteMixin:
    if TYPE_CHECKING:
        _pending: Pending

        def _rows(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> Rows: ...

        def _execute(self, statement: str, parameters: tuple[object, ...] | list[object] = ()) -> int: ...

        def _table_by_name(self, name: str) -> StoredTable: ...

    def detach_table(self, name: str) -> None:
        table = self._table_by_name(name)
        for statement in (
            "DELETE FROM index_counters WHERE table_id = %s",
            "DELETE FROM table_counters WHERE table_id = %s",
            "DELETE FROM tables WHERE table_id = %s",
        ):
            self._execute(statement, (table.table_id,))
        self._pending.work.tables.pop(name, None)
        self._pending.work.dropped.add(name)
        self._pending.work.reset_table(table.table_id)

    def purge_detached_rows(self, table_id: str, limit: int) -> int:
        if self._rows("SELECT 1 FROM tables WHERE table_id = %s", (table_id,)):
            raise StorageError(f"table {table_id!r} is not detached")
        removed = 0
        for source, columns in _PURGED:
            if removed >= limit:
                break
            removed += self._purge_from(source, columns, table_id, limit - removed)
        return removed

    def _purge_from(self, source: str, columns: tuple[str, ...], table_id: str, limit: int) -> int:
        listed = ", ".join(columns)
        last = self._rows(
            f"SELECT {listed} FROM {source} WHERE table_id = %s ORDER BY {listed} LIMIT 1 OFFSET %s",
            (table_id, limit - 1),
        )
        if not last:  # fewer than `limit` rows are left: all of them go
            return self._execute(f"DELETE FROM {source} WHERE table_id = %s", (table_id,))
        marks = ", ".join("%s" for _ in columns)
        return self._execute(
            f"DELETE FROM {source} WHERE table_id = %s AND ({listed}) <= ({marks})", (table_id, *last[0])
        )

    def detached_table_ids(self) -> list[str]:
        found: list[str] = []
        for source, _ in _PURGED:
            # A loose index scan: one primary-key seek per distinct table id, never a read of the rows.
            after = ""
            while rows := self._rows(
                f"SELECT table_id FROM {source} WHERE table_id > %s ORDER BY table_id LIMIT 1", (after,)
            ):
                after = str(rows[0][0])
                if not self._rows("SELECT 1 FROM tables WHERE table_id = %s", (after,)) and after not in found:
                    found.append(after)
        return found
