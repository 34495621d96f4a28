"""Where a mapping's records come from: this server's own streams (LocalStreamSource, through the
StreamReader) or any DynamoDB Streams endpoint (RemoteStreamSource, through boto3's public API only)."""

from __future__ import annotations

import asyncio
import base64
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar

from shardline.clock import Clock, SystemClock
from shardline.errors import (
    ExpiredIteratorException,
    LimitExceededException,
    ResourceNotFoundException,
    ShardlineError,
    TrimmedDataAccessException,
)
from shardline.storage.backend import StorageBackend
from shardline.streams.iterators import decode_iterator
from shardline.streams.reader import StreamReader
from shardline.streams.sequence_numbers import format_sequence
from shardline.triggers.commit_signal import CommitSignal

T = TypeVar("T")
TRIM_HORIZON = "TRIM_HORIZON"
LATEST = "LATEST"
READ_LIMIT = 1000  # GetRecords' maximum Limit
# A LATEST start kept as a time: the public Streams API keeps LATEST opaque (no sequence number to store until
# a record arrives), so a runner stopped before its first record resumes from the time it started.
STARTED_AT = "LATEST@"
# Creation times are whole seconds and the reference clock may be off a little: reaching this far back
# delivers a record from just before the start again rather than skipping one written just after it.
STARTED_AT_MARGIN_SECONDS = 2


def started_at_position(epoch: float) -> str:
    return f"{STARTED_AT}{math.floor(epoch) - STARTED_AT_MARGIN_SECONDS}"


def started_at_of(position: str) -> float | None:
    """The creation time a started-at position reads from, or None for any other position."""
    if not position.startswith(STARTED_AT):
        return None
    try:
        return float(position[len(STARTED_AT):])
    except ValueError:
        return None


def is_sequence_position(position: str) -> bool:
    """True for a position that is a record's sequence number (not TRIM_HORIZON, LATEST or a start time)."""
    return position not in (TRIM_HORIZON, LATEST) and not position.startswith(STARTED_AT)


class SourceError(Exception):
    """A read that failed: kind is "expired" (iterator), "trimmed", "gone" (stream or shard), "throttled"
    or "other"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ShardInfo:
    shard_id: str
    parent_shard_id: str | None
    closed: bool


@dataclass(frozen=True)
class StreamInfo:
    arn: str
    hash_key: str | None
    enabled: bool
    shards: tuple[ShardInfo, ...]


@dataclass(frozen=True)
class SourcePage:
    records: list[dict[str, Any]]  # GetRecords' wire form
    next_iterator: str | None  # None once a closed shard is drained


class StreamSource(Protocol):
    poll_interval: float  # how long to wait after an empty read when no change token is offered

    def change_token(self) -> asyncio.Event | None:
        """An event set at the next commit, or None when the source cannot tell (then poll)."""
        ...

    async def latest_stream_arn(self, table_name: str) -> str | None: ...

    async def describe(self, stream_arn: str) -> StreamInfo | None:
        """The stream and all its shards, or None when it does not exist."""
        ...

    async def latest_position(self, stream_arn: str, shard_id: str) -> str | None:
        """A position to store for LATEST so that a restart reads on from there: the sequence number LATEST
        reads after, or a started-at position; None when the source can tell neither."""
        ...

    async def iterator(self, stream_arn: str, shard_id: str, position: str) -> str:
        """An iterator at `position`: TRIM_HORIZON, LATEST, or after a sequence number."""
        ...

    async def read(self, iterator: str, limit: int) -> SourcePage: ...


def _iterator_request(position: str) -> tuple[str, str | None]:
    if position in (TRIM_HORIZON, LATEST):
        return position, None
    return "AFTER_SEQUENCE_NUMBER", position


class LocalStreamSource:
    """This server's streams, read through the same StreamReader as the Streams API."""

    def __init__(
        self, reader: StreamReader, storage: StorageBackend, signal: CommitSignal | None = None,
        poll_interval: float = 1.0,
    ) -> None:
        self._reader = reader
        self._storage = storage
        self._signal = signal
        self.poll_interval = poll_interval if signal is not None else min(poll_interval, 0.05)

    def change_token(self) -> asyncio.Event | None:
        return None if self._signal is None else self._signal.token()

    async def _call(self, call: Callable[[], Any]) -> Any:
        try:
            return await call()
        except ExpiredIteratorException as error:
            raise SourceError("expired", str(error)) from error
        except TrimmedDataAccessException as error:
            raise SourceError("trimmed", str(error)) from error
        except ResourceNotFoundException as error:
            raise SourceError("gone", str(error)) from error
        except LimitExceededException as error:
            raise SourceError("throttled", str(error)) from error
        except ShardlineError as error:
            raise SourceError("other", str(error)) from error

    async def latest_stream_arn(self, table_name: str) -> str | None:
        arns: list[str] = []
        start: str | None = None
        while True:
            page, start = await self._reader.list_streams(table_name, 100, start)
            arns.extend(entry["StreamArn"] for entry in page)
            if start is None:
                break
        # labels are creation times, so the lexically greatest ARN of one table is its latest stream
        return max(arns) if arns else None

    async def describe(self, stream_arn: str) -> StreamInfo | None:
        shards: list[ShardInfo] = []
        start: str | None = None
        try:
            while True:
                description = await self._call(
                    lambda after=start: self._reader.describe_stream(stream_arn, 100, after, None)  # type: ignore[misc]
                )
                shards.extend(_shard_info(shard) for shard in description["Shards"])
                start = description.get("LastEvaluatedShardId")
                if start is None:
                    break
        except SourceError as error:
            if error.kind == "gone":
                return None
            raise
        return StreamInfo(stream_arn, _hash_key(description), description["StreamStatus"] == "ENABLED", tuple(shards))

    async def latest_position(self, stream_arn: str, shard_id: str) -> str | None:
        token = await self.iterator(stream_arn, shard_id, LATEST)
        position = await self._storage.read(lambda view: decode_iterator(view.stream_iterator_key(), token))
        return format_sequence(position.after_sequence)

    async def iterator(self, stream_arn: str, shard_id: str, position: str) -> str:
        kind, sequence = _iterator_request(position)
        token: str = await self._call(lambda: self._reader.shard_iterator(stream_arn, shard_id, kind, sequence))
        return token

    async def read(self, iterator: str, limit: int) -> SourcePage:
        page = await self._call(lambda: self._reader.get_records(iterator, limit))
        return SourcePage(page.records, page.next_iterator)


