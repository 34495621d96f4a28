"""One mapping's scheduler: resolve its stream (waiting while the table or stream does not exist), discover
shards, and run a ShardWorker per shard in lineage order (a child starts once its parent is finished)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from shardline.triggers.batch_runner import MappingJob
from shardline.triggers.checkpoints import Checkpoint
from shardline.triggers.shard_worker import ShardWorker
from shardline.triggers.sources import LATEST, TRIM_HORIZON, StreamInfo, is_sequence_position
from shardline.triggers.status import ShardStatus

logger = logging.getLogger(__name__)

JobFactory = Callable[[str, str | None], MappingJob]  # (stream ARN, hash key name) -> the job


class MappingScheduler:
    def __init__(
        self, make_job: JobFactory, *, template: MappingJob, discovery_interval: float,
        set_reason: Callable[[str], None],
    ) -> None:
        self._make_job = make_job
        self._template = template  # the source, store, clock and config (its stream_arn is not used)
        self._interval = discovery_interval
        self._set_reason = set_reason
        self._workers: dict[str, tuple[ShardWorker, asyncio.Task[None]]] = {}
        self._finished: dict[str, ShardStatus] = {}
        self._failures: dict[str, int] = {}
        self.stream_arn: str | None = None

    def shard_statuses(self, now: float) -> tuple[ShardStatus, ...]:
        running = {shard_id: worker.status(now) for shard_id, (worker, _) in self._workers.items()}
        merged = {**self._finished, **running}
        return tuple(merged[shard_id] for shard_id in sorted(merged))

    async def run(self) -> None:
        config = self._template.config
        source = self._template.source
        waited = False
        try:
            while True:
                arn = config.event_source_arn
                if arn is None and config.table_name is not None:
                    arn = await source.latest_stream_arn(config.table_name)
                    if arn is None:
                        waited = True
                        self._set_reason(f"Waiting for table {config.table_name}")
                        await asyncio.sleep(self._interval)
                        continue
                if arn is None:
                    return
                info = await source.describe(arn)
                if info is None:
                    waited = True
                    self._set_reason(f"Waiting for stream {arn}")
                    await asyncio.sleep(self._interval)
                    continue
                self._set_reason("User action")
                self.stream_arn = arn
                await self._run_stream(info, waited)
                waited = True  # a newer stream of the table is read from its start
        finally:
            await self._stop_workers()

    async def _initial_checkpoints(self, info: StreamInfo, waited: bool) -> dict[str, Checkpoint]:
        """A mapping's first look at a stream. LATEST skips what is already there; a stream that appeared
        while the mapping waited for it is read from its start, since all of it is newer than the mapping."""
        job = self._template
        points = await job.checkpoints.load(job.config.uuid, info.arn)
        if points or job.config.starting_position != LATEST or waited:
            return points
        initial: list[Checkpoint] = []
        for shard in info.shards:
            if shard.closed:
                initial.append(Checkpoint(info.arn, shard.shard_id, LATEST, finished=True))
                continue
            position = await job.source.latest_position(info.arn, shard.shard_id)
            initial.append(Checkpoint(info.arn, shard.shard_id, position or LATEST))
        if initial:
            await job.checkpoints.save(job.config.uuid, *initial)
        return {point.shard_id: point for point in initial}

    async def _run_stream(self, info: StreamInfo, waited: bool) -> None:
        job = self._make_job(info.arn, info.hash_key)
        points = await self._initial_checkpoints(info, waited)
        config = job.config
        while True:
            shards = {shard.shard_id: shard for shard in info.shards}
            for shard_id in sorted(shards):
                shard = shards[shard_id]
                point = points.get(shard_id)
                if shard_id in self._workers or (point is not None and point.finished):
                    if point is not None and point.finished and shard_id not in self._finished:
                        self._finished[shard_id] = ShardStatus(shard_id, _position(point), 0, True)
                    continue
                parent = shard.parent_shard_id
                if parent is not None and parent in shards:
                    parent_point = points.get(parent)
                    if parent_point is None or not parent_point.finished:
                        continue  # lineage: the parent's records come first
                worker = ShardWorker(job, shard, point or Checkpoint(info.arn, shard_id, TRIM_HORIZON))
                task = asyncio.create_task(worker.run(), name=f"trigger-{config.uuid}-{shard_id}")
                self._workers[shard_id] = (worker, task)
            tasks = [task for _, task in self._workers.values()]
            done: set[asyncio.Task[None]] = set()
            if tasks:
                done, _ = await asyncio.wait(tasks, timeout=self._interval, return_when=asyncio.FIRST_COMPLETED)
            else:
                await asyncio.sleep(self._interval)
            for shard_id, (worker, task) in list(self._workers.items()):
                if task not in done:
                    continue
                del self._workers[shard_id]
                error = task.exception()
                if error is not None:
                    count = self._failures.get(shard_id, 0) + 1
                    self._failures[shard_id] = count
                    logger.error("trigger %s: shard %s stopped: %r (restarting from its checkpoint)",
                                 config.uuid, shard_id, error, exc_info=error)
                    await asyncio.sleep(min(0.1 * 2**count, 10.0))
                else:
                    self._finished[shard_id] = worker.status(job.clock.now())
            points = await job.checkpoints.load(config.uuid, info.arn)
            fresh = await job.source.describe(info.arn)
            if fresh is None:
                return  # the stream expired
            info = fresh
            if config.event_source_arn is None and config.table_name is not None and not self._workers:
                latest = await job.source.latest_stream_arn(config.table_name)
                if latest is not None and latest != info.arn:
                    return  # the table has a newer stream: move on to it

    async def _stop_workers(self) -> None:
        tasks = [task for _, task in self._workers.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._workers.clear()


def _position(point: Checkpoint) -> str | None:
    return point.position if is_sequence_position(point.position) else None
