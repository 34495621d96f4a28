"""What a write transaction has done but not yet committed: tables it has locked, and counter changes.

Counters are summed in memory and added to `table_counters`/`index_counters` once per transaction, at
commit, so concurrent writers of one table (in this process or another) never queue on a counter row for
longer than a commit. A work's layer joins its group's layer only when the work succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shardline.storage.backend import StoredTable
from shardline.storage.postgres.stream_appends import AppendLayer, Appends

IndexRef = tuple[str, str]  # (table_id, index_name)
SizeKey = tuple[str, bytes, bytes]  # (table_id, partition key, sort key)


@dataclass
class Layer:
    # tables whose row this transaction holds a lock on (or created), as read: counters are the committed ones
    tables: dict[str, StoredTable] = field(default_factory=dict)
    dropped: set[str] = field(default_factory=set)  # names deleted by this layer
    table_deltas: dict[str, list[int]] = field(default_factory=dict)
    table_resets: set[str] = field(default_factory=set)  # table ids whose counters restarted here
    index_deltas: dict[IndexRef, list[int]] = field(default_factory=dict)
    index_resets: set[IndexRef] = field(default_factory=set)
    # Stored sizes of items read or written under this transaction's key locks (None: no such item). Nobody
    # else can change them before the commit, so a later write of the key needs no answer from the database.
    item_sizes: dict[SizeKey, int | None] = field(default_factory=dict)
    appends: AppendLayer = field(default_factory=AppendLayer)

    def add_table(self, table_id: str, items: int, size_bytes: int) -> None:
        delta = self.table_deltas.setdefault(table_id, [0, 0])
        delta[0] += items
        delta[1] += size_bytes

    def add_index(self, ref: IndexRef, items: int, size_bytes: int) -> None:
        delta = self.index_deltas.setdefault(ref, [0, 0])
        delta[0] += items
        delta[1] += size_bytes

    def reset_table(self, table_id: str) -> None:
        self.table_deltas.pop(table_id, None)
        self.table_resets.add(table_id)
        for ref in [ref for ref in self.index_deltas if ref[0] == table_id]:
            del self.index_deltas[ref]
        for key in [key for key in self.item_sizes if key[0] == table_id]:
            del self.item_sizes[key]

    def reset_index(self, ref: IndexRef) -> None:
        self.index_deltas.pop(ref, None)
        self.index_resets.add(ref)

    def absorb(self, later: Layer) -> None:
        """Takes in the layer of a work that succeeded after this one's works."""
        for name in later.dropped:
            self.tables.pop(name, None)
        self.dropped |= later.dropped
        self.tables.update(later.tables)
        for table_id in later.table_resets:
            self.reset_table(table_id)
        for ref in later.index_resets:
            self.reset_index(ref)
        for table_id, (items, size_bytes) in later.table_deltas.items():
            self.add_table(table_id, items, size_bytes)
        for ref, (items, size_bytes) in later.index_deltas.items():
            self.add_index(ref, items, size_bytes)
        self.item_sizes.update(later.item_sizes)
        self.appends.absorb(later.appends)


class Pending:
    """The view of a running work: its own layer over its group's layer."""

    def __init__(self, group: Layer, work: Layer) -> None:
        self.group = group
        self.work = work
        self.appends = Appends(group.appends, work.appends)

    def known_size(self, key: SizeKey) -> tuple[bool, int | None]:
        """Whether this transaction knows the stored size of the item (read under its key lock), and it."""
        if key in self.work.item_sizes:
            return True, self.work.item_sizes[key]
        if key[0] in self.work.table_resets or key not in self.group.item_sizes:
            return False, None
        return True, self.group.item_sizes[key]

    def locked_table(self, name: str) -> StoredTable | None:
        if name in self.work.tables:
            return self.work.tables[name]
        if name in self.work.dropped:
            return None
        return self.group.tables.get(name)

    def locked_table_by_id(self, table_id: str) -> StoredTable | None:
        for layer in (self.work, self.group):
            for table in layer.tables.values():
                if table.table_id == table_id:
                    current = self.locked_table(table.name)
                    return current if current is not None and current.table_id == table_id else None
        return None

    def with_counts(self, table: StoredTable) -> StoredTable:
        items, size_bytes = self.table_delta(table.table_id)
        if items == 0 and size_bytes == 0:
            return table
        return StoredTable(
            table.name, table.table_id, table.definition, table.item_count + items, table.size_bytes + size_bytes
        )

    def table_delta(self, table_id: str) -> tuple[int, int]:
        items = size_bytes = 0
        layers = [self.work] if table_id in self.work.table_resets else [self.group, self.work]
        for layer in layers:
            delta = layer.table_deltas.get(table_id)
            if delta is not None:
                items += delta[0]
                size_bytes += delta[1]
        return items, size_bytes

    def index_delta(self, ref: IndexRef) -> tuple[int, int]:
        items = size_bytes = 0
        reset = ref in self.work.index_resets or ref[0] in self.work.table_resets
        for layer in [self.work] if reset else [self.group, self.work]:
            delta = layer.index_deltas.get(ref)
            if delta is not None:
                items += delta[0]
                size_bytes += delta[1]
        return items, size_bytes
