"""Base64 handling of binary values."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shardline.errors import SerializationException
from shardline.values.binary import binary_length, decode_binary, encode_binary


@given(st.binary(max_size=100))
def test_round_trip_and_length(data: bytes) -> None:
    text = base64.b64encode(data).decode()
    assert decode_binary(text) == data
    assert encode_binary(data) == text
    assert binary_length(text) == len(data)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("23456", "Base64 encoded length is expected a multiple of 4 bytes but found: 5"),
        ("ab!=", "Invalid Base64 character: '!'"),
        ("=+/=", "Invalid last non-pad Base64 character dectected"),
        ("+/+=", "Invalid last non-pad Base64 character dectected"),
        ("YR==", "Invalid last non-pad Base64 character dectected"),
        ("====", "Invalid last non-pad Base64 character dectected"),
    ],
)
def test_invalid_base64(text: str, message: str) -> None:
    with pytest.raises(SerializationException) as raised:
        decode_binary(text)
    assert raised.value.message == message
