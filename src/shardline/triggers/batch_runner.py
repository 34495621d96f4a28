"""Delivering one batch as Lambda does: invoke, then on failure retry, bisect or resume after a partial
failure, drop records older than MaximumRecordAgeInSeconds, and send what is given up on to the OnFailure
destination; tumbling-window state travels with the lane."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shardline.clock import Clock
from shardline.triggers.checkpoints import CheckpointStore
from shardline.triggers.destinations import DiscardedBatch, FailureDestination, failure_record
from shardline.triggers.events import stream_event
from shardline.triggers.filters import RecordFilter
from shardline.triggers.invocation import FunctionInvoker, InvocationResult
from shardline.triggers.mappings import MappingConfig
from shardline.triggers.retry import (
    RECORD_AGE_EXCEEDED,
    RetryPolicy,
    Verdict,
    after_invocation,
    expired_count,
    halves,
    judge_response,
    retry_delay,
)
from shardline.triggers.sources import StreamSource
from shardline.triggers.status import FUNCTION_FAILED, OK, Counters
from shardline.triggers.windows import Window, returned_state, state_too_large, window_fields, window_of

logger = logging.getLogger(__name__)


@dataclass
class MappingJob:
    """What every shard worker of one mapping shares."""

    config: MappingConfig
    stream_arn: str
    hash_key: str | None
    source: StreamSource
    checkpoints: CheckpointStore
    invoker: FunctionInvoker
    record_filter: RecordFilter
    destination: FailureDestination | None
    clock: Clock
    function_arn: str
    counters: Counters
    report: Callable[[str], None]  # records the LastProcessingResult
    retry_base_seconds: float = 0.1
    retry_cap_seconds: float = 10.0

    @property
    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            self.config.maximum_retry_attempts, self.config.maximum_record_age_seconds,
            self.config.bisect_batch_on_function_error,
        )


@dataclass
class PendingRecord:
    sequence: int
    record: dict[str, Any]  # the Lambda-shaped record
    created_at: float
    size: int  # its JSON size, for the 6 MB payload limit
    arrival: float  # when it was read, for the batching window


@dataclass
class Lane:
    """One of a shard's ParallelizationFactor lanes: its waiting records and tumbling-window state."""

    index: int
    records: deque[PendingRecord] = field(default_factory=deque)
    bytes: int = 0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    window: Window | None = None
    state: dict[str, Any] = field(default_factory=dict)
    consecutive_failures: int = 0


@dataclass
class _Invocation:
    verdict: Verdict
    result: InvocationResult
    request_id: str
    event: dict[str, Any]


