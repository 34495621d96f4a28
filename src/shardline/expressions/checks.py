"""The semantic passes run after parsing, in the order AWS reports their errors (dynalite's
errorOrder, verified against DynamoDB): each pass finds the first problem of its kind in source order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from shardline.expressions.ast import (
    AddAction,
    And,
    Arithmetic,
    Between,
    Comparison,
    Condition,
    DeleteAction,
    DocumentPath,
    ExpressionError,
    FunctionCall,
    In,
    Literal,
    Not,
    Operand,
    Or,
    Path,
    Projection,
    UpdatePlan,
    ValueRef,
    render_path,
)
from shardline.expressions.names import (
    Node,
    first_undefined_name,
    first_undefined_reference,
    first_undefined_value,
    static_value,
    undefined_name_message,
    undefined_value_message,
    walk,
    walk_post_order,
)
from shardline.expressions.reserved_words import is_reserved
from shardline.values.comparison import compare_values
from shardline.values.types import AttributeValue, type_of

CONDITION_FUNCTION_ARITY = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
    "size": 1,
}
UPDATE_FUNCTION_ARITY = {"if_not_exists": 2, "list_append": 2}
ATTRIBUTE_TYPE_NAMES = ("S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M")
MAX_IN_OPERANDS = 100

# Names AWS uses for a constant's type in ADD/DELETE operand errors.
_UPDATE_OPERAND_TYPE_NAMES = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "NULL": "NULL",
    "BOOL": "BOOLEAN",
    "L": "LIST",
    "M": "MAP",
}

Names = Mapping[str, str]
Values = Mapping[str, AttributeValue]
Pass = Callable[[], "str | None"]


def _first(passes: Iterable[Pass]) -> None:
    for check in passes:
        message = check()
        if message is not None:
            raise ExpressionError(message)


def _first_of(messages: Iterable[str | None]) -> str | None:
    return next((message for message in messages if message is not None), None)


def _resolved(elements: DocumentPath, names: Names) -> DocumentPath:
    return tuple(
        names.get(part, part) if isinstance(part, str) and part.startswith("#") else part for part in elements
    )


def _static_type(operand: Operand, values: Values) -> str | None:
    value = static_value(operand, values)
    if value is not None:
        return type_of(value)
    if isinstance(operand, FunctionCall) and operand.name == "size":
        return "N"
    return None


def render_value(value: AttributeValue) -> str:
    kind = type_of(value)
    return f"AttributeValue: {{{kind}:{value[kind]}}}"


def incorrect_operand_type(function: str, operand_type: str) -> str:
    return (
        "Incorrect operand type for operator or function; "
        f"operator or function: {function}, operand type: {operand_type}"
    )


# --- passes shared by the expression kinds -----------------------------------------------------


def first_reserved_word(node: Node) -> str | None:
    for found in walk(node):
        if isinstance(found, Path):
            for part in found.elements:
                if isinstance(part, str) and not part.startswith("#") and is_reserved(part):
                    return f"Attribute name is a reserved keyword; reserved keyword: {part}"
    return None


def first_unknown_function(node: Node, arity: Mapping[str, int]) -> str | None:
    for found in walk_post_order(node):
        if isinstance(found, FunctionCall) and found.name not in arity:
            return f"Invalid function name; function: {found.name}"
    return None


def first_path_clash(paths: Iterable[DocumentPath]) -> str | None:
    """Two paths where one is a prefix of the other overlap; paths that use the same step once as a
    name and once as an index conflict. AWS reports an overlap before any conflict."""
    seen: list[DocumentPath] = []
    conflict: str | None = None
    for path in paths:
        for earlier in seen:
            clash = _clash(earlier, path)
            if clash == "overlap":
                return (
                    "Two document paths overlap with each other; must remove or rewrite one of these "
                    f"paths; path one: {render_path(earlier)}, path two: {render_path(path)}"
                )
            if clash == "conflict" and conflict is None:
                conflict = (
                    "Two document paths conflict with each other; must remove or rewrite one of these "
                    f"paths; path one: {render_path(earlier)}, path two: {render_path(path)}"
                )
        seen.append(path)
    return conflict


def _clash(first: DocumentPath, second: DocumentPath) -> str | None:
    for left, right in zip(first, second):
        if isinstance(left, int) != isinstance(right, int):
            return "conflict"
        if left != right:
            return None
    return "overlap"


# --- condition, filter and key condition ---------------------------------------------------------


def check_condition(condition: Condition, names: Names, values: Values) -> None:
    _first(
        [
            lambda: first_unknown_function(condition, CONDITION_FUNCTION_ARITY),
            lambda: _first_misused_function(condition),
            lambda: first_reserved_word(condition),
            lambda: first_undefined_reference(condition, names, values),
            lambda: _first_of(_operand_count_problems(condition)),
            lambda: _first_of(_distinct_operand_problems(condition, names)),
            lambda: _first_of(_condition_type_problems(condition, values)),
        ]
    )


def _first_misused_function(condition: Condition) -> str | None:
    def misused(name: str) -> str:
        return f"The function is not allowed to be used this way in an expression; function: {name}"

    for found in walk_post_order(condition):
        if isinstance(found, Comparison | Between | In | FunctionCall):
            for operand in _operands(found):
                if isinstance(operand, FunctionCall) and operand.name != "size":
                    return misused(operand.name)
        elif isinstance(found, And | Or | Not):
            branches = (found.left, found.right) if isinstance(found, And | Or) else (found.operand,)
            if any(isinstance(branch, FunctionCall) and branch.name == "size" for branch in branches):
                return misused("size")
    if isinstance(condition, FunctionCall) and condition.name == "size":
        return misused("size")
    return None


def _operands(node: Comparison | Between | In | FunctionCall) -> tuple[Operand, ...]:
    if isinstance(node, Comparison):
        return (node.left, node.right)
    if isinstance(node, Between):
        return (node.operand, node.lower, node.upper)
    if isinstance(node, In):
        return (node.operand, *node.choices)
    return node.args


def _operand_count_problems(condition: Condition) -> Iterable[str | None]:
    for found in walk_post_order(condition):
        if isinstance(found, FunctionCall):
            expected = CONDITION_FUNCTION_ARITY.get(found.name)
            if expected is not None and expected != len(found.args):
                yield (
                    "Incorrect number of operands for operator or function; "
                    f"operator or function: {found.name}, number of operands: {len(found.args)}"
                )
        elif isinstance(found, In) and len(found.choices) > MAX_IN_OPERANDS:
            yield (
                "Too many operands for the operator or function; "
                f"operator or function: IN, number of operands: {len(found.choices)}"
            )


def _distinct_operand_problems(condition: Condition, names: Names) -> Iterable[str | None]:
    for found in walk_post_order(condition):
        pair: tuple[Operand, Operand] | None = None
        operator = ""
        if isinstance(found, Comparison):
            pair, operator = (found.left, found.right), found.operator
        elif isinstance(found, FunctionCall) and len(found.args) == 2:
            pair, operator = (found.args[0], found.args[1]), found.name
        if pair is None:
            continue
        left, right = pair
        if isinstance(left, Path) and isinstance(right, Path):
            resolved = _resolved(left.elements, names)
            if resolved == _resolved(right.elements, names):
                yield (
                    "The first operand must be distinct from the remaining operands for this operator or "
                    f"function; operator: {operator}, first operand: {render_path(resolved)}"
                )


def _condition_type_problems(condition: Condition, values: Values) -> Iterable[str | None]:
    for found in walk_post_order(condition):
        if isinstance(found, FunctionCall):
            yield _function_type_problem(found, values)
        elif isinstance(found, Between):
            yield _between_bounds_problem(found, values)


def _function_type_problem(call: FunctionCall, values: Values) -> str | None:
    name, args = call.name, call.args
    if name in ("attribute_exists", "attribute_not_exists"):
        if not isinstance(args[0], Path):
            return f"Operator or function requires a document path; operator or function: {name}"
    elif name == "begins_with":
        for arg in args:
            kind = _static_type(arg, values)
            if kind is not None and kind not in ("S", "B"):
                return incorrect_operand_type(name, kind)
    elif name == "attribute_type":
        type_name = static_value(args[1], values)
        if type_name is None or type_of(type_name) != "S":
            shown = "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}" if type_name is None else type_of(type_name)
            return incorrect_operand_type(name, shown)
        if type_name["S"] not in ATTRIBUTE_TYPE_NAMES:
            return (
                f"Invalid attribute type name found; type: {type_name['S']}, "
                "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
            )
    elif name == "size":
        kind = _static_type(args[0], values)
        if kind in ("N", "BOOL", "NULL"):
            return incorrect_operand_type(name, kind)
    return None


def _between_bounds_problem(between: Between, values: Values) -> str | None:
    lower = static_value(between.lower, values)
    upper = static_value(between.upper, values)
    if lower is None or upper is None:
        return None
    bounds = f"lower bound operand: {render_value(lower)}, upper bound operand: {render_value(upper)}"
    if type_of(lower) != type_of(upper):
        return f"The BETWEEN operator requires same data type for lower and upper bounds; {bounds}"
    order = compare_values(lower, upper)
    if order is not None and order > 0:
        return (
            f"The BETWEEN operator requires upper bound to be greater than or equal to lower bound; {bounds}"
        )
    return None


# --- update --------------------------------------------------------------------------------------


def check_update(plan: UpdatePlan, names: Names, values: Values) -> None:
    _first(
        [
            lambda: first_reserved_word(plan),
            lambda: first_unknown_function(plan, UPDATE_FUNCTION_ARITY),
            lambda: _repeated_section(plan),
            lambda: _undefined(first_undefined_name(plan, names), "name"),
            lambda: _undefined(first_undefined_value(plan, values), "value"),
            lambda: first_path_clash(_resolved(path, names) for path in plan.paths),
            lambda: _first_of(_add_delete_operand_problems(plan, values)),
            lambda: _first_of(_update_function_problems(plan, values)),
        ]
    )


def _undefined(reference: str | None, kind: str) -> str | None:
    if reference is None:
        return None
    return undefined_name_message(reference) if kind == "name" else undefined_value_message(reference)


def _repeated_section(plan: UpdatePlan) -> str | None:
    seen: set[str] = set()
    for section in plan.sections:
        if section in seen:
            return f'The "{section}" section can only be used once in an update expression;'
        seen.add(section)
    return None


def _add_delete_operand_problems(plan: UpdatePlan, values: Values) -> Iterable[str | None]:
    for action in plan.actions:
        if isinstance(action, AddAction | DeleteAction):
            value = static_value(action.value, values)
            if value is None:
                continue
            kind = type_of(value)
            operator = "ADD" if isinstance(action, AddAction) else "DELETE"
            if kind in _UPDATE_OPERAND_TYPE_NAMES and not (operator == "ADD" and kind == "N"):
                yield (
                    "Incorrect operand type for operator or function; "
                    f"operator: {operator}, operand type: {_UPDATE_OPERAND_TYPE_NAMES[kind]}"
                )


def _update_function_problems(plan: UpdatePlan, values: Values) -> Iterable[str | None]:
    for found in walk_post_order(plan):
        if isinstance(found, Arithmetic):
            for operand in (found.left, found.right):
                kind = _immediate_type(operand, values)
                if kind is not None and kind != "N":
                    yield incorrect_operand_type(found.operator, kind)
        elif isinstance(found, FunctionCall) and found.name in UPDATE_FUNCTION_ARITY:
            if len(found.args) != UPDATE_FUNCTION_ARITY[found.name]:
                yield (
                    "Incorrect number of operands for operator or function; "
                    f"operator or function: {found.name}, number of operands: {len(found.args)}"
                )
            elif found.name == "if_not_exists" and not isinstance(found.args[0], Path):
                yield f"Operator or function requires a document path; operator or function: {found.name}"
            elif found.name == "list_append":
                for operand in found.args:
                    kind = _immediate_type(operand, values)
                    if kind is not None and kind != "L":
                        yield incorrect_operand_type(found.name, kind)


def _immediate_type(operand: Operand, values: Values) -> str | None:
    if isinstance(operand, ValueRef | Literal):
        value = static_value(operand, values)
        return None if value is None else type_of(value)
    return None


# --- projection ----------------------------------------------------------------------------------


def check_projection(projection: Projection, names: Names) -> None:
    _first(
        [
            lambda: first_reserved_word(projection),
            lambda: _undefined(first_undefined_name(projection, names), "name"),
            lambda: first_path_clash(_resolved(path.elements, names) for path in projection.paths),
        ]
    )
