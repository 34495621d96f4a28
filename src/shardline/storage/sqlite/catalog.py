"""The in-memory catalog of tables: committed state shared with readers, plus the writer's pending changes.

The writer thread is the only one that changes tables, so the catalog loaded at open and updated after
each commit stays equal to the `tables` rows; get_table never needs SQL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from shardline.storage.backend import StoredTable


class TableChanges:
    """Table rows created, replaced (new counters or definition) or deleted (None) by uncommitted work."""

    def __init__(self) -> None:
        self.by_name: dict[str, StoredTable | None] = {}

    def set(self, table: StoredTable) -> None:
        self.by_name[table.name] = table

    def remove(self, name: str) -> None:
        self.by_name[name] = None

    def absorb(self, later: TableChanges) -> None:
        self.by_name.update(later.by_name)

    def __bool__(self) -> bool:
        return bool(self.by_name)


class TableCatalog:
    """Committed tables by name and by id. Readers on any thread look tables up; only the writer
    thread applies changes, after their commit."""

    def __init__(self, tables: Iterable[StoredTable] = ()) -> None:
        self._lock = threading.Lock()
        self._by_name: dict[str, StoredTable] = {}
        self._name_by_id: dict[str, str] = {}
        for table in tables:
            self._by_name[table.name] = table
            self._name_by_id[table.table_id] = table.name

    def get(self, name: str) -> StoredTable | None:
        return self._by_name.get(name)

    def get_by_id(self, table_id: str) -> StoredTable | None:
        name = self._name_by_id.get(table_id)
        return None if name is None else self._by_name.get(name)

    def names(self) -> list[str]:
        with self._lock:
            return list(self._by_name)

    def apply(self, changes: TableChanges) -> None:
        # Readers look tables up without the lock, so a replaced table is overwritten in one step and
        # never briefly missing.
        with self._lock:
            for name, table in changes.by_name.items():
                previous = self._by_name.get(name)
                if previous is not None and (table is None or previous.table_id != table.table_id):
                    self._name_by_id.pop(previous.table_id, None)
                if table is None:
                    self._by_name.pop(name, None)
                else:
                    self._name_by_id[table.table_id] = name
                    self._by_name[name] = table


class PendingCatalog:
    """What one work sees: its own changes over the group's uncommitted changes over the committed catalog."""

    def __init__(self, committed: TableCatalog, layers: list[TableChanges]) -> None:
        self._committed = committed
        self._layers = layers  # oldest first; the last one belongs to the running work

    @property
    def changes(self) -> TableChanges:
        return self._layers[-1]

    def get(self, name: str) -> StoredTable | None:
        for layer in reversed(self._layers):
            if name in layer.by_name:
                return layer.by_name[name]
        return self._committed.get(name)

    def get_by_id(self, table_id: str) -> StoredTable | None:
        for layer in reversed(self._layers):
            for name, table in layer.by_name.items():
                if table is not None and table.table_id == table_id:
                    # a later layer may have dropped or replaced it under the same name
                    current = self.get(name)
                    return current if current is not None and current.table_id == table_id else None
        table = self._committed.get_by_id(table_id)
        if table is None:
            return None
        current = self.get(table.name)
        return current if current is not None and current.table_id == table_id else None

    def names(self) -> list[str]:
        names = set(self._committed.names())
        for layer in self._layers:
            for name, table in layer.by_name.items():
                if table is None:
                    names.discard(name)
                else:
                    names.add(name)
        return list(names)
