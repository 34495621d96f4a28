"""ListTables: table names in ascending order, a page of at most Limit (default 100) at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shardline.operations.context import OperationContext
from shardline.storage.backend import ReadView

NAME = "ListTables"

DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class Request:
    exclusive_start: str | None
    limit: int


def parse(body: dict[str, Any]) -> Request:
    # The model's shape checks bound Limit to 1..100 and ExclusiveStartTableName to a table name.
    start = body.get("ExclusiveStartTableName")
    return Request(None if start is None else str(start), int(body.get("Limit") or DEFAULT_LIMIT))


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    request = parse(body)

    def page(view: ReadView) -> tuple[list[str], bool]:
        # One name more than the page tells whether LastEvaluatedTableName is due.
        names = view.list_table_names(request.exclusive_start, request.limit + 1)
        return names[: request.limit], len(names) > request.limit

    names, more = await ctx.storage.read(page)
    response: dict[str, Any] = {"TableNames": names}
    if more:
        response["LastEvaluatedTableName"] = names[-1]
    return response
