"""#name and :value resolution: checks references, records which were used, rewrites the tree."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from shardline.expressions.ast import (
    AddAction,
    Always,
    And,
    Arithmetic,
    Between,
    Comparison,
    Condition,
    DeleteAction,
    DocumentPath,
    FunctionCall,
    In,
    Literal,
    Not,
    Operand,
    Or,
    Path,
    Projection,
    RemoveAction,
    SetAction,
    UpdateAction,
    UpdatePlan,
    ValueRef,
)
from shardline.values.types import AttributeValue

Node = Condition | Operand | UpdateAction | UpdatePlan | Projection


def children(node: Node) -> tuple[Node, ...]:
    """A node's direct children, left to right as written."""
    match node:
        case Comparison(left=left, right=right) | And(left=left, right=right) | Or(left=left, right=right):
            return (left, right)
        case Arithmetic(left=left, right=right):
            return (left, right)
        case Between(operand=operand, lower=lower, upper=upper):
            return (operand, lower, upper)
        case In(operand=operand, choices=choices):
            return (operand, *choices)
        case FunctionCall(args=args):
            return args
        case Not(operand=operand):
            return (operand,)
        case SetAction(path=path, value=value) | AddAction(path=path, value=value):
            return (path, value)
        case DeleteAction(path=path, value=value):
            return (path, value)
        case RemoveAction(path=path):
            return (path,)
        case UpdatePlan(actions=actions):
            return actions
        case Projection(paths=paths):
            return paths
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Pre-order: every node before its children, children in source order. Iterative, so long
    AND/OR chains cost linear time and no recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def walk_post_order(node: Node) -> Iterator[Node]:
    """Children before their parent: the order in which AWS checks nested function calls."""
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, expanded = stack.pop()
        if expanded:
            yield current
            continue
        stack.append((current, True))
        stack.extend((child, False) for child in reversed(children(current)))


def top_level_names(node: Node) -> frozenset[str]:
    """The top-level attributes a resolved tree reads or writes (e.g. for Query's rule that a filter
    must not name key attributes)."""
    return frozenset(
        str(found.elements[0]) for found in walk(node) if isinstance(found, Path) and found.elements
    )


def first_undefined_name(node: Node, names: Mapping[str, str]) -> str | None:
    for found in walk(node):
        if isinstance(found, Path):
            for element in found.elements:
                if isinstance(element, str) and element.startswith("#") and element not in names:
                    return element
    return None


def first_undefined_value(node: Node, values: Mapping[str, AttributeValue]) -> str | None:
    for found in walk(node):
        if isinstance(found, ValueRef) and found.name not in values:
            return found.name
    return None


def first_undefined_reference(
    node: Node, names: Mapping[str, str], values: Mapping[str, AttributeValue]
) -> str | None:
    """The first undefined #name or :value in source order, as a full AWS message."""
    for found in walk(node):
        if isinstance(found, Path):
            for element in found.elements:
                if isinstance(element, str) and element.startswith("#") and element not in names:
                    return undefined_name_message(element)
        elif isinstance(found, ValueRef) and found.name not in values:
            return undefined_value_message(found.name)
    return None


def undefined_name_message(name: str) -> str:
    return f"An expression attribute name used in the document path is not defined; attribute name: {name}"


def undefined_value_message(name: str) -> str:
    return f"An expression attribute value used in expression is not defined; attribute value: {name}"


def static_value(operand: Operand, values: Mapping[str, AttributeValue]) -> AttributeValue | None:
    """The constant an operand stands for, when it is one."""
    if isinstance(operand, Literal):
        return operand.value
    if isinstance(operand, ValueRef):
        return values.get(operand.name)
    return None


@dataclass
class Resolver:
    """Rewrites trees with real names and Literal values and remembers what was used. One per request:
    the unused-names/values check covers all of a request's expressions together."""

    names: Mapping[str, str]
    values: Mapping[str, AttributeValue]
    used_names: set[str] = field(default_factory=set)
    used_values: set[str] = field(default_factory=set)

    def path(self, path: Path) -> Path:
        return Path(self.elements(path.elements))

    def elements(self, elements: DocumentPath) -> DocumentPath:
        resolved: list[str | int] = []
        for element in elements:
            if isinstance(element, str) and element.startswith("#"):
                self.used_names.add(element)
                resolved.append(self.names[element])
            else:
                resolved.append(element)
        return tuple(resolved)

    def operand(self, operand: Operand) -> Operand:
        match operand:
            case Path():
                return self.path(operand)
            case ValueRef(name=name):
                self.used_values.add(name)
                return Literal(self.values[name])
            case FunctionCall(name=name, args=args):
                return FunctionCall(name, tuple(self.operand(arg) for arg in args))
            case Arithmetic(operator=operator, left=left, right=right):
                return Arithmetic(operator, self.operand(left), self.operand(right))
        return operand

    def condition(self, condition: Condition) -> Condition:
        match condition:
            case Comparison(operator=operator, left=left, right=right):
                return Comparison(operator, self.operand(left), self.operand(right))
            case Between(operand=operand, lower=lower, upper=upper):
                return Between(self.operand(operand), self.operand(lower), self.operand(upper))
            case In(operand=operand, choices=choices):
                return In(self.operand(operand), tuple(self.operand(choice) for choice in choices))
            case FunctionCall(name=name, args=args):
                return FunctionCall(name, tuple(self.operand(arg) for arg in args))
            case And(left=left, right=right):
                return And(self.condition(left), self.condition(right))
            case Or(left=left, right=right):
                return Or(self.condition(left), self.condition(right))
            case Not(operand=operand):
                return Not(self.condition(operand))
            case Always():
                return condition
        raise AssertionError(f"not a condition: {condition!r}")

    def update(self, plan: UpdatePlan) -> UpdatePlan:
        actions: list[UpdateAction] = []
        for action in plan.actions:
            match action:
                case SetAction(path=path, value=value):
                    actions.append(SetAction(self.path(path), self.operand(value)))
                case RemoveAction(path=path):
                    actions.append(RemoveAction(self.path(path)))
                case AddAction(path=path, value=value):
                    actions.append(AddAction(self.path(path), self.operand(value)))
                case DeleteAction(path=path, value=value):
                    actions.append(DeleteAction(self.path(path), self.operand(value)))
        return UpdatePlan(tuple(actions), plan.sections)

    def projection(self, projection: Projection) -> Projection:
        return Projection(tuple(self.path(path) for path in projection.paths))
