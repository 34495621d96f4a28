"""Stream records: what capture stores for an item change, and the wire record GetRecords returns.

Storage keeps a compact body: a marker byte, then newline-separated pieces: "<event name> <creation second>
<SizeBytes>", the keys' JSON, the new and old images' JSON when the view type shows them (else empty), and the
user identity's JSON (else empty). orjson never writes a raw newline, so the pieces split cleanly, and
GetRecords can splice them into its answer without parsing them. What follows from the stream or the read
(eventID, region, SequenceNumber, view type) is added when a record is read. Bodies stored before this layout
are one JSON object ({"e", "t", "k", "n", "o", "u"}) and are still read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, cast

import orjson

from shardline.errors import StorageError
from shardline.streams.sequence_numbers import OFFSET, format_sequence
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
_PIECES = b"\x00"
_NO_PIECE = b""


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
    new_size: int | None = None,
) -> bytes:
    """The stored body of one change's record: only what the view type shows, so capture stays cheap.
    The record's SizeBytes is measured here, once, so that reading it back costs no walk over the images
    (`new_size` is the new item's size when the caller already knows it)."""
    source = new if new is not None else old
    if source is None:
        raise StorageError("a stream record needs an old or a new item")
    keys = {name: source[name] for name in key_names}
    size_bytes = item_size(keys)
    new_piece = old_piece = identity_piece = _NO_PIECE
    if new is not None and view_type in _WITH_NEW:
        new_piece = orjson.dumps(new)
        size_bytes += item_size(new) if new_size is None else new_size
    if old is not None and view_type in _WITH_OLD:
        old_piece = orjson.dumps(old)
        size_bytes += item_size(old)
    if user_identity is not None:
        identity_piece = orjson.dumps(dict(user_identity))
    header = b"%s %d %d" % (event_name(old, new).encode("ascii"), int(now), size_bytes)
    return _PIECES + b"\n".join((header, orjson.dumps(keys), new_piece, old_piece, identity_piece))


def _split(body: bytes) -> list[bytes] | None:
    """[event name, creation second, SizeBytes, keys, new image, old image, user identity] of a body in the
    pieces layout, all as their stored text (JSON pieces empty when absent); None for the older layout."""
    if body[:1] != _PIECES:
        return None
    header, rest = body[1:].split(b"\n", 1)
    return [*header.split(b" "), *rest.split(b"\n", 3)]


def event_id_key(store_secret: bytes) -> bytes:
    """The key that makes a store's eventIDs its own: derived from the store's random secret (the one that
    signs iterators), so two stores never share an eventID, as AWS's are unique, and the secret stays hidden."""
    return hashlib.blake2b(b"shardline eventID", key=store_secret[:64], digest_size=32).digest()


def event_id(shard_no: int, sequence: int, id_key: bytes) -> str:
    """32 lower-case hex characters, stable for a record however often it is read."""
    return hashlib.blake2b(b"%d:%d" % (shard_no, sequence), key=id_key, digest_size=16).hexdigest()


def wire_record(
    body: bytes, *, shard_no: int, sequence: int, view_type: str, region: str, id_key: bytes
) -> dict[str, Any]:
    """The Record shape of GetRecords. SizeBytes (the item size of the keys plus the images the record
    carries) was measured at capture; bodies of the older layout are measured here."""
    pieces = _split(body)
    if pieces is None:
        return _older_wire_record(
            body, shard_no=shard_no, sequence=sequence, view_type=view_type, region=region, id_key=id_key
        )
    name, created, size_bytes, keys, new, old, identity = pieces
    change: dict[str, Any] = {"ApproximateCreationDateTime": int(created), "Keys": orjson.loads(keys)}
    if new:
        change["NewImage"] = orjson.loads(new)
    if old:
        change["OldImage"] = orjson.loads(old)
    change["SequenceNumber"] = format_sequence(sequence)
    change["SizeBytes"] = int(size_bytes)
    change["StreamViewType"] = view_type
    record: dict[str, Any] = {
        "eventID": event_id(shard_no, sequence, id_key),
        "eventName": name.decode("ascii"),
        "eventVersion": EVENT_VERSION,
        "eventSource": EVENT_SOURCE,
        "awsRegion": region,
        "dynamodb": change,
    }
    if identity:
        record["userIdentity"] = orjson.loads(identity)
    return record


def wire_record_json(
    body: bytes, *, shard_no: int, sequence: int, view_type: str, region_json: bytes, id_key: bytes
) -> bytes:
    """wire_record's JSON text, spliced from the stored pieces without parsing them (the same text
    orjson.dumps(wire_record(...)) gives). `region_json` is the region as a JSON string."""
    pieces = _split(body)
    if pieces is None:
        region = orjson.loads(region_json)
        return orjson.dumps(
            _older_wire_record(
                body, shard_no=shard_no, sequence=sequence, view_type=view_type, region=region, id_key=id_key
            )
        )
    name, created, size_bytes, keys, new, old, identity = pieces
    text = (
        b'{"eventID":"%s","eventName":"%s","eventVersion":"1.1","eventSource":"aws:dynamodb","awsRegion":%s,'
        b'"dynamodb":{"ApproximateCreationDateTime":%s,"Keys":%s'
        % (event_id(shard_no, sequence, id_key).encode("ascii"), name, region_json, created, keys)
    )
    if new:
        text += b',"NewImage":' + new
    if old:
        text += b',"OldImage":' + old
    text += b',"SequenceNumber":"%d","SizeBytes":%s,"StreamViewType":"%s"}' % (
        OFFSET + sequence, size_bytes, view_type.encode("ascii"))
    if identity:
        text += b',"userIdentity":' + identity
    return text + b"}"


def _older_wire_record(
    body: bytes, *, shard_no: int, sequence: int, view_type: str, region: str, id_key: bytes
) -> dict[str, Any]:
    stored = cast(dict[str, Any], orjson.loads(body))
    keys = stored["k"]
    change: dict[str, Any] = {"ApproximateCreationDateTime": stored["t"], "Keys": keys}
    size_bytes = item_size(keys)
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
        "eventID": event_id(shard_no, sequence, id_key),
        "eventName": stored["e"],
        "eventVersion": EVENT_VERSION,
        "eventSource": EVENT_SOURCE,
        "awsRegion": region,
        "dynamodb": change,
    }
    if "u" in stored:
        record["userIdentity"] = stored["u"]
    return record
