"""StreamReader: the one read path over streams, used by the Streams API operations (and, later, by the
trigger runtime). It resolves ARNs, lists and describes streams, issues iterators and reads pages."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson

from shardline.clock import Clock
from shardline.errors import ResourceNotFoundException, TrimmedDataAccessException, ValidationException
from shardline.settings import Settings
from shardline.storage.backend import ReadView, StorageBackend, StoredShard, StoredStream
from shardline.streams.arns import parse_stream_arn, stream_arn
from shardline.streams.iterators import IteratorPosition, check_not_expired, decode_iterator, encode_iterator
from shardline.streams.records import event_id_key, wire_record, wire_record_json
from shardline.streams.retention import stream_expired
from shardline.streams.sequence_numbers import format_sequence, parse_sequence
from shardline.streams.throttling import SHARED_THROTTLE, ShardThrottle

MAX_RECORD_BYTES = 1024 * 1024
TRIMMED = "The data you are trying to access has been trimmed"
ITERATOR_TYPES = ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
R = TypeVar("R")


# A store's secret (iterator key) and the eventID key derived from it never change once made, so they are
# read once per store, not on every GetRecords.
_STORE_KEYS: weakref.WeakKeyDictionary[StorageBackend, tuple[bytes, bytes]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class RecordPage:
    records: list[dict[str, Any]]
    next_iterator: str | None  # None once a closed shard is drained


@dataclass(frozen=True)
class JsonRecordPage:
    records: list[orjson.Fragment]  # each record's JSON text, as orjson.dumps embeds it
    next_iterator: str | None


class StreamReader:
    def __init__(
        self, storage: StorageBackend, clock: Clock, settings: Settings, throttle: ShardThrottle | None = None
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._settings = settings
        self._throttle = throttle if throttle is not None else SHARED_THROTTLE
        self._event_id_key = b""  # set with the iterator key, before any record is rendered

    # --- names ---------------------------------------------------------------------------------------

    def arn_of(self, stream: StoredStream) -> str:
        return stream_arn(self._settings.region, self._settings.account_id, stream.table_name, stream.label)

    def _iterator_key(self, view: ReadView) -> bytes:
        keys = _STORE_KEYS.get(self._storage)
        if keys is None:
            secret = view.stream_iterator_key()
            keys = _STORE_KEYS[self._storage] = (secret, event_id_key(secret))
        self._event_id_key = keys[1]
        return keys[0]

    def _not_found(self, arn: str) -> ResourceNotFoundException:
        return ResourceNotFoundException(f"Requested resource not found: Stream: {arn} not found")

    def _stream(self, view: ReadView, arn: str, now: float) -> StoredStream:
        parsed = parse_stream_arn(arn)
        if parsed is None:
            raise ValidationException("Invalid StreamArn")
        if parsed.region != self._settings.region or parsed.account != self._settings.account_id:
            raise self._not_found(arn)
        stream = view.get_stream(parsed.table_name, parsed.label)
        if stream is None or stream_expired(stream, now, self._settings.stream_retention_seconds):
            raise self._not_found(arn)
        return stream

    def _visible(self, shard: StoredShard, now: float) -> bool:
        # a closed shard leaves once all its records are past retention, even before upkeep removes it
        return shard.closed_at is None or shard.closed_at + self._settings.stream_retention_seconds > now

    # --- ListStreams and DescribeStream ---------------------------------------------------------------

    async def list_streams(
        self, table_name: str | None, limit: int, exclusive_start_arn: str | None
    ) -> tuple[list[dict[str, str]], str | None]:
        if exclusive_start_arn is not None and parse_stream_arn(exclusive_start_arn) is None:
            raise ValidationException("Invalid ExclusiveStartStreamArn")
        now = self._clock.now()
        retention = self._settings.stream_retention_seconds
        streams = await self._storage.read(lambda view: view.list_streams(table_name))
        listed = sorted(
            (
                {"StreamArn": self.arn_of(s), "TableName": s.table_name, "StreamLabel": s.label}
                for s in streams
                if not stream_expired(s, now, retention)
            ),
            key=lambda entry: entry["StreamArn"],
        )
        if exclusive_start_arn is not None:
            listed = [entry for entry in listed if entry["StreamArn"] > exclusive_start_arn]
        page = listed[:limit]
        return page, page[-1]["StreamArn"] if len(listed) > limit else None

    async def describe_stream(
        self, arn: str, limit: int, exclusive_start_shard_id: str | None, children_of: str | None
    ) -> dict[str, Any]:
        now = self._clock.now()

        def read(view: ReadView) -> tuple[StoredStream, list[StoredShard]]:
            stream = self._stream(view, arn, now)
            return stream, view.list_shards(stream.stream_id)

        stream, shards = await self._storage.read(read)
        visible = [shard for shard in shards if self._visible(shard, now)]
        if children_of is not None:
            visible = [shard for shard in visible if shard.parent_shard_id == children_of]
        if exclusive_start_shard_id is not None:
            # a lexical cursor, not validated: AWS answers an unknown id with the shards after it
            visible = [shard for shard in visible if shard.shard_id > exclusive_start_shard_id]
        page = visible[:limit]
        description: dict[str, Any] = {
            "StreamArn": self.arn_of(stream),
            "StreamLabel": stream.label,
            "StreamStatus": "ENABLED" if stream.enabled else "DISABLED",
            "StreamViewType": stream.view_type,
            "CreationRequestDateTime": stream.created_at,
            "TableName": stream.table_name,
            "KeySchema": [{"AttributeName": name, "KeyType": kind} for name, kind in stream.key_elements],
            "Shards": [shard_json(shard) for shard in page],
        }
        if len(visible) > limit:
            description["LastEvaluatedShardId"] = page[-1].shard_id
        return description

    # --- GetShardIterator -----------------------------------------------------------------------------

    async def shard_iterator(
        self, arn: str, shard_id: str, iterator_type: str, sequence_number: str | None,
        timestamp: float | None = None,
    ) -> str:
        sequence = _check_iterator_request(iterator_type, sequence_number, timestamp)
        now = self._clock.now()

        def read(view: ReadView) -> str:
            stream = self._stream(view, arn, now)
            shard = view.get_shard(stream.stream_id, shard_id)
            if shard is None or not self._visible(shard, now):
                raise ResourceNotFoundException(
                    "Requested resource not found: Shard does not exist"
                )
            if iterator_type == "AT_TIMESTAMP" and timestamp is not None:
                after = max(view.stream_position_at(shard.shard_no, timestamp), shard.trimmed_through)
            else:
                after = _start_position(shard, iterator_type, sequence)
            key = self._iterator_key(view)
            return encode_iterator(key, IteratorPosition(self.arn_of(stream), shard.shard_id, after, now))

        return await self._storage.read(read)

    # --- GetRecords -----------------------------------------------------------------------------------

    async def get_records(self, iterator: str, limit: int) -> RecordPage:
        region = self._settings.region

        def render(body: bytes, shard_no: int, sequence: int, view_type: str) -> dict[str, Any]:
            return wire_record(
                body, shard_no=shard_no, sequence=sequence, view_type=view_type, region=region,
                id_key=self._event_id_key,
            )

        records, following = await self._read_page(iterator, limit, render)
        return RecordPage(records, following)

    async def get_records_json(self, iterator: str, limit: int) -> JsonRecordPage:
        """GetRecords for the API: each record as its ready JSON text (orjson.Fragment), spliced from the
        stored pieces, so an answer of 1000 records parses and rebuilds none of them."""
        region_json = orjson.dumps(self._settings.region)

        def render(body: bytes, shard_no: int, sequence: int, view_type: str) -> orjson.Fragment:
            return orjson.Fragment(wire_record_json(
                body, shard_no=shard_no, sequence=sequence, view_type=view_type, region_json=region_json,
                id_key=self._event_id_key,
            ))

        records, following = await self._read_page(iterator, limit, render)
        return JsonRecordPage(records, following)

    async def _read_page(
        self, iterator: str, limit: int, render: Callable[[bytes, int, int, str], R]
    ) -> tuple[list[R], str | None]:
        now = self._clock.now()
        ttl = self._settings.iterator_ttl_seconds

        def read(view: ReadView) -> tuple[list[R], str | None]:
            key = self._iterator_key(view)
            position = decode_iterator(key, iterator)
            check_not_expired(position, now, ttl)
            stream = self._stream(view, position.stream_arn, now)
            shard = view.get_shard(stream.stream_id, position.shard_id)
            if shard is None or not self._visible(shard, now):
                raise ResourceNotFoundException(
                    "Requested resource not found: Shard does not exist"
                )
            if self._settings.stream_throttling:
                self._throttle.take(position.stream_arn, position.shard_id, now)
            if position.after_sequence < shard.trimmed_through:
                raise TrimmedDataAccessException(TRIMMED)
            stored = view.read_stream_records(shard.shard_no, position.after_sequence, limit, MAX_RECORD_BYTES)
            shard_no, view_type = shard.shard_no, stream.view_type
            records = [render(record.body, shard_no, record.sequence, view_type) for record in stored]
            after = stored[-1].sequence if stored else position.after_sequence
            if not shard.is_open and after >= shard.last_sequence:
                return records, None
            following = IteratorPosition(position.stream_arn, shard.shard_id, after, now)
            return records, encode_iterator(key, following)

        return await self._storage.read(read)


def shard_json(shard: StoredShard) -> dict[str, Any]:
    described: dict[str, Any] = {"ShardId": shard.shard_id}
    if shard.parent_shard_id is not None:
        described["ParentShardId"] = shard.parent_shard_id
    numbers = {"StartingSequenceNumber": format_sequence(shard.starting_sequence)}
    if shard.ending_sequence is not None:
        numbers["EndingSequenceNumber"] = format_sequence(shard.ending_sequence)
    described["SequenceNumberRange"] = numbers
    return described


def _check_iterator_request(
    iterator_type: str, sequence_number: str | None, timestamp: float | None
) -> int | None:
    if iterator_type == "AT_TIMESTAMP":
        if timestamp is None or sequence_number is not None:
            raise ValidationException("Timestamp is required, and SequenceNumber not allowed, when "
                                      "ShardIteratorType is AT_TIMESTAMP")
        return None
    if timestamp is not None:
        raise ValidationException(f"Timestamp must not be specified when ShardIteratorType is {iterator_type}")
    if iterator_type in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        if sequence_number is None:
            raise ValidationException(
                f"SequenceNumber is required when ShardIteratorType is {iterator_type}"
            )
        return parse_sequence(sequence_number)
    if sequence_number is not None:
        raise ValidationException(
            f"SequenceNumber must not be specified when ShardIteratorType is {iterator_type}"
        )
    return None


def _start_position(shard: StoredShard, iterator_type: str, sequence: int | None) -> int:
    """The iterator's position: the sequence number after which reading starts."""
    if iterator_type == "TRIM_HORIZON":
        return shard.trimmed_through
    if iterator_type == "LATEST":
        return shard.last_sequence
    if sequence is None:
        raise ValidationException(f"SequenceNumber is required when ShardIteratorType is {iterator_type}")
    after = sequence - 1 if iterator_type == "AT_SEQUENCE_NUMBER" else sequence
    if after < shard.trimmed_through:
        raise TrimmedDataAccessException(TRIMMED)
    return after
