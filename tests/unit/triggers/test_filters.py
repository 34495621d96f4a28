"""Lambda's filter patterns over DynamoDB records, table-driven from cases/filter_matching.json (which record
each pattern set matches) and cases/filter_errors.json (patterns Lambda refuses, with its message)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shardline.triggers.filters import compile_filter_criteria
from shardline.triggers.lambda_errors import InvalidParameterValueException

CASES = Path(__file__).parent / "cases"
MATCHING = json.loads((CASES / "filter_matching.json").read_text())
ERRORS = json.loads((CASES / "filter_errors.json").read_text())


def _pattern_text(pattern: Any) -> str:
    return pattern if isinstance(pattern, str) else json.dumps(pattern)


@pytest.mark.parametrize("case", MATCHING["cases"], ids=[case["description"] for case in MATCHING["cases"]])
def test_matching(case: dict[str, Any]) -> None:
    record_filter = compile_filter_criteria([_pattern_text(pattern) for pattern in case["patterns"]])
    assert record_filter.matches(MATCHING["records"][case["record"]]) is case["match"]


@pytest.mark.parametrize("case", ERRORS["cases"], ids=[case["description"] for case in ERRORS["cases"]])
def test_invalid_pattern(case: dict[str, Any]) -> None:
    with pytest.raises(InvalidParameterValueException) as raised:
        compile_filter_criteria([case["pattern"]])
    assert raised.value.message == ERRORS["error"]
    assert raised.value.code() == "InvalidParameterValueException"


def test_one_bad_pattern_among_good_ones_is_refused() -> None:
    with pytest.raises(InvalidParameterValueException):
        compile_filter_criteria(['{"eventName": ["INSERT"]}', '{"eventName": "MODIFY"}'])


def test_deeply_nested_pattern_is_refused_not_crashed() -> None:
    deep = '{"a": ' * 200 + '["x"]' + "}" * 200
    with pytest.raises(InvalidParameterValueException):
        compile_filter_criteria([deep])


def test_compiled_filter_is_reusable_across_records() -> None:
    record_filter = compile_filter_criteria(['{"eventName": ["INSERT"]}'])
    outcomes = [record_filter.matches({"eventName": name}) for name in ("INSERT", "MODIFY", "INSERT", "REMOVE")]
    assert outcomes == [True, False, True, False]
