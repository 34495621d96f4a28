"""The SQL dialect seam: what differs between the SQLite and PostgreSQL text of a statement the views share,
and the two methods by which a view runs one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

Rows = list[tuple[Any, ...]]
Parameters = tuple[object, ...] | list[object]


@dataclass(frozen=True)
class SqlDialect:
    """How one engine spells the shared statements.

    `last_sequence` and `sequence_high` are expressions because the adapters keep these numbers differently:
    SQLite derives a shard's last sequence number from its newest record (its counter is not updated on every
    append), PostgreSQL stores it; the high-water mark of deleted shards is a blob cast in SQLite, a column in
    PostgreSQL."""

    placeholder: str  # "?" or "%s"
    greatest: str  # the many-argument maximum: "max" or "greatest"
    last_sequence: str  # a shard's last sequence number, over `stream_shards s`
    sequence_high: str  # a scalar subquery: the high-water mark kept in stream_meta
    iterator_key_column: str  # the stream_meta column holding the iterator signing key
    replaces_on_upsert: bool  # True: `INSERT OR REPLACE` (SQLite); False: `ON CONFLICT ... DO UPDATE`

    def marks(self, count: int) -> str:
        return ", ".join([self.placeholder] * count)

    def upsert(self, table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
        """An insert that overwrites the row with the same `key` columns."""
        names = ", ".join(columns)
        if self.replaces_on_upsert:
            return f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({self.marks(len(columns))})"
        updates = ", ".join(f"{column} = excluded.{column}" for column in columns if column not in key)
        return (
            f"INSERT INTO {table} ({names}) VALUES ({self.marks(len(columns))})"
            f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
        )


class RunsStatements:
    """The statement runner a view supplies to the shared core; an engine's error becomes StorageError.
    (Declared only for type checking: the adapter's runner class provides them.)"""

    if TYPE_CHECKING:

        def _rows(self, statement: str, parameters: Parameters = ()) -> Rows: ...

        def _execute(self, statement: str, parameters: Parameters = ()) -> int: ...
