"""Items of plain S and N attributes are validated in one pass; the outcome (value or error, and which error
comes first) must be what AWS's order gives: JSON types of every attribute first, then each value."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shardline.errors import SerializationException, ShardlineError, ValidationException
from shardline.values.attribute_value import validate_item

NUMBER_TEXT = r"[+-]?[0-9]{0,4}(\.[0-9]{0,3})?(e[+-]?[0-9]{1,3})?"
names = st.text(min_size=1, max_size=5)
scalars = st.one_of(
    st.builds(lambda text: {"S": text}, st.text(max_size=8)),
    st.builds(lambda text: {"N": text}, st.from_regex(NUMBER_TEXT, fullmatch=True)),
    st.builds(lambda text: {"N": text}, st.text(max_size=4)),
    st.just({"S": 5}),
    st.just({"S": None}),
    st.just({"BOOL": True}),
    st.just({"S": "a", "N": "1"}),
    st.just({}),
    st.just(None),
    st.just({"SS": ["a", "b"]}),
)


def _general(raw: dict[str, Any]) -> dict[str, Any] | tuple[type[Exception], str]:
    """The general path alone: an attribute that cannot take the one-pass route forces it."""
    forced = {**raw, "\x00force": {"BOOL": True}}
    try:
        result = validate_item(forced)
    except ShardlineError as error:
        return type(error), str(error)
    result.pop("\x00force")
    return result


def _outcome(raw: dict[str, Any]) -> dict[str, Any] | tuple[type[Exception], str]:
    try:
        return validate_item(raw)
    except ShardlineError as error:
        return type(error), str(error)


@given(st.dictionaries(names, scalars, max_size=4))
def test_the_one_pass_route_agrees_with_the_general_path(raw: dict[str, Any]) -> None:
    assert _outcome(raw) == _general(raw)


def test_numbers_are_normalised_and_strings_kept() -> None:
    item = validate_item({"pk": {"S": "x"}, "n": {"N": "1.50"}, "z": {"N": "-0"}})
    assert item == {"pk": {"S": "x"}, "n": {"N": "1.5"}, "z": {"N": "0"}}


def test_a_json_type_error_of_a_later_attribute_comes_before_a_bad_number() -> None:
    with pytest.raises(SerializationException):
        validate_item({"a": {"N": "not a number"}, "b": {"S": 5}})


def test_a_bad_number_alone_is_a_validation_error() -> None:
    with pytest.raises(ValidationException, match="The parameter cannot be converted to a numeric value"):
        validate_item({"a": {"N": "not a number"}, "b": {"S": "fine"}})
