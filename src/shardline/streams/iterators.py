"""Shard iterators: self-contained tokens, HMAC-signed with the store's key, that expire after a TTL.

The form is AWS's `<StreamArn>|1|<opaque>`: clients such as the KCL adapter read the ARN prefix. The opaque
part holds the shard, the position (read records after this sequence number) and the issue time, so no
iterator is ever stored on the server.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from shardline.errors import ExpiredIteratorException, ValidationException

VERSION = "1"
_MAC_BYTES = 16
INVALID_ITERATOR = "Invalid ShardIterator"


@dataclass(frozen=True)
class IteratorPosition:
    stream_arn: str
    shard_id: str
    after_sequence: int  # records with a greater sequence number come next
    issued_at: float


def _mac(key: bytes, arn: str, payload: bytes) -> bytes:
    # hmac.digest: the one-shot C path, several times cheaper than building an HMAC object per token
    return hmac.digest(key, arn.encode() + b"|" + payload, "sha256")[:_MAC_BYTES]


def encode_iterator(key: bytes, position: IteratorPosition) -> str:
    payload = f"{position.shard_id}|{position.after_sequence}|{int(position.issued_at * 1000)}".encode()
    blob = base64.b64encode(payload + _mac(key, position.stream_arn, payload)).decode("ascii")
    return f"{position.stream_arn}|{VERSION}|{blob}"


def decode_iterator(key: bytes, token: str) -> IteratorPosition:
    """The position of a token this store issued; anything else is AWS's ValidationException."""
    parts = token.rsplit("|", 2)
    if len(parts) != 3 or parts[1] != VERSION:
        raise ValidationException(INVALID_ITERATOR)
    arn, _, blob = parts
    try:
        raw = base64.b64decode(blob.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as bad:
        raise ValidationException(INVALID_ITERATOR) from bad
    payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, _mac(key, arn, payload)):
        raise ValidationException(INVALID_ITERATOR)
    try:
        shard, after, issued = payload.decode("ascii").split("|")
        return IteratorPosition(arn, shard, int(after), int(issued) / 1000)
    except (UnicodeDecodeError, ValueError) as bad:
        raise ValidationException(INVALID_ITERATOR) from bad


def _aws_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def check_not_expired(position: IteratorPosition, now: float, ttl_seconds: float) -> None:
    if now - position.issued_at > ttl_seconds:
        raise ExpiredIteratorException(
            f"Iterator expired. The iterator was created at time {_aws_time(position.issued_at)} while right "
            f"now it is {_aws_time(now)} which is further in the future than the tolerated delay of "
            f"{int(ttl_seconds * 1000)} milliseconds."
        )
