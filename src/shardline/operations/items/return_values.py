"""ReturnValues: which attributes a write hands back, and which modes each operation accepts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shardline.errors import ValidationException
from shardline.expressions.ast import DocumentPath
from shardline.expressions.projection import project_paths
from shardline.values.types import Item

NONE = "NONE"
ALL_OLD = "ALL_OLD"
ALL_NEW = "ALL_NEW"
UPDATED_OLD = "UPDATED_OLD"
UPDATED_NEW = "UPDATED_NEW"


def check_put_or_delete_mode(mode: str | None) -> str:
    """PutItem and DeleteItem accept only NONE and ALL_OLD; the other enum members pass the shape
    check and are refused here with AWS's wording."""
    if mode is None:
        return NONE
    if mode not in (NONE, ALL_OLD):
        raise ValidationException("ReturnValues can only be ALL_OLD or NONE")
    return mode


def returned_attributes(
    mode: str, *, old: Item | None, new: Item | None, updated_paths: Sequence[DocumentPath] = ()
) -> Item | None:
    """The Attributes of the response, or None when there is nothing to return (AWS then leaves the
    member out rather than sending an empty map). UPDATED_* keep only the paths the update touched,
    nested structure included."""
    if mode == ALL_OLD:
        chosen = old
    elif mode == ALL_NEW:
        chosen = new
    elif mode == UPDATED_OLD:
        chosen = project_paths(updated_paths, old) if old else None
    elif mode == UPDATED_NEW:
        chosen = project_paths(updated_paths, new) if new else None
    else:
        chosen = None
    return chosen or None


def add_attributes(response: dict[str, Any], attributes: Item | None) -> dict[str, Any]:
    if attributes:
        response["Attributes"] = attributes
    return response
