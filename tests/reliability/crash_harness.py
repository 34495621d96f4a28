"""The crash-consistency campaign: concurrent writers against a server (or several sharing a PostgreSQL
database) with streams and a trigger mapping, SIGKILL at random moments, restart on the same store, and at the
end a verification of the items, of the stream records and of the trigger's work against its checkpoints."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.reliability.concurrent_writers import TABLE_SCHEMA, Ledger, Writer, final_state, new_item
from tests.reliability.crash_stores import CrashStore, SqliteStore
from tests.reliability.history_check import check_history
from tests.reliability.server_control import RunningServer, client, launch
from tests.reliability.trigger_audit import (
    CATCH_UP_SECONDS,
    Snapshot,
    TriggerReport,
    ledger_env,
    verify_trigger,
    wait_for_catch_up,
    write_triggers_file,
)
from tests.reliability.trigger_ledger import read_ledger

HOT_TABLE = "crash-hot"
SIDE_TABLE = "crash-side"
KEYS = [f"hot-{index}" for index in range(6)]
WRITERS = 4
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
# A killed server's trigger lease must lapse before its successor runs the mapping; a short lease keeps the
# trigger working in most rounds (the renewal timeout is a third of it, so not shorter than this under load).
TRIGGER_LEASE_SECONDS = 3.0
# Shards roll over every few seconds, so the trigger crosses parent-to-child lineage under the kills too.
SHARD_ROLLOVER_SECONDS = 6.0
# In a round that waits for the trigger, how long at most before the kill timer starts anyway.
TRIGGER_PROGRESS_WAIT_SECONDS = 5.0
# With several processes, they die one after another within this: less than the time a dead holder's trigger
# lease takes to lapse, so a survivor never takes the mapping over within one generation of processes.
KILL_SPREAD_SECONDS = 0.5


@dataclass
class CampaignReport:
    kills: int = 0
    acknowledged_writes: int = 0
    unacknowledged_writes: int = 0
    refused_writes: int = 0
    item_changes_verified: int = 0
    stream_records_verified: int = 0
    trigger: TriggerReport | None = None
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"{self.kills} kills survived; {self.acknowledged_writes} acknowledged writes verified, "
                f"{self.unacknowledged_writes} unacknowledged (all-or-nothing checked), {self.refused_writes} "
                f"refused; {self.item_changes_verified} item changes and {self.stream_records_verified} stream "
                f"records verified")
        if self.trigger is not None:
            text += f"; {self.trigger.summary()}"
        return f"{text}; {len(self.problems)} problems"


@dataclass
class _TriggerRun:
    """The trigger's side of the campaign. A generation is the set of processes started together after a kill;
    the audit's incarnation number is the generation's."""

    ledger: Path
    store: CrashStore
    snapshots: list[Snapshot] = field(default_factory=list)
    generations: list[tuple[int, ...]] = field(default_factory=list)  # server process ids, by generation
    lease_lapses: set[int] = field(default_factory=set)  # generations in which a server lost its lease
    _log_offsets: list[int] = field(default_factory=list)

    def started(self, servers: list[RunningServer], log_offsets: list[int]) -> None:
        self.generations.append(tuple(server.process.pid for server in servers))
        self._log_offsets = log_offsets

    def ended(self, servers: list[RunningServer]) -> Snapshot:
        """After the generation died or stopped: its checkpoints in the store, and whether it lost its lease
        (under load a renewal can time out; the runtime then restarts its shard workers from the
        checkpoint). With several processes a failed renewal counts too: the other may take the mapping over
        before the failing one gives up."""
        generation = len(self.generations) - 1
        signs = ("lease lost",) if len(servers) == 1 else ("lease lost", "lease renewal failed")
        for server, offset in zip(servers, self._log_offsets, strict=True):
            log = server.log_path.read_bytes()[offset:].decode("utf-8", "replace")
            if any(sign in log for sign in signs):
                self.lease_lapses.add(generation)
        snapshot = Snapshot(generation, self.store.read_checkpoints())
        self.snapshots.append(snapshot)
        return snapshot

    def handled_count(self) -> int:
        return len(read_ledger(self.ledger))

    def wait_for_progress(self) -> None:
        """Returns once the handler has finished something more (it resumed after the restart), or after
        TRIGGER_PROGRESS_WAIT_SECONDS."""
        start = self.handled_count()
        deadline = time.monotonic() + TRIGGER_PROGRESS_WAIT_SECONDS
        while time.monotonic() < deadline and self.handled_count() == start:
            time.sleep(0.05)


def run_campaign(
    root: Path, kills: int, seed: int, extra_args: tuple[str, ...] = (), *, with_trigger: bool = True,
    store: CrashStore | None = None, processes: int = 1,
) -> CampaignReport:
    """`kills` rounds of writes, each ended by SIGKILLs of all `processes` servers on `store` (SQLite under
    root/data by default; several processes need a shared store such as PostgreSQL)."""
    rng = random.Random(seed)
    backing: CrashStore = store if store is not None else SqliteStore(root / "data")
    trigger: _TriggerRun | None = None
    args = (*backing.server_args(), *extra_args)
    env: dict[str, str] = {}
    if with_trigger:
        trigger = _TriggerRun(root / "trigger-ledger.jsonl", backing)
        env = ledger_env(trigger.ledger)
        args = (*args, "--triggers", str(write_triggers_file(root, HOT_TABLE)),
                "--trigger-lease-seconds", str(TRIGGER_LEASE_SECONDS),
                "--shard-rollover-seconds", str(SHARD_ROLLOVER_SECONDS))
    log_paths = [root / f"{backing.data_dir(slot).name}-server.log" for slot in range(processes)]
    servers: list[RunningServer] = []

    def start() -> None:
        offsets = [path.stat().st_size if path.exists() else 0 for path in log_paths]
        servers.clear()
        for slot, log_path in enumerate(log_paths):
            servers.append(launch(backing.data_dir(slot), *args, env=env, log_path=log_path))
        if trigger is not None:
            trigger.started(servers, offsets)

    report = CampaignReport()
    try:
        start()
        setup = client(servers[0].endpoint)
        setup.create_table(TableName=HOT_TABLE, StreamSpecification=STREAM, **TABLE_SCHEMA)
        setup.create_table(TableName=SIDE_TABLE, StreamSpecification=STREAM, **TABLE_SCHEMA)
        for key in KEYS:
            setup.put_item(TableName=HOT_TABLE, Item=new_item(key))
        ledger = Ledger()
        for round_number in range(kills):
            # Half the rounds wait for the trigger to be at work, so that kills land mid-batch too.
            before_kill = trigger.wait_for_progress if trigger is not None and rng.random() < 0.5 else None
            _one_round(servers, ledger, rng, round_number, before_kill)
            report.kills += len(servers)
            if trigger is not None:
                trigger.ended(servers)
            start()
        _verify(servers[0], ledger, report)
        if trigger is not None:
            _verify_trigger(servers, trigger, report)
    finally:
        for server in servers:
            if server.alive():
                server.stop()
    report.problems.extend(_logged_errors(log_paths))
    return report


def _logged_errors(log_paths: list[Path]) -> list[str]:
    """A kill may cut a request off, but no server should log an error doing its own work (an upkeep pass
    that failed was how two processes' shard race showed)."""
    problems: list[str] = []
    for path in log_paths:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if " ERROR " in line or line.startswith("Traceback"):
                problems.append(f"{path.name}: {line[:200]}")
    return problems


def _verify_trigger(servers: list[RunningServer], trigger: _TriggerRun, report: CampaignReport) -> None:
    """Lets the trigger finish the stream, stops the servers gracefully and checks the ledger against the
    stream and every checkpoint snapshot, the final one included."""
    server = servers[0]
    dynamodb = client(server.endpoint)
    arn = dynamodb.describe_table(TableName=HOT_TABLE)["Table"]["LatestStreamArn"]
    by_shard = read_stream(server, dynamodb, HOT_TABLE)
    event_ids = {record["eventID"] for records in by_shard.values() for record in records}
    if not wait_for_catch_up(trigger.ledger, event_ids):
        report.problems.append("the trigger did not finish the stream's records in time")
    # The ledger can be complete before the last generation has checkpointed anything: a killed server's
    # orphaned worker may have finished a batch that the new lease holder has still to repeat and checkpoint.
    if not _wait_for_checkpoints(trigger.store, arn, by_shard):
        report.problems.append("the trigger's checkpoints did not reach the stream's last records in time")
    for running in servers:
        stopped = running.stop()
        if stopped != 0:
            report.problems.append(f"the last server {running.process.pid} exited with {stopped} on SIGTERM")
    final = trigger.ended(servers)
    verdict = verify_trigger(arn, by_shard, read_ledger(trigger.ledger), trigger.snapshots, trigger.generations,
                             frozenset(trigger.lease_lapses))
    for shard_id, records in by_shard.items():
        # After a graceful stop with everything handled, no shard owes a record: a restart repeats nothing.
        position = final.positions.get((arn, shard_id))
        if records and position != records[-1]["dynamodb"]["SequenceNumber"]:
            verdict.problems.append(f"shard {shard_id}: final checkpoint {position} is not its last record "
                                    f"{records[-1]['dynamodb']['SequenceNumber']}")
    report.trigger = verdict
    report.problems.extend(verdict.problems)


def _wait_for_checkpoints(store: CrashStore, arn: str, by_shard: dict[str, list[dict[str, Any]]]) -> bool:
    last = {shard_id: records[-1]["dynamodb"]["SequenceNumber"] for shard_id, records in by_shard.items() if records}
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while time.monotonic() < deadline:
        positions = store.read_checkpoints(servers_running=True)
        if all(positions.get((arn, shard_id)) == sequence for shard_id, sequence in last.items()):
            return True
        time.sleep(0.2)
    return False


def _one_round(
    servers: list[RunningServer], ledger: Ledger, rng: random.Random, round_number: int,
    before_kill: Callable[[], None] | None = None,
) -> None:
    """Writers, spread over the servers, run until the servers are killed under them at random moments (after
    before_kill returns): with several, one after another, the survivors serving on meanwhile."""
    writers = [
        Writer(f"r{round_number}w{index}", client(servers[index % len(servers)].endpoint, read_timeout=20),
               HOT_TABLE, KEYS, ledger, rng.randrange(2**32), side_table=SIDE_TABLE)
        for index in range(WRITERS)
    ]
    stop = threading.Event()
    errors: list[BaseException] = []

    def work(writer: Writer) -> None:
        try:
            while not stop.is_set() and writer.step():
                pass
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(writer,), daemon=True) for writer in writers]
    for thread in threads:
        thread.start()
    if before_kill is not None:
        before_kill()
    time.sleep(rng.uniform(0.05, 0.6))
    victims = rng.sample(servers, len(servers))
    for index, victim in enumerate(victims):
        if index:
            time.sleep(rng.uniform(0, KILL_SPREAD_SECONDS / (len(servers) - 1)))
        victim.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]


