"""The pre-expression parameters (Expected, AttributeUpdates, AttributesToGet, QueryFilter/ScanFilter)
converted to the same tree the expression parser builds, with AWS's messages for bad combinations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shardline.errors import ValidationException
from shardline.expressions.ast import (
    AddAction,
    Always,
    And,
    Between,
    Comparison,
    Condition,
    DeleteAction,
    FunctionCall,
    In,
    Literal,
    Not,
    Or,
    Path,
    Projection,
    RemoveAction,
    SetAction,
    UpdateAction,
    UpdatePlan,
)
from shardline.expressions.key_condition import KeyCondition, KeyPredicate
from shardline.values.attribute_value import validate_attribute_value
from shardline.values.comparison import compare_values
from shardline.values.types import AttributeValue, type_of

INVALID = "One or more parameter values were invalid: "
_COMPARATORS = {"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}
_SINGLE_VALUE_OPERATORS = ("EQ", "NE", "LE", "LT", "GE", "GT", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH")
# The types each operator accepts in QueryFilter/ScanFilter.
_FILTER_TYPES = {
    "EQ": ("S", "N", "B", "SS", "NS", "BS"),
    "NE": ("S", "N", "B", "SS", "NS", "BS"),
    "LE": ("S", "N", "B"),
    "LT": ("S", "N", "B"),
    "GE": ("S", "N", "B"),
    "GT": ("S", "N", "B"),
    "CONTAINS": ("S", "N", "B"),
    "NOT_CONTAINS": ("S", "N", "B"),
    "BEGINS_WITH": ("S", "B"),
    "IN": ("S", "N", "B"),
    "BETWEEN": ("S", "N", "B"),
}
BETWEEN_BOUNDS = (
    "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
)


def _combine(conditions: list[Condition], conditional_operator: str | None) -> Condition:
    if not conditions:
        return Always()
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = Or(combined, condition) if conditional_operator == "OR" else And(combined, condition)
    return combined


def _comparison(name: str, operator: str, values: list[AttributeValue]) -> Condition:
    path = Path((name,))
    literals = [Literal(value) for value in values]
    if operator in _COMPARATORS:
        return Comparison(_COMPARATORS[operator], path, literals[0])
    if operator == "NOT_NULL":
        return FunctionCall("attribute_exists", (path,))
    if operator == "NULL":
        return FunctionCall("attribute_not_exists", (path,))
    if operator == "CONTAINS":
        return FunctionCall("contains", (path, literals[0]))
    if operator == "NOT_CONTAINS":
        return Not(FunctionCall("contains", (path, literals[0])))
    if operator == "BEGINS_WITH":
        return FunctionCall("begins_with", (path, literals[0]))
    if operator == "IN":
        return In(path, tuple(literals))
    return Between(path, literals[0], literals[1])


def _argument_count_fits(operator: str, count: int) -> bool:
    if operator in _SINGLE_VALUE_OPERATORS:
        return count == 1
    if operator in ("NULL", "NOT_NULL"):
        return count == 0
    if operator == "IN":
        return count > 0
    if operator == "BETWEEN":
        return count == 2
    return False


def _check_value_list(operator: str, values: list[AttributeValue]) -> None:
    if not _argument_count_fits(operator, len(values)):
        raise ValidationException(
            f"{INVALID}Invalid number of argument(s) for the {operator} ComparisonOperator"
        )
    if values and any(type_of(value) != type_of(values[0]) for value in values):
        raise ValidationException(f"{INVALID}AttributeValues inside AttributeValueList must be of same type")


def _check_between(operator: str, values: list[AttributeValue]) -> None:
    if operator == "BETWEEN":
        order = compare_values(values[0], values[1])
        if order is not None and order > 0:
            raise ValidationException(BETWEEN_BOUNDS)


def condition_from_expected(expected: Mapping[str, Any], conditional_operator: str | None) -> Condition:
    """Expected (Value/Exists or ComparisonOperator/AttributeValueList per attribute) as a condition."""
    conditions: list[Condition] = []
    for name, spec in expected.items():
        has_list, has_value = "AttributeValueList" in spec, "Value" in spec
        if has_list and has_value:
            raise ValidationException(
                f"{INVALID}Value and AttributeValueList cannot be used together for Attribute: {name}"
            )
        operator = spec.get("ComparisonOperator")
        if operator is not None:
            if "Exists" in spec:
                raise ValidationException(
                    f"{INVALID}Exists and ComparisonOperator cannot be used together for Attribute: {name}"
                )
            if operator not in ("NULL", "NOT_NULL") and not has_list and not has_value:
                raise ValidationException(
                    f"{INVALID}Value or AttributeValueList must be used with ComparisonOperator: {operator} "
                    f"for Attribute: {name}"
                )
            raw = spec.get("AttributeValueList") or ([spec["Value"]] if has_value else [])
            values = [validate_attribute_value(value) for value in raw]
            _check_value_list(operator, values)
            _check_between(operator, values)
            conditions.append(_comparison(name, operator, values))
        elif has_list:
            raise ValidationException(
                f"{INVALID}AttributeValueList can only be used with a ComparisonOperator "
                f"for Attribute: {name}"
            )
        else:
            exists = spec.get("Exists")
            if exists is not False and not has_value:
                shown = "null" if exists is None else "true"
                raise ValidationException(
                    f"{INVALID}Value must be provided when Exists is {shown} for Attribute: {name}"
                )
            if exists is False and has_value:
                raise ValidationException(
                    f"{INVALID}Value cannot be used when Exists is false for Attribute: {name}"
                )
            if has_value:
                conditions.append(
                    Comparison("=", Path((name,)), Literal(validate_attribute_value(spec["Value"])))
                )
            else:
                conditions.append(FunctionCall("attribute_not_exists", (Path((name,)),)))
    return _combine(conditions, conditional_operator)


def condition_from_filter(filter: Mapping[str, Any], conditional_operator: str | None) -> Condition:
    """QueryFilter/ScanFilter (ComparisonOperator + AttributeValueList per attribute) as a condition."""
    conditions: list[Condition] = []
    for name, spec in filter.items():
        operator = spec.get("ComparisonOperator")
        values = [validate_attribute_value(value) for value in spec.get("AttributeValueList") or []]
        _check_value_list(operator, values)
        allowed = _FILTER_TYPES.get(operator)
        if allowed is not None:
            for value in values:
                if type_of(value) not in allowed:
                    raise ValidationException(
                        f"{INVALID}ComparisonOperator {operator} is not valid for {type_of(value)} "
                        "AttributeValue type"
                    )
        _check_between(operator, values)
        conditions.append(_comparison(name, operator, values))
    return _combine(conditions, conditional_operator)


def update_from_attribute_updates(updates: Mapping[str, Any]) -> UpdatePlan:
    """AttributeUpdates (Action PUT/ADD/DELETE with an optional Value per attribute) as an update plan.
    ADD of a list appends to it, which UpdateExpression's ADD does not allow."""
    actions: list[UpdateAction] = []
    for name, spec in updates.items():
        action = spec.get("Action") or "PUT"
        raw_value = spec.get("Value")
        value = None if raw_value is None else validate_attribute_value(raw_value)
        path = Path((name,))
        if value is None:
            if action != "DELETE":
                raise ValidationException(
                    f"{INVALID}Only DELETE action is allowed when no attribute value is specified"
                )
            actions.append(RemoveAction(path))
            continue
        kind = type_of(value)
        if action == "DELETE":
            if kind not in ("SS", "NS", "BS"):
                raise ValidationException(
                    f"{INVALID}DELETE action with value is not supported for the type {kind}"
                )
            actions.append(DeleteAction(path, Literal(value)))
        elif action == "ADD":
            if kind not in ("L", "SS", "NS", "BS", "N"):
                raise ValidationException(f"{INVALID}ADD action is not supported for the type {kind}")
            actions.append(AddAction(path, Literal(value)))
        else:
            actions.append(SetAction(path, Literal(value)))
    return UpdatePlan(tuple(actions))


