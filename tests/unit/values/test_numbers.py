"""Number parsing, normalisation, range checks and arithmetic against AWS's documented behaviour."""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shardline.errors import ValidationException
from shardline.values.numbers import add_numbers, normalize_number, subtract_numbers, to_decimal

from .case_files import load_cases

CASES = load_cases("numbers.json")


@pytest.mark.parametrize("case", CASES["normalize"], ids=lambda case: case["input"][:40])
def test_normalize_number(case: dict[str, str]) -> None:
    assert normalize_number(case["input"]) == case["output"]


@pytest.mark.parametrize("case", CASES["errors"], ids=lambda case: repr(case["input"])[:40])
def test_invalid_number_raises_aws_message(case: dict[str, str]) -> None:
    with pytest.raises(ValidationException) as raised:
        normalize_number(case["input"])
    assert raised.value.message == case["message"]


@pytest.mark.parametrize(
    "case", CASES["arithmetic"], ids=lambda case: f"{case['a']} {case['op']} {case['b']}"
)
def test_arithmetic(case: dict[str, Any]) -> None:
    operation = add_numbers if case["op"] == "add" else subtract_numbers
    if "output" in case:
        assert operation(case["a"], case["b"]) == case["output"]
    else:
        with pytest.raises(ValidationException) as raised:
            operation(case["a"], case["b"])
        assert raised.value.message == case["message"]


def test_to_decimal_is_exact_beyond_default_context_precision() -> None:
    text = "1234567890123456789012345678901234567.8"
    assert to_decimal(text) == Decimal(text)
    assert to_decimal("-0") == 0


# In-range numbers: up to 38 significant digits, leading exponent -130..125.
in_range_numbers = st.builds(
    lambda negative, digits, exponent: Decimal(f"{'-' if negative else ''}{digits}E{exponent}"),
    st.booleans(),
    st.integers(min_value=1, max_value=10**38 - 1),
    st.integers(min_value=-130, max_value=88),
)


@given(in_range_numbers)
def test_normalisation_preserves_value_and_is_idempotent(value: Decimal) -> None:
    text = normalize_number(f"{value:E}")
    assert Decimal(text) == value
    assert normalize_number(text) == text
    assert "E" not in text and "e" not in text


@given(in_range_numbers, st.sampled_from(["{:f}", "{:E}", "{:e}"]), st.integers(min_value=0, max_value=3))
def test_notation_and_padding_do_not_change_the_canonical_text(
    value: Decimal, style: str, zeros: int
) -> None:
    plain = normalize_number(f"{value:f}")
    padded = style.format(value)
    if "." in padded and "E" not in padded.upper():
        padded += "0" * zeros
    assert normalize_number(padded) == plain


@given(in_range_numbers, in_range_numbers)
def test_addition_matches_decimal_when_representable(a: Decimal, b: Decimal) -> None:
    with localcontext(prec=500):
        exact = a + b
    try:
        result = add_numbers(f"{a:E}", f"{b:E}")
    except ValidationException:
        significant = "".join(map(str, exact.as_tuple().digits)).strip("0")
        assert len(significant) > 38 or abs(exact) >= Decimal("1E126") or abs(exact) < Decimal("1E-130")
    else:
        assert Decimal(result) == exact
