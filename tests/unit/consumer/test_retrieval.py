"""ShardReader against a server whose iterators expire after a second."""

from __future__ import annotations

import time
from typing import Any

from shardline.consumer import ConsumerConfig, TrimmedData
from shardline.consumer.retrieval import ShardReader
from tests.unit.consumer.conftest import create_stream_table

SERVER_FLAGS = ("--iterator-ttl-seconds", "1", "--stream-partitions", "1")
CONFIG = ConsumerConfig(failover_seconds=10.0, backoff_seconds=0.05, max_backoff_seconds=0.4)


def only_shard(streams: Any, arn: str) -> str:
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert len(shards) == 1
    return str(shards[0]["ShardId"])


def put(dynamodb: Any, table: str, *keys: str) -> None:
    for key in keys:
        dynamodb.put_item(TableName=table, Item={"pk": {"S": key}})


def keys_of(records: list[dict[str, Any]]) -> list[str]:
    return [record["dynamodb"]["Keys"]["pk"]["S"] for record in records]


class Pauses:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> bool:
        self.seconds.append(seconds)
        time.sleep(seconds)
        return False


def never_trimmed(event: TrimmedData) -> None:
    raise AssertionError(f"unexpected trim: {event}")


def test_reads_from_the_trim_horizon_then_after_a_checkpoint(dynamodb: Any, streams: Any) -> None:
    table, arn = create_stream_table(dynamodb)
    shard = only_shard(streams, arn)
    put(dynamodb, table, "a", "b", "c")
    first = ShardReader(streams, arn, shard, "TRIM_HORIZON", CONFIG, Pauses(), never_trimmed).read()
    assert first is not None and keys_of(first.records) == ["a", "b", "c"] and not first.shard_ended
    after_a = first.records[0]["dynamodb"]["SequenceNumber"]
    resumed = ShardReader(streams, arn, shard, after_a, CONFIG, Pauses(), never_trimmed).read()
    assert resumed is not None and keys_of(resumed.records) == ["b", "c"]


def test_an_expired_iterator_is_renewed_from_the_last_record_read(dynamodb: Any, streams: Any) -> None:
    table, arn = create_stream_table(dynamodb)
    shard = only_shard(streams, arn)
    put(dynamodb, table, "a", "b")
    reader = ShardReader(streams, arn, shard, "TRIM_HORIZON", CONFIG, Pauses(), never_trimmed)
    batch = reader.read()
    assert batch is not None and keys_of(batch.records) == ["a", "b"]
    time.sleep(1.3)  # the server's iterator lifetime is one second
    put(dynamodb, table, "c")
    batch = reader.read()
    assert batch is not None and keys_of(batch.records) == ["c"]  # nothing lost, nothing read twice
