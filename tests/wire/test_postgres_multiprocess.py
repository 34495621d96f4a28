"""Two `shardline serve --postgres` processes on one database: writes through one are read (items and stream)
through the other, and concurrent conditional updates of the same items through both lose nothing; every
change gets exactly one stream record, in strictly increasing sequence numbers per shard."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.postgres_cluster import PostgresCluster
from tests.wire.conftest import ServerProcess, make_client, start_server, stop_server, unique_name

ITEMS = 3
WORKERS_PER_SERVER = 3
INCREMENTS_PER_WORKER = 8


@pytest.fixture(scope="module")
def two_servers(
    postgres_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    url = postgres_cluster.url(postgres_cluster.create_database("shared"))
    first = start_server(tmp_path_factory.mktemp("first"), "--postgres", url)
    try:
        second = start_server(tmp_path_factory.mktemp("second"), "--postgres", url)
        try:
            yield first, second
        finally:
            stop_server(second)
    finally:
        stop_server(first)


def _create_streamed_table(dynamodb: Any) -> tuple[str, str]:
    name = unique_name("shared")
    described = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    return name, described["LatestStreamArn"]


def _records_by_shard(streams: Any, arn: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        records = found.setdefault(shard["ShardId"], [])
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            records.extend(page["Records"])
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return found


def test_a_table_and_items_written_through_one_process_are_read_through_the_other(
    two_servers: tuple[ServerProcess, ServerProcess],
) -> None:
    first, second = (make_client("dynamodb", server.endpoint) for server in two_servers)
    name, _ = _create_streamed_table(first)
    assert second.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    first.put_item(TableName=name, Item={"id": {"S": "a"}, "v": {"N": "1"}})
    assert second.get_item(TableName=name, Key={"id": {"S": "a"}})["Item"] == {"id": {"S": "a"}, "v": {"N": "1"}}
    second.delete_item(TableName=name, Key={"id": {"S": "a"}})
    assert "Item" not in first.get_item(TableName=name, Key={"id": {"S": "a"}})
    # a table dropped through one process is gone for the other at once
    second.delete_table(TableName=name)
    with pytest.raises(ClientError) as excinfo:
        first.put_item(TableName=name, Item={"id": {"S": "b"}})
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"


def _increment(client: Any, table: str, key: str, done: list[int], failures: list[BaseException]) -> None:
    """Optimistic read-modify-write: read n, then write n + 1 only if n is still what was read."""
    try:
        successes = 0
        while successes < INCREMENTS_PER_WORKER:
            current = client.get_item(TableName=table, Key={"id": {"S": key}}, ConsistentRead=True)["Item"]["n"]["N"]
            try:
                client.update_item(
                    TableName=table, Key={"id": {"S": key}},
                    UpdateExpression="SET n = :next", ConditionExpression="n = :seen",
                    ExpressionAttributeValues={":seen": {"N": current}, ":next": {"N": str(int(current) + 1)}},
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                continue
            successes += 1
        done.append(successes)
    except BaseException as error:
        failures.append(error)


def test_concurrent_conditional_updates_through_both_processes_lose_nothing(
    two_servers: tuple[ServerProcess, ServerProcess],
) -> None:
    clients = [make_client("dynamodb", server.endpoint) for server in two_servers]
    name, arn = _create_streamed_table(clients[0])
    keys = [f"item-{index}" for index in range(ITEMS)]
    for key in keys:
        clients[1].put_item(TableName=name, Item={"id": {"S": key}, "n": {"N": "0"}})

    done: list[int] = []
    failures: list[BaseException] = []
    threads = [
        threading.Thread(target=_increment, args=(make_client("dynamodb", server.endpoint), name, key, done, failures))
        for server in two_servers
        for key in keys
        for _ in range(WORKERS_PER_SERVER // ITEMS or 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    per_item = len(threads) // ITEMS * INCREMENTS_PER_WORKER
    for key in keys:
        final = clients[0].get_item(TableName=name, Key={"id": {"S": key}})["Item"]["n"]["N"]
        assert int(final) == per_item  # a lost update would leave fewer

    # The stream, read through the other process: one record per change, in order.
    streams = make_client("dynamodbstreams", two_servers[1].endpoint)
    by_shard = _records_by_shard(streams, arn)
    values: dict[str, list[int]] = {key: [] for key in keys}
    for records in by_shard.values():
        sequences = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
        assert sequences == sorted(set(sequences)), "sequence numbers must increase strictly within a shard"
        for record in records:
            key = record["dynamodb"]["Keys"]["id"]["S"]
            values[key].append(int(record["dynamodb"]["NewImage"]["n"]["N"]))
    for key in keys:
        # the put (n = 0), then each successful update exactly once, in the order they happened
        assert values[key] == list(range(per_item + 1))


def test_migrating_an_existing_database_is_idempotent(postgres_cluster: PostgresCluster, tmp_path: Path) -> None:
    """A second process opening an up-to-date database finds the schema in place and keeps its data."""
    url = postgres_cluster.url(postgres_cluster.create_database("reopen"))
    first = start_server(tmp_path / "a", "--postgres", url)
    try:
        client = make_client("dynamodb", first.endpoint)
        name, _ = _create_streamed_table(client)
        client.put_item(TableName=name, Item={"id": {"S": "kept"}})
    finally:
        assert stop_server(first) == 0
    second = start_server(tmp_path / "b", "--postgres", url)
    try:
        client = make_client("dynamodb", second.endpoint)
        assert client.get_item(TableName=name, Key={"id": {"S": "kept"}})["Item"] == {"id": {"S": "kept"}}
    finally:
        assert stop_server(second) == 0
