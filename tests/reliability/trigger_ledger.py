"""The crash campaign's trigger handler and the reader of what it wrote: every record a handler finishes becomes
one JSON line (eventID, SequenceNumber, item key, server process) appended and fsynced before it returns, so the
file is a durable lower bound of the work done when a checkpoint is read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

LEDGER_ENV = "SHARDLINE_TRIGGER_LEDGER"
HANDLER = "tests.reliability.trigger_ledger:record_finished"
# The worker's parent is the server that started it, read once at start: a worker orphaned by a SIGKILL
# finishes its batch under its original server's id rather than under init's.
_SERVER_PID = os.getppid()


def record_finished(event: Mapping[str, Any], context: Any) -> None:
    """Lambda handler: appends the batch's records and makes them durable before reporting success."""
    lines = b"".join(
        orjson.dumps({
            "id": record["eventID"],
            "seq": record["dynamodb"]["SequenceNumber"],
            "pk": record["dynamodb"]["Keys"]["pk"]["S"],
            "source": record["eventSourceARN"],
            "server": _SERVER_PID,
        }) + b"\n"
        for record in event["Records"]
    )
    # One write on an O_APPEND descriptor: lines of concurrent workers (one per shard) never interleave.
    descriptor = os.open(os.environ[LEDGER_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, lines)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass(frozen=True)
class Handled:
    event_id: str
    sequence: int
    key: str
    server_pid: int


def read_ledger(path: Path) -> list[Handled]:
    """The handled records in the order they were written. Only a last line may be unfinished (a worker
    still writing while we read); it is left out."""
    if not path.exists():
        return []
    *complete, _unfinished = path.read_bytes().split(b"\n")
    handled: list[Handled] = []
    for line in complete:
        entry = orjson.loads(line)
        handled.append(Handled(entry["id"], int(entry["seq"]), entry["pk"], int(entry["server"])))
    return handled
