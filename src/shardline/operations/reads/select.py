"""Select and projection rules of Query and Scan: which combinations AWS refuses, and what a page returns
(the stored items, an index's projected entries, projected paths, base items fetched for an LSI, or only
counts). Messages as AWS words them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.expressions.ast import Condition, Projection
from shardline.expressions.names import top_level_names
from shardline.operations.reads.read_target import ReadTarget

INVALID = "One or more parameter values were invalid: "
_SELECTION_WORDS = {
    "ALL_ATTRIBUTES": "ALL_ATTRIBUTES",
    "ALL_PROJECTED_ATTRIBUTES": "ALL_PROJECTED_ATTRIBUTES",
    "COUNT": "only the Count",
}


def check_select(body: Mapping[str, Any], *, message_prefix: str = "") -> None:
    """Select against AttributesToGet/ProjectionExpression and IndexName, before the table is read.
    Query words these with "1 validation error detected: " in front, Scan without (AWS-recorded)."""
    select = body.get("Select")
    if select is None:
        return
    if select in _SELECTION_WORDS:
        for parameter in ("AttributesToGet", "ProjectionExpression"):
            if body.get(parameter) is not None:
                raise ValidationException(
                    f"{message_prefix}Cannot specify the {parameter} when choosing to get {_SELECTION_WORDS[select]}"
                )
    if select == "ALL_PROJECTED_ATTRIBUTES" and body.get("IndexName") is None:
        raise ValidationException(
            f"{message_prefix}ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
        )
    if (
        select == "SPECIFIC_ATTRIBUTES"
        and body.get("AttributesToGet") is None
        and body.get("ProjectionExpression") is None
    ):
        raise ValidationException(
            f"{message_prefix}Must specify the AttributesToGet or ProjectionExpression when choosing to get "
            "SPECIFIC_ATTRIBUTES"
        )


@dataclass(frozen=True)
class OutputPlan:
    """What each evaluated entry becomes: counted only, or returned (projected, or fetched whole from the
    base table first when an LSI entry lacks what the request needs)."""

    count_only: bool
    projection: Projection | None
    fetch_base: bool


def check_global_all_attributes(target: ReadTarget, select: str | None) -> None:
    index = target.index
    if select == "ALL_ATTRIBUTES" and index is not None and index.is_global and target.projected_names() is not None:
        raise ValidationException(
            f"{INVALID}Select type ALL_ATTRIBUTES is not supported for global secondary index {index.name} "
            "because its projection type is not ALL"
        )


def plan_output(
    target: ReadTarget, select: str | None, projection: Projection | None, filter: Condition | None
) -> OutputPlan:
    """The output of a page. A GSI cannot fetch from its table, so asking it for attributes it does not
    project is an error; an LSI fetches the base item instead (AWS does, at extra read cost)."""
    check_global_all_attributes(target, select)
    projected = target.projected_names()
    needed: set[str] = set()
    if projection is not None:
        needed.update(top_level_names(projection))
    if projected is not None and target.index is not None and target.index.is_global and projection is not None:
        missing = sorted(needed - projected)
        if missing:
            raise ValidationException(
                f"{INVALID}Global secondary index {target.index.name} does not project [{', '.join(missing)}]"
            )
    if filter is not None:
        needed.update(top_level_names(filter))
    fetch_base = projected is not None and target.is_local and (select == "ALL_ATTRIBUTES" or bool(needed - projected))
    return OutputPlan(count_only=select == "COUNT", projection=projection, fetch_base=fetch_base)
