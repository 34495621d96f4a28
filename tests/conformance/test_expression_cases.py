"""Runs the JSON case files of tests/conformance/expressions: a given item, then cases of one expression
(or legacy parameter) with names/values, and either the result or AWS's exact error message.

SHARDLINE_CASE=<file name> runs one file only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from shardline.errors import ValidationException
from shardline.expressions.compile import compile_expressions
from shardline.expressions.evaluate import evaluate_condition
from shardline.expressions.key_condition import bind_key_condition
from shardline.expressions.legacy import (
    condition_from_expected,
    condition_from_filter,
    key_condition_from_key_conditions,
    projection_from_attributes_to_get,
    update_from_attribute_updates,
)
from shardline.expressions.projection import project
from shardline.expressions.update import apply_update
from shardline.values.attribute_value import validate_attribute_value, validate_item
from shardline.values.key_schema import KeySchema

CASE_DIRECTORY = Path(__file__).parent / "expressions"
KINDS = (
    "condition",
    "filter",
    "update",
    "projection",
    "key_condition",
    "key_conditions",
    "expected",
    "query_filter",
    "attribute_updates",
    "attributes_to_get",
)


def _case_files() -> list[Path]:
    chosen = os.environ.get("SHARDLINE_CASE")
    files = sorted(CASE_DIRECTORY.glob("*.json"))
    if chosen:
        files = [path for path in files if path.name == chosen or path.stem == chosen]
    return files


def _cases() -> list[Any]:
    params = []
    for path in _case_files():
        document = json.loads(path.read_text())
        for number, case in enumerate(document["cases"]):
            given = case["given"] if "given" in case else document.get("given")
            label = case.get("description", "")
            params.append(pytest.param(given, case, id=f"{path.stem}-{number}-{label}"))
    return params


def _run(given: Any, case: dict[str, Any]) -> Any:
    kind = next(kind for kind in KINDS if kind in case)
    item = None if given is None else validate_item(given)
    names = case.get("names")
    values = case.get("values")
    checked_values = None if values is None else {k: validate_attribute_value(v) for k, v in values.items()}
    if kind in ("condition", "filter"):
        compiled = compile_expressions(**{kind: case[kind]}, names=names, values=checked_values)
        condition = compiled.condition if kind == "condition" else compiled.filter
        assert condition is not None
        return evaluate_condition(condition, item)
    if kind == "update":
        plan = compile_expressions(update=case["update"], names=names, values=checked_values).update
        assert plan is not None and item is not None
        return apply_update(plan, item)
    if kind == "projection":
        projection = compile_expressions(projection=case["projection"], names=names).projection
        assert projection is not None and item is not None
        return project(projection, item)
    if kind in ("key_condition", "key_conditions"):
        if kind == "key_condition":
            key_condition = compile_expressions(
                key_condition=case[kind], names=names, values=checked_values
            ).key_condition
        else:
            key_condition = key_condition_from_key_conditions(case[kind])
        assert key_condition is not None
        bound = bind_key_condition(key_condition, KeySchema(**case["schema"]))
        sort = bound.sort
        return {
            "partition": {bound.partition_name: bound.partition_value},
            "sort": None
            if sort is None
            else {"name": sort.name, "operator": sort.operator, "values": list(sort.values)},
        }
    if kind in ("expected", "query_filter"):
        build = condition_from_expected if kind == "expected" else condition_from_filter
        return evaluate_condition(build(case[kind], case.get("conditional_operator")), item)
    if kind == "attribute_updates":
        assert item is not None
        return apply_update(update_from_attribute_updates(case[kind]), item)
    assert item is not None
    return project(projection_from_attributes_to_get(case[kind]), item)


@pytest.mark.parametrize(("given", "case"), _cases())
def test_expression_case(given: Any, case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(ValidationException) as raised:
            _run(given, case)
        assert raised.value.message == case["error"]
    else:
        assert _run(given, case) == case["result"]


def test_case_files_exist() -> None:
    assert _case_files(), "no expression case files found"
