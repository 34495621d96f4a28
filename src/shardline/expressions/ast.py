"""The typed syntax tree shared by the four expression kinds (condition/filter, update, projection, key).

The parser builds it with names as written (`#n` placeholders, `:v` references); compile.py resolves it
into the same node types with real attribute names in paths and Literal values in place of ValueRef.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from shardline.values.types import AttributeValue

# A document path: attribute names (str) and list indexes (int), e.g. a.b[2].c -> ("a", "b", 2, "c").
DocumentPath: TypeAlias = tuple[str | int, ...]


def render_path(path: DocumentPath) -> str:
    """AWS's way of naming a path in messages: [a, b, [2]]."""
    return "[" + ", ".join(f"[{part}]" if isinstance(part, int) else part for part in path) + "]"


class ExpressionError(Exception):
    """A problem found in one expression; compile.py turns it into ValidationException with the
    "Invalid <Parameter>: " prefix, so the parser and checks stay ignorant of the parameter name."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ExpressionSyntaxError(ExpressionError):
    """A syntax error at one token; `index` lets the parser keep the one that got furthest."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


# --- operands ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    elements: DocumentPath


@dataclass(frozen=True)
class ValueRef:
    """A :placeholder before resolution."""

    name: str


@dataclass(frozen=True)
class Literal:
    """A resolved ExpressionAttributeValue (never hashed: AttributeValue is a dict)."""

    value: AttributeValue


@dataclass(frozen=True)
class FunctionCall:
    """A function: an operand (size, if_not_exists, list_append) or a condition (the others)."""

    name: str
    args: tuple[Operand, ...]


@dataclass(frozen=True)
class Arithmetic:
    """`a + b` or `a - b`, only on the right of an update's SET."""

    operator: str
    left: Operand
    right: Operand


Operand: TypeAlias = Path | ValueRef | Literal | FunctionCall | Arithmetic


# --- conditions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    operator: str  # = <> < <= > >=
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Between:
    operand: Operand
    lower: Operand
    upper: Operand


@dataclass(frozen=True)
class In:
    operand: Operand
    choices: tuple[Operand, ...]


@dataclass(frozen=True)
class And:
    left: Condition
    right: Condition


@dataclass(frozen=True)
class Or:
    left: Condition
    right: Condition


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class Always:
    """A condition that holds for every item (an empty legacy Expected map)."""


Condition: TypeAlias = Comparison | Between | In | FunctionCall | And | Or | Not | Always


# --- update --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetAction:
    path: Path
    value: Operand


@dataclass(frozen=True)
class RemoveAction:
    path: Path


@dataclass(frozen=True)
class AddAction:
    path: Path
    value: Operand


@dataclass(frozen=True)
class DeleteAction:
    path: Path
    value: Operand


UpdateAction: TypeAlias = SetAction | RemoveAction | AddAction | DeleteAction


@dataclass(frozen=True)
class UpdatePlan:
    """The actions of one UpdateExpression (or legacy AttributeUpdates), in the order written.
    `sections` lists the clause keywords as written, repeats included (for the once-only check)."""

    actions: tuple[UpdateAction, ...]
    sections: tuple[str, ...] = ()

    @property
    def paths(self) -> tuple[DocumentPath, ...]:
        """The document paths the update sets or removes (for ReturnValues UPDATED_OLD/UPDATED_NEW)."""
        return tuple(action.path.elements for action in self.actions)

    def top_level_names(self) -> frozenset[str]:
        """The top-level attributes the update touches (for the key-attribute check)."""
        return frozenset(str(action.path.elements[0]) for action in self.actions)


# --- projection ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    paths: tuple[Path, ...]

    @property
    def document_paths(self) -> tuple[DocumentPath, ...]:
        return tuple(path.elements for path in self.paths)
