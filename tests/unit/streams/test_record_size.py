"""SizeBytes is measured once, at capture, and stored with the record; records stored before that (without
the stored size) are measured when read, with the same result."""

from __future__ import annotations

import orjson

from shardline.streams.records import encode_change, event_id_key, wire_record
from shardline.values.types import Item

KEY = event_id_key(b"a store's secret")

OLD: Item = {"id": {"S": "order-1"}, "status": {"S": "pending"}, "total": {"N": "12.5"}}
NEW: Item = {"id": {"S": "order-1"}, "status": {"S": "shipped"}, "total": {"N": "12.5"}, "tags": {"SS": ["a", "bc"]}}
# DynamoDB's item sizes: names and strings in UTF-8 bytes, 12.5 as three digits in two base-100 bytes plus one
KEYS_SIZE = 2 + 7
OLD_SIZE = KEYS_SIZE + (6 + 7) + (5 + 3)
NEW_SIZE = KEYS_SIZE + (6 + 7) + (5 + 3) + (4 + 3)


def _size(body: bytes, view_type: str) -> int:
    record = wire_record(body, shard_no=1, sequence=1, view_type=view_type, region="us-east-1", id_key=KEY)
    return int(record["dynamodb"]["SizeBytes"])


def test_size_of_keys_and_both_images() -> None:
    body = encode_change(key_names=["id"], view_type="NEW_AND_OLD_IMAGES", old=OLD, new=NEW, now=1.0)
    assert _size(body, "NEW_AND_OLD_IMAGES") == KEYS_SIZE + OLD_SIZE + NEW_SIZE


def test_the_size_travels_with_the_stored_body() -> None:
    # a caller that knows the new item's size passes it; what is read back is what was stored
    body = encode_change(key_names=["id"], view_type="NEW_IMAGE", old=None, new=NEW, now=1.0, new_size=1000)
    assert _size(body, "NEW_IMAGE") == KEYS_SIZE + 1000


def test_a_body_of_the_older_layout_is_measured_when_read() -> None:
    # the layout stored before SizeBytes was kept: one JSON object with the images the view type shows
    for view_type, images, expected in (
        ("KEYS_ONLY", {}, KEYS_SIZE),
        ("NEW_IMAGE", {"n": NEW}, KEYS_SIZE + NEW_SIZE),
        ("OLD_IMAGE", {"o": OLD}, KEYS_SIZE + OLD_SIZE),
        ("NEW_AND_OLD_IMAGES", {"n": NEW, "o": OLD}, KEYS_SIZE + OLD_SIZE + NEW_SIZE),
    ):
        body = orjson.dumps({"e": "MODIFY", "t": 1, "k": {"id": {"S": "order-1"}}, **images})
        assert _size(body, view_type) == expected, view_type
