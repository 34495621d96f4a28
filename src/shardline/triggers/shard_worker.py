"""One mapping's work on one shard: read records in order, filter them, spread them over the
ParallelizationFactor lanes, batch, invoke (see batch_runner.py), and checkpoint what is done."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import orjson

from shardline.triggers.batch_runner import BatchRunner, Lane, MappingJob, PendingRecord
from shardline.triggers.batching import batch_length, wait_before_batch
from shardline.triggers.checkpoints import Checkpoint
from shardline.triggers.events import lambda_record, partition_key_of
from shardline.triggers.parallelization import CompletionTracker, lane_of
from shardline.triggers.sources import LATEST, READ_LIMIT, TRIM_HORIZON, ShardInfo, SourceError, is_sequence_position
from shardline.triggers.status import ShardStatus
from shardline.triggers.windows import Window, same_window_count, window_of

logger = logging.getLogger(__name__)

# An open shard with nothing new is read again after this long even without a commit notice.
MAX_IDLE_WAIT_SECONDS = 1.0


@dataclass
class _Saved:
    position: str
    finished: bool = False
    window: Any = None


class ShardWorker:
    def __init__(self, job: MappingJob, shard: ShardInfo, checkpoint: Checkpoint | None) -> None:
        self._job = job
        self._shard = shard
        start = checkpoint.position if checkpoint is not None else TRIM_HORIZON
        self._saved = _Saved(start, window=None if checkpoint is None else checkpoint.window)
        self._tracker = CompletionTracker()
        factor = max(1, job.config.parallelization_factor)
        self._lanes = [Lane(index) for index in range(factor)]
        self._restore_windows(None if checkpoint is None else checkpoint.window)
        self._runner = BatchRunner(job, shard.shard_id, self._record_done)
        self._intake_done = False
        self._space = asyncio.Event()
        self._save_lock = asyncio.Lock()
        self._saver: asyncio.Task[None] | None = None
        self._dirty = False
        self._capacity = max(2 * job.config.batch_size * factor, 2 * READ_LIMIT)

    @property
    def shard_id(self) -> str:
        return self._shard.shard_id

    def status(self, now: float) -> ShardStatus:
        oldest = self._tracker.oldest_created_at
        age = 0 if oldest is None else max(0, int((now - oldest) * 1000))
        position = self._saved.position if is_sequence_position(self._saved.position) else None
        return ShardStatus(self._shard.shard_id, position, age, self._saved.finished)

    # --- the shard's life -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Processes the shard until it is closed and every record is done (returns), or forever while
        it stays open; cancel to stop. The checkpoint is saved after every batch."""
        job = self._job
        if self._saved.position == LATEST:
            resolved = await job.source.latest_position(job.stream_arn, self._shard.shard_id)
            if resolved is not None:
                self._saved.position = resolved
                await self._save(force=True)
        lanes = [asyncio.create_task(self._lane_loop(lane), name=f"trigger-lane-{lane.index}") for lane in self._lanes]
        try:
            await self._intake(self._saved.position)
            self._intake_done = True
            for lane in self._lanes:
                lane.wake.set()
            await asyncio.gather(*lanes)
        finally:
            for task in lanes:
                task.cancel()
            for task in lanes:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if self._saver is not None:  # also on a stop: the last checkpoint lands before the store closes
                with contextlib.suppress(Exception):
                    await self._saver
        self._saved.finished = True
        await self._save(force=True)

    async def _intake(self, position: str) -> None:
        job = self._job
        source = job.source
        iterator: str | None = None
        idle_wait = min(source.poll_interval, 0.05)
        while True:
            if self._tracker.outstanding >= self._capacity:
                self._space.clear()
                await self._space.wait()
                continue
            token = source.change_token()
            try:
                if iterator is None:
                    iterator = await source.iterator(job.stream_arn, self._shard.shard_id, position)
                page = await source.read(iterator, READ_LIMIT)
            except SourceError as error:
                iterator = None
                if error.kind == "gone":
                    logger.warning("trigger %s: shard %s is gone: %s", job.config.uuid, self._shard.shard_id, error)
                    return
                if error.kind == "trimmed":
                    # the records after the checkpoint aged out of the stream: go on from the oldest left
                    logger.warning("trigger %s: records of shard %s were trimmed before they were processed",
                                   job.config.uuid, self._shard.shard_id)
                    position = TRIM_HORIZON
                elif error.kind != "expired":
                    await asyncio.sleep(source.poll_interval)
                continue
            if page.records:
                position = self._take(page.records)
                idle_wait = min(source.poll_interval, 0.05)
            iterator = page.next_iterator
            if iterator is None:
                return
            if not page.records:
                if token is not None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(token.wait(), MAX_IDLE_WAIT_SECONDS)
                else:  # no commit notices: poll, backing off while the shard stays quiet
                    await asyncio.sleep(idle_wait)
                    idle_wait = min(idle_wait * 2, source.poll_interval)

    def _take(self, records: list[dict[str, Any]]) -> str:
        job = self._job
        now = job.clock.now()
        factor = len(self._lanes)
        last = ""
        filtered = False
        for raw in records:
            record = lambda_record(raw, job.stream_arn)
            change = record["dynamodb"]
            last = str(change["SequenceNumber"])
            sequence = int(last)
            created_at = float(change.get("ApproximateCreationDateTime", now))
            self._tracker.add(sequence, created_at)
            if not job.record_filter.matches(record):
                job.counters.records_filtered += 1
                self._tracker.finish(sequence)  # consumed, never retried
                filtered = True
                continue
            lane = self._lanes[lane_of(partition_key_of(record, job.hash_key), factor) if factor > 1 else 0]
            size = len(orjson.dumps(record))
            lane.records.append(PendingRecord(sequence, record, created_at, size, now))
            lane.bytes += size
            lane.wake.set()
        if filtered:
            self._request_save()
        return last

    # --- lanes ------------------------------------------------------------------------------------------

    async def _lane_loop(self, lane: Lane) -> None:
        job = self._job
        config = job.config
        tumbling = config.tumbling_window_seconds
        while True:
            now = job.clock.now()
            if tumbling and await self._close_window_if_due(lane, now):
                continue
            wait = wait_before_batch(
                pending=len(lane.records), pending_bytes=lane.bytes,
                first_arrival=lane.records[0].arrival if lane.records else None, now=now,
                batch_size=config.batch_size, window_seconds=config.maximum_batching_window_seconds,
                source_done=self._intake_done or self._window_due(lane, now),
            )
            if wait is None:
                if self._intake_done:
                    if tumbling and lane.window is not None:
                        await self._runner.final_invoke(lane, terminated_early=False)
                        await self._save()
                    return
                timeout = None if lane.window is None else max(0.0, lane.window.end - now)
                await self._sleep(lane, timeout)
                continue
            if wait > 0:
                await self._sleep(lane, wait)
                continue
            batch = self._next_batch(lane, now)
            await self._runner.process(lane, batch, final=self._is_final(lane, batch, now))
            self._request_save()
            self._space.set()

    def _window_due(self, lane: Lane, now: float) -> bool:
        return lane.window is not None and now >= lane.window.end

    def _next_batch(self, lane: Lane, now: float) -> list[PendingRecord]:
        config = self._job.config
        head = list(lane.records)[: config.batch_size]
        count = batch_length([record.size for record in head], config.batch_size)
        if config.tumbling_window_seconds:
            count = min(count, same_window_count([r.created_at for r in head], config.tumbling_window_seconds))
            if lane.window is None:
                lane.window = window_of(head[0].created_at, config.tumbling_window_seconds)
        batch = [lane.records.popleft() for _ in range(count)]
        lane.bytes -= sum(record.size for record in batch)
        return batch

    def _is_final(self, lane: Lane, batch: list[PendingRecord], now: float) -> bool:
        """A batch is the window's final invoke when the window is over and no more of its records wait."""
        window = lane.window
        if window is None or now < window.end:
            return False
        seconds = self._job.config.tumbling_window_seconds
        return not lane.records or window_of(lane.records[0].created_at, seconds) != window

    async def _close_window_if_due(self, lane: Lane, now: float) -> bool:
        """Sends the final invoke of a window that is over and has no records left to deliver."""
        window = lane.window
        if window is None or now < window.end:
            return False
        seconds = self._job.config.tumbling_window_seconds
        if lane.records and window_of(lane.records[0].created_at, seconds) == window:
            return False  # its last records go out with isFinalInvokeForWindow
        await self._runner.final_invoke(lane, terminated_early=False)
        await self._save()
        return True

    async def _sleep(self, lane: Lane, timeout: float | None) -> None:
        lane.wake.clear()
        if timeout is None:
            await lane.wake.wait()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lane.wake.wait(), timeout)

    # --- checkpoints ------------------------------------------------------------------------------------

    def _record_done(self, records: list[PendingRecord]) -> None:
        for record in records:
            self._tracker.finish(record.sequence)

    def _restore_windows(self, saved: Any) -> None:
        if not isinstance(saved, dict):
            return
        for lane in self._lanes:
            entry = saved.get(str(lane.index))
            if isinstance(entry, dict) and "start" in entry:
                lane.window = Window(float(entry["start"]), float(entry["end"]))
                lane.state = dict(entry.get("state") or {})

    def _windows(self) -> dict[str, Any] | None:
        if not self._job.config.tumbling_window_seconds:
            return None
        return {
            str(lane.index): {"start": lane.window.start, "end": lane.window.end, "state": lane.state}
            for lane in self._lanes
            if lane.window is not None
        }

    def _request_save(self) -> None:
        """Saves the checkpoint in the background, coalescing requests, so the next batch does not wait for
        the store's commit; a crash before it lands only means those records come again (at least once)."""
        self._dirty = True
        if self._saver is None or self._saver.done():
            self._saver = asyncio.get_running_loop().create_task(self._save_while_dirty())

    async def _save_while_dirty(self) -> None:
        while self._dirty:
            self._dirty = False
            try:
                await self._save()
            except Exception:  # the next save carries the same position; keep processing
                logger.exception("trigger %s: checkpoint of shard %s not saved", self._job.config.uuid,
                                 self._shard.shard_id)

    async def _save(self, *, force: bool = False) -> None:
        async with self._save_lock:
            through = self._tracker.done_through
            position = self._saved.position if through is None else str(through)
            window = self._windows()
            if not force and position == self._saved.position and window == self._saved.window:
                return
            self._saved.position = position
            self._saved.window = window
            job = self._job
            checkpoint = Checkpoint(job.stream_arn, self._shard.shard_id, position, self._saved.finished, window)
            await job.checkpoints.save(job.config.uuid, checkpoint)

