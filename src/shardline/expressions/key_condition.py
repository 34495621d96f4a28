"""KeyConditionExpression: a resolved condition reduced to predicates on key attributes, then bound to
a table's (or index's) KeySchema for Query. Messages as DynamoDB reports them."""

from __future__ import annotations

from dataclasses import dataclass

from shardline.errors import ValidationException
from shardline.expressions.ast import (
    And,
    Between,
    Comparison,
    Condition,
    ExpressionError,
    FunctionCall,
    In,
    Literal,
    Not,
    Operand,
    Or,
    Path,
)
from shardline.values.key_schema import KeySchema
from shardline.values.types import AttributeValue, type_of

# The operator as seen from the key's side when the key is written on the right: :v < k means k > :v.
_MIRRORED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_INVALID_FUNCTIONS = ("attribute_exists", "attribute_not_exists", "attribute_type", "contains")


@dataclass(frozen=True)
class KeyPredicate:
    """One condition on one key attribute. operator is one of = < <= > >= BETWEEN BEGINS_WITH."""

    name: str
    operator: str
    values: tuple[AttributeValue, ...]


@dataclass(frozen=True)
class KeyCondition:
    predicates: tuple[KeyPredicate, ...]


@dataclass(frozen=True)
class BoundKeyCondition:
    """A KeyCondition checked against a KeySchema: the partition to read and the sort-key predicate."""

    partition_name: str
    partition_value: AttributeValue
    sort: KeyPredicate | None


def key_condition_from(condition: Condition) -> KeyCondition:
    """Reduces a resolved condition to key predicates; raises ExpressionError (messages carry no
    parameter prefix: they name KeyConditionExpression themselves)."""
    predicates: list[KeyPredicate] = []
    _collect(condition, predicates)
    return KeyCondition(tuple(predicates))


def _collect(condition: Condition, predicates: list[KeyPredicate]) -> None:
    if isinstance(condition, And):
        _collect(condition.left, predicates)
        _collect(condition.right, predicates)
        return
    if isinstance(condition, Or | Not | In) or (
        isinstance(condition, Comparison) and condition.operator == "<>"
    ):
        word = {Or: "OR", Not: "NOT", In: "IN"}.get(type(condition), "<>")
        raise ExpressionError(f"Invalid operator used in KeyConditionExpression: {word}")
    if isinstance(condition, FunctionCall):
        if condition.name in _INVALID_FUNCTIONS:
            raise ExpressionError(f"Invalid operator used in KeyConditionExpression: {condition.name}")
        if condition.name == "size":
            raise ExpressionError("KeyConditionExpressions cannot contain nested operations")
    operands: tuple[Operand, ...]
    if isinstance(condition, Between):
        operands = (condition.operand, condition.lower, condition.upper)
        operator = "BETWEEN"
    elif isinstance(condition, FunctionCall):  # begins_with
        operands = condition.args
        operator = "BEGINS_WITH"
    elif isinstance(condition, Comparison):
        operands = (condition.left, condition.right)
        operator = condition.operator
    else:
        raise ExpressionError("Invalid condition in KeyConditionExpression: No key attribute specified")
    if operator in ("BETWEEN", "BEGINS_WITH") and not isinstance(operands[0], Path):
        shown = "BETWEEN" if operator == "BETWEEN" else "begins_with"
        raise ExpressionError(
            f"Invalid condition in KeyConditionExpression: {shown} operator must have the key attribute "
            "as its first operand"
        )
    name: str | None = None
    position = 0
    for index, operand in enumerate(operands):
        if isinstance(operand, Path):
            if name is not None:
                raise ExpressionError(
                    "Invalid condition in KeyConditionExpression: "
                    "Multiple attribute names used in one condition"
                )
            if len(operand.elements) > 1:
                raise ExpressionError("KeyConditionExpressions cannot have conditions on nested attributes")
            name, position = str(operand.elements[0]), index
        elif isinstance(operand, FunctionCall):
            raise ExpressionError("KeyConditionExpressions cannot contain nested operations")
    if name is None:
        raise ExpressionError("Invalid condition in KeyConditionExpression: No key attribute specified")
    if any(existing.name == name for existing in predicates):
        raise ExpressionError("KeyConditionExpressions must only contain one condition per key")
    if position != 0:
        operator = _MIRRORED[operator]
    values = tuple(operand.value for operand in operands if isinstance(operand, Literal))
    predicates.append(KeyPredicate(name, operator, values))


def bind_key_condition(condition: KeyCondition, schema: KeySchema) -> BoundKeyCondition:
    """Checks condition against schema in DynamoDB's order and splits it into partition and sort parts."""
    by_name = {predicate.name: predicate for predicate in condition.predicates}
    partition = by_name.get(schema.partition_name)
    if partition is None:
        raise ValidationException(f"Query condition missed key schema element: {schema.partition_name}")
    if len(by_name) > 1 and schema.sort_name is not None and schema.sort_name not in by_name:
        raise ValidationException(f"Query condition missed key schema element: {schema.sort_name}")
    if partition.operator != "=" or len(by_name) > (1 if schema.sort_name is None else 2):
        raise ValidationException("Query key condition not supported")
    sort = by_name.get(schema.sort_name) if schema.sort_name is not None else None
    _check_types(partition, schema.partition_type)
    if sort is not None and schema.sort_type is not None:
        _check_types(sort, schema.sort_type)
        if sort.operator == "BEGINS_WITH" and schema.sort_type == "N":
            raise ValidationException(
                "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
                "operator or function: begins_with, operand type: N"
            )
    return BoundKeyCondition(schema.partition_name, partition.values[0], sort)


def _check_types(predicate: KeyPredicate, key_type: str) -> None:
    if any(type_of(value) != key_type for value in predicate.values):
        raise ValidationException(
            "One or more parameter values were invalid: Condition parameter type does not match schema type"
        )


def check_key_condition(condition: KeyCondition, schema: KeySchema) -> None:
    """Raises ValidationException when condition does not fit schema (see bind_key_condition)."""
    bind_key_condition(condition, schema)