def _verify(server: RunningServer, ledger: Ledger, report: CampaignReport) -> None:
    dynamodb = client(server.endpoint)
    logs, versions, totals = final_state(dynamodb, HOT_TABLE)
    verdict = check_history(ledger.writes, ledger.refused, logs, versions)
    report.problems.extend(verdict.problems)
    report.acknowledged_writes = (
        sum(1 for write in ledger.writes if write.acknowledged) + sum(ledger.adds.values()) + ledger.acknowledged_puts
    )
    report.unacknowledged_writes = sum(1 for write in ledger.writes if not write.acknowledged) + sum(
        ledger.unknown_adds.values()
    ) + sum(len(ids) for ids in ledger.unknown_puts.values())
    report.refused_writes = len(ledger.refused)
    report.item_changes_verified = sum(len(log) for log in logs.values())
    for key in KEYS:
        low, high = ledger.adds.get(key, 0), ledger.adds.get(key, 0) + ledger.unknown_adds.get(key, 0)
        if not low <= totals.get(key, -1) <= high:
            report.problems.append(f"{key}: total {totals.get(key)} outside acknowledged ADDs [{low}, {high}]")
    side = _side_items(dynamodb)
    for key, op_id in ledger.puts.items():
        if key.startswith("batch-") and side.get(key) != op_id:
            report.problems.append(f"acknowledged batch put {key} by {op_id} is {side.get(key)!r}")
        if key.startswith("side-") and key not in side:
            report.problems.append(f"acknowledged put of {key} is missing")
    for key, op_ids in ledger.unknown_puts.items():
        if key.startswith("batch-") and key in side and side[key] not in op_ids:
            report.problems.append(f"{key} holds {side[key]}, which never wrote it")
    _verify_batches_atomic(side, ledger, report)
    for table, items in ((HOT_TABLE, _hot_items(dynamodb)), (SIDE_TABLE, _raw_items(dynamodb, SIDE_TABLE))):
        report.stream_records_verified += _verify_stream(server, dynamodb, table, items, report)


