"""Plain positive integers skip the number regex (the commonest number on the wire); the shortcut must agree
with the full parse, which a leading "+" forces, on every such text and its neighbours."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shardline.errors import ValidationException
from shardline.values.item_size import number_size
from shardline.values.numbers import normalize_number, parse_number

plain_integers = st.from_regex(r"[1-9][0-9]{0,45}", fullmatch=True)


@given(plain_integers)
def test_plain_integers_parse_as_the_full_grammar_does(text: str) -> None:
    assert parse_number(text) == parse_number("+" + text)


@given(plain_integers)
def test_plain_integers_normalise_as_the_full_grammar_does(text: str) -> None:
    try:
        expected: str | Exception = normalize_number("+" + text)
    except Exception as error:  # the same error must come out of the shortcut
        expected = error
    if isinstance(expected, Exception):
        try:
            normalize_number(text)
        except type(expected) as error:
            assert str(error) == str(expected)
        else:
            raise AssertionError(f"{text} was accepted; the full parse refuses it with {expected}")
    else:
        assert normalize_number(text) == expected


@given(plain_integers)
def test_sizes_of_plain_integers_match(text: str) -> None:
    assert number_size(text) == number_size("+" + text)


def test_texts_the_shortcut_must_leave_alone() -> None:
    assert normalize_number("007") == "7"
    assert normalize_number("0") == "0"
    assert normalize_number("1" + "0" * 40) == "1" + "0" * 40  # 41 characters, one significant digit
    with pytest.raises(ValidationException):
        normalize_number("\uff11\uff12")  # full-width digits: str.isdigit() says yes, DynamoDB says no
