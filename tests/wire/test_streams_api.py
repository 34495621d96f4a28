"""The Streams API over the wire with boto3: the orders scenario, every write path, view types, iterators,
pagination, errors as AWS words them, and the shard controls and tail of the CLI."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.wire.conftest import error_of, make_client, unique_name


@pytest.fixture(scope="module")
def streams(endpoint: str) -> Any:
    return make_client("dynamodbstreams", endpoint)


def _create(dynamodb: Any, view_type: str = "NEW_AND_OLD_IMAGES", sort_key: bool = False) -> tuple[str, str]:
    name = unique_name("orders")
    keys = [{"AttributeName": "id", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "id", "AttributeType": "S"}]
    if sort_key:
        keys.append({"AttributeName": "n", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "n", "AttributeType": "N"})
    described = dynamodb.create_table(
        TableName=name, KeySchema=keys, AttributeDefinitions=definitions, BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type},
    )["TableDescription"]
    return name, described["LatestStreamArn"]


def _all_records(streams: Any, arn: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
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


def _summary(records: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
    return [(r["eventName"], r["dynamodb"].get("OldImage"), r["dynamodb"].get("NewImage")) for r in records]


def test_orders_scenario(dynamodb: Any, streams: Any) -> None:
    table, arn = _create(dynamodb)
    pending = {"id": {"S": "o1"}, "status": {"S": "pending"}}
    shipped = {"id": {"S": "o1"}, "status": {"S": "shipped"}}
    dynamodb.put_item(TableName=table, Item=pending)
    dynamodb.put_item(TableName=table, Item=pending)
    dynamodb.update_item(
        TableName=table, Key={"id": {"S": "o1"}}, UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "shipped"}},
    )
    with pytest.raises(ClientError):
        dynamodb.put_item(TableName=table, Item=pending, ConditionExpression="attribute_not_exists(id)")
    dynamodb.delete_item(TableName=table, Key={"id": {"S": "o1"}})
    dynamodb.delete_item(TableName=table, Key={"id": {"S": "o1"}})
    records = _all_records(streams, arn)
    assert _summary(records) == [("INSERT", None, pending), ("MODIFY", pending, shipped), ("REMOVE", shipped, None)]
    for record in records:
        assert record["eventVersion"] == "1.1"
        assert record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == "us-east-1"
        assert len(record["eventID"]) == 32
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert record["dynamodb"]["Keys"] == {"id": {"S": "o1"}}
        assert 21 <= len(record["dynamodb"]["SequenceNumber"]) <= 40
    # id "o1" (2 + 2) plus status "pending" (6 + 7) = 17; INSERT carries keys + new image
    assert records[0]["dynamodb"]["SizeBytes"] == 4 + 17


def test_batch_and_transaction_writes_are_recorded(dynamodb: Any, streams: Any) -> None:
    table, arn = _create(dynamodb, view_type="KEYS_ONLY")
    try:
        dynamodb.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"id": {"S": "b1"}}}}, {"PutRequest": {"Item": {"id": {"S": "b2"}}}},
        ]})
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"id": {"S": "t1"}}}},
            {"Delete": {"TableName": table, "Key": {"id": {"S": "b1"}}}},
            {"ConditionCheck": {"TableName": table, "Key": {"id": {"S": "b2"}},
                                "ConditionExpression": "attribute_exists(id)"}},
        ])
    except ClientError as error:
        if error.response["Error"]["Code"] == "UnknownOperationException":
            pytest.skip("BatchWriteItem/TransactWriteItems are not served yet")
        raise
    events = sorted((r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in _all_records(streams, arn))
    assert events == [("INSERT", "b1"), ("INSERT", "b2"), ("INSERT", "t1"), ("REMOVE", "b1")]


def test_index_writes_emit_no_records(dynamodb: Any, streams: Any) -> None:
    """Only base-table changes are recorded: an item that also lands in a GSI and an LSI gives one record per
    change, and the indexes have no stream of their own."""
    table = unique_name("indexed")
    described = dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": kind}
                              for name, kind in (("id", "S"), ("n", "N"), ("status", "S"))],
        GlobalSecondaryIndexes=[{"IndexName": "by-status", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}]}],
        LocalSecondaryIndexes=[{"IndexName": "by-id-status", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"},
                                              {"AttributeName": "status", "KeyType": "RANGE"}]}],
        BillingMode="PAY_PER_REQUEST", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )["TableDescription"]
    arn = described["LatestStreamArn"]
    key = {"id": {"S": "o1"}, "n": {"N": "1"}}
    dynamodb.put_item(TableName=table, Item={**key, "status": {"S": "pending"}})
    dynamodb.update_item(TableName=table, Key=key, UpdateExpression="SET #s = :s",
                         ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "shipped"}})
    dynamodb.delete_item(TableName=table, Key=key)
    assert [r["eventName"] for r in _all_records(streams, arn)] == ["INSERT", "MODIFY", "REMOVE"]
    assert [s["StreamArn"] for s in streams.list_streams(TableName=table)["Streams"]] == [arn]


@pytest.mark.parametrize(
    ("view_type", "images"),
    [
        ("KEYS_ONLY", [[], [], []]),
        ("NEW_IMAGE", [["NewImage"], ["NewImage"], []]),
        ("OLD_IMAGE", [[], ["OldImage"], ["OldImage"]]),
        ("NEW_AND_OLD_IMAGES", [["NewImage"], ["NewImage", "OldImage"], ["OldImage"]]),
    ],
)
def test_view_types(dynamodb: Any, streams: Any, view_type: str, images: list[list[str]]) -> None:
    table, arn = _create(dynamodb, view_type=view_type, sort_key=True)
    key = {"id": {"S": "k"}, "n": {"N": "1"}}
    dynamodb.put_item(TableName=table, Item={**key, "v": {"S": "a"}})
    dynamodb.update_item(
        TableName=table, Key=key, UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "b"}}
    )
    dynamodb.delete_item(TableName=table, Key=key)
    records = _all_records(streams, arn)
    assert [sorted(k for k in r["dynamodb"] if k.endswith("Image")) for r in records] == images
    assert all(r["dynamodb"]["Keys"] == key for r in records)


def test_describe_stream_shape_and_pagination(dynamodb: Any, streams: Any) -> None:
    table, arn = _create(dynamodb)
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamArn"] == arn
    assert description["StreamLabel"] == arn.rsplit("/", 1)[1]
    assert description["StreamStatus"] == "ENABLED"
    assert description["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert description["TableName"] == table
    assert description["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    shards = description["Shards"]
    assert len(shards) == 4  # a new on-demand table's stream shows four shards
    assert "LastEvaluatedShardId" not in description
    first = streams.describe_stream(StreamArn=arn, Limit=3)["StreamDescription"]
    assert [s["ShardId"] for s in first["Shards"]] == [s["ShardId"] for s in shards[:3]]
    assert first["LastEvaluatedShardId"] == shards[2]["ShardId"]
    rest = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=first["LastEvaluatedShardId"])
    assert [s["ShardId"] for s in rest["StreamDescription"]["Shards"]] == [shards[3]["ShardId"]]
    beyond = streams.describe_stream(StreamArn=arn, ExclusiveStartShardId="shardId-99999999999999999999-ffffffff")
    assert beyond["StreamDescription"]["Shards"] == []


def test_list_streams(dynamodb: Any, streams: Any) -> None:
    table, arn = _create(dynamodb)
    listed = streams.list_streams(TableName=table)["Streams"]
    assert listed == [{"StreamArn": arn, "TableName": table, "StreamLabel": arn.rsplit("/", 1)[1]}]
    assert streams.list_streams(TableName=unique_name("none"))["Streams"] == []
    _create(dynamodb)  # a second stream, so that a page of one is cut even when this test runs first
    everything = streams.list_streams(Limit=1)
    assert len(everything["Streams"]) == 1 and "LastEvaluatedStreamArn" in everything
    following = streams.list_streams(Limit=1, ExclusiveStartStreamArn=everything["LastEvaluatedStreamArn"])
    assert following["Streams"][0]["StreamArn"] > everything["LastEvaluatedStreamArn"]


def test_disable_then_reenable(dynamodb: Any, streams: Any) -> None:
    table, first = _create(dynamodb)
    dynamodb.put_item(TableName=table, Item={"id": {"S": "a"}})
    disabled = dynamodb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    assert "StreamSpecification" not in disabled["TableDescription"]
    assert dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"] == first
    description = streams.describe_stream(StreamArn=first)["StreamDescription"]
    assert description["StreamStatus"] == "DISABLED"
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in description["Shards"])
    assert [r["eventName"] for r in _all_records(streams, first)] == ["INSERT"]
    enabled = dynamodb.update_table(
        TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    )
    second = enabled["TableDescription"]["LatestStreamArn"]
    assert second != first
    assert len(streams.list_streams(TableName=table)["Streams"]) == 2


def test_deleted_tables_stream_stays_readable(dynamodb: Any, streams: Any) -> None:
    table, arn = _create(dynamodb)
    dynamodb.put_item(TableName=table, Item={"id": {"S": "a"}})
    dynamodb.delete_table(TableName=table)
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    assert [r["eventName"] for r in _all_records(streams, arn)] == ["INSERT"]
    assert arn in [s["StreamArn"] for s in streams.list_streams(TableName=table)["Streams"]]


def test_iterator_types(dynamodb: Any, streams: Any) -> None:
    table, arn = _create(dynamodb)
    for value in ("1", "2", "3"):
        dynamodb.put_item(TableName=table, Item={"id": {"S": "same"}, "v": {"S": value}})
    shard = next(
        s["ShardId"] for s in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        if _records_of(streams, arn, s["ShardId"], "TRIM_HORIZON")
    )
    everything = _records_of(streams, arn, shard, "TRIM_HORIZON")
    second = everything[1]["dynamodb"]["SequenceNumber"]
    assert [r["dynamodb"]["NewImage"]["v"]["S"] for r in everything] == ["1", "2", "3"]
    assert _records_of(streams, arn, shard, "LATEST") == []
    def values(kind: str) -> list[str]:
        return [r["dynamodb"]["NewImage"]["v"]["S"] for r in _records_of(streams, arn, shard, kind, second)]

    assert values("AT_SEQUENCE_NUMBER") == ["2", "3"]
    assert values("AFTER_SEQUENCE_NUMBER") == ["3"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    assert iterator.startswith(arn + "|1|")
    empty = streams.get_records(ShardIterator=iterator)
    assert empty["Records"] == [] and empty["NextShardIterator"]


def _records_of(streams: Any, arn: str, shard: str, kind: str, sequence: str | None = None) -> list[dict[str, Any]]:
    arguments: dict[str, Any] = {"StreamArn": arn, "ShardId": shard, "ShardIteratorType": kind}
    if sequence is not None:
        arguments["SequenceNumber"] = sequence
    iterator = streams.get_shard_iterator(**arguments)["ShardIterator"]
    return list(streams.get_records(ShardIterator=iterator)["Records"])


def _error(call: Any, **arguments: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call(**arguments)
    return error_of(raised)


def test_errors(dynamodb: Any, streams: Any) -> None:
    _, arn = _create(dynamodb)
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    missing = arn.replace(":table/", ":table/missing-")
    assert _error(streams.describe_stream, StreamArn=missing) == (
        "ResourceNotFoundException", f"Requested resource not found: Stream: {missing} not found"
    )
    # AWS's words, as the AWS SDK for JavaScript's integration tests against AWS expect them
    assert _error(streams.describe_stream, StreamArn="arn:aws:dynamodb:us-east-1:000000000000:table/x/y/z") == (
        "ValidationException", "Invalid StreamArn"
    )
    # AWS's words for a shard that is not (or no longer) in the stream, as consumers have logged them from AWS
    assert _error(streams.get_shard_iterator, StreamArn=arn, ShardId="shardId-00000000000000000000-00000000",
                  ShardIteratorType="TRIM_HORIZON") == (
        "ResourceNotFoundException", "Requested resource not found: Shard does not exist"
    )
    assert _error(streams.get_shard_iterator, StreamArn=arn, ShardId=shard,
                  ShardIteratorType="AT_SEQUENCE_NUMBER")[0] == "ValidationException"
    assert _error(streams.get_shard_iterator, StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST",
                  SequenceNumber="100000000000000000001")[0] == "ValidationException"
    assert _error(streams.get_shard_iterator, StreamArn=arn, ShardId=shard,
                  ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber="x" * 21)[0] == "ValidationException"
    assert _error(streams.get_records, ShardIterator="garbage")[0] == "ValidationException"
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    assert _error(streams.get_records, ShardIterator=iterator[:-4] + "AAAA")[0] == "ValidationException"
    assert _error(streams.get_records, ShardIterator=iterator, Limit=1001) == (
        "ValidationException",
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000",
    )
    assert _error(streams.describe_stream, StreamArn=arn, Limit=101)[0] == "ValidationException"


def test_stream_specification_errors(dynamodb: Any) -> None:
    table, _ = _create(dynamodb)
    assert _error(dynamodb.update_table, TableName=table,
                  StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}) == (
        "ValidationException", f"Table already has an enabled stream: TableName: {table}"
    )
    dynamodb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    assert _error(dynamodb.update_table, TableName=table, StreamSpecification={"StreamEnabled": False}) == (
        "ValidationException", f"Table has no stream to disable: TableName: {table}"
    )


@pytest.fixture
def cli_env() -> Iterator[dict[str, str]]:
    import os

    yield {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}


def test_shards_split_command_and_lineage(dynamodb: Any, streams: Any, endpoint: str, cli_env: dict[str, str]) -> None:
    table, arn = _create(dynamodb)
    dynamodb.put_item(TableName=table, Item={"id": {"S": "before"}})
    done = subprocess.run(
        [sys.executable, "-m", "shardline", "shards", "split", table, "--endpoint-url", endpoint],
        capture_output=True, text=True, timeout=60, env=cli_env,
    )
    assert done.returncode == 0, done.stderr
    assert "8 new shards" in done.stdout
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    parents = [s for s in shards if "ParentShardId" not in s]
    assert len(parents) == 4 and all("EndingSequenceNumber" in p["SequenceNumberRange"] for p in parents)
    for parent in parents:
        children = streams.describe_stream(
            StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": parent["ShardId"]}
        )["StreamDescription"]["Shards"]
        assert len(children) == 2 and all(c["ParentShardId"] == parent["ShardId"] for c in children)
    dynamodb.put_item(TableName=table, Item={"id": {"S": "after"}})
    assert sorted(r["dynamodb"]["Keys"]["id"]["S"] for r in _all_records(streams, arn)) == ["after", "before"]
    missing = subprocess.run(
        [sys.executable, "-m", "shardline", "shards", "split", unique_name("none"), "--endpoint-url", endpoint],
        capture_output=True, text=True, timeout=60, env=cli_env,
    )
    assert missing.returncode == 1 and "Requested resource not found" in missing.stderr


def test_tail_prints_records_as_json(dynamodb: Any, endpoint: str, cli_env: dict[str, str]) -> None:
    table, _ = _create(dynamodb)
    dynamodb.put_item(TableName=table, Item={"id": {"S": "o1"}, "status": {"S": "pending"}})
    dynamodb.put_item(TableName=table, Item={"id": {"S": "o1"}, "status": {"S": "shipped"}})
    done = subprocess.run(
        [sys.executable, "-m", "shardline", "tail", table, "--from", "trim-horizon", "--json", "--max-records", "2",
         "--endpoint-url", endpoint, "--region", "us-east-1"],
        capture_output=True, text=True, timeout=60, env=cli_env,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["eventName"] for line in lines] == ["INSERT", "MODIFY"]
    assert lines[1]["dynamodb"]["NewImage"]["status"] == {"S": "shipped"}


def _bare_env(home: Path) -> dict[str, str]:
    """A new user's machine: no AWS variables, no ~/.aws files."""
    import os

    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(HOME=str(home), AWS_CONFIG_FILE=str(home / "no-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(home / "no-credentials"))
    return env


def test_tail_against_a_local_endpoint_needs_no_aws_configuration(
    dynamodb: Any, endpoint: str, tmp_path: Path
) -> None:
    table, _ = _create(dynamodb)
    dynamodb.put_item(TableName=table, Item={"id": {"S": "o1"}, "status": {"S": "pending"}})
    done = subprocess.run(
        [sys.executable, "-m", "shardline", "tail", table, "--from", "trim-horizon", "--json", "--max-records", "1",
         "--endpoint-url", endpoint],
        capture_output=True, text=True, timeout=60, env=_bare_env(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dynamodb"]["NewImage"]["status"] == {"S": "pending"}


def _lines_of(process: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def _next_record(lines: queue.Queue[str], deadline: float) -> dict[str, Any]:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise AssertionError("tail printed nothing in time")
    return dict(json.loads(lines.get(timeout=remaining)))


def test_tail_follows_the_orders_scenario_from_latest(dynamodb: Any, endpoint: str, tmp_path: Path) -> None:
    """The seed's example as a second application sees it with `shardline tail --json` (from LATEST): INSERT
    pending, MODIFY pending -> shipped, REMOVE, and nothing for the writes that changed nothing."""
    table, _ = _create(dynamodb)
    process = subprocess.Popen(
        [sys.executable, "-m", "shardline", "tail", table, "--json", "--endpoint-url", endpoint],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_bare_env(tmp_path),
    )
    try:
        lines = _lines_of(process)
        deadline = time.monotonic() + 30
        # tail starts at LATEST: write a marker until it shows, so the scenario is written after tail is following
        marker = None
        while marker is None:
            dynamodb.put_item(TableName=table, Item={"id": {"S": "marker"}, "at": {"N": str(time.monotonic())}})
            try:
                marker = _next_record(lines, min(deadline, time.monotonic() + 0.5))
            except queue.Empty:
                continue
        key = {"id": {"S": "o1"}}
        pending, shipped = {**key, "status": {"S": "pending"}}, {**key, "status": {"S": "shipped"}}

        def set_status(value: str) -> None:
            dynamodb.update_item(
                TableName=table, Key=key, UpdateExpression="SET #s = :s",
                ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": value}},
            )

        dynamodb.put_item(TableName=table, Item=pending)
        dynamodb.put_item(TableName=table, Item=pending)  # identical: no record
        set_status("pending")  # equal value: no record
        with pytest.raises(ClientError):
            dynamodb.put_item(TableName=table, Item=shipped, ConditionExpression="attribute_not_exists(id)")
        set_status("shipped")
        dynamodb.delete_item(TableName=table, Key=key)
        dynamodb.delete_item(TableName=table, Key=key)  # missing item: no record
        dynamodb.put_item(TableName=table, Item={"id": {"S": "o1-done"}})  # after everything else on o1
        seen: list[dict[str, Any]] = []
        while not any(r["dynamodb"]["Keys"]["id"]["S"] == "o1-done" for r in seen):
            seen.append(_next_record(lines, deadline))
        # the last record may overtake o1's (other shard); give o1's records a moment to arrive too
        time.sleep(1.0)
        while not lines.empty():
            seen.append(_next_record(lines, deadline))
        orders = [r for r in seen if r["dynamodb"]["Keys"] == key]
        assert [(r["eventName"], r["dynamodb"].get("OldImage"), r["dynamodb"].get("NewImage")) for r in orders] == [
            ("INSERT", None, pending), ("MODIFY", pending, shipped), ("REMOVE", shipped, None)
        ]
    finally:
        process.terminate()
        process.wait(timeout=20)


def _admin(endpoint: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(endpoint + path, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_admin_split_errors(dynamodb: Any, endpoint: str, hash_table: str) -> None:
    assert _admin(endpoint, "/-/nothing", b"{}")[0] == 404
    status, payload = _admin(endpoint, "/-/shards/split", json.dumps({"TableName": hash_table}).encode())
    assert status == 400
    assert payload["message"] == f"Table has no enabled stream: TableName: {hash_table}"
    status, payload = _admin(endpoint, "/-/shards/split", b"[1]")
    assert status == 400 and payload["__type"].endswith("SerializationException")
