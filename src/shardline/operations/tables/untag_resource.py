"""UntagResource: remove tags from a table by key; unknown keys are ignored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shardline.errors import ResourceNotFoundException, ValidationException
from shardline.operations.context import OperationContext
from shardline.operations.tables.definition import definition_of
from shardline.operations.tables.tag_rules import table_name_of_resource
from shardline.settings import Settings
from shardline.storage.backend import WriteView

NAME = "UntagResource"


@dataclass(frozen=True)
class Request:
    table_name: str
    tag_keys: tuple[str, ...]


def parse(body: dict[str, Any], settings: Settings) -> Request:
    keys = body.get("TagKeys")
    return Request(
        table_name_of_resource(settings, str(body.get("ResourceArn", ""))),
        tuple(str(key) for key in keys) if isinstance(keys, list) else (),
    )


def check(request: Request) -> None:
    if not request.tag_keys:
        raise ValidationException("Atleast one Tag Key needs to be provided as Input.")


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body, ctx.settings)
    check(request)

    def untag(view: WriteView) -> None:
        table = view.get_table(request.table_name)
        if table is None:
            # Unlike TagResource and ListTagsOfResource, AWS does not name the ARN here.
            raise ResourceNotFoundException("Requested resource not found")
        definition = definition_of(table)
        removed = set(request.tag_keys)
        kept = tuple((key, value) for key, value in definition.tags if key not in removed)
        if kept != definition.tags:
            view.update_table_definition(table.name, definition.with_changes(tags=kept).to_json())

    await ctx.storage.write(untag)
    return {}
