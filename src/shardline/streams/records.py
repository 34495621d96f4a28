"""Stream records: what capture stores for an item change, and the wire record GetRecords returns.

Storage keeps a compact body (event name, creation second, keys and the images the view type asks for);
what follows from it or from the stream (eventID, region, SequenceNumber, SizeBytes, view type) is added
when a record is read, so capture does as little as possible.
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


_SCALARS = frozenset({"S", "N", "B", "BOOL", "NULL"})


def items_equal(old: Item, new: Item) -> bool:
    """True when a write leaves the item as it was, so AWS writes no record for it. Numbers and binaries are
    held in one normal text form, so scalars compare as text; sets compare regardless of member order."""
    if old == new:
        return True
    if old.keys() != new.keys():
        return False
    for name, before in old.items():
        after = new[name]
        if before == after:
            continue
        kind = next(iter(before))
        if kind in _SCALARS or kind != next(iter(after)) or not values_equal(before, after):
            return False
    return True


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
    user_identity: Mapping[str, str] | None = None,
) -> bytes:
    """The stored body of one change's record: only what the view type shows, so capture stays cheap."""
    source = new if new is not None else old
    if source is None:
        raise StorageError("a stream record needs an old or a new item")
    body: dict[str, Any] = {"e": event_name(old, new), "t": int(now), "k": {name: source[name] for name in key_names}}
    if new is not None and view_type in _WITH_NEW:
        body["n"] = new
    if old is not None and view_type in _WITH_OLD:
        body["o"] = old
    if user_identity is not None:
        body["u"] = dict(user_identity)
    return orjson.dumps(body)


def event_id(shard_no: int, sequence: int) -> str:
    """32 lower-case hex characters, stable for a record however often it is read."""
    return hashlib.blake2b(f"{shard_no}:{sequence}".encode(), digest_size=16).hexdigest()


def wire_record(body: bytes, *, shard_no: int, sequence: int, view_type: str, region: str) -> dict[str, Any]:
    """The Record shape of GetRecords. SizeBytes is the item size of the keys plus the images the record
    carries, measured here rather than on the write path."""
    stored = cast(dict[str, Any], orjson.loads(body))
    change: dict[str, Any] = {"ApproximateCreationDateTime": stored["t"], "Keys": stored["k"]}
    size_bytes = item_size(stored["k"])
    if "n" in stored:
        change["NewImage"] = stored["n"]
        size_bytes += item_size(stored["n"])
    if "o" in stored:
        change["OldImage"] = stored["o"]
        size_bytes += item_size(stored["o"])
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
