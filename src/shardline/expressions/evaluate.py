"""Evaluation of a resolved condition (ConditionExpression, FilterExpression, legacy Expected) on an
item. Comparisons across types, or with a missing attribute, are false rather than errors."""

from __future__ import annotations

from shardline.expressions.ast import (
    Always,
    And,
    Between,
    Comparison,
    Condition,
    FunctionCall,
    In,
    Literal,
    Not,
    Operand,
    Or,
    Path,
)
from shardline.expressions.functions import attribute_size, begins_with, contains, lookup
from shardline.values.comparison import compare_values, values_equal
from shardline.values.types import AttributeValue, Item, type_of


def evaluate_condition(condition: Condition, item: Item | None) -> bool:
    """Whether item satisfies condition; item None means there is no such item."""
    match condition:
        case And(left=left, right=right):
            return evaluate_condition(left, item) and evaluate_condition(right, item)
        case Or(left=left, right=right):
            return evaluate_condition(left, item) or evaluate_condition(right, item)
        case Not(operand=operand):
            return not evaluate_condition(operand, item)
        case Comparison(operator=operator, left=left, right=right):
            return _compare(operator, operand_value(left, item), operand_value(right, item))
        case Between(operand=operand, lower=lower, upper=upper):
            value = operand_value(operand, item)
            return _compare(">=", value, operand_value(lower, item)) and _compare(
                "<=", value, operand_value(upper, item)
            )
        case In(operand=operand, choices=choices):
            value = operand_value(operand, item)
            return value is not None and any(
                _compare("=", value, operand_value(choice, item)) for choice in choices
            )
        case FunctionCall():
            return _condition_function(condition, item)
        case Always():
            return True
    return False


def operand_value(operand: Operand, item: Item | None) -> AttributeValue | None:
    """The value an operand stands for on item; None when it names nothing."""
    match operand:
        case Path(elements=elements):
            return lookup(item, elements)
        case Literal(value=value):
            return value
        case FunctionCall(name="size", args=args):
            target = operand_value(args[0], item)
            size = None if target is None else attribute_size(target)
            return None if size is None else {"N": str(size)}
    return None


def _compare(operator: str, left: AttributeValue | None, right: AttributeValue | None) -> bool:
    if left is None or right is None:
        # A missing attribute equals nothing, so it is "not equal" to everything.
        return operator == "<>"
    if operator == "=":
        return values_equal(left, right)
    if operator == "<>":
        return not values_equal(left, right)
    order = compare_values(left, right)
    if order is None:
        return False
    if operator == "<":
        return order < 0
    if operator == "<=":
        return order <= 0
    if operator == ">":
        return order > 0
    return order >= 0


def _condition_function(call: FunctionCall, item: Item | None) -> bool:
    args = [operand_value(arg, item) for arg in call.args]
    if call.name == "attribute_exists":
        return args[0] is not None
    if call.name == "attribute_not_exists":
        return args[0] is None
    first, second = (args[0], args[1]) if len(args) == 2 else (None, None)
    if first is None or second is None:
        return False
    if call.name == "attribute_type":
        return type_of(second) == "S" and type_of(first) == second["S"]
    if call.name == "begins_with":
        return begins_with(first, second)
    if call.name == "contains":
        return contains(first, second)
    return False
