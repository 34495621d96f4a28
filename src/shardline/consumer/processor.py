"""The user's side of the contract: a RecordProcessor per shard lease, called from that shard's own thread."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from shardline.consumer.checkpointer import Checkpointer


class RecordProcessor(ABC):
    """Subclass and override. One instance serves one shard for as long as this worker holds its lease, and its
    methods are always called from one thread, in this order: initialize, process_records (any number of
    times), then exactly one of shard_ended, lease_lost or shutdown_requested."""

    def initialize(self, shard_id: str, starting_sequence_number: str) -> None:  # noqa: B027 (optional hook)
        """Called before the first records; `starting_sequence_number` is the stored checkpoint (a sequence
        number, or TRIM_HORIZON / LATEST for a shard never checkpointed)."""

    @abstractmethod
    def process_records(self, records: list[dict[str, Any]], checkpointer: Checkpointer) -> None:
        """Records in shard order, as GetRecords returns them. An exception is logged and the same batch is
        handed over again after a pause (records are never skipped)."""

    def shard_ended(self, checkpointer: Checkpointer) -> None:
        """The shard was read to its end. Call checkpointer.checkpoint() here: its child shards are processed
        only once this shard's checkpoint is SHARD_END."""
        checkpointer.checkpoint()

    def lease_lost(self) -> None:  # noqa: B027 (optional hook)
        """Another worker owns the shard now; checkpointing is no longer possible."""

    def shutdown_requested(self, checkpointer: Checkpointer) -> None:
        """The worker is stopping gracefully; the lease is handed over right after. The default checkpoints
        every batch process_records returned from (never one it raised on); override it to flush first, or to
        checkpoint less."""
        checkpointer.checkpoint()
