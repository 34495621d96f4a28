"""ListStreams: the streams of the account (or of one table), enabled or disabled within retention, in ARN
order, a page of at most Limit (default and maximum 100) at a time."""

from __future__ import annotations

from typing import Any

from shardline.operations.context import OperationContext
from shardline.operations.streams.limits import page_limit
from shardline.streams.reader import StreamReader

NAME = "ListStreams"
MAX_LIMIT = 100


async def run(ctx: OperationContext, body: dict[str, Any]) -> dict[str, Any]:
    limit = page_limit(body, MAX_LIMIT)
    reader = StreamReader(ctx.storage, ctx.clock, ctx.settings)
    streams, last = await reader.list_streams(body.get("TableName"), limit, body.get("ExclusiveStartStreamArn"))
    response: dict[str, Any] = {"Streams": streams}
    if last is not None:
        response["LastEvaluatedStreamArn"] = last
    return response
