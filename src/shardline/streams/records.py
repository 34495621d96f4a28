"""Stream records: what capture stores for an item change, and the wire record GetRecords returns.

Storage keeps a compact body (event name, creation second, keys and the images the view type asks for);
the fields that follow from the stream or the request (eventID, region, SequenceNumber, view type) are
added when a record is read, so capture writes as little as possible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, cast

import orjson

from shardline.errors import StorageError
from shardline.streams.sequence_numbers import format_sequence
from shardline.values.comparison import values_equal
from shardline.values.item_size import item_size
from shardline.values.types import Item

INSERT = "INSERT"
MODIFY = "MODIFY"
REMOVE = "REMOVE"
EVENT_VERSION = "1.1"
EVENT_SOURCE = "aws:dynamodb"

_WITH_NEW = frozenset({"NEW_IMAGE", "NEW_AND_OLD_IMAGES"})
_WITH_OLD = frozenset({"OLD_IMAGE", "NEW_AND_OLD_IMAGES"})


def items_equal(old: Item, new: Item) -> bool:
    """True when a write leaves the item as it was (sets compare regardless of member order), so AWS
    writes no record for it."""
    if old == new:
        return True
    if old.keys() != new.keys():
        return False
    return all(old[name] == new[name] or values_equal(old[name], new[name]) for name in old)


def event_name(old: Item | None, new: Item | None) -> str:
    if old is None:
        return INSERT
    return REMOVE if new is None else MODIFY


def encode_change(
    *,
    key_names: Sequence[str],
    view_type: str,
    old: Item | None,
    new: Item | None,
    now: float,
    new_size: int | None = None,
    user_identity: Mapping[str, str] | None = None,
) -> tuple[bytes, int]:
    """The stored body of one change's record and its SizeBytes (keys plus the images it carries, by
    DynamoDB's item-size rules)."""
    source = new if new is not None else old
    if source is None:
        raise StorageError("a stream record needs an old or a new item")
    keys = {name: source[name] for name in key_names}
    size = item_size(keys)
    body: dict[str, Any] = {"e": event_name(old, new), "t": int(now), "k": keys}
    if new is not None and view_type in _WITH_NEW:
        body["n"] = new
        size += new_size if new_size is not None else item_size(new)
    if old is not None and view_type in _WITH_OLD:
        body["o"] = old
        size += item_size(old)
    if user_identity is not None:
        body["u"] = dict(user_identity)
    return orjson.dumps(body), size


def event_id(shard_no: int, sequence: int) -> str:
    """32 lower-case hex characters, stable for a record however often it is read."""
    return hashlib.blake2b(f"{shard_no}:{sequence}".encode(), digest_size=16).hexdigest()


def wire_record(
    body: bytes, *, shard_no: int, sequence: int, size_bytes: int, view_type: str, region: str
) -> dict[str, Any]:
    """The Record shape of GetRecords."""
    stored = cast(dict[str, Any], orjson.loads(body))
    change: dict[str, Any] = {"ApproximateCreationDateTime": stored["t"], "Keys": stored["k"]}
    if "n" in stored:
        change["NewImage"] = stored["n"]
    if "o" in stored:
        change["OldImage"] = stored["o"]
    change["SequenceNumber"] = format_sequence(sequence)
    change["SizeBytes"] = size_bytes
    change["StreamViewType"] = view_type
    record: dict[str, Any] = {
        "eventID": event_id(shard_no, sequence),
        "eventName": stored["e"],
        "eventVersion": EVENT_VERSION,
        "eventSource": EVENT_SOURCE,
        "awsRegion": region,
        "dynamodb": change,
    }
    if "u" in stored:
        record["userIdentity"] = stored["u"]
    return record
