"""Applying a resolved UpdatePlan (UpdateExpression or legacy AttributeUpdates) to an item.

Every SET value is computed from the item as it was before the update, as DynamoDB does; REMOVEs run
last, highest list index first, so the indexes written in the expression all refer to the old list.
"""

from __future__ import annotations

import copy

from shardline.errors import ValidationException
from shardline.expressions.ast import (
    AddAction,
    Arithmetic,
    DeleteAction,
    DocumentPath,
    FunctionCall,
    Literal,
    Operand,
    Path,
    RemoveAction,
    SetAction,
    UpdatePlan,
)
from shardline.expressions.functions import lookup
from shardline.values.numbers import add_numbers, subtract_numbers
from shardline.values.types import SET_TYPES, AttributeValue, Item, type_of

__all__ = ["UpdatePlan", "apply_update"]

INVALID_PATH = "The document path provided in the update expression is invalid for update"
INCORRECT_DATA_TYPE = "An operand in the update expression has an incorrect data type"
MISSING_ATTRIBUTE = "The provided expression refers to an attribute that does not exist in the item"


def apply_update(plan: UpdatePlan, item: Item) -> Item:
    """A new item: item with plan applied. item itself is left unchanged."""
    assignments: list[tuple[DocumentPath, AttributeValue | None]] = []
    removals: list[DocumentPath] = []
    for action in plan.actions:
        path = action.path.elements
        match action:
            case SetAction(value=value):
                assignments.append((path, _value_of(value, item)))
            case AddAction(value=value):
                assignments.append((path, _added(lookup(item, path), _literal(value))))
            case DeleteAction(value=value):
                assignments.append((path, _deleted(lookup(item, path), _literal(value))))
            case RemoveAction():
                removals.append(path)
    updated = copy.deepcopy(item)
    for path, new_value in assignments:
        if new_value is None:
            _remove(updated, path)
        else:
            # Copies keep the result independent of the plan's literals and of the old item.
            _assign(updated, path, copy.deepcopy(new_value))
    for path in sorted(removals, key=_removal_order, reverse=True):
        _remove(updated, path)
    return updated


def _removal_order(path: DocumentPath) -> tuple[int, ...]:
    # Only the relative order of indexes within one list matters; names sort as -1.
    return tuple(step if isinstance(step, int) else -1 for step in path)


def _literal(operand: Operand) -> AttributeValue:
    if isinstance(operand, Literal):
        return operand.value
    raise ValidationException(INCORRECT_DATA_TYPE)


def _value_of(operand: Operand, item: Item) -> AttributeValue:
    match operand:
        case Literal(value=value):
            return value
        case Path(elements=elements):
            found = lookup(item, elements)
            if found is None:
                raise ValidationException(MISSING_ATTRIBUTE)
            return found
        case FunctionCall(name="if_not_exists", args=(Path(elements=elements), fallback)):
            existing = lookup(item, elements)
            return existing if existing is not None else _value_of(fallback, item)
        case FunctionCall(name="list_append", args=(first, second)):
            head, tail = _value_of(first, item), _value_of(second, item)
            if type_of(head) != "L" or type_of(tail) != "L":
                raise ValidationException(INCORRECT_DATA_TYPE)
            return {"L": [*head["L"], *tail["L"]]}
        case Arithmetic(operator=operator, left=left, right=right):
            augend, addend = _value_of(left, item), _value_of(right, item)
            if type_of(augend) != "N" or type_of(addend) != "N":
                raise ValidationException(INCORRECT_DATA_TYPE)
            combine = add_numbers if operator == "+" else subtract_numbers
            return {"N": combine(augend["N"], addend["N"])}
    raise ValidationException(INCORRECT_DATA_TYPE)


def _added(existing: AttributeValue | None, value: AttributeValue) -> AttributeValue:
    """ADD: a number is added, a set is united, a list (legacy AttributeUpdates only) is extended; a
    missing attribute starts as the operand."""
    kind = type_of(value)
    if existing is None:
        return value
    if type_of(existing) != kind:
        raise ValidationException(INCORRECT_DATA_TYPE)
    if kind == "N":
        return {"N": add_numbers(existing["N"], value["N"])}
    if kind in SET_TYPES:
        members = list(existing[kind])
        members.extend(member for member in value[kind] if member not in existing[kind])
        return {kind: members}
    if kind == "L":
        return {"L": [*existing["L"], *value["L"]]}
    raise ValidationException(INCORRECT_DATA_TYPE)


def _deleted(existing: AttributeValue | None, value: AttributeValue) -> AttributeValue | None:
    """DELETE: set difference; None (remove the attribute) when nothing is left."""
    kind = type_of(value)
    if existing is None:
        return None
    if type_of(existing) != kind or kind not in SET_TYPES:
        raise ValidationException(INCORRECT_DATA_TYPE)
    remaining = [member for member in existing[kind] if member not in value[kind]]
    return {kind: remaining} if remaining else None


def _assign(item: Item, path: DocumentPath, value: AttributeValue) -> None:
    head = path[0]
    if len(path) == 1:
        item[str(head)] = value
        return
    parent = lookup(item, path[:-1])
    step = path[-1]
    if parent is None:
        raise ValidationException(INVALID_PATH)
    if isinstance(step, int):
        if type_of(parent) != "L":
            raise ValidationException(INVALID_PATH)
        elements = parent["L"]
        if step < len(elements):
            elements[step] = value
        else:
            # Setting past the end of a list appends, whatever the index.
            elements.append(value)
    else:
        if type_of(parent) != "M":
            raise ValidationException(INVALID_PATH)
        parent["M"][step] = value


def _remove(item: Item, path: DocumentPath) -> None:
    if len(path) == 1:
        item.pop(str(path[0]), None)
        return
    parent = lookup(item, path[:-1])
    step = path[-1]
    if parent is None:
        raise ValidationException(INVALID_PATH)
    if isinstance(step, int):
        if type_of(parent) != "L":
            raise ValidationException(INVALID_PATH)
        if step < len(parent["L"]):
            del parent["L"][step]
    else:
        if type_of(parent) != "M":
            raise ValidationException(INVALID_PATH)
        parent["M"].pop(step, None)
