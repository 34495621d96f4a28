"""Binary values: the wire carries base64 text, which DynamoDB insists be canonical."""

from __future__ import annotations

import base64
import binascii
import re

from shardline.errors import SerializationException

_FOREIGN_CHARACTER = re.compile(r"[^a-zA-Z0-9+/=]")
# Misplaced padding and non-zero bits after the last full byte get the same answer (typo is AWS's).
NOT_CANONICAL = "Invalid last non-pad Base64 character dectected"


def decode_binary(text: str) -> bytes:
    """The bytes of canonical base64 text; anything else is AWS's SerializationException."""
    if len(text) % 4:
        raise SerializationException(
            f"Base64 encoded length is expected a multiple of 4 bytes but found: {len(text)}"
        )
    foreign = _FOREIGN_CHARACTER.search(text)
    if foreign is not None:
        raise SerializationException(f"Invalid Base64 character: '{foreign.group(0)}'")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        data = None
    if data is None or encode_binary(data) != text:
        raise SerializationException(NOT_CANONICAL)
    return data


def encode_binary(data: bytes) -> str:
    """The canonical base64 text of bytes."""
    return base64.b64encode(data).decode("ascii")


def binary_length(canonical: str) -> int:
    """The number of bytes canonical base64 text stands for, without decoding it."""
    return len(canonical) // 4 * 3 - canonical.count("=", len(canonical) - 2)
