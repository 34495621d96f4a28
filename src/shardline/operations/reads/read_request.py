"""What Query and Scan share: the request once its expressions or legacy parameters are checked, and the
checks that need the table (key attributes must be scalars; a Query filter may not name key attributes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.expressions.ast import Condition, Path, Projection
from shardline.expressions.legacy import condition_from_filter, projection_from_attributes_to_get
from shardline.expressions.names import top_level_names, walk
from shardline.operations.reads.read_target import ReadTarget
from shardline.values.types import Item

NESTED_KEY = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "


@dataclass(frozen=True)
class ReadRequest:
    table_name: str
    index_name: str | None
    select: str | None
    projection: Projection | None
    filter: Condition | None
    filter_parameter: str  # how AWS names the filter in its messages
    limit: int | None
    consistent_read: bool
    return_consumed_capacity: str | None
    start_key: Item | None


def attributes_to_get(body: Mapping[str, Any]) -> Projection | None:
    names = body.get("AttributesToGet")
    return None if names is None else projection_from_attributes_to_get(names)


def legacy_filter(body: Mapping[str, Any], parameter: str) -> Condition | None:
    conditions = body.get(parameter)
    if conditions is None:
        return None
    return condition_from_filter(conditions, body.get("ConditionalOperator"))


def _paths(node: Condition | Projection | None) -> list[Path]:
    if node is None:
        return []
    return [found for found in walk(node) if isinstance(found, Path) and found.elements]


def check_key_paths(target: ReadTarget, request: ReadRequest) -> None:
    """A projection or filter may not reach inside a key attribute of the table or of any index."""
    paths = _paths(request.projection) + _paths(request.filter)
    nested = [str(path.elements[0]) for path in paths if len(path.elements) > 1]
    for name in target.table_schema.names():
        if name in nested:
            raise ValidationException(f"{NESTED_KEY}Key: {name}")
    for name in target.index_key_names():
        if name in nested:
            raise ValidationException(f"{NESTED_KEY}IndexKey: {name}")


def check_filter_names_no_key(target: ReadTarget, request: ReadRequest) -> None:
    """Query's filter runs after the key condition, so AWS refuses one that names a key attribute of
    what is read (the partition key first)."""
    if request.filter is None:
        return
    named = top_level_names(request.filter)
    for name in target.key_schema.names():
        if name in named:
            raise ValidationException(
                f"{request.filter_parameter} can only contain non-primary key attributes: Primary key attribute: {name}"
            )
