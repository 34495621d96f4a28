"""Order-preserving byte encoding of key values, shared by every storage backend.

Within one key type, comparing encodings bytewise (memcmp, shorter prefix first) gives DynamoDB's order:
S is its UTF-8 bytes and B its raw bytes, so a begins_with prefix is a byte prefix too. N is
  zero:      0x02
  positive:  0x03, (leading exponent + 130) as one byte, the significant digits as ASCII
  negative:  0x01, 255 - (leading exponent + 130), each digit as 0x3A - digit, then 0xFF
Negative digits are complemented and terminated so that longer (larger-magnitude) numbers sort first.
"""

from __future__ import annotations

import functools
import hashlib

from shardline.errors import InternalServerError
from shardline.values.binary import decode_binary
from shardline.values.numbers import MIN_LEADING_EXPONENT, parse_number
from shardline.values.types import AttributeValue, type_of

_NEGATIVE = b"\x01"
_ZERO = b"\x02"
_POSITIVE = b"\x03"
_NEGATIVE_END = b"\xff"
# Digit d of a negative number becomes 0x3A - d (0x31..0x3A), always below the 0xFF terminator.
_COMPLEMENT = str.maketrans("0123456789", "".join(chr(0x3A - d) for d in range(10)))


def encode_number(text: str) -> bytes:
    """The order-preserving encoding of in-range number text (any notation; -0 encodes as 0)."""
    number = parse_number(text)
    if number.is_zero:
        return _ZERO
    exponent_byte = number.leading_exponent - MIN_LEADING_EXPONENT  # 0..255 for in-range numbers
    if not 0 <= exponent_byte <= 255:
        raise InternalServerError(f"number out of key range: {text}")
    if number.negative:
        digits = number.digits.translate(_COMPLEMENT).encode("ascii")
        return _NEGATIVE + bytes([255 - exponent_byte]) + digits + _NEGATIVE_END
    return _POSITIVE + bytes([exponent_byte]) + number.digits.encode("ascii")


def encode_key_value(value: AttributeValue) -> bytes:
    """Order-preserving bytes of an S, N or B value: byte order equals DynamoDB's order of values."""
    type_name = type_of(value)
    if type_name == "S":
        return str(value["S"]).encode("utf-8", "surrogatepass")
    if type_name == "B":
        return decode_binary(value["B"])
    if type_name == "N":
        return encode_number(value["N"])
    raise InternalServerError(f"not a key type: {type_name}")


# One write hashes its partition key several times (old item, new item, stream shard) and hot keys repeat.
@functools.lru_cache(maxsize=4096)
def partition_hash(encoded_partition: bytes) -> int:
    """A stable hash of an encoded partition key that fits a signed 64-bit integer."""
    digest = hashlib.blake2b(encoded_partition, digest_size=8, person=b"shardline-pk").digest()
    return int.from_bytes(digest, "big", signed=True)
