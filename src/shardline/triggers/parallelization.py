"""ParallelizationFactor: a shard's records are spread over N lanes by partition key (so each key stays in
order), and the shard's checkpoint only moves past records that are done in every lane."""

from __future__ import annotations

import zlib
from collections import deque


def lane_of(partition_key: str, lanes: int) -> int:
    if lanes <= 1:
        return 0
    return zlib.crc32(partition_key.encode()) % lanes


class CompletionTracker:
    """Records enter in shard order and finish in any order; `done_through` is the highest sequence number
    such that it and every record before it are done (the safe checkpoint)."""

    def __init__(self) -> None:
        self._order: deque[int] = deque()
        self._created: dict[int, float] = {}
        self._done: set[int] = set()
        self._through: int | None = None

    def add(self, sequence: int, created_at: float = 0.0) -> None:
        self._order.append(sequence)
        self._created[sequence] = created_at

    def finish(self, sequence: int) -> None:
        self._done.add(sequence)
        while self._order and self._order[0] in self._done:
            head = self._order.popleft()
            self._done.discard(head)
            self._created.pop(head, None)
            self._through = head

    @property
    def done_through(self) -> int | None:
        return self._through

    @property
    def outstanding(self) -> int:
        return len(self._order)

    @property
    def oldest_created_at(self) -> float | None:
        """Creation time of the oldest record not yet done (what the iterator age is measured by)."""
        return self._created.get(self._order[0]) if self._order else None
