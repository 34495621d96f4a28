"""The trigger half of the crash campaign: a triggers file whose handler keeps a durable ledger of the records it
finished (trigger_ledger.py), the persisted checkpoints read after every kill, and the final verification that
no record was skipped, every checkpoint was at or behind finished work, and only kills caused repeats."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.reliability.trigger_ledger import HANDLER, LEDGER_ENV, Handled, read_ledger

DATABASE_FILE = "shardline.db"
FUNCTION = "crash-ledger"
# Small batches: many checkpoints per second, so kills land between a handler's finish and its checkpoint.
BATCH_SIZE = 7
CATCH_UP_SECONDS = 90.0


def write_triggers_file(root: Path, table: str) -> Path:
    path = root / "triggers.yaml"
    path.write_text(
        f"Functions:\n  {FUNCTION}:\n    Handler: {HANDLER}\n    Timeout: 60\n"
        f"EventSourceMappings:\n  - FunctionName: {FUNCTION}\n    TableName: {table}\n"
        f"    StartingPosition: TRIM_HORIZON\n    BatchSize: {BATCH_SIZE}\n",
        encoding="utf-8",
    )
    return path


def ledger_env(ledger: Path) -> dict[str, str]:
    return {LEDGER_ENV: str(ledger)}


@dataclass(frozen=True)
class Snapshot:
    """The checkpoints on disk right after server number `incarnation` died: (stream ARN, shard id) → position."""

    incarnation: int
    positions: dict[tuple[str, str], str]


def read_checkpoints(data_dir: Path) -> dict[tuple[str, str], str]:
    """The persisted trigger checkpoints, read from the SQLite file while no server runs on it."""
    connection = sqlite3.connect(f"file:{data_dir / DATABASE_FILE}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT stream_arn, shard_id, position FROM trigger_checkpoints").fetchall()
    finally:
        connection.close()
    return {(str(arn), str(shard)): str(position) for arn, shard, position in rows}


def wait_for_catch_up(ledger: Path, event_ids: set[str], timeout: float = CATCH_UP_SECONDS) -> bool:
    """Waits until the handler has finished every one of event_ids (False when it has not in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if event_ids <= {entry.event_id for entry in read_ledger(ledger)}:
            return True
        time.sleep(0.2)
    return False


@dataclass
class TriggerReport:
    stream_records: int = 0
    shards: int = 0
    handled: int = 0  # ledger lines: records finished, repeats included
    repeated: int = 0  # handlings beyond the first
    repeated_records: int = 0  # records handled more than once
    repeated_after_lease_loss: int = 0  # repeats by the same server, which had lost and retaken its lease
    checkpoints_checked: int = 0  # persisted (shard, position) pairs checked against the ledger
    positions_checked: int = 0  # of which past TRIM_HORIZON
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"trigger: {self.stream_records} stream records in {self.shards} shards, {self.handled} handlings "
                f"({self.repeated} repeats of {self.repeated_records} records: "
                f"{self.repeated - self.repeated_after_lease_loss} after kills, "
                f"{self.repeated_after_lease_loss} after a lost lease); "
                f"{self.checkpoints_checked} persisted checkpoints ({self.positions_checked} past the trim "
                f"horizon) checked at or behind finished work")


def verify_trigger(
    stream_arn: str, by_shard: dict[str, list[dict[str, Any]]], handled: list[Handled],
    snapshots: list[Snapshot], server_pids: Sequence[int | Collection[int]],
    lease_lapses: frozenset[int] = frozenset(),
) -> TriggerReport:
    """stream_arn's records by shard (GetRecords order) against the ledger and the checkpoint snapshots;
    server_pids[i] is the process id of server number i, or the ids of the processes of generation i when
    several share a database (the last stopped gracefully, not killed); lease_lapses holds the servers that
    logged a lost trigger lease (their workers restarted from the checkpoint, so they may repeat records
    without a kill)."""
    report = TriggerReport(handled=len(handled))
    shard_of: dict[str, str] = {}
    sequence_of: dict[str, int] = {}
    for shard_id, records in by_shard.items():
        for record in records:
            shard_of[record["eventID"]] = shard_id
            sequence_of[record["eventID"]] = int(record["dynamodb"]["SequenceNumber"])
    report.stream_records = len(shard_of)
    report.shards = len(by_shard)
    incarnation_of = {
        pid: index for index, pids in enumerate(server_pids) for pid in ((pids,) if isinstance(pids, int) else pids)
    }
    handlings: dict[str, list[int]] = defaultdict(list)  # eventID → incarnations, in ledger order
    for entry in handled:
        if entry.event_id not in shard_of:
            report.problems.append(f"handled {entry.event_id}, which is not in the stream")
            continue
        if entry.sequence != sequence_of[entry.event_id]:
            report.problems.append(f"{entry.event_id} handled with sequence {entry.sequence}, "
                                   f"stream says {sequence_of[entry.event_id]}")
        if entry.server_pid not in incarnation_of:
            report.problems.append(f"{entry.event_id} handled under an unknown server {entry.server_pid}")
            continue
        handlings[entry.event_id].append(incarnation_of[entry.server_pid])
    for event_id in shard_of:
        if event_id not in handlings:
            report.problems.append(f"{event_id} (shard {shard_of[event_id]}) was never handled: skipped")
    _check_order(handled, shard_of, sequence_of, report)
    _check_repeats(handlings, shard_of, sequence_of, snapshots, stream_arn, lease_lapses, report)
    _check_checkpoints(by_shard, handlings, snapshots, stream_arn, report)
    return report


