"""Lambda's event filtering (the EventBridge pattern subset) compiled once per mapping into predicates over
Lambda-shaped stream records: filters are ORed, fields ANDed, the values of one field ORed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shardline.triggers.lambda_errors import InvalidParameterValueException

INVALID_PATTERN = "Invalid filter pattern definition."
MAX_PATTERN_DEPTH = 64
NUMERIC_LOWER = frozenset({">", ">="})
NUMERIC_UPPER = frozenset({"<", "<="})

LeafTest = Callable[[Any], bool]


class _Missing:
    """A field the record does not have (or has only as an object, which leaf tests cannot see)."""


MISSING = _Missing()


def _invalid() -> InvalidParameterValueException:
    return InvalidParameterValueException(INVALID_PATTERN)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number_text(value: int | float) -> str:
    # Lambda compares numbers by their text: 300 and 300.0 are different values for equality.
    return repr(value) if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class _FieldLeaf:
    """The value list of one field: any test passing on any leaf of the field matches."""

    tests: tuple[LeafTest, ...]
    strings: frozenset[str]
    matches_absent: bool

    def matches(self, value: Any) -> bool:
        # Records are decoded JSON, so plain dict/list checks (much cheaper than the ABCs) suffice.
        if value is MISSING or isinstance(value, dict):
            return self.matches_absent
        if isinstance(value, list):
            leaves = [element for element in value if not isinstance(element, dict | list)]
            if not leaves:
                return self.matches_absent
            return any(self._matches_leaf(leaf) for leaf in leaves)
        return self._matches_leaf(value)

    def _matches_leaf(self, leaf: Any) -> bool:
        if type(leaf) is str and leaf in self.strings:
            return True
        return any(test(leaf) for test in self.tests)


@dataclass(frozen=True)
class _ObjectPattern:
    fields: tuple[tuple[str, _FieldLeaf | _ObjectPattern], ...]
    # Each $or of this object: at least one of its alternatives must match.
    alternatives: tuple[tuple[_ObjectPattern, ...], ...]

    def matches(self, value: Any) -> bool:
        if isinstance(value, dict):
            for name, test in self.fields:
                if not test.matches(value.get(name, MISSING)):
                    return False
        else:
            if isinstance(value, list):
                objects = [element for element in value if isinstance(element, dict)]
                if objects:
                    return any(self.matches(element) for element in objects)
            value = MISSING
            for _, test in self.fields:
                if not test.matches(MISSING):
                    return False
        if not self.alternatives:
            return True
        return all(any(option.matches(value) for option in options) for options in self.alternatives)


@dataclass(frozen=True)
class RecordFilter:
    """The compiled FilterCriteria of one mapping; no patterns means every record matches."""

    patterns: tuple[_ObjectPattern, ...]

    def matches(self, record: Mapping[str, Any]) -> bool:
        if not self.patterns:
            return True
        document = record if isinstance(record, dict) else dict(record)
        return any(pattern.matches(document) for pattern in self.patterns)


def compile_filter_criteria(patterns: Sequence[str]) -> RecordFilter:
    """Compiles each Pattern string; a pattern Lambda would refuse raises InvalidParameterValueException."""
    return RecordFilter(tuple(compile_pattern(text) for text in patterns))


def compile_pattern(text: str) -> _ObjectPattern:
    if not isinstance(text, str):
        raise _invalid()
    try:
        document = json.loads(text)  # duplicate keys: the last one wins, as in Lambda
    except (ValueError, RecursionError) as broken:
        raise _invalid() from broken
    if not isinstance(document, dict):
        raise _invalid()
    return _compile_object(document, depth=0, top_level=True)


def _compile_object(document: dict[str, Any], *, depth: int, top_level: bool = False) -> _ObjectPattern:
    if depth > MAX_PATTERN_DEPTH or (not document and not top_level):
        raise _invalid()
    fields: list[tuple[str, _FieldLeaf | _ObjectPattern]] = []
    alternatives: list[tuple[_ObjectPattern, ...]] = []
    for name, value in document.items():
        if name == "$or":
            alternatives.append(_compile_or(value, depth=depth))
        elif isinstance(value, dict):
            fields.append((name, _compile_object(value, depth=depth + 1)))
        elif isinstance(value, list):
            fields.append((name, _compile_values(value)))
        else:
            raise _invalid()
    return _ObjectPattern(tuple(fields), tuple(alternatives))


def _compile_or(value: Any, *, depth: int) -> tuple[_ObjectPattern, ...]:
    if not isinstance(value, list) or len(value) < 2 or not all(isinstance(option, dict) for option in value):
        raise _invalid()
    return tuple(_compile_object(option, depth=depth + 1) for option in value)


def _compile_values(values: list[Any]) -> _FieldLeaf:
    if not values:
        raise _invalid()
    tests: list[LeafTest] = []
    strings: set[str] = set()
    matches_absent = False
    for value in values:
        if isinstance(value, str):
            strings.add(value)
        elif isinstance(value, dict):
            if _is_exists_false(value):
                matches_absent = True
            else:
                tests.append(_compile_operator(value))
        elif isinstance(value, list):
            raise _invalid()
        else:
            tests.append(_equals_scalar(value))
    return _FieldLeaf(tuple(tests), frozenset(strings), matches_absent)


def _is_exists_false(operator: dict[str, Any]) -> bool:
    return len(operator) == 1 and operator.get("exists") is False


def _equals_scalar(expected: Any) -> LeafTest:
    if expected is None:
        return lambda leaf: leaf is None
    if isinstance(expected, bool):
        return lambda leaf: leaf is expected
    text = _number_text(expected)
    return lambda leaf: _is_number(leaf) and _number_text(leaf) == text


def _compile_operator(operator: dict[str, Any]) -> LeafTest:
    if len(operator) != 1:
        raise _invalid()
    (name, argument), = operator.items()
    if name == "exists":
        if argument is not True:
            raise _invalid()
        return lambda leaf: True
    if name == "numeric":
        return _numeric(argument)
    if name == "anything-but":
        return _anything_but(argument)
    return _string_operator(name, argument)


def _string_operator(name: str, argument: Any) -> LeafTest:
    """prefix, suffix, equals-ignore-case and wildcard: tests on string leaves only."""
    if name in ("prefix", "suffix") and isinstance(argument, dict):
        if len(argument) != 1 or not isinstance(argument.get("equals-ignore-case"), str):
            raise _invalid()
        folded = argument["equals-ignore-case"].casefold()
        if name == "prefix":
            return lambda leaf: isinstance(leaf, str) and leaf.casefold().startswith(folded)
        return lambda leaf: isinstance(leaf, str) and leaf.casefold().endswith(folded)
    if not isinstance(argument, str):
        raise _invalid()
    if name == "prefix":
        return lambda leaf: isinstance(leaf, str) and leaf.startswith(argument)
    if name == "suffix":
        return lambda leaf: isinstance(leaf, str) and leaf.endswith(argument)
    if name == "equals-ignore-case":
        folded_text = argument.casefold()
        return lambda leaf: isinstance(leaf, str) and leaf.casefold() == folded_text
    if name == "wildcard":
        regex = _wildcard_regex(argument)
        return lambda leaf: isinstance(leaf, str) and regex.fullmatch(leaf) is not None
    raise _invalid()


def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    # "*" stands for any run of characters; "\*" and "\\" are a literal star and backslash. Consecutive
    # stars are refused, as EventBridge refuses them.
    parts: list[str] = []
    index = 0
    previous_star = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if index + 1 >= len(pattern) or pattern[index + 1] not in "*\\":
                raise _invalid()
            parts.append(re.escape(pattern[index + 1]))
            index += 2
            previous_star = False
            continue
        if char == "*":
            if previous_star:
                raise _invalid()
            parts.append(".*")
            previous_star = True
        else:
            parts.append(re.escape(char))
            previous_star = False
        index += 1
    return re.compile("".join(parts), re.DOTALL)


def _anything_but(argument: Any) -> LeafTest:
    if isinstance(argument, dict):
        if len(argument) != 1:
            raise _invalid()
        (name, inner), = argument.items()
        if name not in ("prefix", "suffix", "equals-ignore-case", "wildcard"):
            raise _invalid()
        if name == "equals-ignore-case" and isinstance(inner, list):
            if not inner or not all(isinstance(text, str) for text in inner):
                raise _invalid()
            folded = frozenset(text.casefold() for text in inner)
            return lambda leaf: not (isinstance(leaf, str) and leaf.casefold() in folded)
        excluded = _string_operator(name, inner)
        return lambda leaf: not excluded(leaf)
    values = argument if isinstance(argument, list) else [argument]
    if not values or not all(isinstance(value, str) or _is_number(value) for value in values):
        raise _invalid()
    texts = frozenset(value for value in values if isinstance(value, str))
    numbers = frozenset(_number_text(value) for value in values if not isinstance(value, str))

    def allowed(leaf: Any) -> bool:
        if isinstance(leaf, str):
            return leaf not in texts
        if _is_number(leaf):
            return _number_text(leaf) not in numbers
        return True

    return allowed


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "=": lambda left, right: left == right,
    "<": lambda left, right: left < right,
    "<=": lambda left, right: left <= right,
    ">": lambda left, right: left > right,
    ">=": lambda left, right: left >= right,
}


def _numeric(argument: Any) -> LeafTest:
    if not isinstance(argument, list) or len(argument) not in (2, 4):
        raise _invalid()
    conditions: list[tuple[Callable[[float, float], bool], float]] = []
    lower: float | None = None
    upper: float | None = None
    for position in range(0, len(argument), 2):
        operator, bound = argument[position], argument[position + 1]
        if not isinstance(operator, str) or operator not in _COMPARE or not _is_number(bound):
            raise _invalid()
        if operator == "=" and len(argument) != 2:
            raise _invalid()
        if operator in NUMERIC_LOWER:
            if lower is not None:
                raise _invalid()
            lower = bound
        elif operator in NUMERIC_UPPER:
            if upper is not None:
                raise _invalid()
            upper = bound
        conditions.append((_COMPARE[operator], bound))
    if lower is not None and upper is not None and lower > upper:
        raise _invalid()
    frozen = tuple(conditions)
    return lambda leaf: _is_number(leaf) and all(compare(leaf, bound) for compare, bound in frozen)
