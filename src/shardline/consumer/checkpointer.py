"""The Checkpointer handed to a RecordProcessor: stores how far the shard has been processed in its lease, with a
conditional write that fails (LeaseLostError) once another worker owns the shard."""

from __future__ import annotations

import logging

from shardline.consumer.errors import InvalidCheckpointError, LeaseLostError, ShutdownCheckpointError
from shardline.consumer.leases import LATEST, SHARD_END, TRIM_HORIZON, HeldLease, LeaseTable

log = logging.getLogger("shardline.consumer")


def _sequence_value(sequence_number: str) -> int:
    if not isinstance(sequence_number, str) or not sequence_number.isdigit():
        raise InvalidCheckpointError(f"not a sequence number: {sequence_number!r}")
    return int(sequence_number)


class Checkpointer:
    """`checkpoint()` stores the position after the last record handed over (SHARD_END inside shard_ended);
    `checkpoint(sequence_number)` stores a given one, which must lie between the stored checkpoint and the last
    record handed over."""

    def __init__(self, table: LeaseTable, held: HeldLease) -> None:
        self._table = table
        self._held = held
        self._largest_permitted: str | None = None
        # The last record of the last batch process_records returned from: where a failed batch falls back to.
        self._last_accepted: str | None = None
        self._at_shard_end = False
        self._closed = False

    @property
    def shard_id(self) -> str:
        return self._held.shard_id

    @property
    def last_checkpoint(self) -> str:
        """What the lease holds now: a sequence number, TRIM_HORIZON, LATEST or SHARD_END."""
        return self._held.lease.checkpoint

    def checkpoint(self, sequence_number: str | None = None) -> None:
        if self._closed:
            raise ShutdownCheckpointError(f"the consumer of shard {self.shard_id} has finished")
        if self._held.lost.is_set():
            raise LeaseLostError(f"lease of shard {self.shard_id} was lost; checkpoint not stored")
        if sequence_number is None:
            value = SHARD_END if self._at_shard_end else self._largest_permitted
            if value is None or self._already_covered(value):
                return  # nothing handed over yet, or a checkpoint(seq) inside a failed batch went further
        else:
            value = self._validated(sequence_number)
        with self._held.lock:
            stored = self._table.checkpoint(self._held.lease, value)
            if stored is None:
                self._held.lost.set()
                raise LeaseLostError(f"lease of shard {self.shard_id} was lost; checkpoint not stored")
            self._held.lease = stored
        log.debug("shard %s checkpointed at %s", self.shard_id, value)

    def _already_covered(self, value: str) -> bool:
        current = self._held.lease.checkpoint
        if value == SHARD_END or current in (TRIM_HORIZON, LATEST, SHARD_END):
            return False
        return int(value) < int(current)

    def _validated(self, sequence_number: str) -> str:
        value = _sequence_value(sequence_number)
        if self._largest_permitted is None or value > int(self._largest_permitted):
            raise InvalidCheckpointError(
                f"sequence number {sequence_number} is beyond the last record handed over "
                f"({self._largest_permitted or 'none yet'})"
            )
        current = self._held.lease.checkpoint
        if current not in (TRIM_HORIZON, LATEST, SHARD_END) and value < int(current):
            raise InvalidCheckpointError(
                f"sequence number {sequence_number} is before the stored checkpoint {current}"
            )
        return sequence_number

    # --- driven by the shard consumer ---------------------------------------------------------------------

    def handed_over(self, sequence_number: str) -> None:
        self._largest_permitted = sequence_number

    def accepted(self) -> None:
        """process_records returned: its batch is done as far as a later checkpoint() is concerned."""
        self._last_accepted = self._largest_permitted

    def rejected(self) -> None:
        """process_records raised: its batch comes again, so a checkpoint() before then (say in
        shutdown_requested) must not store a position past it, or the batch would be skipped for good."""
        self._largest_permitted = self._last_accepted

    def reached_shard_end(self) -> None:
        self._at_shard_end = True

    def close(self) -> None:
        self._closed = True
