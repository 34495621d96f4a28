"""The key encoding preserves DynamoDB's order within each key type, bytewise like SQLite's memcmp."""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shardline.values.key_codec import encode_key_value, partition_hash
from shardline.values.numbers import normalize_number

# The whole DynamoDB range: 1..38 significant digits, leading exponent -130..125.
full_range_numbers = st.builds(
    lambda negative, digits, exponent: Decimal(
        f"{'-' if negative else ''}{digits}E{exponent - len(str(digits)) + 1}"
    ),
    st.booleans(),
    st.integers(min_value=1, max_value=10**38 - 1).map(lambda n: int(str(n).rstrip("0") or "0") or 1),
    st.integers(min_value=-130, max_value=125),
) | st.just(Decimal(0))


def number_key(value: Decimal) -> bytes:
    return encode_key_value({"N": normalize_number(f"{value:E}")})


def order(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


@given(full_range_numbers, full_range_numbers)
def test_number_encoding_preserves_numeric_order(a: Decimal, b: Decimal) -> None:
    assert order(number_key(a), number_key(b)) == order(a, b)


@given(st.text(), st.text())
def test_string_encoding_preserves_utf8_order(a: str, b: str) -> None:
    encoded_a, encoded_b = encode_key_value({"S": a}), encode_key_value({"S": b})
    assert order(encoded_a, encoded_b) == order(
        a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    )


@given(st.binary(), st.binary())
def test_binary_encoding_is_the_bytes(a: bytes, b: bytes) -> None:
    encoded_a = encode_key_value({"B": base64.b64encode(a).decode()})
    encoded_b = encode_key_value({"B": base64.b64encode(b).decode()})
    assert encoded_a == a
    assert order(encoded_a, encoded_b) == order(a, b)


@given(st.lists(full_range_numbers, min_size=2, max_size=20))
def test_sqlite_blob_order_matches_numeric_order(values: list[Decimal]) -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE keys (k BLOB, v TEXT)")
    connection.executemany("INSERT INTO keys VALUES (?, ?)", [(number_key(v), str(v)) for v in values])
    stored = [Decimal(row[0]) for row in connection.execute("SELECT v FROM keys ORDER BY k")]
    connection.close()
    assert stored == sorted(values)


@pytest.mark.parametrize(("a", "b"), [("0", "-0"), ("1", "1.0"), ("100", "1e2"), ("-0.5", "-.50")])
def test_equal_numbers_encode_identically(a: str, b: str) -> None:
    assert encode_key_value({"N": a}) == encode_key_value({"N": b})


def test_string_prefix_is_a_byte_prefix() -> None:
    assert encode_key_value({"S": "abcdef"}).startswith(encode_key_value({"S": "abc"}))


@given(st.binary(max_size=64))
def test_partition_hash_is_stable_and_fits_signed_64_bits(data: bytes) -> None:
    value = partition_hash(data)
    assert value == partition_hash(bytes(data))
    assert -(2**63) <= value < 2**63


def test_partition_hash_does_not_depend_on_the_process() -> None:
    # Stored rows carry the hash, so it must not vary with PYTHONHASHSEED or between processes.
    script = "from shardline.values.key_codec import partition_hash; print(partition_hash(b'user#1'))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert outputs == {str(partition_hash(b"user#1"))}
    assert partition_hash(b"user#1") != partition_hash(b"user#2")


ASCENDING_NUMBERS = [
    "-9.9999999999999999999999999999999999999E+125",
    "-1E+125",
    "-100",
    "-12",
    "-10",
    "-9.5",
    "-9",
    "-1.2",
    "-1.11",
    "-1.1",
    "-1",
    "-0.1",
    "-1E-130",
    "0",
    "1E-130",
    "0.1",
    "1",
    "1.1",
    "1.11",
    "1.2",
    "9",
    "9.5",
    "10",
    "12",
    "100",
    "1E+125",
    "9.9999999999999999999999999999999999999E+125",
]


def test_known_numbers_sort_in_numeric_order() -> None:
    encoded = [encode_key_value({"N": text}) for text in ASCENDING_NUMBERS]
    assert sorted(encoded) == encoded
    assert len(set(encoded)) == len(encoded)
