"""One shard's life in this worker, on its own thread:

    WAITING_ON_PARENTS ──► INITIALIZING ──► PROCESSING ──► SHARD_ENDED   (checkpoint SHARD_END, release the lease)
            │                                  │    └────► LEASE_LOST    (another worker owns it: lease_lost())
            └──────────────────────────────────┴─────────► SHUTDOWN      (stop(): shutdown_requested(), release)
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shardline.consumer.checkpointer import Checkpointer
from shardline.consumer.config import ConsumerConfig
from shardline.consumer.deserialize import deserialize_record
from shardline.consumer.errors import LeaseLostError
from shardline.consumer.leases import SHARD_END, HeldLease, LeaseTable
from shardline.consumer.processor import RecordProcessor
from shardline.consumer.retrieval import ShardReader, TrimmedData

log = logging.getLogger("shardline.consumer")


class ShardState(enum.Enum):
    WAITING_ON_PARENTS = "waiting on parents"
    INITIALIZING = "initializing"
    PROCESSING = "processing"
    SHARD_ENDED = "shard ended"
    LEASE_LOST = "lease lost"
    SHUTDOWN = "shutdown"


@dataclass(frozen=True)
class ConsumerContext:
    """What every shard consumer of one worker shares."""

    table: LeaseTable
    streams: Any
    stream_arn: str
    config: ConsumerConfig
    processor_factory: Callable[[], RecordProcessor]
    on_trimmed: Callable[[TrimmedData], None]


class ShardConsumer:
    def __init__(self, held: HeldLease, context: ConsumerContext) -> None:
        self.held = held
        self._context = context
        self.state = ShardState.WAITING_ON_PARENTS
        self._shutdown = threading.Event()
        self._wake = threading.Event()  # set by shutdown and by lease loss, to cut every pause short
        self._thread = threading.Thread(target=self._run, name=f"shard-{held.shard_id}", daemon=True)

    @property
    def shard_id(self) -> str:
        return self.held.shard_id

    def start(self) -> None:
        self._thread.start()

    def request_shutdown(self) -> None:
        self._shutdown.set()
        self._wake.set()

    def notify_lease_lost(self) -> None:
        self.held.lost.set()
        self._wake.set()

    def join(self, timeout: float | None) -> None:
        self._thread.join(timeout)

    @property
    def finished(self) -> bool:
        return not self._thread.is_alive() and self.state in (
            ShardState.SHARD_ENDED, ShardState.LEASE_LOST, ShardState.SHUTDOWN,
        )

    def _wait(self, seconds: float) -> bool:
        """Pauses; True when the consumer must leave its current state (shutdown or lease lost)."""
        self._wake.wait(seconds)
        return self._shutdown.is_set() or self.held.lost.is_set()

    # --- the state machine ---------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            if not self._wait_for_parents():
                self._leave_without_processor()
                return
            self.state = ShardState.INITIALIZING
            processor = self._context.processor_factory()
            checkpointer = Checkpointer(self._context.table, self.held)
            try:
                self._process(processor, checkpointer)
            finally:
                checkpointer.close()
        except Exception:
            # A bug in this library or an error AWS will not let go of: drop the lease so that another worker (or
            # this one, next round) starts the shard afresh from its checkpoint.
            log.exception("shard %s: consumer failed; releasing its lease", self.shard_id)
            self._release()
            self.state = ShardState.LEASE_LOST

    def _wait_for_parents(self) -> bool:
        """Blocks until every parent shard is checkpointed at SHARD_END (or has no lease: finished and cleaned
        up, or never read because the application started at LATEST)."""
        table = self._context.table
        pending = list(self.held.lease.parent_shard_ids)
        while pending:
            try:
                parent = table.get_lease(pending[0])
            except (BotoCoreError, ClientError) as error:
                log.warning("shard %s: cannot read its parent's lease (%s); retrying", self.shard_id, error)
                if self._wait(self._context.config.backoff_seconds):
                    return False
                continue
            if parent is None or parent.ended:
                pending.pop(0)
                continue
            if self._wait(self._context.config.poll_seconds):
                return False
        return not (self._shutdown.is_set() or self.held.lost.is_set())

    def _process(self, processor: RecordProcessor, checkpointer: Checkpointer) -> None:
        config = self._context.config
        start = self.held.lease.checkpoint
        processor.initialize(self.shard_id, start)
        if start == SHARD_END:
            self._end_shard(processor, checkpointer)
            return
        reader = ShardReader(
            self._context.streams, self._context.stream_arn, self.shard_id, start, config, self._wait,
            self._context.on_trimmed,
        )
        self.state = ShardState.PROCESSING
        while True:
            if self._leaving(processor, checkpointer):
                return
            batch = reader.read()
            if batch is None:
                continue  # told to stop while waiting: _leaving decides how
            if batch.records and not self._deliver(processor, checkpointer, batch.records):
                continue
            if batch.shard_ended:
                self._end_shard(processor, checkpointer)
                return
            if not batch.records:
                self._wait(config.poll_seconds)

    def _deliver(self, processor: RecordProcessor, checkpointer: Checkpointer, records: list[dict[str, Any]]) -> bool:
        """Hands one batch over until the processor accepts it; False if the consumer must leave first."""
        if self._context.config.deserialize_images:
            records = [deserialize_record(record) for record in records]
        pause = self._context.config.backoff_seconds
        while True:
            checkpointer.handed_over(records[-1]["dynamodb"]["SequenceNumber"])
            try:
                processor.process_records(records, checkpointer)
                checkpointer.accepted()
                return True
            except LeaseLostError:
                self.held.lost.set()
                return False
            except Exception:
                checkpointer.rejected()
                log.exception("shard %s: process_records failed; the batch is handed over again", self.shard_id)
            if self._wait(pause):
                return False
            pause = min(pause * 2, self._context.config.max_backoff_seconds)

    def _leaving(self, processor: RecordProcessor, checkpointer: Checkpointer) -> bool:
        if self.held.lost.is_set():
            self.state = ShardState.LEASE_LOST
            log.info("shard %s: lease lost", self.shard_id)
            self._call(processor.lease_lost)
            return True
        if self._shutdown.is_set():
            self.state = ShardState.SHUTDOWN
            self._call(lambda: processor.shutdown_requested(checkpointer))
            self._release()
            return True
        return False

    def _end_shard(self, processor: RecordProcessor, checkpointer: Checkpointer) -> None:
        self.state = ShardState.SHARD_ENDED
        checkpointer.reached_shard_end()
        pause = self._context.config.backoff_seconds
        # Children wait for SHARD_END, so a processor that forgets to checkpoint is asked again (KCL fails the
        # shutdown task and retries it the same way).
        while not self.held.lease.ended:
            self._call(lambda: processor.shard_ended(checkpointer))
            if self.held.lease.ended:
                break
            if not self.held.lost.is_set():
                log.error("shard %s: shard_ended() did not checkpoint; the shard's children stay blocked until it "
                          "does", self.shard_id)
            if self._wait(pause) and self._leaving(processor, checkpointer):
                return
            pause = min(pause * 2, self._context.config.max_backoff_seconds)
        self._release()
        log.info("shard %s: read to its end", self.shard_id)

    def _leave_without_processor(self) -> None:
        if self.held.lost.is_set():
            self.state = ShardState.LEASE_LOST
        else:
            self.state = ShardState.SHUTDOWN
            self._release()

    def _release(self) -> None:
        if self.held.lost.is_set():
            return
        with self.held.lock:
            try:
                released = self._context.table.release(self.held.lease)
            except Exception:
                log.exception("shard %s: could not release the lease; it expires after the failover time",
                              self.shard_id)
                return
            if released is not None:
                self.held.lease = released
            self.held.lost.set()  # ours no longer, either way

    def _call(self, callback: Callable[[], None]) -> None:
        try:
            callback()
        except LeaseLostError:
            pass
        except Exception:
            log.exception("shard %s: processor callback failed", self.shard_id)
