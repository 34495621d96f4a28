"""ListTagsOfResource: a table's tags. A table holds at most 50 tags, so one page holds them all; a
NextToken is honoured as the offset this operation would have issued."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shardline.errors import ValidationException
from shardline.operations.context import OperationContext
from shardline.operations.tables.definition import definition_of
from shardline.operations.tables.tag_rules import resource_not_found, table_name_of_resource
from shardline.settings import Settings
from shardline.storage.backend import ReadView

NAME = "ListTagsOfResource"

PAGE_SIZE = 50


@dataclass(frozen=True)
class Request:
    resource_arn: str
    table_name: str
    offset: int


def parse(body: dict[str, Any], settings: Settings) -> Request:
    arn = str(body.get("ResourceArn", ""))
    token = body.get("NextToken")
    offset = 0
    if token is not None:
        # isdigit() alone admits digits such as "²" that int() refuses (found by the fuzz harness).
        if not (str(token).isascii() and str(token).isdigit()):
            raise ValidationException(f"Invalid NextToken: {token}")
        offset = int(token)
    return Request(arn, table_name_of_resource(settings, arn), offset)


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body, ctx.settings)

    def read_tags(view: ReadView) -> tuple[tuple[str, str], ...]:
        table = view.get_table(request.table_name)
        if table is None:
            raise resource_not_found(request.resource_arn)
        return definition_of(table).tags

    tags = await ctx.storage.read(read_tags)
    page = tags[request.offset : request.offset + PAGE_SIZE]
    response: dict[str, Any] = {"Tags": [{"Key": key, "Value": value} for key, value in page]}
    if request.offset + PAGE_SIZE < len(tags):
        response["NextToken"] = str(request.offset + PAGE_SIZE)
    return response