def _verify_batches_atomic(side: dict[str, str], ledger: Ledger, report: CampaignReport) -> None:
    # A BatchWriteItem is not a transaction on AWS, but shardline applies one in a single commit: an
    # unacknowledged batch must therefore be wholly present or wholly absent too.
    by_op: dict[str, list[str]] = defaultdict(list)
    for key, op_ids in ledger.unknown_puts.items():
        if key.startswith("batch-"):
            for op_id in op_ids:
                by_op[op_id].append(key)
    for op_id, keys in by_op.items():
        present = [key for key in keys if side.get(key) == op_id]
        if present and len(present) != len(keys):
            report.problems.append(f"batch {op_id} partly applied: {len(present)} of {len(keys)} items")


def _side_items(dynamodb: Any) -> dict[str, str]:
    return {item["pk"]["S"]: item["by"]["S"] for item in _raw_items(dynamodb, SIDE_TABLE).values()}


def _hot_items(dynamodb: Any) -> dict[str, dict[str, Any]]:
    return _raw_items(dynamodb, HOT_TABLE)


def _raw_items(dynamodb: Any, table: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page["Items"]:
            found[item["pk"]["S"]] = item
    return found


def read_stream(server: RunningServer, dynamodb: Any, table: str) -> dict[str, list[dict[str, Any]]]:
    """Every record of the table's stream, by shard id, in the order GetRecords returned them."""
    streams = client(server.endpoint, "dynamodbstreams")
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shards: list[dict[str, Any]] = []
    start: dict[str, Any] = {}
    while True:
        description = streams.describe_stream(StreamArn=arn, **start)["StreamDescription"]
        shards.extend(description["Shards"])
        if "LastEvaluatedShardId" not in description:
            break
        start = {"ExclusiveStartShardId": description["LastEvaluatedShardId"]}
    records: dict[str, list[dict[str, Any]]] = {}
    for shard in shards:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        found: list[dict[str, Any]] = []
        empty_reads = 0
        while iterator and empty_reads < 2:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            found.extend(page["Records"])
            empty_reads = 0 if page["Records"] else empty_reads + 1
            iterator = page.get("NextShardIterator")
        records[shard["ShardId"]] = found
    return records


def _verify_stream(
    server: RunningServer, dynamodb: Any, table: str, items: dict[str, dict[str, Any]], report: CampaignReport
) -> int:
    by_shard = read_stream(server, dynamodb, table)
    event_ids: set[str] = set()
    by_item: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    total = 0
    for shard_id, records in by_shard.items():
        previous = -1
        for record in records:
            total += 1
            sequence = int(record["dynamodb"]["SequenceNumber"])
            if sequence <= previous:
                report.problems.append(f"{table} shard {shard_id}: sequence {sequence} after {previous}")
            previous = sequence
            if record["eventID"] in event_ids:
                report.problems.append(f"{table}: duplicate eventID {record['eventID']}")
            event_ids.add(record["eventID"])
            by_item[record["dynamodb"]["Keys"]["pk"]["S"]].append((sequence, record))
    for key, entries in by_item.items():
        entries.sort(key=lambda entry: entry[0])
        image: dict[str, Any] | None = None
        for _, record in entries:
            # Exactly one record per committed change, in order: each record starts where the last one ended.
            if record["dynamodb"].get("OldImage") != image:
                report.problems.append(f"{table} {key}: a record's OldImage does not continue the previous "
                                       f"NewImage (a lost, duplicated or reordered record)")
                break
            image = record["dynamodb"].get("NewImage")
        if image != items.get(key):
            report.problems.append(f"{table} {key}: the last record's NewImage is not the item as stored")
    for key in items:
        if key not in by_item:
            report.problems.append(f"{table} {key}: stored but no stream record")
    return total
