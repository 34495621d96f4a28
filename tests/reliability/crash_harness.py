"""The crash-consistency campaign: concurrent writers against a server with streams, SIGKILL at random
moments, restart on the same data, and at the end a verification of the items and of the stream records."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.reliability.concurrent_writers import TABLE_SCHEMA, Ledger, Writer, final_state, new_item
from tests.reliability.history_check import check_history
from tests.reliability.server_control import RunningServer, client, launch

HOT_TABLE = "crash-hot"
SIDE_TABLE = "crash-side"
KEYS = [f"hot-{index}" for index in range(6)]
WRITERS = 4
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}


@dataclass
class CampaignReport:
    kills: int = 0
    acknowledged_writes: int = 0
    unacknowledged_writes: int = 0
    refused_writes: int = 0
    item_changes_verified: int = 0
    stream_records_verified: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.kills} kills survived; {self.acknowledged_writes} acknowledged writes verified, "
                f"{self.unacknowledged_writes} unacknowledged (all-or-nothing checked), {self.refused_writes} refused; "
                f"{self.item_changes_verified} item changes and {self.stream_records_verified} stream records "
                f"verified; {len(self.problems)} problems")


def run_campaign(root: Path, kills: int, seed: int, extra_args: tuple[str, ...] = ()) -> CampaignReport:
    rng = random.Random(seed)
    data_dir = root / "data"
    server = launch(data_dir, *extra_args)
    setup = client(server.endpoint)
    setup.create_table(TableName=HOT_TABLE, StreamSpecification=STREAM, **TABLE_SCHEMA)
    setup.create_table(TableName=SIDE_TABLE, StreamSpecification=STREAM, **TABLE_SCHEMA)
    for key in KEYS:
        setup.put_item(TableName=HOT_TABLE, Item=new_item(key))
    ledger = Ledger()
    report = CampaignReport()
    try:
        for round_number in range(kills):
            _one_round(server, ledger, rng, round_number)
            server.kill()
            report.kills += 1
            server = launch(data_dir, *extra_args)
        _verify(server, ledger, report)
    finally:
        if server.alive():
            server.stop()
    return report


def _one_round(server: RunningServer, ledger: Ledger, rng: random.Random, round_number: int) -> None:
    """Writers run until the server is killed under them, at a random moment."""
    writers = [
        Writer(f"r{round_number}w{index}", client(server.endpoint, read_timeout=20), HOT_TABLE, KEYS, ledger,
               rng.randrange(2**32), side_table=SIDE_TABLE)
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
    time.sleep(rng.uniform(0.05, 0.6))
    server.kill()
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
