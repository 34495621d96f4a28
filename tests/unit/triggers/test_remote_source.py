"""RemoteStreamSource over scripted Streams API clients: LATEST kept as a started-at position, so a runner
stopped before its first record resumes where it started instead of at the new LATEST."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from shardline.clock import FakeClock
from shardline.triggers.sources import LATEST, RemoteStreamSource
from tests.unit.triggers.runtime_fakes import ARN, FakeFunction, config, flatten, run_until, stream_record

START = 1_700_000_000.0


class FakeStreamsApi:
    """The DynamoDB Streams calls the remote source makes, over in-memory shards; iterators hold a "|" like
    AWS's do. `date` is what the Date header says (None: no header)."""

    def __init__(self, date: float | None = START) -> None:
        self.records: list[dict[str, Any]] = []
        self.date = date
        self.iterator_types: list[str] = []

    def add(self, key: str, created_at: float) -> None:
        self.records.append(stream_record(len(self.records) + 1, key, created_at=created_at, v=key))

    def _metadata(self) -> dict[str, Any]:
        headers = {} if self.date is None else {"date": format_datetime(datetime.fromtimestamp(self.date, UTC), True)}
        return {"HTTPStatusCode": 200, "HTTPHeaders": headers}

    def describe_stream(self, StreamArn: str, **_: Any) -> dict[str, Any]:
        return {"StreamDescription": {
            "StreamArn": StreamArn, "StreamStatus": "ENABLED",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "Shards": [{"ShardId": "shardId-1", "SequenceNumberRange": {"StartingSequenceNumber": "1"}}],
        }, "ResponseMetadata": self._metadata()}

    def get_shard_iterator(self, StreamArn: str, ShardId: str, ShardIteratorType: str,
                           SequenceNumber: str | None = None) -> dict[str, Any]:
        self.iterator_types.append(ShardIteratorType)
        if ShardIteratorType == "TRIM_HORIZON":
            index = 0
        elif ShardIteratorType == "LATEST":
            index = len(self.records)
        else:
            assert ShardIteratorType == "AFTER_SEQUENCE_NUMBER" and SequenceNumber is not None
            index = sum(1 for r in self.records if int(r["dynamodb"]["SequenceNumber"]) <= int(SequenceNumber))
        return {"ShardIterator": f"{StreamArn}|{ShardId}|{index}", "ResponseMetadata": self._metadata()}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        arn, shard_id, index = ShardIterator.rsplit("|", 2)
        page = self.records[int(index): int(index) + Limit]
        following = f"{arn}|{shard_id}|{int(index) + len(page)}"
        return {"Records": page, "NextShardIterator": following, "ResponseMetadata": self._metadata()}


def read_all(source: RemoteStreamSource, position: str, limit: int = 2) -> list[str]:
    async def scenario() -> list[str]:
        iterator: str | None = await source.iterator(ARN, "shardId-1", position)
        seen: list[str] = []
        for _ in range(20):
            assert iterator is not None
            page = await source.read(iterator, limit)
            seen.extend(r["dynamodb"]["Keys"]["pk"]["S"] for r in page.records)
            iterator = page.next_iterator
        return seen

    return asyncio.run(scenario())


def test_latest_becomes_a_started_at_position_by_the_servers_clock() -> None:
    api = FakeStreamsApi(date=START)
    source = RemoteStreamSource(api, None, clock=FakeClock(START + 3600))  # the local clock is off by an hour
    position = asyncio.run(source.latest_position(ARN, "shardId-1"))
    assert position == f"LATEST@{int(START) - 2}"
    assert api.iterator_types == ["LATEST"]


def test_without_a_date_header_the_local_clock_dates_the_start() -> None:
    source = RemoteStreamSource(FakeStreamsApi(date=None), None, clock=FakeClock(START + 10.7))
    assert asyncio.run(source.latest_position(ARN, "shardId-1")) == f"LATEST@{int(START) + 10 - 2}"


def test_the_first_read_from_the_start_uses_the_latest_iterator() -> None:
    api = FakeStreamsApi()
    api.add("before", START - 1)  # within the margin, yet LATEST leaves it out
    source = RemoteStreamSource(api, None, clock=FakeClock(START))
    position = asyncio.run(source.latest_position(ARN, "shardId-1"))
    assert position is not None
    api.add("after", START + 1)
    assert read_all(source, position) == ["after"]
    assert api.iterator_types == ["LATEST"]


def test_after_a_restart_the_start_position_reads_what_came_since_the_start() -> None:
    api = FakeStreamsApi()
    for n in range(5):
        api.add(f"old{n}", START - 100 + n)
    position = asyncio.run(RemoteStreamSource(api, None).latest_position(ARN, "shardId-1"))
    assert position is not None
    api.add("new0", START)
    api.add("new1", START + 5)
    restarted = RemoteStreamSource(api, None)  # a new process: no LATEST iterator kept
    # the old records span several pages and are skipped while read; nothing after the start is
    assert read_all(restarted, position, limit=2) == ["new0", "new1"]
    assert api.iterator_types[-1] == "TRIM_HORIZON"


def test_sequence_positions_are_read_after_as_before() -> None:
    api = FakeStreamsApi()
    for n in range(3):
        api.add(f"k{n}", START + n)
    source = RemoteStreamSource(api, None)
    assert read_all(source, api.records[0]["dynamodb"]["SequenceNumber"]) == ["k1", "k2"]
    assert read_all(source, LATEST) == []


def test_a_runner_stopped_before_its_first_record_resumes_from_its_start(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    api = FakeStreamsApi()
    api.add("before-start", START - 60)
    mapping = config(starting_position="LATEST")
    first = FakeFunction()
    started: dict[str, Any] = {}

    async def inspect(runtime: Any) -> None:
        found = runtime.get("m-1")
        started["shards"] = found.shards

    # the first run starts and stops without a record to process
    asyncio.run(run_until(RemoteStreamSource(api, None, poll_interval=0.01), first, mapping,
                          lambda: "LATEST" in api.iterator_types, state=state, after=inspect))
    assert first.events == []
    assert started["shards"][0].position is None  # no record's sequence number to show yet
    api.add("while-down-1", START + 30)
    api.add("while-down-2", START + 31)
    second = FakeFunction()
    asyncio.run(run_until(RemoteStreamSource(api, None, poll_interval=0.01), second, mapping,
                          lambda: len(flatten(second.values("v"))) >= 2,
                          state=state))
    assert flatten(second.values("v")) == ["while-down-1", "while-down-2"]