def _check_order(
    handled: list[Handled], shard_of: dict[str, str], sequence_of: dict[str, int], report: TriggerReport
) -> None:
    # Lambda processes a shard in order and a parent shard before its children, so the first handlings of an
    # item's records (an item stays in one partition's lineage) come in sequence order.
    seen: set[str] = set()
    last_by_key: dict[str, int] = {}
    for entry in handled:
        if entry.event_id in seen or entry.event_id not in shard_of:
            continue
        seen.add(entry.event_id)
        sequence = sequence_of[entry.event_id]
        if sequence < last_by_key.get(entry.key, -1):
            report.problems.append(f"{entry.key}: record {sequence} first handled after {last_by_key[entry.key]}")
        last_by_key[entry.key] = max(sequence, last_by_key.get(entry.key, -1))


def _check_repeats(
    handlings: dict[str, list[int]], shard_of: dict[str, str], sequence_of: dict[str, int],
    snapshots: list[Snapshot], stream_arn: str, lease_lapses: frozenset[int], report: TriggerReport,
) -> None:
    """A record comes again only from a server that started before its checkpoint covered it: once per
    later server at most (unless that server lost its lease), never past a checkpoint that was on disk when
    that server started."""
    on_disk = {snapshot.incarnation: snapshot.positions for snapshot in snapshots}
    for event_id, incarnations in handlings.items():
        if len(incarnations) == 1:
            continue
        report.repeated_records += 1
        report.repeated += len(incarnations) - 1
        counts = Counter(incarnations)
        for incarnation, count in counts.items():
            if count == 1:
                continue
            if incarnation in lease_lapses:
                report.repeated_after_lease_loss += count - 1
            else:
                report.problems.append(f"{event_id} handled {count} times by server {incarnation} "
                                       "(a repeat without a kill)")
        for incarnation in sorted(counts)[1:]:
            position = on_disk.get(incarnation - 1, {}).get((stream_arn, shard_of[event_id]))
            if position is not None and position.isdigit() and int(position) >= sequence_of[event_id]:
                report.problems.append(f"{event_id} handled again by server {incarnation} although the "
                                       f"checkpoint {position} it started from covered it")


def _check_checkpoints(
    by_shard: dict[str, list[dict[str, Any]]], handlings: dict[str, list[int]], snapshots: list[Snapshot],
    stream_arn: str, report: TriggerReport,
) -> None:
    """At each kill, every record at or before a shard's checkpoint had been finished by a server that had
    run by then: the checkpoint never ran ahead of the handler's work."""
    for snapshot in snapshots:
        for (arn, shard_id), position in snapshot.positions.items():
            if arn != stream_arn:
                continue
            report.checkpoints_checked += 1
            if not position.isdigit():
                continue  # TRIM_HORIZON or LATEST: nothing claimed yet
            report.positions_checked += 1
            through = int(position)
            records = by_shard.get(shard_id)
            if records is None:
                report.problems.append(f"checkpoint of unknown shard {shard_id}")
                continue
            if not any(int(record["dynamodb"]["SequenceNumber"]) == through for record in records):
                report.problems.append(f"shard {shard_id}: checkpoint {position} is no record of the shard")
            for record in records:
                if int(record["dynamodb"]["SequenceNumber"]) > through:
                    break
                done_by = [index for index in handlings.get(record["eventID"], []) if index <= snapshot.incarnation]
                if not done_by:
                    report.problems.append(
                        f"shard {shard_id}: checkpoint {position} after server {snapshot.incarnation} is ahead "
                        f"of the handler, which had not finished {record['eventID']}"
                    )
                    break
