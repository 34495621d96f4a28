"""A shard that expired whole before it was read to its end: reported as lost, then ended so its children run."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from shardline.consumer import ConsumerConfig, TrimmedData
from shardline.consumer.retrieval import ShardReader
from tests.unit.consumer.conftest import create_stream_table

SERVER_FLAGS = ("--stream-retention-seconds", "1", "--shard-rollover-seconds", "1", "--stream-partitions", "1")
CONFIG = ConsumerConfig(failover_seconds=10.0, backoff_seconds=0.05)


def listed_shards(streams: Any, arn: str) -> set[str]:
    return {shard["ShardId"] for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]}


def test_a_shard_gone_from_the_stream_is_reported_and_ends(
    dynamodb: Any, streams: Any, caplog: pytest.LogCaptureFixture
) -> None:
    table, arn = create_stream_table(dynamodb)
    (first,) = listed_shards(streams, arn)
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "lost"}})
    deadline = time.monotonic() + 20
    while first in listed_shards(streams, arn):  # rolled over after 1 s, its records trimmed after 1 s more
        assert time.monotonic() < deadline, "the first shard never expired"
        time.sleep(0.2)
    reported: list[TrimmedData] = []
    reader = ShardReader(streams, arn, first, "TRIM_HORIZON", CONFIG, lambda seconds: False, reported.append)
    with caplog.at_level(logging.WARNING, logger="shardline.consumer"):
        batch = reader.read()
    assert batch is not None and batch.records == [] and batch.shard_ended
    assert reported == [TrimmedData(first, None, shard_gone=True)]
    assert any("expired before it was read to its end" in message for message in caplog.messages)
