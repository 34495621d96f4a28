"""Reading one shard with GetRecords: renews an expired iterator from the last position read, backs off when
throttled, and on trimmed data resumes at the trim horizon after reporting the loss (callback and log)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shardline.consumer.config import ConsumerConfig
from shardline.consumer.leases import LATEST, TRIM_HORIZON

log = logging.getLogger("shardline.consumer")

# Errors that go away by themselves: retried after a growing pause.
RETRYABLE_CODES = frozenset({
    "LimitExceededException", "ProvisionedThroughputExceededException", "ThrottlingException",
    "RequestLimitExceeded", "InternalServerError", "ServiceUnavailable", "InternalFailure",
})


@dataclass(frozen=True)
class TrimmedData:
    """Records of `shard_id` were lost: the consumer fell further behind than the retention period, so reading
    resumed at the oldest record kept. `last_sequence_number` is the last record read before the gap (None if
    none had been read in this lease)."""

    shard_id: str
    last_sequence_number: str | None
    shard_gone: bool  # the whole shard expired: nothing of it could be read


@dataclass(frozen=True)
class Batch:
    records: list[dict[str, Any]]
    shard_ended: bool


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class ShardReader:
    """GetRecords over one shard from a checkpoint. `wait(seconds)` pauses and returns True when the reader must
    stop (shutdown or lease lost); every call that could block on the network is followed by such a check."""

    def __init__(
        self, streams: Any, stream_arn: str, shard_id: str, checkpoint: str, config: ConsumerConfig,
        wait: Callable[[float], bool], on_trimmed: Callable[[TrimmedData], None],
    ) -> None:
        self._streams = streams
        self._stream_arn = stream_arn
        self.shard_id = shard_id
        self._start = checkpoint
        self._config = config
        self._wait = wait
        self._on_trimmed = on_trimmed
        self._iterator: str | None = None
        self._backoff = config.backoff_seconds
        self.last_sequence_number: str | None = None if checkpoint in (TRIM_HORIZON, LATEST) else checkpoint

    def read(self) -> Batch | None:
        """The next batch (possibly empty), or None when told to stop while waiting out an error."""
        while True:
            try:
                if self._iterator is None:
                    iterator = self._new_iterator()
                    if iterator is None:  # the shard itself is gone
                        return Batch([], shard_ended=True)
                    self._iterator = iterator
                page = self._streams.get_records(ShardIterator=self._iterator, Limit=self._config.max_records)
            except ClientError as error:
                code = _code(error)
                if code == "ExpiredIteratorException":
                    log.info("shard %s: iterator expired, renewing it from %s", self.shard_id,
                             self.last_sequence_number or self._start)
                    self._iterator = None
                    continue
                if code == "TrimmedDataAccessException":
                    self._trimmed(shard_gone=False)
                    continue
                if code not in RETRYABLE_CODES and error.response.get("ResponseMetadata", {}).get(
                    "HTTPStatusCode", 400
                ) < 500:
                    raise
                if self._pause(f"{code or 'error'} from GetRecords"):
                    return None
                continue
            except BotoCoreError as error:  # connection refused, timeouts: the endpoint may come back
                if self._pause(str(error)):
                    return None
                continue
            self._backoff = self._config.backoff_seconds
            records: list[dict[str, Any]] = page.get("Records", [])
            if records:
                self.last_sequence_number = records[-1]["dynamodb"]["SequenceNumber"]
            self._iterator = page.get("NextShardIterator")
            return Batch(records, shard_ended=self._iterator is None)

    def _new_iterator(self) -> str | None:
        arguments: dict[str, Any] = {"StreamArn": self._stream_arn, "ShardId": self.shard_id}
        if self.last_sequence_number is not None:
            arguments["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            arguments["SequenceNumber"] = self.last_sequence_number
        else:
            arguments["ShardIteratorType"] = self._start if self._start in (TRIM_HORIZON, LATEST) else TRIM_HORIZON
        try:
            return str(self._streams.get_shard_iterator(**arguments)["ShardIterator"])
        except ClientError as error:
            code = _code(error)
            if code == "TrimmedDataAccessException":
                self._trimmed(shard_gone=False)
                return self._new_iterator()
            if code == "ResourceNotFoundException":
                self._trimmed(shard_gone=True)
                return None
            raise

    def _trimmed(self, shard_gone: bool) -> None:
        event = TrimmedData(self.shard_id, self.last_sequence_number, shard_gone)
        if shard_gone:
            log.warning("shard %s expired before it was read to its end (last read: %s): its remaining records "
                        "are lost", self.shard_id, self.last_sequence_number)
        else:
            log.warning("shard %s: records after %s were trimmed before they were read; resuming at the trim "
                        "horizon", self.shard_id, self.last_sequence_number or self._start)
        self.last_sequence_number = None
        self._start = TRIM_HORIZON
        self._iterator = None
        try:
            self._on_trimmed(event)
        except Exception:
            log.exception("the trimmed-data callback failed")

    def _pause(self, reason: str) -> bool:
        log.info("shard %s: %s; retrying in %.2fs", self.shard_id, reason, self._backoff)
        stop = self._wait(self._backoff)
        self._backoff = min(self._backoff * 2, self._config.max_backoff_seconds)
        return stop