def _shard_info(shard: Mapping[str, Any]) -> ShardInfo:
    return ShardInfo(
        shard_id=str(shard["ShardId"]),
        parent_shard_id=shard.get("ParentShardId"),
        closed="EndingSequenceNumber" in shard.get("SequenceNumberRange", {}),
    )


def _hash_key(description: Mapping[str, Any]) -> str | None:
    for element in description.get("KeySchema", []):
        if element.get("KeyType") == "HASH":
            return str(element["AttributeName"])
    return None


# --- any DynamoDB Streams endpoint -------------------------------------------------------------------------

_ERROR_KINDS = {
    "ExpiredIteratorException": "expired",
    "TrimmedDataAccessException": "trimmed",
    "ResourceNotFoundException": "gone",
    "LimitExceededException": "throttled",
    "ThrottlingException": "throttled",
}


class RemoteStreamSource:
    """A DynamoDB Streams endpoint (another shardline or AWS) through boto3 clients; their blocking calls
    run in threads. LATEST is stored as a started-at position (see STARTED_AT)."""

    def __init__(
        self, streams_client: Any, dynamodb_client: Any, poll_interval: float = 0.25, clock: Clock | None = None,
    ) -> None:
        self._streams = streams_client
        self._dynamodb = dynamodb_client
        self.poll_interval = poll_interval
        self._clock = clock or SystemClock()
        # LATEST iterators taken when a started-at position was made, used by the first read from it
        self._latest_iterators: dict[tuple[str, str, str], str] = {}

    def change_token(self) -> asyncio.Event | None:
        return None

    async def _call(self, method: Callable[..., Any], **arguments: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return await asyncio.to_thread(method, **arguments)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            raise SourceError(_ERROR_KINDS.get(code, "other"), str(error)) from error
        except BotoCoreError as error:
            raise SourceError("other", str(error)) from error

    async def latest_stream_arn(self, table_name: str) -> str | None:
        try:
            answer = await self._call(self._dynamodb.describe_table, TableName=table_name)
        except SourceError as error:
            if error.kind == "gone":
                return None
            raise
        arn = answer.get("Table", {}).get("LatestStreamArn")
        return str(arn) if arn else None

    async def describe(self, stream_arn: str) -> StreamInfo | None:
        shards: list[ShardInfo] = []
        arguments: dict[str, Any] = {"StreamArn": stream_arn}
        try:
            while True:
                answer = await self._call(self._streams.describe_stream, **arguments)
                description = answer["StreamDescription"]
                shards.extend(_shard_info(shard) for shard in description.get("Shards", []))
                last = description.get("LastEvaluatedShardId")
                if not last:
                    break
                arguments["ExclusiveStartShardId"] = last
        except SourceError as error:
            if error.kind == "gone":
                return None
            raise
        enabled = description.get("StreamStatus") in ("ENABLED", "ENABLING")
        return StreamInfo(stream_arn, _hash_key(description), enabled, tuple(shards))

    async def latest_position(self, stream_arn: str, shard_id: str) -> str | None:
        """A started-at position for now, by the endpoint's clock (its Date header) when it sends one."""
        answer = await self._call(
            self._streams.get_shard_iterator, StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType=LATEST,
        )
        position = started_at_position(_server_time(answer) or self._clock.now())
        self._latest_iterators[(stream_arn, shard_id, position)] = str(answer["ShardIterator"])
        return position

    async def iterator(self, stream_arn: str, shard_id: str, position: str) -> str:
        since = started_at_of(position)
        if since is not None:
            latest = self._latest_iterators.pop((stream_arn, shard_id, position), None)
            if latest is not None:
                return latest  # the first read after the start: exactly what LATEST gives
            # after a restart: the records from the start time on (the oldest ones are skipped while read)
            answer = await self._call(
                self._streams.get_shard_iterator, StreamArn=stream_arn, ShardId=shard_id,
                ShardIteratorType=TRIM_HORIZON,
            )
            return _skipping(since, str(answer["ShardIterator"]))
        kind, sequence = _iterator_request(position)
        arguments: dict[str, Any] = {"StreamArn": stream_arn, "ShardId": shard_id, "ShardIteratorType": kind}
        if sequence is not None:
            arguments["SequenceNumber"] = sequence
        answer = await self._call(self._streams.get_shard_iterator, **arguments)
        return str(answer["ShardIterator"])

    async def read(self, iterator: str, limit: int) -> SourcePage:
        since, token = _skipped(iterator)
        answer = await self._call(self._streams.get_records, ShardIterator=token, Limit=limit)
        records = [wire_record(record) for record in answer.get("Records", [])]
        following = answer.get("NextShardIterator")
        if since is None:
            return SourcePage(records, following)
        kept = [record for record in records if _created_at(record) >= since]
        if following is not None and not kept:
            following = _skipping(since, str(following))  # still before the start time
        return SourcePage(kept, following)


_SKIP = "skip-before:"


def _skipping(since: float, iterator: str) -> str:
    """An iterator whose reads drop records created before `since`, until one at or after it is read."""
    return f"{_SKIP}{since!r}|{iterator}"


def _skipped(iterator: str) -> tuple[float | None, str]:
    if not iterator.startswith(_SKIP):
        return None, iterator
    since, _, token = iterator[len(_SKIP):].partition("|")
    return float(since), token


def _created_at(record: Mapping[str, Any]) -> float:
    moment = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
    return float(moment) if isinstance(moment, int | float) else math.inf


def _server_time(answer: Mapping[str, Any]) -> float | None:
    """The endpoint's clock from the response's Date header (whole seconds), if it sent one."""
    header = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    if not isinstance(header, str):
        return None
    try:
        return parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        return None


def wire_value(value: Any) -> Any:
    """boto3's parsed AttributeValue back in wire form (binaries as base64 text)."""
    if not isinstance(value, Mapping):
        return value
    converted: dict[str, Any] = {}
    for kind, inner in value.items():
        if kind == "B" and isinstance(inner, bytes | bytearray):
            converted[kind] = base64.b64encode(inner).decode("ascii")
        elif kind == "BS":
            converted[kind] = [base64.b64encode(item).decode("ascii") if isinstance(item, bytes | bytearray)
                               else item for item in inner]
        elif kind == "M":
            converted[kind] = {name: wire_value(item) for name, item in inner.items()}
        elif kind == "L":
            converted[kind] = [wire_value(item) for item in inner]
        else:
            converted[kind] = inner
    return converted


def wire_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A GetRecords record as boto3 parsed it, back in wire form (epoch seconds, base64 binaries)."""
    converted = dict(record)
    change = dict(record.get("dynamodb", {}))
    moment = change.get("ApproximateCreationDateTime")
    if isinstance(moment, datetime):
        change["ApproximateCreationDateTime"] = moment.timestamp()
    for image in ("Keys", "NewImage", "OldImage"):
        if image in change:
            change[image] = {name: wire_value(value) for name, value in change[image].items()}
    converted["dynamodb"] = change
    return converted
