"""OnFailure destinations: where a mapping sends what it gives up on, in Lambda's failure-record shape.

`file:///path.jsonl` appends one JSON line per discarded batch; an http(s) URL receives it as a JSON POST.
Both carry S3's variant of the record (the SQS/SNS fields plus `payload`, the invocation event), since a
local consumer cannot re-read the records once they leave the stream.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import orjson

logger = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class DiscardedBatch:
    """What a failure record describes: the discarded records of one shard and why they were dropped."""

    request_id: str
    function_arn: str
    condition: str
    invoke_count: int
    function_error: str | None  # "Unhandled" when the function failed; None after partial failures
    status_code: int | None  # None when the records aged out (no response is reported then)
    shard_id: str
    stream_arn: str
    first_sequence: str
    last_sequence: str
    first_created_at: float
    last_created_at: float
    batch_size: int


def _iso_millis(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _iso_second(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def failure_record(batch: DiscardedBatch, *, now: float, payload: Mapping[str, Any] | None) -> dict[str, Any]:
    """Lambda's record for a discarded DynamoDB stream batch (timestamp in milliseconds; DynamoDB's arrival
    times in whole seconds)."""
    record: dict[str, Any] = {
        "requestContext": {
            "requestId": batch.request_id,
            "functionArn": batch.function_arn,
            "condition": batch.condition,
            "approximateInvokeCount": batch.invoke_count,
        },
    }
    if batch.status_code is not None:
        record["responseContext"] = {
            "statusCode": batch.status_code,
            "executedVersion": "$LATEST",
            "functionError": batch.function_error,
        }
    record["version"] = "1.0"
    record["timestamp"] = _iso_millis(now)
    record["DDBStreamBatchInfo"] = {
        "shardId": batch.shard_id,
        "startSequenceNumber": batch.first_sequence,
        "endSequenceNumber": batch.last_sequence,
        "approximateArrivalOfFirstRecord": _iso_second(batch.first_created_at),
        "approximateArrivalOfLastRecord": _iso_second(batch.last_created_at),
        "batchSize": batch.batch_size,
        "streamArn": batch.stream_arn,
    }
    if payload is not None:
        record["payload"] = dict(payload)
    return record


class FailureDestination(Protocol):
    async def send(self, record: Mapping[str, Any]) -> None:
        """Delivers one failure record; raises OSError when it cannot."""
        ...


class FileDestination:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = asyncio.Lock()

    def _append(self, line: bytes) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("ab") as handle:
            handle.write(line)
            handle.flush()

    async def send(self, record: Mapping[str, Any]) -> None:
        line = orjson.dumps(record) + b"\n"
        async with self._lock:  # one line at a time, never interleaved
            await asyncio.to_thread(self._append, line)


class HttpDestination:
    def __init__(self, url: str) -> None:
        self._url = url

    def _post(self, body: bytes) -> None:
        request = urllib.request.Request(
            self._url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            response.read()

    async def send(self, record: Mapping[str, Any]) -> None:
        try:
            await asyncio.to_thread(self._post, orjson.dumps(record))
        except (OSError, ValueError) as error:
            raise OSError(f"failure destination {self._url}: {error}") from error


class LogDestination:
    """An AWS destination (an SQS, SNS or S3 ARN) that a local run cannot reach: the record is logged."""

    def __init__(self, arn: str) -> None:
        self._arn = arn

    async def send(self, record: Mapping[str, Any]) -> None:
        logger.warning("failure record for %s: %s", self._arn, orjson.dumps(record).decode())


def destination_for(uri: str | None) -> FailureDestination | None:
    if not uri:
        return None
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme == "file":
        return FileDestination(Path(urllib.parse.unquote(parsed.path)))
    if parsed.scheme in ("http", "https"):
        return HttpDestination(uri)
    return LogDestination(uri)


def describe_records(records: Sequence[Mapping[str, Any]]) -> tuple[str, str, float, float]:
    """(first and last SequenceNumber, first and last ApproximateCreationDateTime) of Lambda records."""
    first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
    return (
        str(first["SequenceNumber"]), str(last["SequenceNumber"]),
        float(first.get("ApproximateCreationDateTime", 0.0)), float(last.get("ApproximateCreationDateTime", 0.0)),
    )
