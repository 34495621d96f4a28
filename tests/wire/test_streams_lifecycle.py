"""Streams against servers started with short rollover, retention and iterator lifetimes (the flags that let
consumers be tested in seconds), reader throttling, and durability across a SIGKILL."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from tests.wire.conftest import ServerProcess, error_of, make_client, start_server, stop_server, unique_name

StoreFlags = Callable[[], tuple[str, ...]]


def _create(dynamodb: Any) -> tuple[str, str]:
    name = unique_name("life")
    described = dynamodb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]
    return name, described["LatestStreamArn"]


def _wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.1)


def _shards(streams: Any, arn: str) -> list[dict[str, Any]]:
    return list(streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"])


def _read_in_lineage_order(streams: Any, arn: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for shard in _shards(streams, arn):  # ShardId order puts every parent before its children
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            records.extend(page["Records"])
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return records


def _drained_after_trim(streams: Any, arn: str) -> bool:
    """True once the stream reads as empty. A trim may land between a GetShardIterator and its GetRecords;
    the reader then gets TrimmedDataAccessException, which here only means "not yet"."""
    try:
        return _read_in_lineage_order(streams, arn) == []
    except ClientError as error:
        if error.response["Error"]["Code"] != "TrimmedDataAccessException":
            raise
        return False


def _read_by_shard(streams: Any, arn: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for shard in _shards(streams, arn):
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records = found.setdefault(shard["ShardId"], [])
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            records.extend(page["Records"])
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return found


@pytest.fixture(scope="module")
def backend_flags() -> StoreFlags:
    """Makes the flags that choose a fresh store for each server this module starts: SQLite in the data
    directory here; the PostgreSQL module that adopts these tests overrides it with a fresh database."""
    return lambda: ()


@pytest.fixture(scope="module")
def rolling(tmp_path_factory: pytest.TempPathFactory, backend_flags: StoreFlags) -> Iterator[ServerProcess]:
    running = start_server(tmp_path_factory.mktemp("rolling"), *backend_flags(), "--shard-rollover-seconds", "1",
                           "--iterator-ttl-seconds", "2", "--stream-partitions", "1")
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def trimming(tmp_path_factory: pytest.TempPathFactory, backend_flags: StoreFlags) -> Iterator[ServerProcess]:
    running = start_server(tmp_path_factory.mktemp("trimming"), *backend_flags(), "--stream-retention-seconds", "2",
                           "--stream-partitions", "1")
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def throttling(tmp_path_factory: pytest.TempPathFactory, backend_flags: StoreFlags) -> Iterator[ServerProcess]:
    running = start_server(tmp_path_factory.mktemp("throttling"), *backend_flags(), "--stream-partitions", "1",
                           "--stream-throttling")
    yield running
    stop_server(running)


def test_shards_roll_over_and_lineage_keeps_order(rolling: ServerProcess) -> None:
    dynamodb, streams = make_client("dynamodb", rolling.endpoint), make_client("dynamodbstreams", rolling.endpoint)
    table, arn = _create(dynamodb)
    dynamodb.put_item(TableName=table, Item={"id": {"S": "a"}, "v": {"S": "1"}})
    _wait_for(lambda: any("ParentShardId" in s for s in _shards(streams, arn)))
    dynamodb.put_item(TableName=table, Item={"id": {"S": "a"}, "v": {"S": "2"}})
    shards = _shards(streams, arn)
    root = shards[0]
    assert "ParentShardId" not in root and "EndingSequenceNumber" in root["SequenceNumberRange"]
    assert shards[1]["ParentShardId"] == root["ShardId"]
    values = [r["dynamodb"]["NewImage"]["v"]["S"] for r in _read_in_lineage_order(streams, arn)]
    assert values == ["1", "2"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=root["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    drained = streams.get_records(ShardIterator=iterator)
    assert "NextShardIterator" not in drained


def test_records_past_retention_are_trimmed(trimming: ServerProcess) -> None:
    dynamodb, streams = make_client("dynamodb", trimming.endpoint), make_client("dynamodbstreams", trimming.endpoint)
    table, arn = _create(dynamodb)
    dynamodb.put_item(TableName=table, Item={"id": {"S": "a"}, "v": {"S": "old"}})
    shard = _shards(streams, arn)[0]["ShardId"]
    early = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    _wait_for(lambda: _drained_after_trim(streams, arn))
    with pytest.raises(ClientError) as raised:
        streams.get_records(ShardIterator=early)
    assert error_of(raised) == ("TrimmedDataAccessException", "The data you are trying to access has been trimmed")


def test_a_shard_past_retention_does_not_exist(trimming: ServerProcess) -> None:
    import json
    import urllib.request

    dynamodb, streams = make_client("dynamodb", trimming.endpoint), make_client("dynamodbstreams", trimming.endpoint)
    table, arn = _create(dynamodb)
    parent = _shards(streams, arn)[0]["ShardId"]
    split = urllib.request.Request(trimming.endpoint + "/-/shards/split", method="POST",
                                   data=json.dumps({"TableName": table}).encode())
    with urllib.request.urlopen(split, timeout=30) as answer:
        assert answer.status == 200
    _wait_for(lambda: parent not in [s["ShardId"] for s in _shards(streams, arn)])
    with pytest.raises(ClientError) as raised:
        streams.get_shard_iterator(StreamArn=arn, ShardId=parent, ShardIteratorType="TRIM_HORIZON")
    # AWS's words, as consumers holding an expired shard's id have logged them from AWS
    assert error_of(raised) == ("ResourceNotFoundException", "Requested resource not found: Shard does not exist")


def test_iterators_expire(rolling: ServerProcess) -> None:
    dynamodb, streams = make_client("dynamodb", rolling.endpoint), make_client("dynamodbstreams", rolling.endpoint)
    _, arn = _create(dynamodb)
    shard = _shards(streams, arn)[0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    time.sleep(2.3)
    with pytest.raises(ClientError) as raised:
        streams.get_records(ShardIterator=iterator)
    code, message = error_of(raised)
    assert code == "ExpiredIteratorException"
    assert message.startswith("Iterator expired. The iterator was created at time ")
    assert message.endswith("which is further in the future than the tolerated delay of 2000 milliseconds.")


def test_throttling_answers_limit_exceeded(throttling: ServerProcess) -> None:
    dynamodb = make_client("dynamodb", throttling.endpoint)
    streams = make_client("dynamodbstreams", throttling.endpoint)
    _, arn = _create(dynamodb)
    shard = _shards(streams, arn)[0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    codes: list[str] = []

    def reader() -> None:  # many concurrent readers polling one shard without pause
        client = make_client("dynamodbstreams", throttling.endpoint)
        for _ in range(10):
            try:
                client.get_records(ShardIterator=iterator)
                codes.append("ok")
            except ClientError as error:
                codes.append(error.response["Error"]["Code"])

    readers = [threading.Thread(target=reader) for _ in range(8)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join()
    assert "LimitExceededException" in codes
    time.sleep(1.0)
    streams.get_records(ShardIterator=iterator)  # a reader that backs off is served again


def test_stream_survives_sigkill_with_exactly_the_acknowledged_changes(
    tmp_path: Path, backend_flags: StoreFlags
) -> None:
    store = backend_flags()
    server = start_server(tmp_path / "data", *store)
    dynamodb = make_client("dynamodb", server.endpoint)
    table, arn = _create(dynamodb)
    acknowledged: list[str] = []
    attempted: list[str] = []
    stop = threading.Event()

    def load() -> None:
        for number in range(100_000):
            if stop.is_set():
                return
            key = f"k{number}"
            attempted.append(key)
            try:
                dynamodb.put_item(TableName=table, Item={"id": {"S": key}})
            except (ClientError, EndpointConnectionError, OSError, Exception):
                return
            acknowledged.append(key)

    writer = threading.Thread(target=load)
    writer.start()
    _wait_for(lambda: len(acknowledged) >= 150, seconds=60)
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    if server.process.stdout is not None:
        server.process.stdout.close()
    stop.set()
    writer.join(timeout=30)
    restarted = start_server(tmp_path / "data", *store)
    try:
        streams = make_client("dynamodbstreams", restarted.endpoint)
        by_shard = _read_by_shard(streams, arn)
        keys = [r["dynamodb"]["Keys"]["id"]["S"] for records in by_shard.values() for r in records]
        assert len(keys) == len(set(keys))  # no duplicate
        in_flight = set(attempted) - set(acknowledged)
        assert set(acknowledged) <= set(keys)  # nothing acknowledged is lost
        assert set(keys) - set(acknowledged) <= in_flight  # nothing that was never written
        dynamodb_again = make_client("dynamodb", restarted.endpoint)
        for index in range(40):
            dynamodb_again.put_item(TableName=table, Item={"id": {"S": f"after{index}"}})
        grown = _read_by_shard(streams, arn)
        assert sum(len(records) for records in grown.values()) == len(keys) + 40
        for shard, records in grown.items():  # sequence numbers keep increasing within every shard
            numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
            assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), shard
            old = by_shard.get(shard, [])
            assert [r["dynamodb"]["SequenceNumber"] for r in records[: len(old)]] == [
                r["dynamodb"]["SequenceNumber"] for r in old
            ]
    finally:
        stop_server(restarted)
