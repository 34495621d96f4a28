"""Found by the two-process crash campaign on PostgreSQL: two processes deciding from the same shard listing to
roll a shard over (their stream upkeep passes, or an UpdateTable disabling the stream) must not fail with
"no open shard": a write view's listing locks the open shards it shows, so the second waits and sees the
first's child."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from shardline.storage.backend import NewShard, StoredStream, StoredTable, WriteView
from shardline.storage.postgres import PostgresBackend
from shardline.streams.shards import roll_over
from tests.postgres_cluster import PostgresCluster

FULL = (-(2**63), 2**63 - 1)
CREATED = 1.0
NOW = 10.0


@pytest.fixture
def url(postgres_cluster: PostgresCluster) -> str:
    return postgres_cluster.url(schema=postgres_cluster.create_schema("shardrace"))


def open_stream(view: WriteView) -> int:
    view.create_table(StoredTable("t", "id-t", {}))
    stream = view.create_stream(StoredStream(0, "t", "id-t", "label", "KEYS_ONLY", (("pk", "HASH"),), CREATED))
    view.create_shard(NewShard(stream.stream_id, "shardId-1", None, *FULL, CREATED), view.sequence_floor())
    return stream.stream_id


def rolling_over(listing: str, before_acting: Callable[[], None] = lambda: None) -> Callable[[WriteView], int]:
    """Upkeep's pattern: list the shards, then roll over every open one older than NOW (none of the children)."""

    def work(view: WriteView) -> int:
        if listing == "stream":
            shards = [shard for stream in view.list_streams(None) for shard in view.list_shards(stream.stream_id)]
        else:
            shards = view.list_open_shards("id-t")
        due = [shard for shard in shards if shard.is_open and shard.created_at < NOW]
        before_acting()
        for shard in due:
            roll_over(view, shard, NOW)
        return len(due)

    return work


@pytest.mark.parametrize("listing", ["stream", "table"])
def test_two_processes_rolling_over_the_same_shard_from_one_listing(url: str, listing: str) -> None:
    async def scenario() -> list[Any]:
        first, second = PostgresBackend.open(url, readers=1), PostgresBackend.open(url, readers=1)
        try:
            stream_id = await first.write(open_stream)
            listed, release = threading.Event(), threading.Event()

            def pause() -> None:
                listed.set()
                release.wait(10)

            held = asyncio.ensure_future(first.write(rolling_over(listing, pause)))
            await asyncio.to_thread(listed.wait, 10)
            # The second process lists the same shard while the first, which has listed it, has not acted yet.
            racing = asyncio.ensure_future(second.write(rolling_over(listing)))
            await asyncio.sleep(0.5)
            release.set()
            outcomes = list(await asyncio.gather(held, racing, return_exceptions=True))
            shards = await first.read(lambda view: view.list_shards(stream_id))
            return [*outcomes, shards]
        finally:
            await first.close()
            await second.close()

    held, racing, shards = asyncio.run(scenario())
    assert not isinstance(held, BaseException), held
    assert not isinstance(racing, BaseException), racing
    assert held + racing == 1  # one rollover: the other saw the child, not the shard it closed
    assert sorted((shard.is_open, shard.parent_shard_id or "") for shard in shards) == [
        (False, ""), (True, "shardId-1")
    ]
