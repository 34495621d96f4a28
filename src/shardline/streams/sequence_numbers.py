"""Sequence numbers on the wire: decimal digits, 21 to 40 of them, compared as big integers.

Storage counts from 1; the wire form adds a fixed offset so every number has AWS's minimum 21 digits.
"""

from __future__ import annotations

from shardline.errors import ValidationException

OFFSET = 10**20
MIN_DIGITS = 21
MAX_DIGITS = 40


def format_sequence(sequence: int) -> str:
    return str(OFFSET + sequence)


def parse_sequence(text: str) -> int:
    """The storage number of a wire sequence number; numbers below the offset come out as <= 0 (before
    any record). Anything but 21-40 decimal digits is AWS's ValidationException."""
    if not (MIN_DIGITS <= len(text) <= MAX_DIGITS) or not text.isascii() or not text.isdigit():
        raise ValidationException(f"Invalid SequenceNumber: {text}")
    return int(text) - OFFSET
