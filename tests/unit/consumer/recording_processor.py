"""A RecordProcessor for tests that run `shardline consume` in other processes: it appends one JSON line per
event to $CONSUMER_LOG_DIR/$CONSUMER_WORKER.jsonl with os.write, so nothing is lost when the process is killed."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from shardline.consumer import Checkpointer, LeaseLostError, RecordProcessor

# Checkpoint after every Nth batch only, so that a killed worker leaves records after its last checkpoint.
CHECKPOINT_EVERY_BATCHES = 2


class RecordingProcessor(RecordProcessor):
    def __init__(self) -> None:
        directory = os.environ["CONSUMER_LOG_DIR"]
        self.worker = os.environ["CONSUMER_WORKER"]
        self._fd = os.open(os.path.join(directory, f"{self.worker}.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        self.shard_id = ""
        self._batches = 0

    def _log(self, event: str, **fields: Any) -> None:
        line = json.dumps({"event": event, "worker": self.worker, "shard": self.shard_id, "time": time.time(),
                           **fields})
        os.write(self._fd, (line + "\n").encode())

    def initialize(self, shard_id: str, starting_sequence_number: str) -> None:
        self.shard_id = shard_id
        self._log("initialize", start=starting_sequence_number)

    def process_records(self, records: list[dict[str, Any]], checkpointer: Checkpointer) -> None:
        for record in records:
            change = record["dynamodb"]
            self._log("record", sequence=change["SequenceNumber"], key=change["Keys"]["pk"]["S"],
                      version=int(change["NewImage"]["version"]["N"]))
        self._batches += 1
        if self._batches % CHECKPOINT_EVERY_BATCHES == 0:
            self._checkpoint(checkpointer, records[-1]["dynamodb"]["SequenceNumber"])

    def _checkpoint(self, checkpointer: Checkpointer, sequence: str) -> None:
        try:
            checkpointer.checkpoint()
        except LeaseLostError:
            self._log("checkpoint_failed", sequence=sequence)
            raise
        self._log("checkpoint", sequence=sequence)

    def shard_ended(self, checkpointer: Checkpointer) -> None:
        checkpointer.checkpoint()
        self._log("shard_end")
        os.close(self._fd)

    def lease_lost(self) -> None:
        self._log("lease_lost")
        os.close(self._fd)

    def shutdown_requested(self, checkpointer: Checkpointer) -> None:
        checkpointer.checkpoint()
        self._log("shutdown", checkpoint=checkpointer.last_checkpoint)
        os.close(self._fd)
