"""TriggerRuntime: runs event source mappings (from a triggers file or the Lambda API) over a StreamSource,
keeps their state for ListEventSourceMappings and `shardline triggers status`, and persists API mappings."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import socket
import uuid as uuid_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shardline.clock import Clock
from shardline.settings import DEFAULT_ACCOUNT_ID
from shardline.triggers.batch_runner import MappingJob
from shardline.triggers.checkpoints import CheckpointStore
from shardline.triggers.destinations import destination_for
from shardline.triggers.filters import compile_filter_criteria
from shardline.triggers.http_target import HttpFunction
from shardline.triggers.invocation import FunctionInvoker, PythonFunction, is_url
from shardline.triggers.mapping_wire import function_arn, lambda_function_name
from shardline.triggers.mappings import MappingConfig
from shardline.triggers.scheduler import MappingScheduler
from shardline.triggers.sources import StreamSource
from shardline.triggers.status import (
    NO_RECORDS,
    USER_ACTION,
    Counters,
    MappingStatus,
    ShardStatus,
    TriggerCounters,
    frozen,
)

logger = logging.getLogger(__name__)

__all__ = ["MappingStatus", "RuntimeOptions", "ShardStatus", "TriggerCounters", "TriggerRuntime"]


@dataclass(frozen=True)
class RuntimeOptions:
    region: str = "us-east-1"
    account_id: str = DEFAULT_ACCOUNT_ID
    # Handlers import with the server's working directory and the triggers file's folder on sys.path.
    import_paths: tuple[Path, ...] = ()
    working_directory: Path | None = None
    discovery_interval: float = 1.0
    retry_base_seconds: float = 0.1
    retry_cap_seconds: float = 10.0
    # Several processes on one database take turns: a mapping runs where its lease is held, renewed every
    # third of its duration; a dead process's lease runs out and another process takes the mapping over.
    lease_seconds: float = 10.0
    process_id: str = field(default_factory=lambda: default_process_id())


def default_process_id() -> str:
    """Names this process in the lease table: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid_module.uuid4().hex[:8]}"


WAITING_FOR_LEASE = "Running in another shardline process"


InvokerFactory = Callable[[MappingConfig], FunctionInvoker]


@dataclass
class _Mapping:
    config: MappingConfig
    persisted: bool
    state: str
    reason: str
    last_modified: float
    last_result: str = NO_RECORDS
    counters: Counters = field(default_factory=Counters)
    scheduler: MappingScheduler | None = None
    task: asyncio.Task[None] | None = None  # the lease keeper, which runs `work` while it holds the lease
    work: asyncio.Task[None] | None = None
    invoker: FunctionInvoker | None = None


