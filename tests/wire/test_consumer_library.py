"""shardline.consumer against the session's server: delivery, checkpoints, graceful hand-over, options, errors."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shardline.consumer import (
    Checkpointer,
    ConsumerConfig,
    InitialPosition,
    RecordProcessor,
    StreamConsumer,
    StreamNotFoundError,
)
from shardline.consumer.leases import LeaseTable
from tests.wire.conftest import make_client, unique_name

ROOT = Path(__file__).resolve().parents[2]
FAST = ConsumerConfig(failover_seconds=30.0, poll_seconds=0.1, shard_sync_seconds=0.3, lease_taking_seconds=0.2)


class Collected:
    """Records every processor of a test saw, in the order each shard's processor saw them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: list[tuple[str, str, dict[str, Any]]] = []  # (worker tag, shard, record)
        self.events: list[tuple[str, str, str]] = []  # (worker tag, callback, shard)

    def factory(self, tag: str) -> Callable[[], RecordProcessor]:
        collected = self

        class Processor(RecordProcessor):
            def initialize(self, shard_id: str, starting_sequence_number: str) -> None:
                self.shard_id = shard_id
                with collected.lock:
                    collected.events.append((tag, "initialize", shard_id))

            def process_records(self, records: list[dict[str, Any]], checkpointer: Checkpointer) -> None:
                with collected.lock:
                    collected.records.extend((tag, self.shard_id, record) for record in records)
                checkpointer.checkpoint()

            def shutdown_requested(self, checkpointer: Checkpointer) -> None:
                with collected.lock:
                    collected.events.append((tag, "shutdown_requested", self.shard_id))

        return Processor

    def delivered(self, tag: str | None = None) -> list[str]:
        with self.lock:
            return [record["dynamodb"]["Keys"]["pk"]["S"] for who, _, record in self.records
                    if tag is None or who == tag]


def stream_table(dynamodb: Any, view_type: str = "NEW_AND_OLD_IMAGES") -> str:
    name = unique_name("orders")
    dynamodb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type},
    )
    return name


class Running:
    def __init__(self, consumer: StreamConsumer) -> None:
        self.consumer = consumer
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.consumer.run()
        except BaseException as error:
            self.errors.append(error)

    def stop(self) -> None:
        self.consumer.stop()
        self.thread.join(30)
        assert not self.thread.is_alive()
        assert self.errors == []


@pytest.fixture
def running(endpoint: str) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(table: str, application: str, factory: Callable[[], RecordProcessor], **options: Any) -> Running:
        consumer = StreamConsumer(
            table, application_name=application, processor_factory=factory,
            dynamodb_client=make_client("dynamodb", endpoint), streams_client=make_client("dynamodbstreams", endpoint),
            **{"config": FAST, **options},
        )
        started.append(Running(consumer))
        return started[-1]

    yield start
    for run in started:
        if run.thread.is_alive():
            run.consumer.stop()
            run.thread.join(30)


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def leases(dynamodb: Any, application: str) -> dict[str, dict[str, Any]]:
    try:
        items = dynamodb.scan(TableName=application, ConsistentRead=True)["Items"]
    except dynamodb.exceptions.ResourceNotFoundException:
        return {}  # the worker has not created its lease table yet
    return {item["leaseKey"]["S"]: item for item in items}


def put_keys(dynamodb: Any, table: str, keys: list[str]) -> None:
    for key in keys:
        dynamodb.put_item(TableName=table, Item={"pk": {"S": key}, "amount": {"N": "1.50"}})


def test_one_worker_delivers_every_record_and_checkpoints(dynamodb: Any, running: Callable[..., Running]) -> None:
    table, application = stream_table(dynamodb), unique_name("billing")
    keys = [f"k{index}" for index in range(20)]
    put_keys(dynamodb, table, keys)
    collected = Collected()
    worker = running(table, application, collected.factory("a"))
    wait_for(lambda: sorted(collected.delivered()) == sorted(keys))
    record = collected.records[0][2]
    assert record["eventName"] == "INSERT" and record["eventSource"] == "aws:dynamodb"
    assert record["dynamodb"]["NewImage"]["amount"] == {"N": "1.5"}
    worker.stop()
    stored = leases(dynamodb, application)
    # Each shard's checkpoint is the last record delivered from it, and stopping released every lease.
    last_by_shard: dict[str, str] = {}
    for _, shard, record in collected.records:
        last_by_shard[shard] = record["dynamodb"]["SequenceNumber"]
    assert last_by_shard
    for shard, sequence in last_by_shard.items():
        assert stored[shard]["checkpoint"]["S"] == sequence
    assert all("leaseOwner" not in item for item in stored.values())
    assert ("a", "shutdown_requested") in {(tag, event) for tag, event, _ in collected.events}


