"""Stream appends without a round trip each: a transaction locks the open shards of a table once, in shard
order, and then numbers its records itself; the records and the shards' new counters are written in batches.

Locking every open shard of the table (not only the one an append needs) at once, in shard_no order, means two
processes never wait for each other's shards in a cycle. While the rows are locked nobody else can move their
counters, so numbers allocated from memory stay strictly increasing per shard and commit in that order.
State is layered like pending.py's counters: a work's appends join the group's only when the work succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shardline.errors import StorageError

RecordRow = tuple[int, int, float, int, bytes]  # shard_no, sequence, created_at, size, body

INSERT_RECORDS = "INSERT INTO stream_records (shard_no, sequence, created_at, size, body) VALUES "
RECORD_VALUES = "(%s, %s, %s, %s, %s)"
UPDATE_COUNTERS = (
    "UPDATE stream_shards SET last_sequence = moved.last FROM (VALUES {rows}) AS moved(no, last)"
    " WHERE stream_shards.shard_no = moved.no"
)
COUNTER_VALUES = "(%s::bigint, %s::bigint)"
ROWS_PER_STATEMENT = 1000
SELECT_OPEN_SHARDS = (
    "SELECT shard_no, hash_lower, hash_upper, last_sequence FROM stream_shards"
    " WHERE table_id = %s AND ending_sequence IS NULL ORDER BY shard_no FOR UPDATE"
)


@dataclass
class OpenShard:
    shard_no: int
    lower: int
    upper: int
    last: int  # counting this transaction's appends, flushed or not

    def covers(self, hashed: int) -> bool:
        return self.lower <= hashed <= self.upper


@dataclass
class AppendLayer:
    """Open shards this layer has locked (or changed) by table, and appends not yet written."""

    shards: dict[str, list[OpenShard]] = field(default_factory=dict)
    records: list[RecordRow] = field(default_factory=list)
    moved: set[int] = field(default_factory=set)  # shard_nos whose counter is ahead of the database
    # set when this layer wrote out the layers below it: once it succeeds, theirs is in the database
    flushed_below: bool = False

    @property
    def pending(self) -> bool:
        return bool(self.records or self.moved)

    def absorb(self, later: AppendLayer) -> None:
        if later.flushed_below:
            self.records.clear()
            self.moved.clear()
            self.shards.clear()
        self.shards.update(later.shards)
        self.records.extend(later.records)
        self.moved |= later.moved


class Appends:
    """A running work's view of the appends: its own layer over its group's."""

    def __init__(self, group: AppendLayer, work: AppendLayer) -> None:
        self.group = group
        self.work = work

    def locked(self, table_id: str) -> list[OpenShard] | None:
        if table_id in self.work.shards:
            return self.work.shards[table_id]
        if self.work.flushed_below:
            return None  # re-read: what the group knew was written out and may have changed since
        return self.group.shards.get(table_id)

    def lock(self, table_id: str, shards: list[OpenShard]) -> None:
        self.work.shards[table_id] = shards

    def allocate(self, table_id: str, hashed: int, created_at: float, size: int, body: bytes) -> OpenShard | None:
        """Numbers a record in the covering shard (None if no locked shard covers the hash)."""
        shards = self.locked(table_id)
        if shards is None:
            return None
        covering = [shard for shard in shards if shard.covers(hashed)]
        if not covering:
            return None
        if len(covering) > 1:
            raise StorageError(f"open shards of table {table_id} overlap at hash {hashed}")
        if table_id not in self.work.shards:  # copy on write: a failed work leaves the group's numbers alone
            self.work.shards[table_id] = [OpenShard(s.shard_no, s.lower, s.upper, s.last) for s in shards]
            covering = [shard for shard in self.work.shards[table_id] if shard.covers(hashed)]
        shard = covering[0]
        shard.last += 1
        self.work.records.append((shard.shard_no, shard.last, created_at, size, body))
        self.work.moved.add(shard.shard_no)
        return shard

    def take_pending(self) -> tuple[list[RecordRow], list[tuple[int, int]]]:
        """Everything not yet written, of the group and the work, for a write-out inside the work; the work
        forgets the shards it knew, so that later appends read them again."""
        layers = [self.work] if self.work.flushed_below else [self.group, self.work]
        records = [row for layer in layers for row in layer.records]
        moved: dict[int, int] = {}
        for layer in layers:
            for shards in layer.shards.values():
                for shard in shards:
                    if shard.shard_no in layer.moved:
                        moved[shard.shard_no] = shard.last
        self.work.records = []
        self.work.moved = set()
        self.work.shards = {}
        self.work.flushed_below = True
        return records, sorted(moved.items())


def write_out_statements(
    records: list[RecordRow], moved: list[tuple[int, int]]
) -> list[tuple[str, tuple[object, ...]]]:
    """The statements that write pending records and counters (records first, then counters)."""
    statements: list[tuple[str, tuple[object, ...]]] = []
    for start in range(0, len(records), ROWS_PER_STATEMENT):
        chunk = records[start:start + ROWS_PER_STATEMENT]
        statements.append(
            (INSERT_RECORDS + ", ".join([RECORD_VALUES] * len(chunk)), tuple(value for row in chunk for value in row))
        )
    if moved:
        statement = UPDATE_COUNTERS.format(rows=", ".join([COUNTER_VALUES] * len(moved)))
        statements.append((statement, tuple(value for pair in moved for value in pair)))
    return statements


def group_pending(group: AppendLayer) -> tuple[list[RecordRow], list[tuple[int, int]]]:
    moved = sorted(
        (shard.shard_no, shard.last)
        for shards in group.shards.values()
        for shard in shards
        if shard.shard_no in group.moved
    )
    return list(group.records), moved