class BatchRunner:
    def __init__(self, job: MappingJob, shard_id: str, done: Callable[[list[PendingRecord]], None]) -> None:
        self._job = job
        self._shard_id = shard_id
        self._done = done

    async def process(self, lane: Lane, batch: list[PendingRecord], *, final: bool = False) -> None:
        """Delivers the batch; returns once every record of it is done (succeeded, or dropped to the
        failure destination). With unlimited retries a failing record holds the lane here, as on AWS."""
        job = self._job
        policy = job.policy
        work: deque[tuple[list[PendingRecord], int]] = deque([(batch, 0)])
        while work:
            records, invocations = work.popleft()
            expired = expired_count([r.created_at for r in records], job.clock.now(), policy.maximum_record_age_seconds)
            if expired:
                await self._discard(records[:expired], RECORD_AGE_EXCEEDED, invocations, None, None, None)
                records = records[expired:]
                if not records:
                    continue
            last_piece = not work
            call = await self._invoke(lane, records, final=final and last_piece, terminated_early=False)
            invocations += 1
            step = after_invocation(
                policy, call.verdict, length=len(records), invocations=invocations,
                function_error=call.result.function_error,
            )
            if step.done:
                self._done(records[: step.done])
                job.counters.records_processed += step.done
            rest = records[step.done:]
            if step.action == "done":
                lane.consecutive_failures = 0
                continue
            if step.action == "split":
                work.appendleft((rest, 0))
                continue
            if step.action == "bisect":
                first, _ = halves(len(rest))
                work.appendleft((rest[first:], 0))
                work.appendleft((rest[:first], 0))
                continue
            if step.action == "discard":
                await self._discard(
                    rest, step.condition or "", step.invocations, step.function_error, 200, call.request_id
                )
                continue
            lane.consecutive_failures += 1
            job.counters.retries += 1
            await asyncio.sleep(retry_delay(lane.consecutive_failures, job.retry_base_seconds, job.retry_cap_seconds))
            work.appendleft((rest, step.invocations))

    async def final_invoke(self, lane: Lane, *, terminated_early: bool) -> None:
        """The window's closing invocation with no records left, retried until it succeeds."""
        while lane.window is not None:
            call = await self._invoke(lane, [], final=True, terminated_early=terminated_early)
            if call.verdict.kind == "success":
                return
            lane.consecutive_failures += 1
            self._job.counters.retries += 1
            await asyncio.sleep(
                retry_delay(lane.consecutive_failures, self._job.retry_base_seconds, self._job.retry_cap_seconds)
            )

    async def _invoke(
        self, lane: Lane, records: list[PendingRecord], *, final: bool, terminated_early: bool
    ) -> _Invocation:
        job = self._job
        config = job.config
        request_id = str(uuid.uuid4())
        event = stream_event([record.record for record in records])
        tumbling = config.tumbling_window_seconds > 0
        if tumbling:
            if lane.window is None:
                lane.window = _window_for(records, config.tumbling_window_seconds, job.clock.now())
            event.update(window_fields(
                window=lane.window, state=lane.state, shard_id=self._shard_id, stream_arn=job.stream_arn,
                final=final, terminated_early=terminated_early,
            ))
        job.counters.invocations += 1
        result = await job.invoker.invoke(event, request_id)
        verdict = judge_response(
            function_error=result.function_error, payload=result.payload,
            sequence_numbers=[str(record.record["dynamodb"]["SequenceNumber"]) for record in records],
            report_failures=config.report_batch_item_failures, needs_state=tumbling,
        )
        if verdict.kind == "failure":
            job.counters.errors += 1
            job.report(FUNCTION_FAILED)
            logger.warning(
                "trigger %s: %s failed on shard %s: %s", config.uuid, config.function_name, self._shard_id,
                _error_text(result),
            )
        else:
            job.report(OK)
        if tumbling and verdict.kind != "failure":
            await self._advance_window(lane, result, final=final)
        return _Invocation(verdict, result, request_id, event)

    async def _advance_window(self, lane: Lane, result: InvocationResult, *, final: bool) -> None:
        if final:
            lane.window = None
            lane.state = {}
            return
        lane.state = returned_state(result.payload)
        if state_too_large(lane.state):
            # Lambda keeps at most 1 MB of state: the window ends early with a final invoke
            await self.final_invoke(lane, terminated_early=True)

    async def _discard(
        self, records: list[PendingRecord], condition: str, invoke_count: int, function_error: str | None,
        status_code: int | None, request_id: str | None,
    ) -> None:
        job = self._job
        job.counters.records_to_failure_destination += len(records)
        first, last = records[0], records[-1]
        batch = DiscardedBatch(
            request_id=request_id or str(uuid.uuid4()), function_arn=job.function_arn, condition=condition,
            invoke_count=invoke_count, function_error=function_error, status_code=status_code,
            shard_id=self._shard_id, stream_arn=job.stream_arn,
            first_sequence=str(first.record["dynamodb"]["SequenceNumber"]),
            last_sequence=str(last.record["dynamodb"]["SequenceNumber"]),
            first_created_at=first.created_at, last_created_at=last.created_at, batch_size=len(records),
        )
        # the failure record lists the discarded records only (after a partial failure, from the failed one)
        payload = stream_event([r.record for r in records])
        record = failure_record(batch, now=job.clock.now(), payload=payload)
        if job.destination is None:
            logger.warning("trigger %s: dropped %d records (%s) with no OnFailure destination",
                           job.config.uuid, len(records), condition)
        else:
            await self._deliver(record)
        self._done(records)

    async def _deliver(self, record: dict[str, Any]) -> None:
        job = self._job
        assert job.destination is not None
        attempt = 0
        while True:
            try:
                await job.destination.send(record)
                return
            except OSError as error:  # keep the records until the destination takes them
                attempt += 1
                logger.warning("trigger %s: failure destination: %s", job.config.uuid, error)
                await asyncio.sleep(retry_delay(attempt, job.retry_base_seconds, job.retry_cap_seconds))


def _window_for(records: list[PendingRecord], seconds: int, now: float) -> Window:
    return window_of(records[0].created_at if records else now, seconds)


def _error_text(result: InvocationResult) -> str:
    payload = result.payload
    if isinstance(payload, dict) and "errorMessage" in payload:
        return f"{payload.get('errorType')}: {payload.get('errorMessage')}"
    return "the response reported failed records" if result.function_error is None else str(payload)[:300]
