"""DynamoDB numbers: parsing, range checks, canonical text and exact arithmetic.

A number has at most 38 significant digits and a magnitude of 1E-130 .. 9.99…E+125; DynamoDB keeps it
with leading and trailing zeros trimmed and prints it in plain decimal notation ("1e2" reads back "100").
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass

from shardline.errors import ValidationException

MAX_SIGNIFICANT_DIGITS = 38
MAX_LEADING_EXPONENT = 125
MIN_LEADING_EXPONENT = -130

# DynamoDB accepts Java BigDecimal's grammar: optional sign (a leading "+" is accepted and dropped),
# digits with an optional fraction, optional exponent. No whitespace, no Infinity/NaN, no hex.
_NUMBER_TEXT = re.compile(r"([+-]?)(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))(?:[eE]([+-]?[0-9]+))?")

# An exponent this long is far outside the range whatever the digits; capping it keeps int() cheap.
_EXPONENT_CAP = 10**12

NOT_NUMERIC = "The parameter cannot be converted to a numeric value"
OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported range"
UNDERFLOW = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
TOO_MANY_DIGITS = "Attempting to store more than 38 significant digits in a Number"

# Arithmetic is done exactly, then range-checked: two in-range numbers differ by at most ~256 decimal
# places, so this precision never rounds.
_EXACT = decimal.Context(prec=400, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


@dataclass(frozen=True)
class ParsedNumber:
    """A number as sign, significant digits (no leading or trailing zeros) and the power of ten of
    the last digit. Zero has digits "" and is never negative."""

    negative: bool
    digits: str
    last_exponent: int

    @property
    def is_zero(self) -> bool:
        return not self.digits

    @property
    def leading_exponent(self) -> int:
        """The power of ten of the first significant digit (0 for 1..9, -1 for 0.1..0.9)."""
        return self.last_exponent + len(self.digits) - 1


def parse_number(text: str) -> ParsedNumber:
    """Parses DynamoDB number text without range checks; raises for text that is not a number."""
    if not text:
        raise ValidationException(NOT_NUMERIC)
    if text.isdigit() and text.isascii() and text[0] != "0":
        # A plain positive integer, the commonest number on the wire: the regex would say the same.
        digits = text.rstrip("0")
        return ParsedNumber(negative=False, digits=digits, last_exponent=len(text) - len(digits))
    match = _NUMBER_TEXT.fullmatch(text)
    if match is None:
        raise ValidationException(f"{NOT_NUMERIC}: {text}")
    sign, integer_part, fraction_part, bare_fraction, exponent_text = match.groups()
    whole = integer_part or ""
    fraction = fraction_part if fraction_part is not None else (bare_fraction or "")
    digits = (whole + fraction).lstrip("0")
    last_exponent = _exponent_value(exponent_text) - len(fraction)
    stripped = digits.rstrip("0")
    last_exponent += len(digits) - len(stripped)
    if not stripped:
        return ParsedNumber(negative=False, digits="", last_exponent=0)
    return ParsedNumber(negative=sign == "-", digits=stripped, last_exponent=last_exponent)


def _exponent_value(exponent_text: str | None) -> int:
    if not exponent_text:
        return 0
    negative = exponent_text.startswith("-")
    magnitude_text = exponent_text.lstrip("+-").lstrip("0")
    magnitude = _EXPONENT_CAP if len(magnitude_text) > 12 else int(magnitude_text or "0")
    return -magnitude if negative else magnitude


def check_range(number: ParsedNumber) -> None:
    """Raises AWS's overflow, underflow or precision error; checked in that order, as AWS does."""
    if number.is_zero:
        return
    if number.leading_exponent > MAX_LEADING_EXPONENT:
        raise ValidationException(OVERFLOW)
    if number.leading_exponent < MIN_LEADING_EXPONENT:
        raise ValidationException(UNDERFLOW)
    if len(number.digits) > MAX_SIGNIFICANT_DIGITS:
        raise ValidationException(TOO_MANY_DIGITS)


def format_number(number: ParsedNumber) -> str:
    """Plain decimal notation, as DynamoDB prints numbers: never an exponent."""
    if number.is_zero:
        return "0"
    sign = "-" if number.negative else ""
    digits, exponent = number.digits, number.last_exponent
    if exponent >= 0:
        return sign + digits + "0" * exponent
    point = len(digits) + exponent
    if point > 0:
        return f"{sign}{digits[:point]}.{digits[point:]}"
    return f"{sign}0.{'0' * -point}{digits}"


def normalize_number(text: str) -> str:
    """DynamoDB's canonical text of a number ("1.50" -> "1.5", "-0" -> "0", "1e2" -> "100")."""
    if len(text) <= MAX_SIGNIFICANT_DIGITS and text.isdigit() and text.isascii() and text[0] != "0":
        return text  # a plain positive integer of at most 38 digits is canonical and in range
    number = parse_number(text)
    check_range(number)
    return format_number(number)


def to_decimal(text: str) -> decimal.Decimal:
    """The exact Decimal of number text (no context rounding)."""
    number = parse_number(text)
    if number.is_zero:
        return decimal.Decimal(0)
    return decimal.Decimal(f"{'-' if number.negative else ''}{number.digits}E{number.last_exponent}")


def _from_decimal(value: decimal.Decimal) -> str:
    sign, digit_tuple, exponent = value.as_tuple()
    if not isinstance(exponent, int):  # NaN or Infinity cannot come from finite operands
        raise ValidationException(OVERFLOW)
    digits = "".join(str(d) for d in digit_tuple)
    return normalize_number(f"{'-' if sign else ''}{digits}E{exponent}")


def add_numbers(a: str, b: str) -> str:
    """a + b, exact, then range-checked and normalised like any stored number."""
    return _from_decimal(_EXACT.add(to_decimal(a), to_decimal(b)))


def subtract_numbers(a: str, b: str) -> str:
    """a - b, exact, then range-checked and normalised like any stored number."""
    return _from_decimal(_EXACT.subtract(to_decimal(a), to_decimal(b)))
