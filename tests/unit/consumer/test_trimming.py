"""Trimmed data: a reader that fell behind the retention period resumes at the trim horizon and says so."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from shardline.consumer import ConsumerConfig, TrimmedData
from shardline.consumer.retrieval import ShardReader
from tests.unit.consumer.conftest import create_stream_table

SERVER_FLAGS = ("--stream-retention-seconds", "1", "--stream-partitions", "1")
CONFIG = ConsumerConfig(failover_seconds=10.0, backoff_seconds=0.05)


def test_trimmed_records_are_reported_and_reading_resumes_at_the_trim_horizon(
    dynamodb: Any, streams: Any, caplog: pytest.LogCaptureFixture
) -> None:
    table, arn = create_stream_table(dynamodb)
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "old-1"}})
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "old-2"}})
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    old = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    checkpoint = old[0]["dynamodb"]["SequenceNumber"]
    time.sleep(2.5)  # retention is one second; the server trims at least once a second
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "new"}})
    reported: list[TrimmedData] = []
    reader = ShardReader(streams, arn, shard, checkpoint, CONFIG, lambda seconds: False, reported.append)
    with caplog.at_level(logging.WARNING, logger="shardline.consumer"):
        batch = reader.read()
    assert batch is not None
    assert [record["dynamodb"]["Keys"]["pk"]["S"] for record in batch.records] == ["new"]
    assert reported == [TrimmedData(shard, checkpoint, shard_gone=False)]
    assert any("trimmed" in message for message in caplog.messages)
