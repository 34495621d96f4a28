"""TagResource: add or overwrite tags on a table, up to 50 per table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.operations.context import OperationContext
from shardline.operations.tables import specifications
from shardline.operations.tables.definition import definition_of
from shardline.operations.tables.tag_rules import (
    check_tags,
    merge_tags,
    resource_not_found,
    table_name_of_resource,
)
from shardline.settings import Settings
from shardline.storage.backend import WriteView

NAME = "TagResource"


@dataclass(frozen=True)
class Request:
    resource_arn: str
    table_name: str
    tags: tuple[tuple[str, str], ...]


def parse(body: dict[str, Any], settings: Settings) -> Request:
    arn = str(body.get("ResourceArn", ""))
    return Request(arn, table_name_of_resource(settings, arn), specifications.tags(body.get("Tags")))


def check(request: Request) -> None:
    if not request.tags:
        raise ValidationException("Atleast one Tag needs to be provided as Input.")
    check_tags(request.tags)


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body, ctx.settings)
    check(request)

    def tag(view: WriteView) -> None:
        table = view.get_table(request.table_name)
        if table is None:
            raise resource_not_found(request.resource_arn)
        definition = definition_of(table)
        merged = merge_tags(definition.tags, request.tags)
        view.update_table_definition(table.name, definition.with_changes(tags=merged).to_json())

    await ctx.storage.write(tag)
    return {}
