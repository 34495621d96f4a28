"""Shard iterators: signed, self-contained, tamper-evident and expiring."""

from __future__ import annotations

import pytest

from shardline.errors import ExpiredIteratorException, ValidationException
from shardline.streams.iterators import IteratorPosition, check_not_expired, decode_iterator, encode_iterator

KEY = b"k" * 32
ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2024-01-01T00:00:00.000"
POSITION = IteratorPosition(ARN, "shardId-00000001700000000000-0a1b2c3d", 41, 1_700_000_000.25)


def test_round_trip_and_aws_prefix() -> None:
    token = encode_iterator(KEY, POSITION)
    assert token.startswith(ARN + "|1|")
    assert len(token) <= 2048
    assert decode_iterator(KEY, token) == POSITION


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        ARN + "|1|",
        ARN + "|2|AAAA",
        ARN + "|1|not base64!",
        ARN + "|1|" + "A" * 40,
    ],
)
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(ValidationException) as raised:
        decode_iterator(KEY, token)
    assert raised.value.message == "Invalid ShardIterator"


def test_tampered_and_foreign_tokens_are_refused() -> None:
    token = encode_iterator(KEY, POSITION)
    other_stream = token.replace("table/orders/", "table/others/")
    with pytest.raises(ValidationException):
        decode_iterator(KEY, other_stream)
    with pytest.raises(ValidationException):
        decode_iterator(b"x" * 32, token)
    forged = encode_iterator(b"x" * 32, IteratorPosition(ARN, POSITION.shard_id, 0, POSITION.issued_at))
    with pytest.raises(ValidationException):
        decode_iterator(KEY, forged)


def test_expiry() -> None:
    check_not_expired(POSITION, POSITION.issued_at + 900, 900)
    with pytest.raises(ExpiredIteratorException) as raised:
        check_not_expired(POSITION, POSITION.issued_at + 900.5, 900)
    assert raised.value.message == (
        "Iterator expired. The iterator was created at time Tue Nov 14 22:13:20 UTC 2023 while right now it is "
        "Tue Nov 14 22:28:20 UTC 2023 which is further in the future than the tolerated delay of 900000 "
        "milliseconds."
    )