def projection_from_attributes_to_get(names: Sequence[str]) -> Projection:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValidationException(f"{INVALID}Duplicate value in attribute name: {name}")
        seen.add(name)
    return Projection(tuple(Path((name,)) for name in names))


_KEY_OPERATORS = {
    "EQ": "=",
    "LE": "<=",
    "LT": "<",
    "GE": ">=",
    "GT": ">",
    "BEGINS_WITH": "BEGINS_WITH",
    "BETWEEN": "BETWEEN",
}


def key_condition_from_key_conditions(conditions: Mapping[str, Any]) -> KeyCondition:
    """Query's legacy KeyConditions as the predicates a KeyConditionExpression would give; check them
    against the schema with key_condition.bind_key_condition."""
    predicates: list[KeyPredicate] = []
    for name, spec in conditions.items():
        operator = spec.get("ComparisonOperator")
        values = [validate_attribute_value(value) for value in spec.get("AttributeValueList") or []]
        _check_value_list(operator, values)
        _check_between(operator, values)
        if operator not in _KEY_OPERATORS:
            raise ValidationException("Attempted conditional constraint is not an indexable operation")
        predicates.append(KeyPredicate(name, _KEY_OPERATORS[operator], tuple(values)))
    return KeyCondition(tuple(predicates))
