"""Background stream upkeep, one pass at a time: shard rollover and size splits, trimming of records past
retention, and removal of closed shards and disabled streams whose data has all expired.

A pass takes its time from the caller (the server's clock), so tests drive it with a FakeClock.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from shardline.clock import Clock
from shardline.errors import StorageError
from shardline.settings import Settings
from shardline.storage.backend import StorageBackend, StoredStream, WriteView
from shardline.streams.shards import roll_over, split

logger = logging.getLogger(__name__)


@dataclass
class UpkeepReport:
    rolled_over: int = 0
    split: int = 0
    trimmed_records: int = 0
    removed_shards: int = 0
    removed_streams: int = 0


def stream_expired(stream: StoredStream, now: float, retention_seconds: float) -> bool:
    """A disabled stream is listed and readable for the retention period after its disable."""
    return not stream.enabled and stream.disabled_at is not None and stream.disabled_at + retention_seconds <= now


def upkeep(
    view: WriteView, now: float, settings: Settings, measured: dict[int, tuple[int, int]] | None = None
) -> UpkeepReport:
    """One pass. `measured` carries each open shard's record bytes (and the sequence number they were counted
    through) from pass to pass, so a pass only counts the records added since the last one."""
    report = UpkeepReport()
    sizes = {} if measured is None else measured
    still_open: set[int] = set()
    retention = settings.stream_retention_seconds
    horizon = now - retention
    for stream in view.list_streams(None):
        if stream_expired(stream, now, retention):
            view.delete_stream(stream.stream_id)
            report.removed_streams += 1
            continue
        for shard in view.list_shards(stream.stream_id):
            if shard.is_open:
                still_open.add(shard.shard_no)
            if shard.is_open and now - shard.created_at >= settings.shard_rollover_seconds:
                roll_over(view, shard, now)
                report.rolled_over += 1
            elif shard.is_open and _grown_past(view, shard.shard_no, settings.partition_split_bytes, sizes):
                split(view, shard, now)
                report.split += 1
            if shard.trimmed_through < shard.last_sequence:
                report.trimmed_records += view.trim_stream_records(shard.shard_no, horizon)
            if shard.closed_at is not None and shard.closed_at <= horizon:
                # every record of a closed shard is older than its close, so all of them have expired
                view.delete_shard(shard.shard_no)
                report.removed_shards += 1
    for gone in set(sizes) - still_open:  # closed shards are measured no more
        del sizes[gone]
    return report


def _grown_past(view: WriteView, shard_no: int, limit: int, sizes: dict[int, tuple[int, int]]) -> bool:
    total, through = sizes.get(shard_no, (0, 0))
    added, through = view.shard_record_bytes(shard_no, through)
    sizes[shard_no] = (total + added, through)
    return total + added >= limit


def upkeep_interval(settings: Settings) -> float:
    """How often the server runs a pass: often enough that rollover and retention are on time to a
    fraction of the shortest period, at most once a second."""
    shortest = min(settings.shard_rollover_seconds, settings.stream_retention_seconds)
    return max(0.05, min(1.0, shortest / 10))


async def run_upkeep(storage: StorageBackend, clock: Clock, settings: Settings) -> None:
    """The server's background loop: one upkeep pass per interval until cancelled. A failing pass is
    logged and the next one tries again."""
    interval = upkeep_interval(settings)
    measured: dict[int, tuple[int, int]] = {}
    while True:
        await asyncio.sleep(interval)
        try:
            await storage.write(lambda view: upkeep(view, clock.now(), settings, measured))
        except StorageError:
            logger.exception("stream upkeep failed")
