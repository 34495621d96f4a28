"""The consumer library's proof: three `shardline consume` processes share a stream with many shards while shards
split and roll over and one worker is SIGKILLed; every record is processed, in order per key, duplicates only
where no checkpoint covered them, and the dead worker's leases move within the failover time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.wire.conftest import make_client, start_server, stop_server, unique_name

ROOT = Path(__file__).resolve().parents[2]
PROCESSOR = "tests.unit.consumer.recording_processor:RecordingProcessor"
FAILOVER_SECONDS = 2.0
TAKING_SECONDS = FAILOVER_SECONDS / 4  # the consumer's default taking interval
# Process start-up, polling and a loaded CI machine (two cores, other suites running).
LOAD_SLACK_SECONDS = 4.0
LONG = os.environ.get("SHARDLINE_LONG_TESTS") == "1"


@dataclass
class Scenario:
    write_seconds: float
    keys: int
    kill_after_seconds: float
    split_after_seconds: list[float]
    rollover_seconds: str


SHORT = Scenario(write_seconds=6.0, keys=24, kill_after_seconds=3.0, split_after_seconds=[1.5], rollover_seconds="2.5")
EXTENDED = Scenario(
    write_seconds=40.0, keys=60, kill_after_seconds=12.0, split_after_seconds=[5.0, 20.0, 30.0], rollover_seconds="4"
)


@dataclass
class Processing:
    worker: str
    shard: str
    tenure: int
    sequence: int
    key: str
    version: int
    time: float


@dataclass
class Logs:
    processings: list[Processing] = field(default_factory=list)
    # (worker, shard, tenure) -> highest sequence number a successful checkpoint of that tenure covered
    covered_up_to: dict[tuple[str, str, int], float] = field(default_factory=dict)
    tenure_start: dict[tuple[str, str, int], tuple[str, float]] = field(default_factory=dict)
    # (worker, shard, tenure) -> how it ended: shard_end, lease_lost or shutdown (none for the killed worker)
    tenure_end: dict[tuple[str, str, int], str] = field(default_factory=dict)


def read_logs(directory: Path) -> Logs:
    logs = Logs()
    for path in sorted(directory.glob("*.jsonl")):
        tenures: dict[str, int] = defaultdict(int)
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            worker, shard = entry["worker"], entry["shard"]
            if entry["event"] == "initialize":
                tenures[shard] += 1
                logs.tenure_start[(worker, shard, tenures[shard])] = (entry["start"], entry["time"])
                continue
            tenure = (worker, shard, tenures[shard])
            if entry["event"] == "record":
                logs.processings.append(Processing(worker, shard, tenures[shard], int(entry["sequence"]),
                                                   entry["key"], entry["version"], entry["time"]))
            elif entry["event"] == "checkpoint":
                logs.covered_up_to[tenure] = max(logs.covered_up_to.get(tenure, 0), int(entry["sequence"]))
            elif entry["event"] == "shard_end":
                logs.covered_up_to[tenure] = float("inf")
                logs.tenure_end[tenure] = "shard_end"
            elif entry["event"] in ("lease_lost", "checkpoint_failed"):
                # A checkpoint refused with LeaseLostError (say in shutdown_requested, when the lease was stolen
                # just before the stop) proves the lease was taken away as much as lease_lost() does.
                logs.tenure_end[tenure] = "lease_lost"
            elif entry["event"] == "shutdown":
                logs.tenure_end.setdefault(tenure, "shutdown")
                if entry["checkpoint"].isdigit():
                    logs.covered_up_to[tenure] = max(logs.covered_up_to.get(tenure, 0), int(entry["checkpoint"]))
    return logs


def covered(logs: Logs, processing: Processing) -> bool:
    return logs.covered_up_to.get((processing.worker, processing.shard, processing.tenure), 0) >= processing.sequence


def start_worker(endpoint: str, table: str, application: str, worker: str, log_dir: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ, "CONSUMER_LOG_DIR": str(log_dir), "CONSUMER_WORKER": worker, "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1", "PYTHONUNBUFFERED": "1",
    }
    with (log_dir / f"{worker}.out").open("w") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "shardline", "consume", table, "--application-name", application,
             "--processor", PROCESSOR, "--endpoint-url", endpoint, "--worker-id", worker,
             "--failover-seconds", str(FAILOVER_SECONDS), "--poll-seconds", "0.2", "--shard-sync-seconds", "0.5"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, text=True,
        )


def owners(dynamodb: Any, application: str) -> dict[str, tuple[str | None, str]]:
    """leaseKey -> (leaseOwner, checkpoint), read straight from the lease table."""
    try:
        items = dynamodb.scan(TableName=application, ConsistentRead=True)["Items"]
    except dynamodb.exceptions.ResourceNotFoundException:
        return {}
    return {item["leaseKey"]["S"]: (item.get("leaseOwner", {}).get("S"), item["checkpoint"]["S"]) for item in items}


def run_scenario(tmp_path: Path, scenario: Scenario) -> None:
    server = start_server(tmp_path / "data", "--shard-rollover-seconds", scenario.rollover_seconds,
                          "--stream-partitions", "6")
    workers: dict[str, subprocess.Popen[str]] = {}
    stop_writing = threading.Event()
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    try:
        dynamodb = make_client("dynamodb", server.endpoint)
        table, application = unique_name("orders"), unique_name("billing")
        dynamodb.create_table(
            TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )
        for name in ("w0", "w1", "w2"):
            workers[name] = start_worker(server.endpoint, table, application, name, log_dir)
        # Process start-up takes a while on a loaded machine: the timeline starts once all three hold leases.
        deadline = time.monotonic() + 60
        while not {"w0", "w1", "w2"} <= {owner for owner, _ in owners(dynamodb, application).values()}:
            assert time.monotonic() < deadline, f"workers never balanced: {owners(dynamodb, application)}"
            time.sleep(0.1)

        written: list[tuple[str, int]] = []

        def write() -> None:
            writer = make_client("dynamodb", server.endpoint)
            versions: dict[str, int] = defaultdict(int)
            index = 0
            while not stop_writing.is_set():
                key = f"key-{index % scenario.keys}"
                versions[key] += 1
                try:
                    writer.put_item(TableName=table, Item={"pk": {"S": key}, "version": {"N": str(versions[key])}})
                except Exception:
                    if stop_writing.is_set():
                        return  # the test failed and stopped the server
                    raise
                written.append((key, versions[key]))
                index += 1
                stop_writing.wait(0.004)

        writer = threading.Thread(target=write, daemon=True)
        started = time.monotonic()
        writer.start()
        events = sorted([(at, "split") for at in scenario.split_after_seconds]
                        + [(scenario.kill_after_seconds, "kill")])
        takeover_seconds = None
        killed_wall_time = None
        for at, action in events:
            time.sleep(max(0.0, at - (time.monotonic() - started)))
            if action == "split":
                subprocess.run([sys.executable, "-m", "shardline", "shards", "split", table, "--endpoint-url",
                                server.endpoint], check=True, capture_output=True, cwd=ROOT)
                continue
            deadline = time.monotonic() + 30
            while not any(owner == "w2" and checkpoint != "SHARD_END"
                          for owner, checkpoint in owners(dynamodb, application).values()):
                assert time.monotonic() < deadline, "w2 holds no lease to orphan"
                time.sleep(0.05)
            workers["w2"].send_signal(signal.SIGKILL)
            workers["w2"].wait()
            killed_at = time.monotonic()
            killed_wall_time = time.time()
            orphaned = {key for key, (owner, checkpoint) in owners(dynamodb, application).items()
                        if owner == "w2" and checkpoint != "SHARD_END"}
            assert orphaned, "w2 died holding no unfinished lease: nothing to take over"
            while True:
                leases = owners(dynamodb, application)
                if all(leases[key][0] in ("w0", "w1") or leases[key][1] == "SHARD_END" for key in orphaned):
                    takeover_seconds = time.monotonic() - killed_at
                    break
                assert time.monotonic() - killed_at < 5 * FAILOVER_SECONDS, f"leases never taken over: {leases}"
                time.sleep(0.05)
        time.sleep(max(0.0, scenario.write_seconds - (time.monotonic() - started)))
        stop_writing.set()
        writer.join()

        expected = set(written)
        deadline = time.monotonic() + 30
        while True:
            logs = read_logs(log_dir)
            missing = expected - {(p.key, p.version) for p in logs.processings}
            if not missing:
                break
            assert time.monotonic() < deadline, f"{len(missing)} records never processed, e.g. {sorted(missing)[:5]}"
            time.sleep(0.2)
        for name in ("w0", "w1"):
            workers[name].send_signal(signal.SIGTERM)
        for name in ("w0", "w1"):
            assert workers[name].wait(timeout=30) == 0
        logs = read_logs(log_dir)
        check_logs(logs, written, takeover_seconds, killed_wall_time)
        check_lineage(logs, stream_parents(make_client("dynamodbstreams", server.endpoint), table))
        # A graceful stop hands the leases over at once: nobody owns one afterwards.
        assert {owner for owner, _ in owners(dynamodb, application).values()} <= {None, "w2"}
    except BaseException:
        stop_writing.set()
        for path in sorted(log_dir.glob("*.out")):
            sys.stderr.write(f"--- {path.name}\n{path.read_text()[-4000:]}\n")
        raise
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.kill()
                process.wait()
        stop_server(server)


def stream_parents(streams: Any, table: str) -> dict[str, str | None]:
    """shard id -> parent shard id, for every shard the table's stream lists."""
    arn = streams.list_streams(TableName=table)["Streams"][0]["StreamArn"]
    parents: dict[str, str | None] = {}
    arguments: dict[str, Any] = {"StreamArn": arn}
    while True:
        description = streams.describe_stream(**arguments)["StreamDescription"]
        parents.update((shard["ShardId"], shard.get("ParentShardId")) for shard in description["Shards"])
        if not description.get("LastEvaluatedShardId"):
            return parents
        arguments["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]


def check_lineage(logs: Logs, parents: dict[str, str | None]) -> None:
    """The run really crossed shard generations: records were processed both from shards and from their
    children (made by the splits and rollovers), so the ordering checks above covered hand-overs along lineage."""
    processed = {p.shard for p in logs.processings}
    assert processed <= set(parents), "records came from shards the stream does not list"
    assert any(parents[shard] in processed for shard in processed), "no child shard of a processed shard was read"


def check_logs(
    logs: Logs, written: list[tuple[str, int]], takeover_seconds: float | None, killed_at: float | None
) -> None:
    # Takeover: expiry after the failover time, then the next taking round of a surviving worker (plus the
    # polling of this test and process scheduling on a busy machine).
    assert takeover_seconds is not None and killed_at is not None
    assert takeover_seconds <= FAILOVER_SECONDS + 2 * TAKING_SECONDS + LOAD_SLACK_SECONDS, takeover_seconds

    by_record: dict[tuple[str, int], list[Processing]] = defaultdict(list)
    by_tenure: dict[tuple[str, str, int], list[Processing]] = defaultdict(list)
    for processing in logs.processings:
        by_record[(processing.key, processing.version)].append(processing)
        by_tenure[(processing.worker, processing.shard, processing.tenure)].append(processing)
    assert set(by_record) == set(written)

    # Within a tenure (one worker holding one shard's lease), shard order and so per-key order, starting after
    # the checkpoint the tenure started from.
    for tenure, processings in by_tenure.items():
        sequences = [p.sequence for p in processings]
        assert sequences == sorted(set(sequences)), f"{tenure} out of order"
        start = logs.tenure_start[tenure][0]
        if start.isdigit():
            assert sequences[0] > int(start), f"{tenure} re-read its own checkpoint"
        last_version: dict[str, int] = {}
        for p in processings:
            assert p.version > last_version.get(p.key, 0), f"{tenure}: {p.key} out of order"
            last_version[p.key] = p.version

    # Across workers and shard lineage: the first time each version of a key was processed follows version
    # order (a child shard starts only after its parent reached SHARD_END).
    first_seen: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for (key, version), processings in by_record.items():
        first_seen[key].append((version, min(p.time for p in processings)))
    for key, seen in first_seen.items():
        times = [at for _, at in sorted(seen)]
        assert times == sorted(times), f"{key}: versions first processed out of order"

    # Duplicates only where no checkpoint covered the record: at most one processing of a record is covered by a
    # successful checkpoint of its own tenure, since a checkpoint fails once another worker took the lease. And
    # every processing but one is an uncovered one in a tenure that ended without handing the lease over: the
    # killed worker's (so after its last checkpoint), or one whose lease was taken away (lease_lost: a steal for
    # balance, which KCL's model allows). A graceful stop or a shard end never leaves records to do again.
    def redone_by_design(p: Processing) -> bool:
        tenure = (p.worker, p.shard, p.tenure)
        return not covered(logs, p) and (p.worker == "w2" or logs.tenure_end.get(tenure) == "lease_lost")

    duplicates = 0
    for record, processings in by_record.items():
        if len(processings) > 1:
            duplicates += 1
            assert sum(covered(logs, p) for p in processings) <= 1, f"{record} processed again after a checkpoint"
            unexplained = [(p.worker, p.shard, p.tenure, logs.tenure_end.get((p.worker, p.shard, p.tenure)))
                           for p in processings if not redone_by_design(p)]
            assert len(unexplained) <= 1, f"{record} processed again after {unexplained}"
    # Records the killed worker had checkpointed are never processed by the workers that took its leases over.
    killed_covered = {(p.shard, p.sequence) for p in logs.processings if p.worker == "w2" and covered(logs, p)}
    for p in logs.processings:
        started_at = logs.tenure_start[(p.worker, p.shard, p.tenure)][1]
        if p.worker != "w2" and started_at > killed_at:
            assert (p.shard, p.sequence) not in killed_covered, f"{p} was checkpointed by the killed worker"
    assert duplicates < len(by_record)  # duplicates are the exception, not the rule


def test_three_workers_survive_splits_rollover_and_a_killed_worker(tmp_path: Path) -> None:
    run_scenario(tmp_path, SHORT)


@pytest.mark.skipif(not LONG, reason="long variant: set SHARDLINE_LONG_TESTS=1 (make test-all)")
def test_three_workers_over_a_longer_run(tmp_path: Path) -> None:
    run_scenario(tmp_path, EXTENDED)