class TriggerRuntime:
    def __init__(
        self, source: StreamSource, checkpoints: CheckpointStore, clock: Clock,
        options: RuntimeOptions | None = None, invoker_factory: InvokerFactory | None = None,
    ) -> None:
        self._source = source
        self._checkpoints = checkpoints
        self._clock = clock
        self._options = options if options is not None else RuntimeOptions()
        self._invoker_factory = invoker_factory if invoker_factory is not None else self._default_invoker
        self._mappings: dict[str, _Mapping] = {}
        self._started = False
        self._lock = asyncio.Lock()

    # --- lifecycle ----------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Restores the mappings made through the API (from storage) and runs every enabled mapping."""
        self._started = True
        for document in await self._checkpoints.mappings():
            config = config_from_document(document)
            if config is None or config.uuid in self._mappings:
                continue
            self._mappings[config.uuid] = self._entry(config, persisted=True)
        for entry in self._mappings.values():
            self._launch(entry)

    async def stop(self) -> None:
        self._started = False
        await asyncio.gather(*(self._halt(entry) for entry in self._mappings.values()))

    # --- the API ------------------------------------------------------------------------------------------

    async def add_mapping(self, config: MappingConfig, *, persist: bool = True) -> MappingStatus:
        """Adds and starts a mapping; the answer shows Lambda's "Creating" state. `persist=False` is for
        mappings of a triggers file, which is read again at every start."""
        async with self._lock:
            previous = self._mappings.pop(config.uuid, None)
            if previous is not None:
                await self._halt(previous)
            entry = self._entry(config, persisted=persist)
            if persist:
                await self._checkpoints.put_mapping(config.uuid, config_document(config))
            self._mappings[config.uuid] = entry
            answer = self._status(entry, state="Creating")
            if self._started:
                self._launch(entry)
            return answer

    async def update_mapping(self, config: MappingConfig) -> MappingStatus:
        """Applies a changed configuration; processing continues from the mapping's checkpoints."""
        async with self._lock:
            entry = self._mappings.get(config.uuid)
            if entry is None:
                raise KeyError(config.uuid)
            await self._halt(entry)
            if entry.persisted:
                await self._checkpoints.put_mapping(config.uuid, config_document(config))
            entry.config = config
            entry.last_modified = self._clock.now()
            entry.reason = USER_ACTION
            answer = self._status(entry, state="Updating")
            if self._started:
                self._launch(entry)
            return answer

    async def remove_mapping(self, uuid: str) -> MappingStatus:
        """Stops a mapping and forgets it with its checkpoints; the answer shows "Deleting"."""
        async with self._lock:
            entry = self._mappings.pop(uuid, None)
            if entry is None:
                raise KeyError(uuid)
            await self._halt(entry)
            await self._checkpoints.delete_mapping(uuid)
            return self._status(entry, state="Deleting")

    def get(self, uuid: str) -> MappingStatus | None:
        entry = self._mappings.get(uuid)
        return None if entry is None else self._status(entry)

    def list(self) -> list[MappingStatus]:
        return [self._status(self._mappings[uuid]) for uuid in sorted(self._mappings)]

    # --- internals ----------------------------------------------------------------------------------------

    def _entry(self, config: MappingConfig, *, persisted: bool) -> _Mapping:
        return _Mapping(config, persisted, "Creating", USER_ACTION, self._clock.now())

    def _status(self, entry: _Mapping, state: str | None = None) -> MappingStatus:
        now = self._clock.now()
        scheduler = entry.scheduler
        return MappingStatus(
            config=entry.config,
            state=state or entry.state,
            state_transition_reason=entry.reason,
            last_processing_result=entry.last_result,
            last_modified=entry.last_modified,
            stream_arn=None if scheduler is None else scheduler.stream_arn,
            shards=() if scheduler is None else scheduler.shard_statuses(now),
            counters=frozen(entry.counters),
        )

    def _launch(self, entry: _Mapping) -> None:
        config = entry.config
        if not config.enabled:
            entry.state = "Disabled"
            return
        entry.state = "Enabled"
        entry.task = asyncio.create_task(self._keep_lease(entry), name=f"trigger-lease-{config.uuid}")

    async def _keep_lease(self, entry: _Mapping) -> None:
        """Runs the mapping while this process holds its lease. A renewal that is refused, or that fails with
        the lease about to run out, stops the shard workers, so two processes never work on a mapping beyond
        at-least-once retries. A renewal that is only slow (a busy writer) while the lease still has time left
        is retried without stopping anything: restarting the workers would repeat records for nothing."""
        uuid = entry.config.uuid
        holder = self._options.process_id
        duration = self._options.lease_seconds
        renew_every = duration / 3
        held = False
        held_until = 0.0  # when the last granted lease runs out, by the time written with it
        try:
            while True:
                now = self._clock.now()
                pause = renew_every
                try:
                    # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
                    # arrives as the renewal completes, and _halt would then wait for this task forever.
                    async with asyncio.timeout(renew_every):
                        held = await self._checkpoints.acquire_lease(uuid, holder, now, duration)
                    if held:
                        held_until = now + duration
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # the database is slow or out of reach: the lease may be lost
                    # Another process may take the lease once it runs out; stop a third of a lease before.
                    still_ours = held and self._clock.now() < held_until - renew_every
                    logger.warning("trigger %s: lease renewal failed: %r%s", uuid, error,
                                   "; retrying while the lease lasts" if still_ours else "")
                    held = still_ours
                    pause = min(renew_every, 0.5)
                if held and entry.work is None:
                    self._start_work(entry)
                elif not held:
                    if entry.work is not None:
                        logger.warning("trigger %s: lease lost; stopping its shard workers", uuid)
                    await self._stop_work(entry)
                    entry.reason = WAITING_FOR_LEASE
                await asyncio.sleep(pause)
        finally:
            await self._stop_work(entry)
            if held:
                # Another process may take the mapping over at once rather than after the lease runs out.
                with contextlib.suppress(Exception):
                    await self._checkpoints.release_lease(uuid, holder)

    def _start_work(self, entry: _Mapping) -> None:
        config = entry.config
        entry.reason = USER_ACTION
        invoker = self._invoker_factory(config)
        entry.invoker = invoker
        template = self._job(entry, invoker, stream_arn="", hash_key=None)

        def make_job(stream_arn: str, hash_key: str | None) -> MappingJob:
            return dataclasses.replace(template, stream_arn=stream_arn, hash_key=hash_key)

        def set_reason(reason: str) -> None:
            entry.reason = reason

        scheduler = MappingScheduler(
            make_job, template=template, discovery_interval=self._options.discovery_interval, set_reason=set_reason,
        )
        entry.scheduler = scheduler
        entry.work = asyncio.create_task(self._supervise(entry, scheduler, invoker), name=f"trigger-{config.uuid}")

    async def _stop_work(self, entry: _Mapping) -> None:
        work, invoker = entry.work, entry.invoker
        entry.work = None
        entry.invoker = None
        entry.scheduler = None
        if work is not None:
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await work
        if invoker is not None:
            await invoker.close()

    async def _supervise(self, entry: _Mapping, scheduler: MappingScheduler, invoker: FunctionInvoker) -> None:
        with contextlib.suppress(Exception):
            await invoker.warm()
        failures = 0
        while True:
            try:
                await scheduler.run()
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a source that cannot be read yet: try again, as Lambda does
                failures += 1
                entry.reason = f"PROBLEM: {error}"[:512]
                logger.warning("trigger %s: %r", entry.config.uuid, error)
                await asyncio.sleep(min(0.5 * 2**failures, 30.0))

    def _job(self, entry: _Mapping, invoker: FunctionInvoker, *, stream_arn: str, hash_key: str | None) -> MappingJob:
        config = entry.config
        options = self._options

        def report(result: str) -> None:
            entry.last_result = result

        return MappingJob(
            config=config, stream_arn=stream_arn, hash_key=hash_key, source=self._source,
            checkpoints=self._checkpoints, invoker=invoker,
            record_filter=compile_filter_criteria(config.filter_patterns),
            destination=destination_for(config.on_failure_destination), clock=self._clock,
            function_arn=function_arn(
                lambda_function_name(config), region=options.region, account_id=options.account_id
            ),
            counters=entry.counters, report=report,
            retry_base_seconds=options.retry_base_seconds, retry_cap_seconds=options.retry_cap_seconds,
        )

    async def _halt(self, entry: _Mapping) -> None:
        task = entry.task
        entry.task = None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._stop_work(entry)  # in case the lease keeper was cancelled before it started

    def _default_invoker(self, config: MappingConfig) -> FunctionInvoker:
        options = self._options
        if is_url(config.function_name):
            return HttpFunction(config.function_name, timeout_seconds=config.function_timeout_seconds)
        name = lambda_function_name(config)
        return PythonFunction(
            config.function_name, function_name=name,
            function_arn=function_arn(name, region=options.region, account_id=options.account_id),
            timeout_seconds=config.function_timeout_seconds, import_paths=options.import_paths,
            working_directory=options.working_directory,
        )


def config_document(config: MappingConfig) -> dict[str, Any]:
    document = dataclasses.asdict(config)
    document["filter_patterns"] = list(config.filter_patterns)
    return document


def config_from_document(document: Mapping[str, Any]) -> MappingConfig | None:
    """A stored mapping; None (logged) when it no longer fits MappingConfig."""
    known = {item.name for item in dataclasses.fields(MappingConfig)}
    values = {name: value for name, value in document.items() if name in known}
    values["filter_patterns"] = tuple(values.get("filter_patterns") or ())
    try:
        return MappingConfig(**values)
    except TypeError as error:
        logger.error("stored trigger mapping %s cannot be restored: %s", document.get("uuid"), error)
        return None
