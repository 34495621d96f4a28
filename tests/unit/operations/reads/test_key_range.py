"""Sort-key predicates as encoded ranges: every predicate must select exactly the values it matches."""

from __future__ import annotations

import base64

import pytest

from shardline.expressions.key_condition import KeyPredicate
from shardline.operations.reads.key_range import matches_predicate, prefix_successor, sort_key_range
from shardline.storage.backend import KeyRange
from shardline.values.key_codec import encode_key_value
from shardline.values.types import AttributeValue


def n(text: str) -> AttributeValue:
    return {"N": text}


def s(text: str) -> AttributeValue:
    return {"S": text}


def b(raw: bytes) -> AttributeValue:
    return {"B": base64.b64encode(raw).decode()}


def in_range(key_range: KeyRange, encoded: bytes) -> bool:
    above_lower = key_range.lower is None or (
        encoded > key_range.lower or (encoded == key_range.lower and key_range.lower_inclusive)
    )
    below_upper = key_range.upper is None or (
        encoded < key_range.upper or (encoded == key_range.upper and key_range.upper_inclusive)
    )
    return above_lower and below_upper


@pytest.mark.parametrize(
    ("prefix", "successor"),
    [
        (b"a", b"b"),
        (b"ab", b"ac"),
        (b"a\xff", b"b"),
        (b"\x00\xff\xff", b"\x01"),
        (b"\xff", None),
        (b"\xff\xff", None),
        (b"", None),
    ],
)
def test_prefix_successor(prefix: bytes, successor: bytes | None) -> None:
    assert prefix_successor(prefix) == successor


NUMBERS = [n(text) for text in ["-1E+10", "-99.5", "-1", "-0.001", "0", "0.001", "1", "9.99", "10", "1E+20"]]
STRINGS = [s(text) for text in ["", "A", "a", "a\x7f", "aa", "ab", "b", "é", "\U0001f600"]]
BINARIES = [b(raw) for raw in [b"\x00", b"\x01", b"\xfe", b"\xfe\xff", b"\xff", b"\xff\x00", b"\xff\xff"]]

PREDICATES = [
    KeyPredicate("sk", "=", (n("1"),)),
    KeyPredicate("sk", "<", (n("0"),)),
    KeyPredicate("sk", "<=", (n("0"),)),
    KeyPredicate("sk", ">", (n("-1"),)),
    KeyPredicate("sk", ">=", (n("-1"),)),
    KeyPredicate("sk", "BETWEEN", (n("-99.5"), n("9.99"))),
    KeyPredicate("sk", "BETWEEN", (n("5"), n("1"))),
    KeyPredicate("sk", "BEGINS_WITH", (s("a"),)),
    KeyPredicate("sk", "BEGINS_WITH", (s(""),)),
    KeyPredicate("sk", "BETWEEN", (s("B"), s("aa"))),
    KeyPredicate("sk", "BEGINS_WITH", (b(b"\xfe"),)),
    KeyPredicate("sk", "BEGINS_WITH", (b(b"\xff"),)),
    KeyPredicate("sk", "<", (b(b"\xff"),)),
]


@pytest.mark.parametrize("predicate", PREDICATES, ids=lambda p: f"{p.operator}-{p.values}")
def test_range_selects_exactly_the_matching_values(predicate: KeyPredicate) -> None:
    kind = next(iter(predicate.values[0]))
    candidates = {"N": NUMBERS, "S": STRINGS, "B": BINARIES}[kind]
    key_range = sort_key_range(predicate)
    for value in candidates:
        assert in_range(key_range, encode_key_value(value)) == matches_predicate(predicate, value), value


def test_no_predicate_is_the_whole_partition() -> None:
    assert sort_key_range(None) == KeyRange()


def test_values_of_another_type_never_match() -> None:
    assert not matches_predicate(KeyPredicate("sk", "=", (n("1"),)), s("1"))
    assert not matches_predicate(KeyPredicate("sk", "BEGINS_WITH", (s("a"),)), b(b"a"))


@pytest.mark.parametrize(
    ("predicate", "value", "expected"),
    [
        (KeyPredicate("sk", "BETWEEN", (n("1"), n("3"))), n("3"), True),
        (KeyPredicate("sk", "BETWEEN", (n("1"), n("3"))), n("3.01"), False),
        (KeyPredicate("sk", ">", (n("10"),)), n("9"), False),
        (KeyPredicate("sk", "BEGINS_WITH", (s("ab"),)), s("abc"), True),
        (KeyPredicate("sk", "BEGINS_WITH", (s("ab"),)), s("a"), False),
    ],
)
def test_matches_predicate(predicate: KeyPredicate, value: AttributeValue, expected: bool) -> None:
    assert matches_predicate(predicate, value) is expected