def test_a_graceful_stop_hands_leases_over_at_once(dynamodb: Any, running: Callable[..., Running]) -> None:
    table, application = stream_table(dynamodb), unique_name("billing")
    put_keys(dynamodb, table, [f"first-{index}" for index in range(10)])
    collected = Collected()
    first = running(table, application, collected.factory("a"), worker_id="a")
    wait_for(lambda: len(collected.delivered("a")) == 10)
    second = running(table, application, collected.factory("b"), worker_id="b")
    time.sleep(0.5)
    stopped_at = time.monotonic()
    first.stop()
    # The failover time is 30 s: taking the leases sooner proves they were handed over, not left to expire.
    wait_for(lambda: leases(dynamodb, application) != {} and all(
        item.get("leaseOwner", {}).get("S") == "b" for item in leases(dynamodb, application).values()
    ), timeout=10)
    assert time.monotonic() - stopped_at < 10
    put_keys(dynamodb, table, [f"second-{index}" for index in range(10)])
    wait_for(lambda: len(collected.delivered("b")) >= 10)
    second.stop()
    # b resumed from a's checkpoints: nothing a processed came again.
    assert sorted(collected.delivered("b")) == sorted(f"second-{index}" for index in range(10))


def test_images_can_arrive_as_python_values(dynamodb: Any, running: Callable[..., Running]) -> None:
    table, application = stream_table(dynamodb), unique_name("billing")
    put_keys(dynamodb, table, ["only"])
    collected = Collected()
    worker = running(table, application, collected.factory("a"),
                     config=ConsumerConfig(**{**FAST.__dict__, "deserialize_images": True}))
    wait_for(lambda: len(collected.records) == 1)
    worker.stop()
    change = collected.records[0][2]["dynamodb"]
    assert change["Keys"] == {"pk": "only"}
    assert change["NewImage"] == {"pk": "only", "amount": Decimal("1.5")}


def test_latest_skips_what_was_written_before_the_first_start(dynamodb: Any, running: Callable[..., Running]) -> None:
    table, application = stream_table(dynamodb), unique_name("billing")
    put_keys(dynamodb, table, ["before"])
    collected = Collected()
    worker = running(table, application, collected.factory("a"),
                     config=ConsumerConfig(**{**FAST.__dict__, "initial_position": InitialPosition.LATEST}))
    wait_for(lambda: len(leases(dynamodb, application)) > 0 and all(
        "leaseOwner" in item for item in leases(dynamodb, application).values()
    ))
    wait_for(lambda: len([event for event in collected.events if event[1] == "initialize"]) == len(
        leases(dynamodb, application)))
    time.sleep(0.3)  # the shard consumers hold their LATEST iterators now
    put_keys(dynamodb, table, ["after"])
    wait_for(lambda: "after" in collected.delivered())
    worker.stop()
    assert collected.delivered() == ["after"]


def test_a_table_without_a_stream_is_refused(dynamodb: Any, endpoint: str) -> None:
    name = unique_name("plain")
    dynamodb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )
    consumer = StreamConsumer(
        name, application_name=unique_name("billing"), processor_factory=RecordProcessor,
        dynamodb_client=dynamodb, streams_client=make_client("dynamodbstreams", endpoint),
    )
    with pytest.raises(StreamNotFoundError, match="has no stream enabled"):
        consumer.run()


def test_table_name_and_stream_arn_are_exclusive(dynamodb: Any) -> None:
    with pytest.raises(ValueError):
        StreamConsumer("a", stream_arn="arn", application_name="x", processor_factory=RecordProcessor,
                       dynamodb_client=dynamodb, streams_client=dynamodb)
    with pytest.raises(ValueError):
        StreamConsumer(application_name="x", processor_factory=RecordProcessor,
                       dynamodb_client=dynamodb, streams_client=dynamodb)


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shardline", "consume", *arguments], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


def test_cli_refuses_a_bad_processor_spec(endpoint: str) -> None:
    result = run_cli("orders", "--application-name", "app", "--processor", "no_colon", "--endpoint-url", endpoint)
    assert result.returncode == 2
    assert "expected package.module:Class" in result.stderr
    result = run_cli("orders", "--application-name", "app", "--processor", "no.such.module:X",
                     "--endpoint-url", endpoint)
    assert result.returncode == 2
    assert "cannot import no.such.module" in result.stderr


def test_cli_reports_a_table_without_a_stream(dynamodb: Any, endpoint: str) -> None:
    name = unique_name("plain")
    dynamodb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )
    result = run_cli(name, "--application-name", unique_name("app"), "--processor",
                     "shardline.consumer:RecordProcessor", "--endpoint-url", endpoint)
    assert result.returncode == 1
    assert f"table {name} has no stream enabled" in result.stderr


