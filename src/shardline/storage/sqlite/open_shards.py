"""The writer's memory of each table's open stream shards and their last sequence numbers, so that appending
a stream record costs one INSERT instead of a SELECT (with a max() over the shard's records) and an INSERT.

Only the writer thread uses it. It holds what the write transaction sees: appends advance it, any other
change of stream state forgets it, and the writer forgets it when a work or a group is rolled back.
"""

from __future__ import annotations


class OpenShard:
    """One open shard: the partition hashes it takes and the highest sequence number it has allocated."""

    __slots__ = ("hash_lower", "hash_upper", "last_sequence", "shard_no")

    def __init__(self, shard_no: int, hash_lower: int, hash_upper: int, last_sequence: int) -> None:
        self.shard_no = shard_no
        self.hash_lower = hash_lower
        self.hash_upper = hash_upper
        self.last_sequence = last_sequence


class OpenShardCache:
    def __init__(self) -> None:
        self._by_table: dict[str, list[OpenShard]] = {}

    def get(self, table_id: str) -> list[OpenShard] | None:
        """The table's open shards as last loaded, or None when they must be read from SQL."""
        return self._by_table.get(table_id)

    def remember(self, table_id: str, shards: list[OpenShard]) -> list[OpenShard]:
        self._by_table[table_id] = shards
        return shards

    def forget(self) -> None:
        self._by_table.clear()
