"""ShardReader against a server that throttles GetRecords beyond about two readers per shard."""

from __future__ import annotations

import threading
from typing import Any

from shardline.consumer import ConsumerConfig
from shardline.consumer.retrieval import ShardReader
from tests.unit.consumer.conftest import create_stream_table
from tests.unit.consumer.test_retrieval import Pauses, keys_of, never_trimmed, only_shard, put

SERVER_FLAGS = ("--stream-throttling", "--stream-partitions", "1")
CONFIG = ConsumerConfig(failover_seconds=10.0, backoff_seconds=0.05, max_backoff_seconds=0.4)


class Hammer:
    """Threads calling GetRecords on one shard back to back, as a too-greedy third reader would, until stopped."""

    def __init__(self, streams: Any, arn: str, shard: str) -> None:
        self._streams, self._arn, self._shard = streams, arn, shard
        self._stop = threading.Event()
        self.throttled = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(8)]

    def _run(self) -> None:
        errors = self._streams.exceptions
        iterator = self._streams.get_shard_iterator(
            StreamArn=self._arn, ShardId=self._shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while not self._stop.is_set():
            try:
                self._streams.get_records(ShardIterator=iterator)
            except errors.LimitExceededException:
                self.throttled.set()

    def __enter__(self) -> Hammer:
        for thread in self._threads:
            thread.start()
        assert self.throttled.wait(20), "the shard never throttled"
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def test_throttling_is_retried_with_growing_pauses(dynamodb: Any, streams: Any) -> None:
    table, arn = create_stream_table(dynamodb)
    shard = only_shard(streams, arn)
    put(dynamodb, table, "a")
    pauses = Pauses()

    def wait_and_release(seconds: float) -> bool:
        hammer.stop()  # the greedy reader gives up once ours has been throttled
        return pauses(seconds)

    records: list[dict[str, Any]] = []
    with Hammer(streams, arn, shard) as hammer:
        reader = ShardReader(streams, arn, shard, "TRIM_HORIZON", CONFIG, wait_and_release, never_trimmed)
        # On a loaded machine one call may slip through between the greedy reader's calls: read on until ours
        # was throttled once.
        for _ in range(50):
            batch = reader.read()
            assert batch is not None
            records.extend(batch.records)
            if pauses.seconds:
                break
    assert keys_of(records) == ["a"]
    assert pauses.seconds, "the reader should have backed off"
    assert pauses.seconds[0] == CONFIG.backoff_seconds
    assert pauses.seconds == sorted(pauses.seconds)
    assert max(pauses.seconds) <= CONFIG.max_backoff_seconds


def test_a_stop_during_a_back_off_returns_none(dynamodb: Any, streams: Any) -> None:
    _table, arn = create_stream_table(dynamodb)
    shard = only_shard(streams, arn)
    with Hammer(streams, arn, shard):
        reader = ShardReader(streams, arn, shard, "TRIM_HORIZON", CONFIG, lambda seconds: True, never_trimmed)
        results = []
        for _ in range(50):  # a call may slip through on a loaded machine; the first throttle must stop it
            results.append(reader.read())
            if results[-1] is None:
                break
        assert results[-1] is None