def split_shards(endpoint: str, table: str) -> None:
    request = urllib.request.Request(
        endpoint + "/-/shards/split", data=json.dumps({"TableName": table}).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def test_a_child_shard_waits_until_its_parent_is_finished(
    dynamodb: Any, endpoint: str, running: Callable[..., Running]
) -> None:
    table, application = stream_table(dynamodb), unique_name("billing")
    put_keys(dynamodb, table, ["same-key"])
    split_shards(endpoint, table)
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "same-key"}, "amount": {"N": "2"}})
    order: list[str] = []

    class SlowParent(RecordProcessor):
        def process_records(self, records: list[dict[str, Any]], checkpointer: Checkpointer) -> None:
            for record in records:
                if record["eventName"] == "INSERT":
                    time.sleep(1.0)  # a child read too early would overtake this record
                order.append(record["eventName"])
            checkpointer.checkpoint()

    worker = running(table, application, SlowParent)
    wait_for(lambda: len(order) == 2)
    worker.stop()
    assert order == ["INSERT", "MODIFY"]


def test_a_stolen_lease_ends_with_lease_lost(dynamodb: Any, running: Callable[..., Running]) -> None:
    table, application = stream_table(dynamodb), unique_name("billing")
    lost: list[str] = []

    class Watcher(RecordProcessor):
        def initialize(self, shard_id: str, starting_sequence_number: str) -> None:
            self.shard_id = shard_id

        def process_records(self, records: list[dict[str, Any]], checkpointer: Checkpointer) -> None:
            checkpointer.checkpoint()

        def lease_lost(self) -> None:
            lost.append(self.shard_id)

    config = ConsumerConfig(failover_seconds=3.0, poll_seconds=0.1, shard_sync_seconds=0.3)
    worker = running(table, application, Watcher, config=config, worker_id="victim")
    wait_for(lambda: bool(worker.consumer.held_shards()))
    shard = worker.consumer.held_shards()[0]
    lease_table = LeaseTable(dynamodb, application)
    current = lease_table.get_lease(shard)
    assert current is not None and current.owner == "victim"
    assert lease_table.take(current, "thief") is not None
    wait_for(lambda: shard in lost, timeout=10)  # noticed at the next renewal (every second here)
    assert shard not in worker.consumer.held_shards()
    worker.stop()
    stolen = lease_table.get_lease(shard)
    assert stolen is not None and stolen.owner == "thief"  # the victim's stop did not release someone else's lease


def test_a_stop_during_a_failed_batch_does_not_checkpoint_past_it(
    dynamodb: Any, running: Callable[..., Running]
) -> None:
    table, application = stream_table(dynamodb), unique_name("billing")
    put_keys(dynamodb, table, ["k0"])
    failed = threading.Event()

    class Failing(RecordProcessor):
        def process_records(self, records: list[dict[str, Any]], checkpointer: Checkpointer) -> None:
            failed.set()
            raise RuntimeError("the billing backend is down")

        def shutdown_requested(self, checkpointer: Checkpointer) -> None:
            checkpointer.checkpoint()  # as the guide advises: store what is finished, which is nothing here

    # A long back-off: the stop arrives while the failed batch waits to be handed over again.
    slow_retry = ConsumerConfig(**{**FAST.__dict__, "backoff_seconds": 10.0, "max_backoff_seconds": 10.0})
    worker = running(table, application, Failing, config=slow_retry)
    assert failed.wait(20)
    worker.stop()
    assert {item["checkpoint"]["S"] for item in leases(dynamodb, application).values()} == {"TRIM_HORIZON"}
    # So the next worker gets the record that was never processed.
    collected = Collected()
    second = running(table, application, collected.factory("b"))
    wait_for(lambda: collected.delivered("b") == ["k0"])
    second.stop()


def test_the_default_shutdown_checkpoints_what_was_processed(
    dynamodb: Any, running: Callable[..., Running]
) -> None:
    table, application = stream_table(dynamodb), unique_name("billing")
    put_keys(dynamodb, table, ["k0", "k1", "k2"])
    lock = threading.Lock()
    last_by_shard: dict[str, str] = {}
    processed: list[str] = []

    class NeverCheckpoints(RecordProcessor):
        def initialize(self, shard_id: str, starting_sequence_number: str) -> None:
            self.shard_id = shard_id

        def process_records(self, records: list[dict[str, Any]], checkpointer: Checkpointer) -> None:
            with lock:
                processed.extend(record["dynamodb"]["Keys"]["pk"]["S"] for record in records)
                last_by_shard[self.shard_id] = records[-1]["dynamodb"]["SequenceNumber"]

    worker = running(table, application, NeverCheckpoints)
    wait_for(lambda: sorted(processed) == ["k0", "k1", "k2"])
    worker.stop()
    # Each shard's lease holds its last record: a graceful stop checkpoints, then hands the lease over.
    stored = leases(dynamodb, application)
    assert last_by_shard
    for shard, sequence in last_by_shard.items():
        assert stored[shard]["checkpoint"]["S"] == sequence
    assert all("leaseOwner" not in item for item in stored.values())
